package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// fileRecord is one file, folder or symlink inside a plugin folder.
type fileRecord struct {
	// Path is slash-separated and relative to the plugin folder.
	Path string `json:"path"`
	// Type is "file", "dir" or "symlink".
	Type string `json:"type"`
	// Mode is 0755 (executable or folder) or 0644; modes are normalized so
	// that bundles do not depend on umasks.
	Mode   uint32 `json:"mode,omitempty"`
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Target string `json:"target,omitempty"`
}

// entryRecord is one plugin's folder: what a bundle index lists per plugin,
// and what <dir>.octopulumi.json keeps beside a plugin we installed.
type entryRecord struct {
	Plugin Plugin       `json:"plugin"`
	Files  []fileRecord `json:"files"`
}

func (r entryRecord) size() int64 {
	var n int64
	for _, f := range r.Files {
		n += f.Size
	}
	return n
}

func normMode(m fs.FileMode) uint32 {
	if m.IsDir() || m.Perm()&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

// scanDir lists root's content in a fixed order (folders before their
// content, names sorted bytewise); with hash it also reads every file.
func scanDir(ctx context.Context, root string, hash bool) ([]fileRecord, error) {
	var out []fileRecord
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		r := fileRecord{Path: filepath.ToSlash(rel), Mode: normMode(info.Mode())}
		switch {
		case info.Mode().IsDir():
			r.Type = "dir"
		case info.Mode()&fs.ModeSymlink != 0:
			r.Type, r.Mode = "symlink", 0
			if r.Target, err = os.Readlink(p); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			r.Type, r.Size = "file", info.Size()
			if hash {
				if r.SHA256, err = hashFile(ctx, p); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%s: not a file, folder or symlink", p)
		}
		out = append(out, r)
		return nil
	})
	slices.SortFunc(out, func(a, b fileRecord) int { return strings.Compare(a.Path, b.Path) })
	return out, err
}

// hashFile is the SHA-256 of the regular file p; it stops when ctx ends.
func hashFile(ctx context.Context, p string) (string, error) {
	f, err := safefile.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := copyCtx(ctx, h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// copyChunk is how much copyCtx copies between two looks at its context:
// small enough to stop within a few milliseconds, large enough for the
// kernel's file-to-file copy to pay off.
const copyChunk = 4 << 20

// copyCtx is io.Copy that stops when ctx ends, so that copying or hashing a
// plugin of any size stays cancellable. It copies in chunks through
// io.CopyN, which keeps the kernel's file-to-file fast paths.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, err := io.CopyN(dst, src, copyChunk)
		n += k
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// ctxReader fails every read once ctx has ended: under a decompressor or a
// tar reader, which read (and skip) through it, it makes a whole archive
// cancellable.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// checkRecords validates a record list from an index or a sidecar, which
// may come from anywhere: every path must stay inside the plugin folder.
func checkRecords(plugin string, files []fileRecord, needHash bool) error {
	seen := map[string]bool{}
	for _, f := range files {
		bad := func(why string) error {
			return &IntegrityError{Plugin: plugin, File: f.Path, Reason: why}
		}
		if f.Path == "" || !filepath.IsLocal(filepath.FromSlash(f.Path)) || path.Clean(f.Path) != f.Path {
			return bad("unsafe path in the file list")
		}
		if seen[f.Path] {
			return bad("listed twice")
		}
		seen[f.Path] = true
		switch f.Type {
		case "dir":
		case "file":
			if f.Size < 0 || (needHash || f.SHA256 != "") && !sha256RE.MatchString(f.SHA256) {
				return bad("no valid size and SHA-256 in the file list")
			}
		case "symlink":
		default:
			return bad(fmt.Sprintf("unknown type %q", f.Type))
		}
	}
	links := linkSet{}
	for _, f := range files {
		if f.Type == "symlink" {
			links[f.Path] = f.Target
		}
	}
	for _, f := range files {
		if why := links.unsafe(f.Path, f.Type == "symlink"); why != "" {
			return &IntegrityError{Plugin: plugin, File: f.Path, Reason: why}
		}
	}
	return nil
}

// linkSet maps the slash-separated paths of a plugin folder's symlinks to
// their targets. A lexical check of each target alone is not enough: with
// "d/up" -> "..", a later "d/up/x" -> ".." is lexically inside yet lands one
// level above the folder, and a file "d/up/x/f" is then written outside it.
type linkSet map[string]string

// maxLinkHops bounds symlink resolution, as the kernel's ELOOP does.
const maxLinkHops = 40

// unsafe says why the entry at p would let a write or a read leave the
// plugin folder, or returns "": no entry may lie below a symlink (writing it
// would follow the link), and a symlink's target, resolved through the other
// symlinks, must stay inside.
func (ls linkSet) unsafe(p string, isLink bool) string {
	for i := range len(p) {
		if p[i] == '/' {
			if _, ok := ls[p[:i]]; ok {
				return "lies below the symlink " + p[:i]
			}
		}
	}
	if !isLink {
		return ""
	}
	t := filepath.ToSlash(ls[p])
	if t == "" || path.IsAbs(t) || filepath.IsAbs(ls[p]) || !ls.staysInside(path.Dir(p)+"/"+t) {
		return "symlink points outside the plugin folder"
	}
	return ""
}

// staysInside resolves the slash path p, relative to the plugin folder,
// through the symlinks of ls, and reports whether it never leaves the folder
// (a loop, or too many hops, counts as leaving).
func (ls linkSet) staysInside(p string) bool {
	parts := strings.Split(p, "/")
	var cur []string
	for hops, i := 0, 0; i < len(parts); i++ {
		switch s := parts[i]; s {
		case "", ".":
		case "..":
			if len(cur) == 0 {
				return false
			}
			cur = cur[:len(cur)-1]
		default:
			cur = append(cur, s)
			t, ok := ls[strings.Join(cur, "/")]
			if !ok {
				continue
			}
			if hops++; hops > maxLinkHops || t == "" || path.IsAbs(filepath.ToSlash(t)) || filepath.IsAbs(t) {
				return false
			}
			// Go on from the link's folder with its target, then the rest.
			next := append(slices.Clone(cur[:len(cur)-1]), strings.Split(filepath.ToSlash(t), "/")...)
			parts, cur, i = append(next, parts[i+1:]...), nil, -1
		}
	}
	return true
}

// checkDir compares the plugin folder dir with its records: types, sizes
// and modes always, SHA-256 when deep. It returns an *IntegrityError naming
// the first difference.
func checkDir(ctx context.Context, plugin, dir string, files []fileRecord, deep bool) error {
	for _, f := range files {
		bad := func(why string) error { return &IntegrityError{Plugin: plugin, File: f.Path, Reason: why} }
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return bad("missing")
		}
		if err != nil {
			return fmt.Errorf("plugin %s: %w", plugin, err)
		}
		switch f.Type {
		case "dir":
			if !info.IsDir() {
				return bad("not a folder")
			}
		case "symlink":
			if t, err := os.Readlink(p); err != nil || t != f.Target {
				return bad("symlink does not point to " + f.Target)
			}
		case "file":
			if !info.Mode().IsRegular() {
				return bad("not a regular file")
			}
			if info.Size() != f.Size {
				return bad(fmt.Sprintf("size %d bytes, want %d (truncated or corrupt)", info.Size(), f.Size))
			}
			if deep && f.SHA256 != "" {
				sum, err := hashFile(ctx, p)
				if err != nil {
					return fmt.Errorf("plugin %s: %w", plugin, err)
				}
				if sum != f.SHA256 {
					return bad("SHA-256 " + sum + " does not match the recorded " + f.SHA256 + " (tampered or corrupt)")
				}
			}
		}
	}
	return nil
}

// populate fills the empty folder dst from src according to files: a hard
// link where possible (same file system, same mode), else a copy. It returns
// how many files it linked and copied.
func populate(ctx context.Context, dst, src string, files []fileRecord, allowLink bool) (linked, copied int, err error) {
	for _, f := range files {
		to := filepath.Join(dst, filepath.FromSlash(f.Path))
		from := filepath.Join(src, filepath.FromSlash(f.Path))
		switch f.Type {
		case "dir":
			err = os.MkdirAll(to, 0o755)
		case "symlink":
			err = os.Symlink(f.Target, to)
		case "file":
			if allowLink && sameMode(from, f.Mode) && os.Link(from, to) == nil {
				linked++
				continue
			}
			err = copyFile(ctx, to, from, fs.FileMode(f.Mode))
			copied++
		}
		if err != nil {
			return linked, copied, err
		}
	}
	return linked, copied, nil
}

// sameMode: a hard link shares the source's mode, so link only when the
// source already has the mode the plugin needs (an extracted zip may have
// lost the executable bit).
func sameMode(p string, mode uint32) bool {
	info, err := os.Stat(p)
	return err == nil && normMode(info.Mode()) == mode
}

func copyFile(ctx context.Context, to, from string, mode fs.FileMode) error {
	in, err := safefile.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	_, err = copyCtx(ctx, out, in)
	return errors.Join(err, out.Sync(), out.Close(), os.Chmod(to, mode))
}
