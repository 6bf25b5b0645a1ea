package cache

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// PruneGrace is how recently a plugin must have been used for [Prune] to
// keep it whatever the policy: a deployment may be about to start it.
const PruneGrace = 10 * time.Minute

// PruneReport says what [Prune] deleted.
type PruneReport struct {
	// Removed are the deleted plugin folders, least recently used first.
	Removed []string
	// Freed is the bytes their files held (shared hard links included).
	Freed int64
	// Kept is the bytes left in the cache.
	Kept int64
	// NoPlugins is true when the home holds no plugins folder: no plugin
	// was ever installed there, so there was nothing to prune.
	NoPlugins bool
}

type cached struct {
	key, group string
	size       int64
	lastUsed   time.Time
}

// Prune deletes installed plugins from the PULUMI_HOME (or shared cache)
// home, least recently used first by their .lastused time (which the CLI
// updates whenever it runs a plugin, and a restore sets): with [KeepLatest],
// all but the n most recently used versions of each plugin; with
// [MaxBytes], until the cache fits. Plugins used within [PruneGrace] stay.
// Each deletion holds the plugin's lock and marks it .partial first, so a
// concurrent install waits and nothing half-deleted looks installed.
//
// A home that does not exist is a [NoCacheError] (most likely a mistyped
// path, which would otherwise prune nothing, silently, on every run); a home
// without a plugins folder has nothing to prune, and the report says so
// (NoPlugins).
func Prune(ctx context.Context, home string, opts ...PruneOption) (*PruneReport, error) {
	o, err := configure(defaultOptions(), opts, PruneOption.configurePrune)
	if err != nil {
		return nil, err
	}
	if o.keepLatest == 0 && o.maxBytes == 0 {
		return nil, errors.New("prune plugins: give a policy (keep the latest N versions, or a size cap)")
	}
	switch info, err := os.Stat(home); {
	case errors.Is(err, fs.ErrNotExist) || err == nil && !info.IsDir():
		return nil, &NoCacheError{Home: home}
	case err != nil:
		return nil, fmt.Errorf("prune plugins: %w", err)
	}
	st := storeOf(home)
	if _, err := os.Stat(st.root); errors.Is(err, fs.ErrNotExist) {
		return &PruneReport{NoPlugins: true}, nil
	}
	keys, err := entryKeys(st)
	if err != nil {
		return nil, err
	}
	var all []cached
	var total int64
	for _, key := range keys {
		if ok, err := st.installed(key); err != nil || !ok {
			continue
		}
		kind, name, _, _ := parseDir(key)
		c := cached{key: key, group: kind + "-" + name, size: dirSize(st.dir(key)), lastUsed: lastUsed(st.dir(key))}
		total += c.size
		all = append(all, c)
	}
	// Least recently used first; ties broken by name for a stable order.
	slices.SortFunc(all, func(a, b cached) int {
		return cmp.Or(a.lastUsed.Compare(b.lastUsed), cmp.Compare(a.key, b.key))
	})
	doomed := map[string]bool{}
	if o.keepLatest > 0 {
		seen := map[string]int{}
		for i := len(all) - 1; i >= 0; i-- {
			seen[all[i].group]++
			if seen[all[i].group] > o.keepLatest {
				doomed[all[i].key] = true
			}
		}
	}
	left := total
	for _, c := range all {
		if doomed[c.key] {
			left -= c.size
		}
	}
	if o.maxBytes > 0 {
		for _, c := range all {
			if left <= o.maxBytes {
				break
			}
			if !doomed[c.key] {
				doomed[c.key] = true
				left -= c.size
			}
		}
	}
	rep := &PruneReport{Kept: total}
	now := o.now()
	for _, c := range all {
		if !doomed[c.key] || now.Sub(c.lastUsed) < PruneGrace {
			continue
		}
		if err := o.removeEntry(ctx, st, c.key); err != nil {
			return rep, err
		}
		rep.Removed = append(rep.Removed, c.key)
		rep.Freed += c.size
		rep.Kept -= c.size
		o.logger.InfoContext(ctx, "pruned plugin", "plugin", c.key, "bytes", c.size)
	}
	return rep, nil
}

func (o options) removeEntry(ctx context.Context, st store, key string) (err error) {
	p, err := st.lock(ctx, key)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if !p.installed {
		return nil
	}
	if err := p.remove(); err != nil {
		return fmt.Errorf("prune plugin %s: %w", key, err)
	}
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// lastUsed is the CLI's notion: the .lastused marker's mtime, else the
// folder's.
func lastUsed(dir string) time.Time {
	if info, err := os.Stat(dir + lastUsedSuffix); err == nil {
		return info.ModTime()
	}
	if info, err := os.Stat(dir); err == nil {
		return info.ModTime()
	}
	return time.Time{}
}
