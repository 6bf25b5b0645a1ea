package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// The on-disk protocol of the Pulumi CLI's plugin cache (pkg/v3
// util/atomicinstall, which `pulumi plugin install` and `pulumi install`
// use), followed exactly so that our writers and the CLI's exclude each other:
//
//   - <dir>.lock is flocked by a writer for its whole duration; nobody
//     deletes it (a lock on a deleted file excludes nobody).
//   - <dir>.partial exists from before a writer's first write until after
//     its last: while it exists the entry is not installed, and the next
//     writer (holding the lock, so the marker's writer is gone) discards it.
//   - readers take no lock: an entry is installed when <dir> is a folder and
//     <dir>.partial does not exist (checked in that order).
//   - <dir>.lastused's mtime is when the plugin was last resolved to run.
//
// We add <dir>.octopulumi.json: the file list (sizes, modes, SHA-256) of an
// entry we installed, so that [Verify] can find truncation and corruption.
const (
	lockSuffix     = ".lock"
	partialSuffix  = ".partial"
	lastUsedSuffix = ".lastused"
	recordSuffix   = ".octopulumi.json"
)

// store is the plugins folder of one PULUMI_HOME (or worker-shared cache).
type store struct{ root string }

func storeOf(home string) store { return store{root: filepath.Join(home, "plugins")} }

func (s store) dir(key string) string { return filepath.Join(s.root, key) }

// installed reports whether the entry key is complete, as the CLI decides.
func (s store) installed(key string) (bool, error) {
	dir := s.dir(key)
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !info.IsDir() {
		return false, nil
	}
	_, err = os.Stat(dir + partialSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	return false, err
}

// pending is exclusive write access to one entry.
type pending struct {
	s         store
	key       string
	unlock    func() error
	installed bool // complete on disk when the lock was taken
	dirty     bool // marker written, not yet committed
}

// lock takes key's lock, waiting until it is free or ctx ends, and discards
// what a failed or killed writer left behind.
func (s store) lock(ctx context.Context, key string) (*pending, error) {
	return s.lockOpt(ctx, key, true)
}

// lockOpt is lock; with discardPartial false a leftover stays for the
// caller to look at.
func (s store) lockOpt(ctx context.Context, key string, discardPartial bool) (*pending, error) {
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		return nil, fmt.Errorf("create plugin cache %s: %w", s.root, err)
	}
	unlock, err := flock(ctx, s.dir(key)+lockSuffix)
	if err != nil {
		return nil, fmt.Errorf("lock plugin %s in %s: %w", key, s.root, err)
	}
	p := &pending{s: s, key: key, unlock: unlock}
	dir := s.dir(key)
	if _, err := os.Stat(dir + partialSuffix); err == nil {
		if !discardPartial {
			return p, nil
		}
		if err := discard(dir); err != nil {
			return nil, errors.Join(fmt.Errorf("discard the partial install %s: %w", dir, err), unlock())
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, errors.Join(err, unlock())
	}
	if p.installed, err = s.installed(key); err != nil {
		return nil, errors.Join(err, unlock())
	}
	return p, nil
}

// reset marks the entry not installed and returns its empty folder.
func (p *pending) reset() (string, error) {
	dir := p.s.dir(p.key)
	if err := writeMarker(dir + partialSuffix); err != nil {
		return "", err
	}
	p.installed, p.dirty = false, true
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	os.Remove(dir + recordSuffix)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

// commit marks the entry installed; the caller still calls close.
func (p *pending) commit() error {
	dir := p.s.dir(p.key)
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := os.Remove(dir + partialSuffix); err != nil {
		return err
	}
	p.installed, p.dirty = true, false
	touch(dir + lastUsedSuffix)
	return syncDir(p.s.root)
}

// remove deletes an installed entry (marker first, so a crash leaves it
// marked not installed).
func (p *pending) remove() error {
	dir := p.s.dir(p.key)
	if err := writeMarker(dir + partialSuffix); err != nil {
		return err
	}
	p.installed, p.dirty = false, true
	os.Remove(dir + recordSuffix)
	os.Remove(dir + lastUsedSuffix)
	if err := discard(dir); err != nil {
		return err
	}
	p.dirty = false
	return nil
}

// close discards an uncommitted entry and releases the lock; it is always
// safe to defer.
func (p *pending) close() error {
	if p.unlock == nil {
		return nil
	}
	var err error
	if p.dirty {
		os.Remove(p.s.dir(p.key) + recordSuffix)
		err = discard(p.s.dir(p.key))
		p.dirty = false
	}
	err = errors.Join(err, p.unlock())
	p.unlock = nil
	return err
}

// discard deletes an entry; the marker goes last, so a failure leaves the
// entry marked as not installed.
func discard(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.Remove(dir + partialSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// flock takes the CLI's own kind of lock on path: an exclusive flock(2) on
// Unix and LockFileEx over the whole file on Windows, as the CLI's
// fsutil.FileMutex (go-internal lockedfile) does. flock belongs to the open
// file, not the process, so goroutines of one process exclude each other too.
// The wait cannot be interrupted, so when ctx ends first the lock is released
// as soon as it arrives.
func flock(ctx context.Context, path string) (func() error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	got := make(chan error, 1)
	go func() { got <- lockFile(f) }()
	release := sync.OnceValue(func() error { return errors.Join(unlockFile(f), f.Close()) })
	select {
	case err := <-got:
		if err != nil {
			f.Close()
			return nil, err
		}
		return release, nil
	case <-ctx.Done():
		go func() {
			if err := <-got; err == nil {
				_ = release()
			} else {
				f.Close()
			}
		}()
		return nil, fmt.Errorf("wait for %s: %w", path, ctx.Err())
	}
}

// writeMarker creates the .partial marker and flushes it, so that a power
// loss cannot keep an entry's files and lose its marker.
func writeMarker(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// touch sets path's mtime to now, creating it if needed; best effort, as the
// CLI does for .lastused.
func touch(path string) {
	now := time.Now()
	if err := os.Chtimes(path, now, now); err != nil {
		_ = os.WriteFile(path, nil, 0o644)
	}
}
