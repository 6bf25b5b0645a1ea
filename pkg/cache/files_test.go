package cache

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckRecordsKeepsEverythingInsideThePluginFolder(t *testing.T) {
	t.Parallel()
	dir := func(p string) fileRecord { return fileRecord{Path: p, Type: "dir", Mode: 0o755} }
	link := func(p, target string) fileRecord { return fileRecord{Path: p, Type: "symlink", Target: target} }
	file := func(p string) fileRecord { return fileRecord{Path: p, Type: "file", Mode: 0o644} }
	for _, tc := range []struct {
		name  string
		files []fileRecord
		bad   string // the file the error must name; "" when the list is safe
	}{
		{"node-style relative links", []fileRecord{dir("node_modules"), dir("node_modules/.bin"), dir("node_modules/x"), file("node_modules/x/cli.js"), link("node_modules/.bin/x", "../x/cli.js")}, ""},
		{"link to a link inside", []fileRecord{link("a", "b"), link("b", "c"), file("c")}, ""},
		{"dangling link inside", []fileRecord{link("a", "not-there")}, ""},
		{"parent of the folder", []fileRecord{link("up", "..")}, "up"},
		{"absolute target", []fileRecord{link("passwd", "/etc/passwd")}, "passwd"},
		{"chain through a folder link", []fileRecord{dir("d"), link("d/up", ".."), link("d/up/x", "..")}, "d/up/x"},
		{"file below a link", []fileRecord{dir("d"), link("d/up", ".."), file("d/up/f")}, "d/up/f"},
		{"dot-dot after a link to the root", []fileRecord{link("a", "."), link("b", "a/a/a/..")}, "b"},
		{"loop", []fileRecord{link("a", "b/x"), link("b", "a/x")}, "a"},
		{"unclean path", []fileRecord{file("a/../b")}, "a/../b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkRecords("resource-x-v1.0.0", tc.files, false)
			if tc.bad == "" {
				if err != nil {
					t.Fatalf("checkRecords = %v, want nil", err)
				}
				return
			}
			var ie *IntegrityError
			if !errors.As(err, &ie) || ie.File != tc.bad {
				t.Fatalf("checkRecords = %v, want an IntegrityError naming %s", err, tc.bad)
			}
		})
	}
}

// tarball writes entries (a body for each regular file) as a tar, gzipped
// when gz is set.
func tarball(t *testing.T, gz bool, entries []*tar.Header, bodies map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var zw *gzip.Writer
	var tw *tar.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(&buf)
	}
	for _, h := range entries {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(bodies[h.Name]))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(bodies[h.Name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// chain is a symlink chain that lexical checks of each target accept but
// that writes evil one level above the plugin folder.
var chain = []*tar.Header{
	{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755},
	{Name: "d/up", Typeflag: tar.TypeSymlink, Linkname: ".."},
	{Name: "d/up/x", Typeflag: tar.TypeSymlink, Linkname: ".."},
	{Name: "d/up/x/evil", Typeflag: tar.TypeReg, Mode: 0o755},
}

func TestPluginTarballCannotWriteOutsideThroughSymlinks(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "plugins", "resource-x-v1.0.0")
	raw := tarball(t, true, chain, map[string][]byte{"d/up/x/evil": []byte("pwned")})
	err := extractPluginTarball(context.Background(), bytes.NewReader(raw), dir)
	if err == nil || !strings.Contains(err.Error(), "d/up/x") {
		t.Fatalf("extractPluginTarball = %v, want a refusal naming d/up/x", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "plugins", "evil")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file was written outside the plugin folder: %v", err)
	}
}

func TestRestoreRefusesAnIndexWithASymlinkChain(t *testing.T) {
	t.Parallel()
	const key = "resource-x-v1.0.0"
	body := []byte("pwned")
	idx := bundleIndex{Format: ManifestFormat, Platform: Platform(), Plugins: []entryRecord{{
		Plugin: Plugin{Kind: "resource", Name: "x", Version: "1.0.0", Checksums: map[string]string{Platform(): strings.Repeat("0", 64)}},
		Files: []fileRecord{
			{Path: "d", Type: "dir", Mode: 0o755},
			{Path: "d/up", Type: "symlink", Target: ".."},
			{Path: "d/up/x", Type: "symlink", Target: ".."},
			{Path: "d/up/x/evil", Type: "file", Mode: 0o755, Size: int64(len(body)), SHA256: sha256Hex(body)},
		},
	}}}
	raw, err := json.Marshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	entries := []*tar.Header{{Name: IndexFile, Typeflag: tar.TypeReg, Mode: 0o644}}
	for _, h := range chain {
		cp := *h
		cp.Name = "plugins/" + key + "/" + h.Name
		entries = append(entries, &cp)
	}
	bodies := map[string][]byte{IndexFile: raw, "plugins/" + key + "/d/up/x/evil": body}
	src := filepath.Join(t.TempDir(), "bundle.tar")
	if err := os.WriteFile(src, tarball(t, false, entries, bodies), 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	_, err = Restore(context.Background(), src, home)
	var ie *IntegrityError
	if !errors.As(err, &ie) || ie.File != "d/up/x" {
		t.Fatalf("Restore = %v, want an IntegrityError naming d/up/x", err)
	}
	if got := entries0(t, home); got != "" {
		t.Fatalf("Restore left %s in PULUMI_HOME", got)
	}
}

// entries0 lists what lies in home, recursively, for a failure message.
func entries0(t *testing.T, home string) string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(home, func(p string, _ os.DirEntry, err error) error {
		if err == nil && p != home {
			out = append(out, strings.TrimPrefix(p, home))
		}
		return nil
	})
	return strings.Join(out, ", ")
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
