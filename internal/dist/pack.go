package dist

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// File is one file of an archive.
type File struct {
	// Name is its path inside the archive, with '/'.
	Name string
	// Mode is its permission bits (0o755 for a binary).
	Mode os.FileMode
	// Data is its content.
	Data []byte
}

// Epoch is the time every entry carries unless the caller gives one (the
// commit's time): 1980-01-01, the earliest a zip file can say.
var Epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	packageID = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	semver    = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// PackageName names an archive as Octopus names a package file:
// <id>.<version><ext>, where ext is ".tar.gz" or ".zip". id must be a valid
// Octopus package id and version a SemVer version.
func PackageName(id, version, ext string) (string, error) {
	if !packageID.MatchString(id) {
		return "", fmt.Errorf("package id %q: use letters, digits, '.', '-' and '_', starting with a letter, digit or '_'", id)
	}
	if !semver.MatchString(version) {
		return "", fmt.Errorf("version %q is not a SemVer version (such as 1.2.3 or 1.2.3-rc.1)", version)
	}
	if ext != ".tar.gz" && ext != ".zip" {
		return "", fmt.Errorf("archive kind %q: use .tar.gz or .zip", ext)
	}
	return id + "." + version + ext, nil
}

func sorted(files []File) []File {
	out := append([]File(nil), files...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TarGz writes files as a gzip-compressed tar archive, the same bytes for
// the same files and time.
func TarGz(w io.Writer, files []File, at time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	gz.Header.ModTime = time.Time{}
	gz.Header.Name = ""
	gz.Header.OS = 255
	tw := tar.NewWriter(gz)
	for _, f := range sorted(files) {
		hdr := &tar.Header{
			Name:     f.Name,
			Mode:     int64(f.Mode.Perm()),
			Size:     int64(len(f.Data)),
			ModTime:  at.UTC().Truncate(time.Second),
			Typeflag: tar.TypeReg,
			Format:   tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Zip writes files as a zip archive, the same bytes for the same files and
// time.
func Zip(w io.Writer, files []File, at time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range sorted(files) {
		hdr := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: at.UTC().Truncate(2 * time.Second)}
		hdr.SetMode(f.Mode.Perm())
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.Data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// Write packs files into dir/<name> (TarGz for a .tar.gz name, else Zip),
// through a temporary file renamed into place, and returns the archive's
// SHA-256 in hex.
func Write(dir, name string, files []File, at time.Time) (string, error) {
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".tar.gz") {
		err = TarGz(&buf, files, at)
	} else {
		err = Zip(&buf, files, at)
	}
	if err != nil {
		return "", fmt.Errorf("packing %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

// Checksums renders a SHA256SUMS file ("<hex>  <name>" per line, sorted by
// name), as `sha256sum -c` reads it.
func Checksums(sums map[string]string) []byte {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	return b.Bytes()
}
