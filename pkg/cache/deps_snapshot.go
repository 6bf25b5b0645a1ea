package cache

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
)

// snapEntry is what a snapshot keeps of one entry of a node_modules: enough
// to tell that nothing wrote to it. A write in place changes a file's
// modification time, and every change to an inode (a write, a chmod, a
// link) its change time, which no program can set back.
type snapEntry struct {
	typ          fs.FileMode // fs.ModeDir, fs.ModeSymlink or 0
	mode         uint32      // as normMode
	size         int64
	mtime, ctime int64
}

// snapshot maps the slash paths of a node_modules to their entries.
type snapshot map[string]snapEntry

// takeSnapshot walks dir (without following symlinks) and records every
// entry but dir itself. With files, it also checks dir against that
// record: the same paths, types, sizes and modes; an *IntegrityError names
// the first difference.
func takeSnapshot(ctx context.Context, key, dir string, files []fileRecord) (snapshot, error) {
	snap := make(snapshot, len(files))
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		e := snapEntry{typ: info.Mode().Type(), mode: normMode(info.Mode()), mtime: info.ModTime().UnixNano(), ctime: changeTime(info)}
		if info.Mode().IsRegular() {
			e.size = info.Size()
		}
		snap[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil || files == nil {
		return snap, err
	}
	if len(snap) != len(files) {
		return nil, &IntegrityError{Plugin: key, Reason: fmt.Sprintf("%d entries, the record lists %d", len(snap), len(files))}
	}
	for _, f := range files {
		e, ok := snap[f.Path]
		bad := func(why string) error { return &IntegrityError{Plugin: key, File: f.Path, Reason: why} }
		switch {
		case !ok:
			return nil, bad("missing")
		case f.Type == "dir" && e.typ != fs.ModeDir, f.Type == "symlink" && e.typ != fs.ModeSymlink, f.Type == "file" && e.typ != 0:
			return nil, bad("not a " + f.Type)
		case f.Type == "file" && e.size != f.Size:
			return nil, bad(fmt.Sprintf("size %d bytes, want %d (truncated or corrupt)", e.size, f.Size))
		case f.Type == "file" && e.mode != f.Mode:
			return nil, bad(fmt.Sprintf("mode %o, want %o", e.mode, f.Mode))
		}
	}
	return snap, nil
}

// diff names an entry that differs between two snapshots, or "".
func (s snapshot) diff(other snapshot) string {
	for p, e := range s {
		o, ok := other[p]
		switch {
		case !ok:
			return p + " was removed"
		case o != e:
			return p + " was changed"
		}
	}
	for p := range other {
		if _, ok := s[p]; !ok {
			return p + " was added"
		}
	}
	return ""
}
