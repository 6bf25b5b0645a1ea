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
// node_modules is marked as installed for its key. Report.Saved is false
// when the cache already held the key (another deployment saved it
// first). The program's node_modules is lent from then on: when the
// deployment ends, [ReturnDependencies] makes it the next deployment's
// ready copy if nothing changed it. A node_modules with a symlink out of
// it (a workspace package) cannot be cached.
func SaveDependencies(ctx context.Context, d *Dependencies, cacheDir string, opts ...SaveDependenciesOption) (_ *DependencyReport, err error) {
	o, err := configure(defaultDepsOptions(), opts, SaveDependenciesOption.configureSaveDependencies)
	if err != nil {
		return nil, err
	}
	if d.Key == "" {
		return nil, fmt.Errorf("save dependencies of %s: %w pins them", d.Program, ErrNoLockfile)
	}
	src := d.Folder()
	info, err := os.Lstat(src)
	if err != nil || !info.IsDir() && info.Mode()&os.ModeSymlink == 0 {
		return nil, fmt.Errorf("save dependencies: %s is not installed", src)
	}
	// Marked for the next run in the same folder; a linked node_modules
	// is somebody else's to mark, or lend.
	linked := !info.IsDir()
	if !linked {
		if err := writeDepsMarker(src, d); err != nil {
			return nil, fmt.Errorf("save dependencies: %w", err)
		}
	}
	r := &DependencyReport{Source: DependenciesPresent, Why: "installed"}
	st := depsStoreOf(cacheDir)
	p, err := st.lock(ctx, d.Key)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if p.installed {
		touch(st.dir(d.Key) + lastUsedSuffix)
	} else {
		files, err := scanTree(ctx, d.Key, src, false)
		if err != nil {
			return nil, fmt.Errorf("save dependencies: %w", err)
		}
		dir, err := p.reset()
		if err != nil {
			return nil, err
		}
		if err := copyTree(ctx, dir, src, files, true); err != nil {
			return nil, fmt.Errorf("save dependencies into %s: %w", cacheDir, err)
		}
		if err := commitEntry(ctx, p, dir, d, files); err != nil {
			return nil, err
		}
		r.Saved = true
		o.logger.InfoContext(ctx, "saved dependencies", "key", d.Key, "into", cacheDir, "files", len(files))
	}
	if !linked {
		snap, err := takeSnapshot(ctx, d.Key, src, nil)
		if err != nil {
			return nil, err
		}
		r.Files = len(snap)
		r.loan = &loan{d: d, cacheDir: cacheDir, snap: snap}
	}
	return r, nil
}

// ReturnDependencies gives the program's node_modules, lent by the worker
// cache ([DependencyReport.Lent]: restored from it, or saved to it), back
// to the cache when the deployment ends, as the next deployment's ready
// copy: moved whole (a rename), so that a worker that deploys a program
// again and again copies nothing. Only an unchanged node_modules goes back
// (every entry of it, its size, modification and change times, as when it
// was lent), and only while the cache keeps fewer than [KeepSpares] ready
// copies of the key (default 2); else it stays where it is, and why says
// why.
func ReturnDependencies(ctx context.Context, r *DependencyReport, opts ...SaveDependenciesOption) (returned bool, why string, err error) {
	o, err := configure(defaultDepsOptions(), opts, SaveDependenciesOption.configureSaveDependencies)
	if err != nil {
		return false, "", err
	}
	if !r.Lent() {
		return false, "not lent by the worker cache", nil
	}
	l := r.loan
	st := depsStoreOf(l.cacheDir)
	key := l.d.Key
	if n := len(spares(st, key)); n >= o.spares {
		return false, fmt.Sprintf("the cache keeps %d ready copies already", n), nil
	}
	if ok, err := st.installed(key); err != nil || !ok {
		return false, "the cache no longer holds " + key, err
	}
	now, err := takeSnapshot(ctx, key, l.d.Folder(), nil)
	if err != nil {
		return false, "", err
	}
	if diff := l.snap.diff(now); diff != "" {
		return false, "the deployment changed it: " + diff, nil
	}
	parent := st.dir(key) + sparesSuffix
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return false, "", err
	}
	if err := os.Rename(l.d.Folder(), filepath.Join(parent, randomID())); err != nil {
		return false, fmt.Sprintf("it cannot be moved into the cache (%v)", err), nil
	}
	r.loan = nil
	o.logger.InfoContext(ctx, "returned dependencies", "key", key, "to", l.cacheDir)
	return true, "", nil
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
