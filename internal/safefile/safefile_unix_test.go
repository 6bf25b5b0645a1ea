//go:build unix

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test unless fn returns within a few seconds; a FIFO
// with no writer would otherwise hang the open forever.
func within(t *testing.T, fifo string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		// Release the blocked open, so that the goroutine ends.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatal("hung on a FIFO")
		return nil
	}
}

func TestSpecialFilesAreRefusedWithoutBlocking(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "octopulumi-bundle.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	fifoLink := filepath.Join(dir, "fifo-link")
	zeroLink := filepath.Join(dir, "zero-link")
	for link, target := range map[string]string{fifoLink: fifo, zeroLink: "/dev/zero"} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		path string
		open func(string) error // ReadFile, Open, or the open after the check
		msg  string
	}{
		{"FIFO", fifo, readFile, fifo + " is a named pipe (FIFO)"},
		{"symlink to a FIFO", fifoLink, readFile, fifoLink + " is a symlink to " + fifo + ", which is a named pipe"},
		{"Open of a FIFO", fifo, open, "named pipe"},
		// A FIFO swapped in after the check: the open itself must not block.
		{"FIFO past the check", fifo, openAfterCheck, "named pipe"},
		{"/dev/zero", "/dev/zero", readFile, "/dev/zero is a character device, which could be read without end, not a regular file"},
		{"symlink to /dev/zero", zeroLink, readFile, zeroLink + " is a symlink to /dev/zero, which is a character device"},
		{"/dev/zero past the check", "/dev/zero", openAfterCheck, "character device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := within(t, fifo, func() error { return tt.open(tt.path) })
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error = %v; want ErrNotRegular saying %q", err, tt.msg)
			}
		})
	}
}

func readFile(p string) error {
	_, err := ReadFile(p, 1<<20)
	return err
}

func open(p string) error {
	f, err := Open(p)
	if err == nil {
		f.Close()
	}
	return err
}

func openAfterCheck(p string) error {
	f, err := openRegular(p)
	if err == nil {
		f.Close()
	}
	return err
}

func TestOpenedFileIsBlocking(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), syscall.F_GETFL, 0)
	if errno != 0 || flags&syscall.O_NONBLOCK != 0 {
		t.Fatalf("flags %#x, errno %v: want the file back in blocking mode", flags, errno)
	}
}
