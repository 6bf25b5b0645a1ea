package cache

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
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

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// IndexFile is the bundle's table of contents, at the root of the archive
// and of its extracted folder. Beside it, plugins/ has Pulumi's own layout,
// so an extracted bundle is also a read-only PULUMI_HOME.
const IndexFile = "octopulumi-bundle.json"

// bundleIndex is the content of [IndexFile].
type bundleIndex struct {
	Format   int           `json:"format"`
	Platform string        `json:"platform"`
	Plugins  []entryRecord `json:"plugins"`
}

// epoch is every entry's time in a bundle, so that bytes do not depend on
// when or where it was built.
var epoch = time.Unix(0, 0).UTC()

// Bundle writes a tar archive of m's plugins for one platform ([WithPlatform],
// default this one's) to w. It downloads each plugin's tarball (honouring
// [WithServer] and [WithDownloadOverrides]), checks it against the
// manifest's SHA-256, and lays its files out as Pulumi does in a
// PULUMI_HOME: plugins/<kind>-<name>-v<version>/…, after an [IndexFile]
// listing every file's size, mode and SHA-256.
//
// The same manifest gives the same bytes: entries in a fixed order, times
// at the Unix epoch, owners 0, modes 0755 or 0644. Publish it as an Octopus
// package (for example plugins.<version>.tar or, through [BundleFile],
// .tar.gz) and restore it with [Restore] or [Warm].
func Bundle(ctx context.Context, m *Manifest, w io.Writer, opts ...BundleOption) error {
	o, err := configure(defaultOptions(), opts, BundleOption.configureBundle)
	if err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "octopulumi-bundle-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	idx := bundleIndex{Format: ManifestFormat, Platform: o.platform}
	plugins := slices.Clone(m.Plugins)
	slices.SortFunc(plugins, func(a, b Plugin) int { return strings.Compare(a.Dir(), b.Dir()) })
	for i, p := range plugins {
		rec, err := o.fetchPlugin(ctx, p, filepath.Join(tmp, "plugins", p.Dir()))
		if err != nil {
			if me, ok := errors.AsType[*ManifestError](err); ok {
				me.Field = fmt.Sprintf("plugins[%d].%s", i, me.Field)
			}
			return err
		}
		idx.Plugins = append(idx.Plugins, rec)
	}
	return writeBundle(ctx, w, tmp, idx)
}

// BundleFile is [Bundle] into the file path, written atomically; a name
// ending in .gz or .tgz is gzip-compressed (deterministically too).
func BundleFile(ctx context.Context, m *Manifest, path string, opts ...BundleOption) error {
	return writeArchiveFile(path, func(w io.Writer) error { return Bundle(ctx, m, w, opts...) })
}

// writeArchiveFile writes what write writes into the file path,
// atomically (a temporary file renamed into place); a name ending in .gz
// or .tgz is gzip-compressed, deterministically.
func writeArchiveFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create bundle: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	var w io.Writer = bw
	var zw *gzip.Writer
	if strings.HasSuffix(path, ".gz") || strings.HasSuffix(path, ".tgz") {
		zw, _ = gzip.NewWriterLevel(bw, gzip.BestSpeed)
		w = zw
	}
	if err = write(w); err != nil {
		return err
	}
	if zw != nil {
		if err = zw.Close(); err != nil {
			return err
		}
	}
	if err = errors.Join(bw.Flush(), f.Chmod(0o644), f.Close()); err != nil {
		return fmt.Errorf("write bundle %s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}

// fetchPlugin downloads p's tarball for the platform, verifies it and
// extracts it into dir.
func (o options) fetchPlugin(ctx context.Context, p Plugin, dir string) (entryRecord, error) {
	want, ok := p.Checksums[o.platform]
	if !ok {
		return entryRecord{}, &ManifestError{Field: "checksums." + o.platform, Reason: fmt.Sprintf("plugin %s has no checksum for platform %s: regenerate the manifest with that platform", p.Dir(), o.platform)}
	}
	u, err := o.baseURL(p, o.platform)
	if err != nil {
		return entryRecord{}, err
	}
	tf, err := os.CreateTemp(filepath.Dir(filepath.Dir(dir)), "tarball-*")
	if err != nil {
		return entryRecord{}, err
	}
	defer os.Remove(tf.Name())
	defer tf.Close()
	o.logger.InfoContext(ctx, "downloading plugin", "plugin", p.Dir(), "url", redactURL(u))
	bw := bufio.NewWriterSize(tf, 1<<20)
	got, _, err := o.download(ctx, u, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return entryRecord{}, fmt.Errorf("plugin %s: %w", p.Dir(), err)
	}
	if got != want {
		return entryRecord{}, &IntegrityError{Plugin: p.Dir(), File: p.Asset(o.platform), Reason: fmt.Sprintf("downloaded tarball has SHA-256 %s, the manifest says %s", got, want)}
	}
	if _, err := tf.Seek(0, io.SeekStart); err != nil {
		return entryRecord{}, err
	}
	if err := extractPluginTarball(ctx, bufio.NewReaderSize(ctxReader{ctx, tf}, 1<<20), dir); err != nil {
		return entryRecord{}, fmt.Errorf("plugin %s: tarball %s: %w", p.Dir(), p.Asset(o.platform), err)
	}
	files, err := scanDir(ctx, dir, true)
	if err != nil {
		return entryRecord{}, fmt.Errorf("plugin %s: %w", p.Dir(), err)
	}
	kept := p
	kept.Checksums = map[string]string{o.platform: want}
	return entryRecord{Plugin: kept, Files: files}, nil
}

// extractPluginTarball unpacks a plugin's .tar.gz into dir, refusing
// anything that would land outside it.
func extractPluginTarball(ctx context.Context, r io.Reader, dir string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	links := linkSet{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(filepath.ToSlash(h.Name), "./")
		if name == "" || name == "." {
			continue
		}
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return fmt.Errorf("entry %q escapes the plugin folder", h.Name)
		}
		name = path.Clean(name)
		if _, ok := links[name]; ok {
			return fmt.Errorf("entry %q replaces a symlink, and writing it would follow the link", h.Name)
		}
		if why := links.unsafe(name, false); why != "" {
			return fmt.Errorf("entry %q %s", h.Name, why)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			err = writeFileFrom(ctx, p, tr, fs.FileMode(normMode(fs.FileMode(h.Mode))))
		case tar.TypeSymlink:
			links[name] = h.Linkname
			if links.unsafe(name, true) != "" {
				return fmt.Errorf("symlink %q points outside the plugin folder", h.Name)
			}
			err = os.Symlink(h.Linkname, p)
		default:
			return fmt.Errorf("entry %q: unsupported type %q", h.Name, string(h.Typeflag))
		}
		if err != nil {
			return err
		}
	}
}

func writeFileFrom(ctx context.Context, p string, r io.Reader, mode fs.FileMode) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	_, err = copyCtx(ctx, f, r)
	return errors.Join(err, f.Close(), os.Chmod(p, mode))
}

// writeBundle writes the index, then plugins/ from root in index order.
func writeBundle(ctx context.Context, w io.Writer, root string, idx bundleIndex) error {
	tw := tar.NewWriter(w)
	if err := writeIndex(tw, IndexFile, idx); err != nil {
		return err
	}
	if err := tw.WriteHeader(tarHeader("plugins/", tar.TypeDir, 0o755, 0)); err != nil {
		return err
	}
	for _, e := range idx.Plugins {
		base := "plugins/" + e.Plugin.Dir() + "/"
		if err := writeTree(ctx, tw, base, filepath.Join(root, "plugins", e.Plugin.Dir()), e.Files); err != nil {
			return fmt.Errorf("bundle plugin %s: %w", e.Plugin.Dir(), err)
		}
	}
	return tw.Close()
}

// tarHeader is an entry as every bundle writes it: PAX, at the epoch,
// owned by nobody in particular, so that the bytes do not depend on
// where or when the bundle was made.
func tarHeader(name string, typ byte, mode int64, size int64) *tar.Header {
	return &tar.Header{Name: name, Typeflag: typ, Mode: mode, Size: size, ModTime: epoch, Format: tar.FormatPAX}
}

// writeIndex writes v as an indented JSON entry named name.
func writeIndex(tw *tar.Writer, name string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	raw = append(raw, '\n')
	if err := tw.WriteHeader(tarHeader(name, tar.TypeReg, 0o644, int64(len(raw)))); err != nil {
		return err
	}
	_, err = tw.Write(raw)
	return err
}

// writeTree writes the folder base (ending in "/") and files, read from
// root, in their order.
func writeTree(ctx context.Context, tw *tar.Writer, base, root string, files []fileRecord) error {
	if err := tw.WriteHeader(tarHeader(base, tar.TypeDir, 0o755, 0)); err != nil {
		return err
	}
	for _, f := range files {
		name := base + f.Path
		var err error
		switch f.Type {
		case "dir":
			err = tw.WriteHeader(tarHeader(name+"/", tar.TypeDir, 0o755, 0))
		case "symlink":
			h := tarHeader(name, tar.TypeSymlink, 0o777, 0)
			h.Linkname = f.Target
			err = tw.WriteHeader(h)
		case "file":
			if err = tw.WriteHeader(tarHeader(name, tar.TypeReg, int64(f.Mode), f.Size)); err == nil {
				err = copyInto(ctx, tw, filepath.Join(root, filepath.FromSlash(f.Path)))
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	return nil
}

func copyInto(ctx context.Context, w io.Writer, p string) error {
	f, err := safefile.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = copyCtx(ctx, w, f)
	return err
}
