package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/octopulumi/octopulumi/pkg/cache"
)

// maxBinaryBytes bounds an octopulumi binary (or its dist archive).
const maxBinaryBytes = 512 << 20

// ReadBinary reads an octopulumi executable from path: the binary itself,
// or a release archive made by `make dist` (octopulumi-<os>-<arch>.<version>.tar.gz),
// from which it takes the octopulumi entry.
func ReadBinary(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, maxBinaryBytes+1))
	if magic, _ := br.Peek(2); !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		b, err := io.ReadAll(br)
		if err == nil && len(b) > maxBinaryBytes {
			err = fmt.Errorf("%s: larger than %d bytes", file, maxBinaryBytes)
		}
		return b, err
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: an archive with no octopulumi entry", file)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if h.Typeflag == tar.TypeReg && path.Base(h.Name) == "octopulumi" {
			return io.ReadAll(io.LimitReader(tr, maxBinaryBytes))
		}
	}
}

// entry is one file or folder of a layer.
type entry struct {
	name string // in the image, without the leading /
	mode int64
	dir  bool
	data []byte
	file string // read from here when data is nil and it is a file
}

// layerOf makes a layer of entries, sorted by name, with owners 0 and
// every time at. mt is the layer media type, to match the base's manifest.
func layerOf(entries []entry, at time.Time, mt types.MediaType) (v1.Layer, error) {
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: at, Format: tar.FormatPAX, Typeflag: tar.TypeReg}
		data := e.data
		if e.dir {
			h.Typeflag, h.Name = tar.TypeDir, e.name+"/"
		} else if data == nil && e.file != "" {
			b, err := os.ReadFile(e.file)
			if err != nil {
				return nil, err
			}
			data = b
		}
		h.Size = int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(mt))
}

// pluginEntries restores bundle into a temporary PULUMI_HOME with the
// cache package's own restore, and lists what it laid out, under home in
// the image. Folders are writable by every user, as the Dockerfile's
// chmod a+rwX makes them, so that a container running as another user can
// still lock and mark plugins; lock files are left out (Pulumi makes them
// when it needs them). It also returns the plugins' folder names.
func pluginEntries(ctx context.Context, bundle, home string) ([]entry, []string, error) {
	tmp, err := os.MkdirTemp("", "octopulumi-image-*")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	// Copied, not linked: the bundle may be a folder the caller changes later.
	r, err := cache.Restore(ctx, bundle, tmp, cache.WithCopy())
	if err != nil {
		return nil, nil, err
	}
	plugins := slices.Sorted(slices.Values(append(r.Installed, r.Present...)))
	rel := strings.TrimPrefix(home, "/")
	entries := []entry{{name: rel, mode: 0o777, dir: true}}
	err = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == tmp {
			return err
		}
		if strings.HasSuffix(d.Name(), ".lock") {
			return nil
		}
		name := path.Join(rel, filepath.ToSlash(strings.TrimPrefix(p, tmp+string(filepath.Separator))))
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			entries = append(entries, entry{name: name, mode: 0o777, dir: true})
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			mode := int64(0o644)
			if info.Mode()&0o111 != 0 {
				mode = 0o755
			}
			entries = append(entries, entry{name: name, mode: mode, data: b})
		default:
			return fmt.Errorf("restored plugins: %s is neither a file nor a folder", name)
		}
		return nil
	})
	return entries, plugins, err
}
