//go:build unix

package release_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/release"
)

// TestNamedPipeIsRefused: a FIFO in the program folder (whose read would
// wait for a writer) is named, not read; one the ignore file lists is
// passed by.
func TestNamedPipeIsRefused(t *testing.T) {
	t.Parallel()
	for _, ignored := range []bool{false, true} {
		dir := t.TempDir()
		files := map[string]string{"Pulumi.yaml": project}
		if ignored {
			files[release.IgnoreFile] = "*.fifo\n"
		}
		writeFiles(t, dir, files, sortedKeys(files))
		if err := syscall.Mkfifo(filepath.Join(dir, "events.fifo"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := release.Build(context.Background(), release.Options{Program: dir, ID: "Infra", Version: "1.0.0", Out: t.TempDir(), Environ: []string{}})
		fe, ok := errors.AsType[*release.FileError](err)
		switch {
		case ignored && err != nil:
			t.Errorf("an ignored FIFO: Build = %v", err)
		case !ignored && (!ok || fe.Path != "events.fifo" || !strings.Contains(err.Error(), "named pipe")):
			t.Errorf("Build = %v, want a FileError naming the named pipe", err)
		}
	}
}
