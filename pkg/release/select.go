package release

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/octopulumi/octopulumi/internal/dist"
	"github.com/octopulumi/octopulumi/internal/safefile"
)

// IgnoreFile is the program folder's ignore file: what it matches, in
// gitignore's syntax, stays out of the program package.
const IgnoreFile = ".octopulumiignore"

// alwaysLeftOut are names left out of the program package at any depth,
// whatever the ignore file says: installed dependencies, a local file
// backend's state, git's own folder (or file, in a submodule or worktree).
var alwaysLeftOut = map[string]bool{"node_modules": true, ".pulumi": true, ".git": true}

// ReportFolder is the folder octopulumi writes its CI report files into
// when a run is given no other (--report-dir): a folder of that name at the
// top of the program folder is left out of the program package, since a
// CI job that runs a preview before packaging leaves it there.
const ReportFolder = "octopulumi-report"

// Bounds on what the program package may hold: it is packed in memory, and
// a program folder is a few files of code and configuration.
const (
	maxIgnoreFileBytes = 1 << 20
	maxProgramBytes    = 1 << 30
)

// selection decides which files of a program folder are packed.
type selection struct {
	// root is the program folder with every symlink resolved.
	root string
	// ignore holds the ignore file's rules.
	ignore ignoreRules
	// out is the output folder, when it exists, to leave out.
	out os.FileInfo
}

// newSelection reads the ignore file of the program folder root (absolute,
// symlinks resolved); out is the output folder (it need not exist).
func newSelection(root, out string) (*selection, error) {
	s := &selection{root: root}
	raw, err := safefile.ReadFile(filepath.Join(root, IgnoreFile), maxIgnoreFileBytes)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("release: reading the ignore file: %w", err)
	}
	s.ignore = parseIgnore(raw)
	if info, err := os.Stat(out); err == nil && info.IsDir() {
		s.out = info
	}
	return s, nil
}

// leftOut reports whether the path rel (with '/') is left out: by name,
// as the report folder, or by the ignore file. A path inside a left-out
// folder is left out too, as in git.
func (s *selection) leftOut(rel string, isDir bool) bool {
	parts := strings.Split(rel, "/")
	if parts[0] == ReportFolder && (isDir || len(parts) > 1) {
		return true
	}
	for _, part := range parts {
		if alwaysLeftOut[part] {
			return true
		}
	}
	return s.ignore.ignores(rel, isDir)
}

// files walks the program folder and returns the files to pack, read
// whole, in no particular order ([dist.Write] sorts them).
func (s *selection) files(ctx context.Context) ([]dist.File, error) {
	var files []dist.File
	var total int64
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("release: reading the program folder: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == s.root {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if s.leftOut(rel, true) || s.isOut(p) {
				return filepath.SkipDir
			}
			return nil
		}
		if s.leftOut(rel, false) {
			return nil
		}
		src := p
		if d.Type()&fs.ModeSymlink != 0 {
			if src, err = s.linkTarget(rel, p); err != nil {
				return err
			}
		} else if !d.Type().IsRegular() {
			return &FileError{Path: rel, Reason: "is " + describe(d.Type()) + ", not a regular file"}
		}
		f, err := readFile(rel, src, maxProgramBytes-total)
		if err != nil {
			return err
		}
		total += int64(len(f.Data))
		files = append(files, f)
		return nil
	})
	return files, err
}

// isOut reports whether the folder p is the output folder.
func (s *selection) isOut(p string) bool {
	if s.out == nil {
		return false
	}
	info, err := os.Stat(p)
	return err == nil && os.SameFile(info, s.out)
}

// inOut reports whether the folder dir, inside the program folder, is the
// output folder or inside it.
func (s *selection) inOut(dir string) bool {
	for ; dir != s.root && len(dir) > len(s.root); dir = filepath.Dir(dir) {
		if s.isOut(dir) {
			return true
		}
	}
	return false
}

// linkTarget is the file the symlink p (rel in the folder) stands for,
// when it is a regular file inside the folder that is packed itself.
func (s *selection) linkTarget(rel, p string) (string, error) {
	target, err := filepath.EvalSymlinks(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", &FileError{Path: rel, Reason: "is a symlink to nothing (its target does not exist)"}
	}
	if err != nil {
		return "", &FileError{Path: rel, Reason: "is a symlink that cannot be followed (" + err.Error() + ")"}
	}
	inside, err := filepath.Rel(s.root, target)
	if err != nil || !filepath.IsLocal(inside) {
		return "", &FileError{Path: rel, Reason: fmt.Sprintf("is a symlink to %s, outside the program folder, and packing it would pull that file in", target)}
	}
	info, err := os.Stat(target)
	if err != nil {
		return "", fmt.Errorf("release: %s: %w", rel, err)
	}
	if info.IsDir() {
		return "", &FileError{Path: rel, Reason: "is a symlink to a folder, which is not followed (it could loop, or pack files twice)"}
	}
	if !info.Mode().IsRegular() {
		return "", &FileError{Path: rel, Reason: "is a symlink to " + describe(info.Mode().Type())}
	}
	if s.leftOut(filepath.ToSlash(inside), false) || s.inOut(filepath.Dir(target)) {
		return "", &FileError{Path: rel, Reason: fmt.Sprintf("is a symlink to %s, which is left out of the package, and packing the link would bring it back in", filepath.ToSlash(inside))}
	}
	return target, nil
}

// readFile reads the file at src, packed as rel: its mode reduced to 0755
// (any execute bit) or 0644, so that umasks and checkouts do not change the
// bytes. At most limit bytes are read.
func readFile(rel, src string, limit int64) (dist.File, error) {
	data, err := safefile.ReadFile(src, limit)
	if errors.Is(err, safefile.ErrTooLarge) {
		return dist.File{}, fmt.Errorf("release: the program folder holds more than %d MiB to pack (at %s): list build outputs and data in %s", maxProgramBytes>>20, rel, IgnoreFile)
	}
	if err != nil {
		return dist.File{}, fmt.Errorf("release: %w", err)
	}
	info, err := os.Stat(src)
	if err != nil {
		return dist.File{}, fmt.Errorf("release: %w", err)
	}
	mode := os.FileMode(0o644)
	if info.Mode().Perm()&0o111 != 0 {
		mode = 0o755
	}
	return dist.File{Name: rel, Mode: mode, Data: data}, nil
}

// describe names a file type that cannot be packed.
func describe(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return fmt.Sprintf("a special file (%v)", m)
	}
}
