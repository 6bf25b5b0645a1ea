package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDistIsReproducible builds the host's package twice, in two folders:
// the same commit gives the same bytes, and the binary inside says its
// version, commit and the Pulumi version it was tested with.
func TestDistIsReproducible(t *testing.T) {
	t.Parallel()
	o := options{version: "1.2.3", commit: "0123456789abcdef", pulumi: "v3.274.1", platforms: host, pkg: "github.com/octopulumi/octopulumi/adapters/octopulumi", date: 1795000000}
	var sums [2][]byte
	var pkgPath string
	for i := range sums {
		o.out = t.TempDir()
		names, err := run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 2 || !strings.HasPrefix(names[0], "octopulumi-") || !strings.HasSuffix(names[0], ".1.2.3.tar.gz") {
			t.Fatalf("packages %v", names)
		}
		if sums[i], err = os.ReadFile(filepath.Join(o.out, "SHA256SUMS")); err != nil {
			t.Fatal(err)
		}
		pkgPath = filepath.Join(o.out, names[0])
	}
	if !bytes.Equal(sums[0], sums[1]) {
		t.Fatalf("two builds of one commit differ:\n%s\n%s", sums[0], sums[1])
	}
	bin := extract(t, pkgPath, "octopulumi")
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("octopulumi version: %v\n%s", err, out)
	}
	for _, want := range []string{"octopulumi 1.2.3", "commit 0123456789abcdef", "Pulumi CLI v3.274.1"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("version output %q lacks %q", out, want)
		}
	}
}

func extract(t *testing.T, archive, name string) string {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("%s holds no %s", archive, name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == name {
			path := filepath.Join(t.TempDir(), name)
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o755); err != nil {
				t.Fatal(err)
			}
			return path
		}
	}
}
