package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNoLockfile matches the error of [SaveDependencies] and
// [BundleDependencies] for a program without a lockfile: nothing pins its
// dependencies, so there is no key to keep them under.
var ErrNoLockfile = errors.New("no lockfile")

// SaveDependencies fills the worker-shared cache folder cacheDir with the
// program's node_modules, right after it was installed (pulumi install)
// and before the program runs: every file is copied and hashed into the
// entry for the key, under the entry's lock, and the program's
// node_modules is marked as installed for its key. It reports false when
// the cache already held the key (another deployment saved it first).
// A node_modules with a symlink out of it (a workspace package) cannot be
// cached. Then [ReplenishDependencies] makes ready copies.
func SaveDependencies(ctx context.Context, d *Dependencies, cacheDir string, opts ...SaveDependenciesOption) (saved bool, err error) {
	o, err := configure(defaultDepsOptions(), opts, SaveDependenciesOption.configureSaveDependencies)
	if err != nil {
		return false, err
	}
	if d.Key == "" {
		return false, fmt.Errorf("save dependencies of %s: %w pins them", d.Program, ErrNoLockfile)
	}
	src := d.Folder()
	if info, err := os.Stat(src); err != nil || !info.IsDir() {
		return false, fmt.Errorf("save dependencies: %s is not installed", src)
	}
	// Marked for the next run in the same folder; a linked node_modules
	// is somebody else's to mark.
	if info, err := os.Lstat(src); err == nil && info.IsDir() {
		if err := writeDepsMarker(src, d); err != nil {
			return false, fmt.Errorf("save dependencies: %w", err)
		}
	}
	st := depsStoreOf(cacheDir)
	p, err := st.lock(ctx, d.Key)
	if err != nil {
		return false, err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if p.installed {
		touch(st.dir(d.Key) + lastUsedSuffix)
		return false, nil
	}
	files, err := scanTree(ctx, d.Key, src, false)
	if err != nil {
		return false, fmt.Errorf("save dependencies: %w", err)
	}
	dir, err := p.reset()
	if err != nil {
		return false, err
	}
	if err := copyTree(ctx, dir, src, files, true); err != nil {
		return false, fmt.Errorf("save dependencies into %s: %w", cacheDir, err)
	}
	if err := commitEntry(ctx, p, dir, d, files); err != nil {
		return false, err
	}
	o.logger.InfoContext(ctx, "saved dependencies", "key", d.Key, "into", cacheDir, "files", len(files))
	return true, nil
}

// ReplenishDependencies makes ready copies of the cache's entry for the
// key, up to [KeepSpares] (default 1), so that the next restore moves one
// into its program instead of copying. A deploy step runs it while Pulumi
// runs, off the deployment's critical path; it holds the entry's lock, so
// the entry is not deleted meanwhile, and publishes each copy by a rename
// once complete. It does nothing when the cache lacks the key.
func ReplenishDependencies(ctx context.Context, d *Dependencies, cacheDir string, opts ...SaveDependenciesOption) (made int, err error) {
	o, err := configure(defaultDepsOptions(), opts, SaveDependenciesOption.configureSaveDependencies)
	if err != nil {
		return 0, err
	}
	if d.Key == "" || o.spares == 0 {
		return 0, nil
	}
	st := depsStoreOf(cacheDir)
	if ok, err := st.installed(d.Key); err != nil || !ok || len(spares(st, d.Key)) >= o.spares {
		return 0, err
	}
	p, err := st.lock(ctx, d.Key)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if !p.installed {
		return 0, nil
	}
	cleanSpareTmp(st, d.Key)
	rec, err := readDepsRecord(st, d.Key)
	if err != nil {
		return 0, fmt.Errorf("the dependencies cache entry %s: %w", d.Key, err)
	}
	if err := checkDir(ctx, d.Key, st.dir(d.Key), rec.Files, false); err != nil {
		return 0, err
	}
	parent := st.dir(d.Key) + sparesSuffix
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return 0, err
	}
	for len(spares(st, d.Key)) < o.spares {
		id := randomID()
		tmp := filepath.Join(parent, spareTmp+id)
		if err := os.Mkdir(tmp, 0o755); err != nil {
			return made, err
		}
		if err := copyTree(ctx, tmp, st.dir(d.Key), rec.Files, false); err != nil {
			os.RemoveAll(tmp)
			return made, fmt.Errorf("a ready copy of %s: %w", d.Key, err)
		}
		if err := os.Rename(tmp, filepath.Join(parent, id)); err != nil {
			os.RemoveAll(tmp)
			return made, err
		}
		made++
	}
	o.logger.InfoContext(ctx, "made ready copies of dependencies", "key", d.Key, "copies", made)
	return made, nil
}
