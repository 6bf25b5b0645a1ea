package cache

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// DependencyProblem is a broken entry, or a broken ready copy, in a
// dependencies cache.
type DependencyProblem struct {
	// Entry is the key, or the ready copy's folder ("<key>.spares/<id>").
	Entry string
	// Reason says what is wrong.
	Reason string
	// Repaired is true when [Repair] deleted it.
	Repaired bool
}

// String is the entry, what is wrong and, when repaired, what that did.
func (p DependencyProblem) String() string {
	s := p.Entry + ": " + p.Reason
	if p.Repaired {
		s += " (deleted; the next deployment installs or restores it again)"
	}
	return s
}

// DependencyVerifyReport is what [VerifyDependencies] found;
// [DependencyVerifyReport.Err] says whether that is a failure.
type DependencyVerifyReport struct {
	// Dir is the cache folder verified.
	Dir string
	// Verified are the keys whose entry matches its record (by SHA-256
	// when Hashed, else by type, size and mode).
	Verified []string
	// Spares is how many ready copies matched the record.
	Spares int
	// Hashed is true with [VerifyContents].
	Hashed bool
	// Problems are the broken entries and ready copies.
	Problems []DependencyProblem
}

// Err is nil when every entry and ready copy is sound or was repaired;
// else a [*DependencyVerifyError].
func (r *DependencyVerifyReport) Err() error {
	var broken []DependencyProblem
	for _, p := range r.Problems {
		if !p.Repaired {
			broken = append(broken, p)
		}
	}
	if len(broken) == 0 {
		return nil
	}
	return &DependencyVerifyError{Dir: r.Dir, Broken: broken}
}

// DependencyVerifyError is a dependencies cache with broken entries left in
// place.
type DependencyVerifyError struct {
	Dir    string
	Broken []DependencyProblem
}

// Error names the folder, how many are broken and what to do.
func (e *DependencyVerifyError) Error() string {
	return fmt.Sprintf("%s: %d broken dependencies entr(ies) or ready cop(ies): delete them with Repair (octopulumi cache deps verify --repair), so that the next deployment installs or restores them again", e.Dir, len(e.Broken))
}

// Is makes errors.Is(err, ErrNotReady) true.
func (e *DependencyVerifyError) Is(target error) bool { return target == ErrNotReady }

// VerifyDependencies inspects every entry of the dependencies cache in the
// cache folder dir, each under its lock so that a save in progress is not
// mistaken for damage, and every ready copy: an interrupted save, a
// missing or unreadable record, files that no longer match it (sizes;
// SHA-256 too with [VerifyContents]). With [Repair] it deletes what is
// broken. A folder that does not exist is a [NoCacheError]; one without a
// dependencies folder has nothing to verify.
func VerifyDependencies(ctx context.Context, dir string, opts ...VerifyDependenciesOption) (*DependencyVerifyReport, error) {
	o, err := configure(defaultDepsOptions(), opts, VerifyDependenciesOption.configureVerifyDependencies)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, &NoCacheError{Home: dir}
	}
	r := &DependencyVerifyReport{Dir: dir, Hashed: o.deep}
	st := depsStoreOf(dir)
	keys, err := depsKeys(st)
	if err != nil {
		return r, err
	}
	for _, key := range keys {
		if err := o.verifyDepsEntry(ctx, st, key, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// depsKeys lists the entries of st, and those only a .partial marker or
// ready copies are left of.
func depsKeys(st store) ([]string, error) {
	ents, err := os.ReadDir(st.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range ents {
		key := strings.TrimSuffix(strings.TrimSuffix(e.Name(), partialSuffix), sparesSuffix)
		if depsKeyRE.MatchString(key) && (e.IsDir() || key != e.Name()) && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

func (o depsOptions) verifyDepsEntry(ctx context.Context, st store, key string, r *DependencyVerifyReport) (err error) {
	p, err := st.lockOpt(ctx, key, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	dir := st.dir(key)
	reason := ""
	var rec *depsIndex
	if _, err := os.Stat(dir + partialSuffix); err == nil {
		reason = "a save was interrupted (" + key + partialSuffix + " left behind)"
	} else if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		reason = "ready copies left without their entry"
	} else if rec, err = readDepsRecord(st, key); err != nil {
		reason = "unreadable octopulumi record: " + err.Error()
	} else if err := checkDir(ctx, key, dir, rec.Files, o.deep); err != nil {
		var ie *IntegrityError
		if !errors.As(err, &ie) {
			return err
		}
		reason = ie.File + ": " + ie.Reason
	}
	if reason != "" {
		prob := DependencyProblem{Entry: key, Reason: reason}
		if o.repair {
			if err := removeDepsEntry(p); err != nil {
				return fmt.Errorf("repair dependencies %s: %w", key, err)
			}
			prob.Repaired = true
			o.logger.InfoContext(ctx, "deleted broken dependencies", "key", key, "reason", reason)
		}
		r.Problems = append(r.Problems, prob)
		return nil
	}
	r.Verified = append(r.Verified, key)
	for _, sp := range spares(st, key) {
		err := checkDir(ctx, key, sp, rec.Files, o.deep)
		var ie *IntegrityError
		if err != nil && !errors.As(err, &ie) {
			return err
		}
		if err == nil {
			r.Spares++
			continue
		}
		prob := DependencyProblem{Entry: key + sparesSuffix + "/" + fileBase(sp), Reason: ie.File + ": " + ie.Reason}
		if o.repair {
			if err := removeAside(sp); err != nil {
				return err
			}
			prob.Repaired = true
		}
		r.Problems = append(r.Problems, prob)
	}
	return nil
}

func fileBase(p string) string { return p[strings.LastIndexAny(p, `/\`)+1:] }

// removeDepsEntry deletes an entry, its record and its ready copies, with
// the protocol (marker first) so that a crash leaves it not installed.
func removeDepsEntry(p *pending) error {
	if err := p.remove(); err != nil {
		return err
	}
	return os.RemoveAll(p.s.dir(p.key) + sparesSuffix)
}

// DependencyPruneReport says what [PruneDependencies] deleted.
type DependencyPruneReport struct {
	// Removed are the deleted keys, least recently used first.
	Removed []string
	// Freed is the bytes their files (and ready copies) held.
	Freed int64
	// Kept is the bytes left in the cache.
	Kept int64
}

// PruneDependencies deletes entries of the dependencies cache in the cache
// folder dir, least recently used first (a restore or a save marks an
// entry used): with [UnusedFor], those unused for that long; with
// [MaxBytes], until the dependencies (ready copies included) fit. Entries
// used within [PruneGrace] stay. Each deletion holds the entry's lock. A
// folder that does not exist is a [NoCacheError].
func PruneDependencies(ctx context.Context, dir string, opts ...PruneDependenciesOption) (*DependencyPruneReport, error) {
	o, err := configure(defaultDepsOptions(), opts, PruneDependenciesOption.configurePruneDependencies)
	if err != nil {
		return nil, err
	}
	if o.unusedFor == 0 && o.maxBytes == 0 {
		return nil, errors.New("prune dependencies: give a policy (unused for a while, or a size cap)")
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, &NoCacheError{Home: dir}
	}
	st := depsStoreOf(dir)
	keys, err := depsKeys(st)
	if err != nil {
		return nil, err
	}
	var all []cached
	rep := &DependencyPruneReport{}
	for _, key := range keys {
		if ok, err := st.installed(key); err != nil || !ok {
			continue
		}
		c := cached{key: key, size: dirSize(st.dir(key)) + dirSize(st.dir(key)+sparesSuffix), lastUsed: lastUsed(st.dir(key))}
		rep.Kept += c.size
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b cached) int {
		return cmp.Or(a.lastUsed.Compare(b.lastUsed), cmp.Compare(a.key, b.key))
	})
	now := o.now()
	left := rep.Kept
	for _, c := range all {
		old := o.unusedFor > 0 && now.Sub(c.lastUsed) > o.unusedFor
		over := o.maxBytes > 0 && left > o.maxBytes
		if !old && !over || now.Sub(c.lastUsed) < PruneGrace {
			continue
		}
		if err := o.pruneDepsEntry(ctx, st, c.key); err != nil {
			return rep, err
		}
		left -= c.size
		rep.Removed = append(rep.Removed, c.key)
		rep.Freed += c.size
		rep.Kept -= c.size
		o.logger.InfoContext(ctx, "pruned dependencies", "key", c.key, "bytes", c.size)
	}
	return rep, nil
}

func (o depsOptions) pruneDepsEntry(ctx context.Context, st store, key string) (err error) {
	p, err := st.lock(ctx, key)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if !p.installed {
		return nil
	}
	return removeDepsEntry(p)
}
