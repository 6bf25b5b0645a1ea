package cache

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// hugeSize is the size of the plugin in hugeBundle: far more than any
// restore here could copy or hash in the time the test allows.
const hugeSize = 8 << 30

// hugeBundle writes a bundle of one 8 GiB plugin, as an archive and as an
// extracted folder, both sparse (they take no room on disk), and returns
// their paths.
func hugeBundle(t *testing.T) (archive, folder string) {
	t.Helper()
	root := t.TempDir()
	p := Plugin{Kind: "resource", Name: "huge", Version: "1.0.0", Checksums: map[string]string{Platform(): sum64}}
	rec := fileRecord{Path: p.Binary(), Type: "file", Mode: 0o755, Size: hugeSize, SHA256: sum64}
	raw, err := json.Marshal(bundleIndex{Format: ManifestFormat, Platform: Platform(), Plugins: []entryRecord{{Plugin: p, Files: []fileRecord{rec}}}})
	if err != nil {
		t.Fatal(err)
	}

	folder = filepath.Join(root, "extracted")
	sparse(t, filepath.Join(folder, "plugins", p.Dir(), p.Binary()), hugeSize)
	if err := os.Chmod(filepath.Join(folder, "plugins", p.Dir(), p.Binary()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, IndexFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}

	archive = filepath.Join(root, "plugins.tar")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f) // writes each header as it is given: no buffering
	if err := tw.WriteHeader(&tar.Header{Name: IndexFile, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(raw))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(raw); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*tar.Header{
		{Name: "plugins/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "plugins/" + p.Dir() + "/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "plugins/" + p.Dir() + "/" + p.Binary(), Typeflag: tar.TypeReg, Mode: 0o755, Size: hugeSize, Format: tar.FormatPAX},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	// The plugin's bytes (zeros), then the two zero blocks that end a tar.
	end, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		err = f.Truncate(end + hugeSize + 1024)
	}
	if err != nil {
		t.Fatal(err)
	}
	return archive, folder
}

// sparse makes a file of size bytes that takes no room on disk.
func sparse(t *testing.T, p string, size int64) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err == nil {
		err = errors.Join(f.Truncate(size), f.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCancelledRestoreStopsPromptly: a restore busy copying or hashing a
// large plugin ends soon after its context does, with the context's error
// (not an integrity error), and leaves nothing installed or staged.
func TestCancelledRestoreStopsPromptly(t *testing.T) {
	t.Parallel()
	archive, folder := hugeBundle(t)
	tests := []struct {
		name string
		src  string
		opts []RestoreOption
	}{
		{"archive, extracted and hashed", archive, nil},
		{"folder, hashed", folder, []RestoreOption{VerifyContents()}},
		{"folder, copied", folder, []RestoreOption{WithCopy()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := Restore(ctx, tt.src, home, tt.opts...)
				done <- err
			}()
			select {
			case err := <-done:
				t.Fatalf("Restore of an 8 GiB plugin ended before it was cancelled: %v", err)
			case <-time.After(300 * time.Millisecond):
			}
			cancel()
			var err error
			select {
			case err = <-done:
			case <-time.After(3 * time.Second):
				t.Fatal("Restore still running 3 s after its context was cancelled")
			}
			if !errors.Is(err, context.Canceled) || errors.Is(err, ErrIntegrity) {
				t.Fatalf("Restore = %v; want context.Canceled, not an integrity error", err)
			}
			if ok, _ := storeOf(home).installed("resource-huge-v1.0.0"); ok {
				t.Fatal("a cancelled restore installed the plugin")
			}
			noStaging(t, home)
		})
	}
}
