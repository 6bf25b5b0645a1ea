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
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// DependencySource says where a program's dependencies came from.
type DependencySource string

// Dependency sources; the empty source means they were not restored, and
// the caller installs them (pulumi install).
const (
	// DependenciesPresent: already installed from this lockfile.
	DependenciesPresent DependencySource = "present"
	// DependenciesFromCache: from the worker-shared cache.
	DependenciesFromCache DependencySource = "cache"
	// DependenciesFromBundle: from a dependencies bundle.
	DependenciesFromBundle DependencySource = "bundle"
)

// DependencyReport says what [RestoreDependencies] did.
type DependencyReport struct {
	// Source is where the dependencies came from; "" when they were not
	// restored and must be installed.
	Source DependencySource
	// Why says why they count as present, or why they were not restored.
	Why string
	// Moved is true when a ready copy was moved in from the cache whole:
	// nothing was copied.
	Moved bool
	// Saved is true when [SaveDependencies] filled the cache (false: the
	// cache held the key already).
	Saved bool
	// Files is how many files the restored node_modules holds.
	Files int
	// Warnings name sources that could not be used and what was done
	// instead (a bundle for another lockfile, a broken copy deleted, a
	// cache on another file system).
	Warnings []string

	// loan is the node_modules the program got from the worker cache, to
	// give back by ReturnDependencies.
	loan *loan
}

// loan is a node_modules lent to a program by the worker cache: what it
// held when lent, so that only an unchanged one goes back.
type loan struct {
	d        *Dependencies
	cacheDir string
	snap     snapshot
}

// Lent reports whether the program's node_modules came from, or went to,
// the worker cache, so that [ReturnDependencies] can give it back.
func (r *DependencyReport) Lent() bool { return r != nil && r.loan != nil }

// RestoreDependencies makes the program's node_modules installed from its
// lockfile, without installing anything, when it can:
//
//   - when node_modules is already installed from this lockfile (see
//     [Dependencies.Installed]), it is left alone;
//   - with [FromDependencyCache], from the worker-shared cache's entry for
//     the key: a ready copy is moved into the program whole (a rename: the
//     cost does not grow with the dependencies), else the entry is copied;
//     either way the program gets a node_modules of its own, so that a
//     program that writes into it changes no other deployment's copy nor
//     the cache. When the deployment ends, [ReturnDependencies] gives it
//     back as the next one's ready copy if nothing changed it. With
//     [FromDependencyBundle] too, a bundle for the same key first fills the
//     cache (hashed against its index), once per worker;
//   - with [FromDependencyBundle] only, from the bundle (an archive is
//     hashed as it is read; an extracted folder is checked by type, size and
//     mode).
//
// Otherwise Source is "" and Why says why: install the dependencies
// (pulumi install), then [SaveDependencies] fills the cache. A bundle made
// for another key (another lockfile, platform or node major version) is
// not used, with a warning. A stale node_modules is replaced only when
// there is something to replace it with. An error means a source was
// there but could not be used (broken, unreadable): the caller can still
// install.
func RestoreDependencies(ctx context.Context, d *Dependencies, opts ...RestoreDependenciesOption) (*DependencyReport, error) {
	o, err := configure(defaultDepsOptions(), opts, RestoreDependenciesOption.configureRestoreDependencies)
	if err != nil {
		return nil, err
	}
	r := &DependencyReport{}
	if d.Key == "" {
		r.Why = "no lockfile pins them"
		return r, nil
	}
	ok, why, err := d.Installed()
	if err != nil {
		return nil, err
	}
	r.Why = why
	if ok {
		r.Source = DependenciesPresent
		return r, nil
	}
	var b *depsBundle
	if o.bundle != "" {
		if b, err = openDepsBundle(ctx, o.bundle); err != nil {
			return r, err
		}
		defer b.close()
		if b.index.Key != d.Key {
			r.Warnings = append(r.Warnings, fmt.Sprintf("the dependencies bundle %s is for %s (%s, node %s, %s), not for this program's %s (%s): not used; rebuild it from this lockfile, on this platform and node major version",
				o.bundle, b.index.Key, b.index.Lockfile, orNone(b.index.RuntimeVersion), b.index.Platform, d.Key, d.Lockfile))
			b = nil
		}
	}
	switch {
	case o.cacheDir != "":
		st := depsStoreOf(o.cacheDir)
		if b != nil {
			if err := o.fillFromBundle(ctx, st, d, b); err != nil {
				return r, fmt.Errorf("fill the dependencies cache %s from the bundle %s: %w", o.cacheDir, o.bundle, err)
			}
		}
		return o.restoreFromCache(ctx, st, d, r)
	case b != nil:
		return o.restoreFromBundle(ctx, d, b, r)
	}
	return r, nil
}

// restoreFromCache moves a ready copy of the entry in, or copies the entry.
func (o depsOptions) restoreFromCache(ctx context.Context, st store, d *Dependencies, r *DependencyReport) (*DependencyReport, error) {
	key, target := d.Key, d.Folder()
	if ok, err := st.installed(key); err != nil || !ok {
		r.Why += "; not in the dependencies cache yet"
		return r, err
	}
	rec, err := readDepsRecord(st, key)
	if err != nil {
		return o.discardBroken(ctx, st, key, fmt.Errorf("its record: %w", err), r)
	}
	if err := removeAside(target); err != nil {
		return r, fmt.Errorf("remove the stale %s: %w", target, err)
	}
	for _, sp := range spares(st, key) {
		err := os.Rename(sp, target)
		if errors.Is(err, fs.ErrNotExist) {
			continue // another deployment took it
		}
		if err != nil {
			r.Warnings = append(r.Warnings, fmt.Sprintf("a ready copy cannot be moved into the program (%v): copied instead; keep the dependencies cache on the program's file system", err))
			break
		}
		snap, err := takeSnapshot(ctx, key, target, rec.Files)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return r, cerr
			}
			r.Warnings = append(r.Warnings, fmt.Sprintf("a ready copy in the cache was broken (%v): deleted", err))
			if err := removeAside(target); err != nil {
				return r, err
			}
			continue
		}
		touch(st.dir(key) + lastUsedSuffix)
		r.Source, r.Moved, r.Files = DependenciesFromCache, true, len(rec.Files)
		r.loan = &loan{d: d, cacheDir: o.cacheDir, snap: snap}
		o.logger.InfoContext(ctx, "moved dependencies in", "key", key, "into", target)
		return r, nil
	}
	return o.copyFromCache(ctx, st, d, rec, r)
}

// discardBroken deletes an entry whose record cannot be read, under its
// lock, so that the caller's install saves it again; the report says so.
func (o depsOptions) discardBroken(ctx context.Context, st store, key string, why error, r *DependencyReport) (_ *DependencyReport, err error) {
	p, err := st.lock(ctx, key)
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if p.installed {
		if _, err := readDepsRecord(st, key); err == nil {
			// Saved again meanwhile.
			r.Why += "; the cache entry was being saved"
			return r, nil
		}
		if err := removeDepsEntry(p); err != nil {
			return r, err
		}
	}
	r.Warnings = append(r.Warnings, fmt.Sprintf("the dependencies cache entry %s was broken (%v): deleted, to be saved again", key, why))
	r.Why += "; the cache entry was broken"
	return r, nil
}

// copyFromCache copies the entry into the program, under the entry's lock
// so that it is not deleted meanwhile.
func (o depsOptions) copyFromCache(ctx context.Context, st store, d *Dependencies, rec *depsIndex, r *DependencyReport) (_ *DependencyReport, err error) {
	key := d.Key
	p, err := st.lock(ctx, key)
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if !p.installed {
		r.Why += "; not in the dependencies cache (deleted meanwhile)"
		return r, nil
	}
	if err := checkDir(ctx, key, st.dir(key), rec.Files, false); err != nil {
		if !errors.Is(err, ErrIntegrity) {
			return r, err
		}
		r.Warnings = append(r.Warnings, fmt.Sprintf("the dependencies cache entry was broken (%v): deleted, to be saved again", err))
		r.Why += "; the cache entry was broken"
		return r, removeDepsEntry(p)
	}
	if err := o.placeCopy(ctx, d, st.dir(key), rec.Files); err != nil {
		return r, err
	}
	touch(st.dir(key) + lastUsedSuffix)
	r.Source, r.Files = DependenciesFromCache, len(rec.Files)
	snap, err := takeSnapshot(ctx, key, d.Folder(), nil)
	if err != nil {
		return r, err
	}
	r.loan = &loan{d: d, cacheDir: o.cacheDir, snap: snap}
	return r, nil
}

// placeCopy copies files from src into a staging folder in the program,
// then renames it to node_modules, so that a half copy is never taken for
// an installed one.
func (o depsOptions) placeCopy(ctx context.Context, d *Dependencies, src string, files []fileRecord) error {
	staging, err := os.MkdirTemp(d.Program, ".octopulumi-dependencies-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	if err := copyTree(ctx, staging, src, files, false); err != nil {
		return fmt.Errorf("copy the dependencies into %s: %w", d.Program, err)
	}
	return placeTree(staging, d)
}

// placeTree renames a complete node_modules into the program, marked for
// its key, with npm's record newest (npm trusts it only then).
func placeTree(dir string, d *Dependencies) error {
	if err := writeDepsMarker(dir, d); err != nil {
		return err
	}
	now := time.Now()
	_ = os.Chtimes(filepath.Join(dir, npmHiddenLockfile), now, now)
	if err := removeAside(d.Folder()); err != nil {
		return err
	}
	return os.Rename(dir, d.Folder())
}

// restoreFromBundle puts the bundle's node_modules into the program.
func (o depsOptions) restoreFromBundle(ctx context.Context, d *Dependencies, b *depsBundle, r *DependencyReport) (*DependencyReport, error) {
	if b.dir != "" {
		src := b.treeDir()
		if err := checkDir(ctx, d.Key, src, b.index.Files, o.deep); err != nil {
			return r, err
		}
		if err := o.placeCopy(ctx, d, src, b.index.Files); err != nil {
			return r, err
		}
	} else {
		staging, err := os.MkdirTemp(d.Program, ".octopulumi-dependencies-*")
		if err != nil {
			return r, err
		}
		defer os.RemoveAll(staging)
		if err := b.extract(ctx, staging); err != nil {
			return r, err
		}
		if err := placeTree(filepath.Join(staging, d.Key), d); err != nil {
			return r, err
		}
	}
	r.Source, r.Files = DependenciesFromBundle, len(b.index.Files)
	return r, nil
}

// fillFromBundle makes the bundle the cache's entry for its key, unless
// the cache holds it already; every byte is hashed against the index.
func (o depsOptions) fillFromBundle(ctx context.Context, st store, d *Dependencies, b *depsBundle) (err error) {
	if ok, err := st.installed(d.Key); err != nil || ok {
		return err
	}
	p, err := st.lock(ctx, d.Key)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if p.installed {
		return nil
	}
	dir, err := p.reset()
	if err != nil {
		return err
	}
	files := slices.Clone(b.index.Files)
	if b.dir != "" {
		if err := copyTree(ctx, dir, b.treeDir(), files, true); err != nil {
			return err
		}
		for i, f := range files {
			if f.Type == "file" && f.SHA256 != b.index.Files[i].SHA256 {
				return &IntegrityError{Plugin: d.Key, File: f.Path, Reason: "SHA-256 " + f.SHA256 + " does not match the index's " + b.index.Files[i].SHA256 + " (tampered or corrupt bundle)"}
			}
		}
	} else if err := b.extract(ctx, st.root); err != nil {
		return err
	}
	return commitEntry(ctx, p, dir, d, files)
}

// commitEntry marks the entry's node_modules for its key, records its
// files (the marker's too) and marks it installed.
func commitEntry(ctx context.Context, p *pending, dir string, d *Dependencies, files []fileRecord) error {
	if err := writeDepsMarker(dir, d); err != nil {
		return err
	}
	mp := filepath.Join(dir, depsMarker)
	info, err := os.Stat(mp)
	if err != nil {
		return err
	}
	sum, err := hashFile(ctx, mp)
	if err != nil {
		return err
	}
	files = slices.DeleteFunc(slices.Clone(files), func(f fileRecord) bool { return f.Path == depsMarker })
	files = append(files, fileRecord{Path: depsMarker, Type: "file", Mode: 0o644, Size: info.Size(), SHA256: sum})
	slices.SortFunc(files, func(a, b fileRecord) int { return strings.Compare(a.Path, b.Path) })
	raw, err := json.MarshalIndent(newDepsIndex(d, files), "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(dir+recordSuffix, append(raw, '\n'), 0o644); err != nil {
		return err
	}
	return p.commit()
}

// depsBundle is an opened dependencies bundle: an archive read once, in
// order, or an extracted folder.
type depsBundle struct {
	index *depsIndex
	dir   string // the extracted folder, or ""
	file  *os.File
	tar   *tar.Reader
}

// openDepsBundle reads the bundle's index; an archive stays open at the
// first entry after it.
func openDepsBundle(ctx context.Context, path string) (*depsBundle, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dependencies bundle: %w", err)
	}
	if info.IsDir() {
		p := filepath.Join(path, DependencyIndexFile)
		raw, err := safefile.ReadFile(p, maxIndexBytes)
		if err != nil {
			return nil, fmt.Errorf("dependencies bundle: %s is not an extracted dependencies bundle: %w", path, err)
		}
		x, err := parseDepsIndex(raw, p, true)
		if err != nil {
			return nil, err
		}
		return &depsBundle{index: x, dir: path}, nil
	}
	f, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dependencies bundle: %w", err)
	}
	b := &depsBundle{file: f}
	br := bufio.NewReaderSize(ctxReader{ctx, f}, 1<<20)
	var rd io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("dependencies bundle %s: %w", path, err)
		}
		rd = zr
	}
	b.tar = tar.NewReader(rd)
	h, err := b.tar.Next()
	if err != nil || h.Name != DependencyIndexFile || h.Size > maxIndexBytes {
		f.Close()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, &ManifestError{Source: path, Field: DependencyIndexFile, Reason: "the archive does not start with a dependencies index: make it with `octopulumi cache deps bundle`"}
	}
	raw, err := io.ReadAll(io.LimitReader(b.tar, maxIndexBytes))
	if err == nil {
		b.index, err = parseDepsIndex(raw, path+":"+DependencyIndexFile, true)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

// treeDir is the node_modules of an extracted bundle.
func (b *depsBundle) treeDir() string { return filepath.Join(b.dir, depsDir, b.index.Key) }

// extract extracts an archive's node_modules into parent/<key>, hashing
// every file against the index.
func (b *depsBundle) extract(ctx context.Context, parent string) error {
	files := map[string]fileRecord{}
	for _, f := range b.index.Files {
		files[f.Path] = f
	}
	if err := os.MkdirAll(filepath.Join(parent, b.index.Key), 0o755); err != nil {
		return err
	}
	return extractChecked(ctx, b.tar, depsDir+"/", parent, map[string]map[string]fileRecord{b.index.Key: files})
}

func (b *depsBundle) close() {
	if b != nil && b.file != nil {
		b.file.Close()
	}
}
