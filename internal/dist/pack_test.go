package dist

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var files = []File{
	{Name: "octopulumi", Mode: 0o755, Data: []byte("\x7fELF binary")},
	{Name: "LICENSE.txt", Mode: 0o644, Data: []byte("license")},
}

func TestArchivesAreReproducible(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 27, 8, 0, 1, 0, time.UTC)
	for name, pack := range map[string]func(io.Writer, []File, time.Time) error{"tar.gz": TarGz, "zip": Zip} {
		var a, b bytes.Buffer
		if err := pack(&a, files, at); err != nil {
			t.Fatal(err)
		}
		// Another order, later: the same bytes.
		time.Sleep(10 * time.Millisecond)
		if err := pack(&b, []File{files[1], files[0]}, at); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two packs of the same files differ", name)
		}
	}
}

func TestTarGzContents(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := TarGz(&buf, files, Epoch); err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q, time %s", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		if hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || !hdr.ModTime.Equal(Epoch) {
			t.Errorf("%s: uid %d gid %d uname %q time %s", hdr.Name, hdr.Uid, hdr.Gid, hdr.Uname, hdr.ModTime)
		}
		if hdr.Name == "octopulumi" && hdr.Mode != 0o755 {
			t.Errorf("the binary's mode is %o", hdr.Mode)
		}
	}
	if strings.Join(names, ",") != "LICENSE.txt,octopulumi" {
		t.Errorf("entries %v, want sorted", names)
	}
}

func TestZipContents(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Zip(&buf, files, Epoch); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 2 || zr.File[1].Name != "octopulumi" || zr.File[1].Mode().Perm() != 0o755 {
		t.Errorf("zip entries %v", zr.File)
	}
}

func TestPackageName(t *testing.T) {
	t.Parallel()
	if n, err := PackageName("octopulumi-linux-amd64", "0.3.0", ".tar.gz"); err != nil || n != "octopulumi-linux-amd64.0.3.0.tar.gz" {
		t.Errorf("PackageName = %q, %v", n, err)
	}
	for _, bad := range [][3]string{{"-x", "1.0.0", ".zip"}, {"octopulumi", "1.0", ".zip"}, {"octopulumi", "v1.0.0", ".zip"}, {"octopulumi", "1.0.0", ".rar"}} {
		if _, err := PackageName(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("PackageName%v was accepted", bad)
		}
	}
}

// TestChecksumsVerify: the SHA256SUMS file is what sha256sum -c checks.
func TestChecksumsVerify(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sums := map[string]string{}
	for _, name := range []string{"a.1.0.0.tar.gz", "b.1.0.0.zip"} {
		sum, err := Write(dir, name, files, Epoch)
		if err != nil {
			t.Fatal(err)
		}
		sums[name] = sum
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), Checksums(sums), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Fatalf("sha256sum is not on this machine: %v", err)
	}
	cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
}
