package testbed

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Tree describes every entry under dir by its path with '/': a file by its
// mode and SHA-256, a folder by its mode, a symlink by its target. Two
// calls compare equal when nothing under dir changed in between.
func Tree(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	entries := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			entries[filepath.ToSlash(rel)] = "symlink to " + target
			return err
		case d.IsDir():
			entries[filepath.ToSlash(rel)] = "folder " + info.Mode().String()
			return nil
		}
		raw, err := os.ReadFile(p)
		entries[filepath.ToSlash(rel)] = fmt.Sprintf("%s %x", info.Mode(), sha256.Sum256(raw))
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return entries
}
