//go:build unix

package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// mkfifo makes a FIFO at p and, when the test ends, opens it for writing
// once, which releases a reader stuck opening it (as an unfixed reader
// would be).
func mkfifo(t *testing.T, p string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	return p
}

func symlink(t *testing.T, target, p string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// fifoRecordHome makes dir a PULUMI_HOME holding one plugin whose octopulumi
// record is a FIFO.
func fifoRecordHome(t *testing.T, dir string) string {
	t.Helper()
	fakeInstalled(t, dir, "tiny")
	mkfifo(t, filepath.Join(dir, "plugins", "resource-tiny-v1.0.0"+recordSuffix))
	return dir
}

// fakeInstalled installs an executable named as Pulumi names a resource
// plugin, without an octopulumi record.
func fakeInstalled(t *testing.T, home, name string) {
	t.Helper()
	dir := filepath.Join(home, "plugins", "resource-"+name+"-v1.0.0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pulumi-resource-"+name), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestOutsideFilesAreReadOnlyIfRegularAndBounded: every file whose path
// comes from outside (a bundle's index, the bundle itself, a manifest, a
// record in a shared cache) is refused, promptly, unless it is a regular
// file of a sane size. Unfixed, the /dev/zero index grows memory without end
// and the FIFOs hang forever.
func TestOutsideFilesAreReadOnlyIfRegularAndBounded(t *testing.T) {
	t.Parallel()
	restore := func(ctx context.Context, src string) error {
		_, err := Restore(ctx, src, filepath.Join(filepath.Dir(src), "home"))
		return err
	}
	readManifest := func(_ context.Context, p string) error {
		_, err := ReadManifest(p)
		return err
	}
	verify := func(ctx context.Context, home string) error {
		r, err := Verify(ctx, home)
		if err != nil || len(r.Problems) != 1 {
			return fmt.Errorf("Verify = %+v, %v; want one problem", r, err)
		}
		return errors.New(r.Problems[0].String())
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to hand over
		call  func(ctx context.Context, path string) error
		is    error  // wanted in the error's chain (nil: only the message is checked)
		msg   string // wanted in the error's text
	}{
		{"bundle index is a symlink to /dev/zero", func(t *testing.T, dir string) string {
			symlink(t, "/dev/zero", filepath.Join(dir, "bundle", IndexFile))
			return filepath.Join(dir, "bundle")
		}, restore, safefile.ErrNotRegular, "symlink to /dev/zero, which is a character device"},
		{"bundle index is a FIFO", func(t *testing.T, dir string) string {
			mkfifo(t, filepath.Join(dir, "bundle", IndexFile))
			return filepath.Join(dir, "bundle")
		}, restore, safefile.ErrNotRegular, IndexFile + " is a named pipe (FIFO)"},
		{"bundle index is a folder", func(t *testing.T, dir string) string {
			if err := os.MkdirAll(filepath.Join(dir, "bundle", IndexFile), 0o755); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "bundle")
		}, restore, safefile.ErrNotRegular, IndexFile + " is a folder"},
		{"bundle index over its bound", func(t *testing.T, dir string) string {
			sparse(t, filepath.Join(dir, "bundle", IndexFile), maxIndexBytes+1)
			return filepath.Join(dir, "bundle")
		}, restore, safefile.ErrTooLarge, "larger than the 64 MiB"},
		{"bundle archive is a FIFO", func(t *testing.T, dir string) string {
			return mkfifo(t, filepath.Join(dir, "plugins.tar"))
		}, restore, safefile.ErrNotRegular, "plugins.tar is a named pipe (FIFO)"},
		{"bundle archive is a symlink to /dev/zero", func(t *testing.T, dir string) string {
			return symlink(t, "/dev/zero", filepath.Join(dir, "plugins.tar"))
		}, restore, safefile.ErrNotRegular, "plugins.tar is a symlink to /dev/zero"},
		{"manifest is a FIFO", func(t *testing.T, dir string) string {
			return mkfifo(t, filepath.Join(dir, ManifestFile))
		}, readManifest, safefile.ErrNotRegular, ManifestFile + " is a named pipe (FIFO)"},
		{"manifest is a symlink to /dev/zero", func(t *testing.T, dir string) string {
			return symlink(t, "/dev/zero", filepath.Join(dir, ManifestFile))
		}, readManifest, safefile.ErrNotRegular, "character device"},
		{"manifest over its bound", func(t *testing.T, dir string) string {
			return sparse(t, filepath.Join(dir, ManifestFile), maxManifestBytes+1)
		}, readManifest, safefile.ErrTooLarge, "larger than the 4 MiB"},
		{"record in a shared cache is a FIFO", fifoRecordHome, verify, nil, "resource-tiny-v1.0.0" + recordSuffix + " is a named pipe (FIFO)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := tt.setup(t, t.TempDir())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- tt.call(ctx, path) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("still reading %s after 5 s", path)
			}
			if (tt.is != nil && !errors.Is(err, tt.is)) || err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error = %v; want %v saying %q", err, tt.is, tt.msg)
			}
		})
	}
}
