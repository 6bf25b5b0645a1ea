package cache

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tinyMirror serves small synthetic plugin tarballs (a binary, a README in
// a sub-folder and a symlink), one per version, and returns their manifest.
func tinyMirror(t *testing.T, versions ...string) *Manifest {
	t.Helper()
	assets := map[string][]byte{}
	m := &Manifest{Format: ManifestFormat, Pulumi: "v3.274.1"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := assets[filepath.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	for _, v := range versions {
		p := Plugin{Kind: "resource", Name: "tiny", Version: v, Server: srv.URL}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		body := []byte("\x7fELF tiny provider " + v + strings.Repeat(".", 4096))
		for _, h := range []*tar.Header{
			{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: "./pulumi-resource-tiny", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(body))},
			{Name: "./docs/", Typeflag: tar.TypeDir, Mode: 0o700},
			{Name: "./docs/README.md", Typeflag: tar.TypeReg, Mode: 0o600, Size: 5},
			{Name: "./README.md", Typeflag: tar.TypeSymlink, Linkname: "docs/README.md"},
		} {
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			switch h.Size {
			case 5:
				tw.Write([]byte("hello"))
			case int64(len(body)):
				tw.Write(body)
			}
		}
		tw.Close()
		zw.Close()
		assets[p.Asset(Platform())] = buf.Bytes()
		sum := sha256.Sum256(buf.Bytes())
		p.Checksums = map[string]string{Platform(): hex.EncodeToString(sum[:])}
		m.Plugins = append(m.Plugins, p)
	}
	return m
}

// tinyBundle bundles a tinyMirror's plugins and returns the manifest and
// the bundle's path.
func tinyBundle(t *testing.T, versions ...string) (*Manifest, string) {
	t.Helper()
	m := tinyMirror(t, versions...)
	bundle := filepath.Join(t.TempDir(), "b.tar")
	if err := BundleFile(context.Background(), m, bundle); err != nil {
		t.Fatal(err)
	}
	return m, bundle
}

func TestBundleIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := tinyMirror(t, "1.0.0", "2.0.0")
	dir := t.TempDir()
	var first []byte
	for i, name := range []string{"a.tar.gz", "b.tar.gz"} {
		if i == 1 {
			time.Sleep(1100 * time.Millisecond) // a different second, in case time leaked in
		}
		p := filepath.Join(dir, name)
		if err := BundleFile(ctx, m, p); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if i == 0 {
			first = b
		} else if !bytes.Equal(first, b) {
			t.Fatal("the same manifest gave different bundle bytes")
		}
	}
	home := t.TempDir()
	r, err := Restore(ctx, filepath.Join(dir, "a.tar.gz"), home, WithManifest(m))
	if err != nil || len(r.Installed) != 2 {
		t.Fatalf("Restore = %+v, %v", r, err)
	}
	if target, err := os.Readlink(filepath.Join(home, "plugins", "resource-tiny-v1.0.0", "README.md")); err != nil || target != "docs/README.md" {
		t.Fatalf("symlink = %q, %v", target, err)
	}
	if info, _ := os.Stat(filepath.Join(home, "plugins", "resource-tiny-v1.0.0", "pulumi-resource-tiny")); info.Mode().Perm() != 0o755 {
		t.Fatalf("binary mode %v", info.Mode())
	}

	// A manifest whose checksum differs from the tarball the mirror serves.
	bad := *m
	bad.Plugins = []Plugin{m.Plugins[0]}
	bad.Plugins[0].Checksums = map[string]string{Platform(): sum64}
	if err := Bundle(ctx, &bad, &bytes.Buffer{}); !strings.Contains(err.Error(), "resource-tiny-v1.0.0") || !strings.Contains(err.Error(), "manifest says") {
		t.Fatalf("Bundle with a wrong checksum = %v", err)
	}
	// A bundle that does not hold a manifest's plugin.
	other := tinyMirror(t, "3.0.0")
	if _, err := Restore(ctx, filepath.Join(dir, "a.tar.gz"), t.TempDir(), WithManifest(other)); !strings.Contains(err.Error(), "resource-tiny-v3.0.0") {
		t.Fatalf("Restore of a plugin not in the bundle = %v", err)
	}
}

func TestVerifyFindsAndRepairsDamage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, bundle := tinyBundle(t, "1.0.0", "1.1.0", "1.2.0")
	home := t.TempDir()
	if _, err := Restore(ctx, bundle, home, WithCopy()); err != nil {
		t.Fatal(err)
	}
	bin := func(v string) string {
		return filepath.Join(home, "plugins", "resource-tiny-v"+v, "pulumi-resource-tiny")
	}
	if err := os.Truncate(bin("1.1.0"), 10); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(bin("1.0.0"))
	b[100] ^= 1
	if err := os.WriteFile(bin("1.0.0"), b, 0o755); err != nil {
		t.Fatal(err)
	}

	r, err := Verify(ctx, home)
	if err != nil || len(r.Problems) != 1 || r.Problems[0].Plugin != "resource-tiny-v1.1.0" || !strings.Contains(r.Problems[0].Reason, "truncated") {
		t.Fatalf("Verify = %+v, %v; want the truncated 1.1.0", r, err)
	}
	r, err = Verify(ctx, home, VerifyContents(), Repair())
	if err != nil || len(r.Problems) != 2 || r.Problems[0].Plugin != "resource-tiny-v1.0.0" || !strings.Contains(r.Problems[0].Reason, "SHA-256") || !r.Problems[1].Repaired {
		t.Fatalf("Verify(contents, repair) = %+v, %v", r, err)
	}
	if len(r.Verified) != 1 || r.Verified[0] != "resource-tiny-v1.2.0" || len(r.Unrecorded) != 0 {
		t.Fatalf("Verify(contents) verified %v, unrecorded %v; want the sound 1.2.0 verified", r.Verified, r.Unrecorded)
	}
	missing, err := Check(home, m)
	if err != nil || len(missing) != 2 {
		t.Fatalf("Check after repair = %v, %v; want the two repaired plugins missing", missing, err)
	}
	if r, err := Verify(ctx, home, VerifyContents()); err != nil || len(r.Problems) != 0 {
		t.Fatalf("Verify after repair = %+v, %v", r, err)
	}
	if r, err := Restore(ctx, bundle, home); err != nil || len(r.Installed) != 2 || len(r.Present) != 1 {
		t.Fatalf("Restore after repair = %+v, %v", r, err)
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, bundle := tinyBundle(t, "1.0.0", "1.1.0", "1.2.0")
	now := time.Now()
	used := map[string]time.Duration{"1.0.0": 3 * time.Hour, "1.1.0": time.Hour, "1.2.0": time.Minute}
	size := dirSize(filepath.Join(t.TempDir())) // 0, to show the helper on an empty folder
	tests := []struct {
		name    string
		opts    []PruneOption
		removed []string
	}{
		{"keep latest 2", []PruneOption{KeepLatest(2)}, []string{"resource-tiny-v1.0.0"}},
		{"keep latest 1 spares the one in use", []PruneOption{KeepLatest(1)}, []string{"resource-tiny-v1.0.0", "resource-tiny-v1.1.0"}},
		{"size cap", []PruneOption{MaxBytes(5000)}, []string{"resource-tiny-v1.0.0", "resource-tiny-v1.1.0"}},
		{"cap below the one in use", []PruneOption{MaxBytes(0), KeepLatest(3)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			if _, err := Restore(ctx, bundle, home); err != nil {
				t.Fatal(err)
			}
			for v, ago := range used {
				at := now.Add(-ago)
				if err := os.Chtimes(filepath.Join(home, "plugins", "resource-tiny-v"+v+lastUsedSuffix), at, at); err != nil {
					t.Fatal(err)
				}
			}
			r, err := Prune(ctx, home, append(tt.opts, WithNow(func() time.Time { return now }))...)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(r.Removed, ",") != strings.Join(tt.removed, ",") {
				t.Fatalf("removed %v, want %v", r.Removed, tt.removed)
			}
			if missing, _ := Check(home, m); len(missing) != len(tt.removed) {
				t.Fatalf("Check = %v after removing %v", missing, tt.removed)
			}
			if r.Freed+r.Kept <= size || (len(tt.removed) > 0 && r.Freed == 0) {
				t.Fatalf("freed %d, kept %d", r.Freed, r.Kept)
			}
		})
	}
	if _, err := Prune(ctx, t.TempDir()); err == nil {
		t.Fatal("Prune without a policy succeeded")
	}
}

func TestWarmThroughSharedCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, bundle := tinyBundle(t, "1.0.0")
	root := t.TempDir()
	extracted := filepath.Join(root, "extracted")
	if _, err := Restore(ctx, bundle, extracted); err != nil { // a folder in the bundle's layout
		t.Fatal(err)
	}
	shared, home := filepath.Join(root, "shared"), filepath.Join(root, "home")
	r, err := Warm(ctx, home, FromBundle(extracted), FromShared(shared), WithManifest(m))
	if err != nil || len(r.Installed) != 1 || r.Linked != 2 || len(r.Missing) != 0 {
		t.Fatalf("Warm = %+v, %v", r, err)
	}
	rel := filepath.Join("plugins", "resource-tiny-v1.0.0", "pulumi-resource-tiny")
	inHome, _ := os.Stat(filepath.Join(home, rel))
	inShared, _ := os.Stat(filepath.Join(shared, rel))
	inBundle, _ := os.Stat(filepath.Join(extracted, rel))
	if !os.SameFile(inHome, inShared) || os.SameFile(inShared, inBundle) {
		t.Fatal("want the run's PULUMI_HOME linked to the shared cache, and the shared cache its own copy")
	}
	if r, err := Warm(ctx, filepath.Join(root, "home2"), FromShared(shared)); err != nil || len(r.Installed) != 1 {
		t.Fatalf("Warm from the shared cache alone = %+v, %v", r, err)
	}
	if r, err := Warm(ctx, filepath.Join(root, "empty"), WithManifest(m)); err != nil || len(r.Missing) != 1 {
		t.Fatalf("Warm with no source = %+v, %v; want the plugin reported missing", r, err)
	}
}
