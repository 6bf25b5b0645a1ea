package safefile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "Pulumi.yaml")
	if err := os.WriteFile(file, []byte("name: demo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	folderLink := filepath.Join(dir, "folder-link")
	if err := os.Symlink(folder, folderLink); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		max     int64
		want    string // content, when no error is wanted
		wantErr error
		msg     string // wanted in the error
	}{
		{"regular file", file, 1 << 20, "name: demo\n", nil, ""},
		{"exactly at the limit", file, 11, "name: demo\n", nil, ""},
		{"symlink to a regular file", link, 1 << 20, "name: demo\n", nil, ""},
		{"missing", filepath.Join(dir, "nope"), 1 << 20, "", fs.ErrNotExist, "nope"},
		{"folder", folder, 1 << 20, "", ErrNotRegular, folder + " is a folder, not a regular file"},
		{"symlink to a folder", folderLink, 1 << 20, "", ErrNotRegular, folderLink + " is a symlink to " + folder + ", which is a folder"},
		{"over the limit", file, 10, "", ErrTooLarge, file + " is 11 bytes, larger than the 10 bytes it may hold"},
		{"far over the limit", file, 0, "", ErrTooLarge, "larger than the 0 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadFile(tt.path, tt.max)
			if tt.wantErr == nil {
				if err != nil || string(got) != tt.want {
					t.Fatalf("ReadFile = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("ReadFile = %q, %v; want %v saying %q", got, err, tt.wantErr, tt.msg)
			}
		})
	}
}

func TestTooLargeErrorReadsWell(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  TooLargeError
		want string
	}{
		{TooLargeError{Path: "Pulumi.yaml", Size: 5 << 20, Max: 4 << 20}, "Pulumi.yaml is 5 MiB (5242880 bytes), larger than the 4 MiB (4194304 bytes) it may hold: is it the right file?"},
		{TooLargeError{Path: "x.json", Size: 1536, Max: 1000}, "x.json is 1.5 KiB (1536 bytes), larger than the 1000 bytes it may hold: is it the right file?"},
		{TooLargeError{Path: "x.json", Size: -1, Max: 1 << 30}, "x.json is larger than the 1 GiB (1073741824 bytes) it may hold (it grew while being read)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Fatalf("Error() = %q\nwant      %q", got, tt.want)
			}
		})
	}
}

func TestOpenReadsARegularFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, err := io.ReadAll(f); err != nil || string(b) != "abc" {
		t.Fatalf("read %q, %v", b, err)
	}
}
