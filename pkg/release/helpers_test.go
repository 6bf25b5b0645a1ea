package release_test

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// project is a minimal Pulumi.yaml: packing never runs the program.
const project = "name: infra\nruntime: yaml\n"

// writeFiles writes files (path with '/' → content) under dir in the
// order given by names, creating folders as needed.
func writeFiles(t *testing.T, dir string, files map[string]string, names []string) {
	t.Helper()
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sortedKeys is files' paths, sorted.
func sortedKeys(files map[string]string) []string {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// zipEntry is what a test checks of one entry of a zip file.
type zipEntry struct {
	mode     os.FileMode
	modified time.Time
	data     string
}

// readZip returns the entries of the zip file at path, by name, and their
// names in archive order.
func readZip(t *testing.T, path string) (map[string]zipEntry, []string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	entries := map[string]zipEntry{}
	var order []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		buf, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		entries[f.Name] = zipEntry{mode: f.Mode().Perm(), modified: f.Modified.UTC(), data: string(buf)}
		order = append(order, f.Name)
	}
	return entries, order
}
