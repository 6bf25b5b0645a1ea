package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Problem is a broken entry in a plugin cache.
type Problem struct {
	// Plugin is the entry's folder name, <kind>-<name>-v<version>.
	Plugin string
	// Reason says what is wrong.
	Reason string
	// Repaired is true when [Repair] deleted the entry.
	Repaired bool
}

// String is the entry, what is wrong and, when repaired, what that did.
func (p Problem) String() string {
	s := p.Plugin + ": " + p.Reason
	if p.Repaired {
		s += " (deleted; the next install downloads or restores it again)"
	}
	return s
}

// Check lists the manifest's plugins that the PULUMI_HOME home does not
// hold installed, which Pulumi would download: the check for a baked image
// or a warm worker. An empty list means a run needs no download.
func Check(home string, m *Manifest) ([]Plugin, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	st := storeOf(home)
	var missing []Plugin
	for _, p := range m.Plugins {
		ok, err := st.installed(p.Dir())
		if err != nil {
			return nil, fmt.Errorf("check plugin %s in %s: %w", p.Dir(), home, err)
		}
		if ok {
			_, ok = binaryOK(st.dir(p.Dir()), p.Binary())
		}
		if !ok {
			missing = append(missing, p)
		}
	}
	return missing, nil
}

// binaryOK looks for the plugin's executable, as the CLI would run it.
func binaryOK(dir, binary string) (string, bool) {
	name := binary
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	info, err := os.Stat(filepath.Join(dir, name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "executable " + name + " is missing", false
	case err != nil:
		return err.Error(), false
	case !info.Mode().IsRegular() || info.Size() == 0:
		return "executable " + name + " is empty or not a file", false
	case runtime.GOOS != "windows" && info.Mode().Perm()&0o111 == 0:
		return "executable " + name + " is not executable", false
	}
	return "", true
}

// VerifyReport is what [Verify] found; [VerifyReport.Err] says whether that
// is a failure.
type VerifyReport struct {
	// Home is the folder verified.
	Home string
	// Problems are the broken entries; those [Repair] deleted are marked
	// Repaired.
	Problems []Problem
	// Verified are the entries whose files match the record octopulumi
	// wrote when it installed them (by SHA-256 when Hashed, else by type,
	// size and mode).
	Verified []string
	// Hashed is true when Verified entries were checked by SHA-256
	// ([VerifyContents]).
	Hashed bool
	// Unrecorded are the entries installed without octopulumi (by `pulumi
	// plugin install` or a Pulumi run), so there is no record to check their
	// files against: only their executable was checked.
	Unrecorded []string
	// Missing are the plugins of the [WithManifest] manifest that Home does
	// not hold installed (repaired ones included), which Pulumi would
	// download.
	Missing []Plugin
}

// Err is nil when a run from the verified cache would neither meet a broken
// plugin nor download one; else a [*VerifyError] that says why: entries
// broken and not repaired, or manifest plugins missing.
func (r *VerifyReport) Err() error {
	var broken []Problem
	for _, p := range r.Problems {
		if !p.Repaired {
			broken = append(broken, p)
		}
	}
	if len(broken) == 0 && len(r.Missing) == 0 {
		return nil
	}
	return &VerifyError{Home: r.Home, Broken: broken, Missing: r.Missing}
}

// Verify inspects every plugin in the PULUMI_HOME (or shared cache) home,
// each under its lock so that installs in progress are not mistaken for
// damage, and reports entries that an interrupted install left behind,
// whose executable is missing, or whose files no longer match the record
// written when octopulumi installed them (sizes; SHA-256 too with
// [VerifyContents]). With [Repair] it deletes them, with the CLI's protocol.
// With [WithManifest] it also lists the manifest's plugins that home lacks
// (what a baked image or a warm worker must hold).
//
// An error means the inspection could not be made: a home that does not
// exist is a [NoCacheError], and so is a home without a plugins folder,
// unless a manifest was given (then every plugin of it is missing). What the
// inspection found is in the report; [VerifyReport.Err] says whether it
// fails.
func Verify(ctx context.Context, home string, opts ...VerifyOption) (*VerifyReport, error) {
	o, err := configure(defaultOptions(), opts, VerifyOption.configureVerify)
	if err != nil {
		return nil, err
	}
	r := &VerifyReport{Home: home, Hashed: o.deep}
	st := storeOf(home)
	if info, err := os.Stat(st.root); err != nil || !info.IsDir() {
		if info, herr := os.Stat(home); herr != nil || !info.IsDir() {
			return nil, &NoCacheError{Home: home}
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("verify plugins in %s: %w", home, err)
		}
		if o.manifest == nil {
			return nil, &NoCacheError{Home: home, Plugins: true}
		}
		// An empty PULUMI_HOME: what matters is what Pulumi would download.
		r.Missing = slices.Clone(o.manifest.Plugins)
		return r, nil
	}
	if err := o.verifyEntries(ctx, st, r); err != nil {
		return r, err
	}
	if o.manifest != nil {
		if r.Missing, err = Check(home, o.manifest); err != nil {
			return r, err
		}
	}
	return r, nil
}

// verifyEntries verifies every entry of st into r.
func (o options) verifyEntries(ctx context.Context, st store, r *VerifyReport) error {
	keys, err := entryKeys(st)
	if err != nil {
		return err
	}
	for _, key := range keys {
		state, prob, err := o.verifyEntry(ctx, st, key)
		if prob != nil {
			r.Problems = append(r.Problems, *prob)
		}
		if err != nil {
			return err
		}
		switch state {
		case entryVerified:
			r.Verified = append(r.Verified, key)
		case entryUnrecorded:
			r.Unrecorded = append(r.Unrecorded, key)
		}
	}
	return nil
}

// entryKeys lists the plugin folders of st, and those only a .partial
// marker is left of.
func entryKeys(st store) ([]string, error) {
	ents, err := os.ReadDir(st.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range ents {
		key := strings.TrimSuffix(e.Name(), partialSuffix)
		if _, _, _, ok := parseDir(key); ok && (e.IsDir() || key != e.Name()) && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// entryState is what verifyEntry could say of a sound entry.
type entryState int

const (
	entryGone       entryState = iota // not there (any more), or broken
	entryVerified                     // matches its record
	entryUnrecorded                   // sound executable, no record to check the rest
)

func (o options) verifyEntry(ctx context.Context, st store, key string) (_ entryState, _ *Problem, err error) {
	p, err := st.lockOpt(ctx, key, false)
	if err != nil {
		return entryGone, nil, err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	dir := st.dir(key)
	reason, state := "", entryGone
	if _, err := os.Stat(dir + partialSuffix); err == nil {
		reason = "an install was interrupted (" + key + partialSuffix + " left behind); Pulumi ignores it"
	} else if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return entryGone, nil, nil
	} else if why, ok := binaryOK(dir, "pulumi-"+strings.SplitN(key, "-", 2)[0]+"-"+pluginName(key)); !ok {
		reason = why
	} else if rec, err := readRecord(dir); err == nil {
		state = entryVerified
		if err := checkDir(ctx, key, dir, rec.Files, o.deep); err != nil {
			var ie *IntegrityError
			if !errors.As(err, &ie) {
				return entryGone, nil, err
			}
			reason = ie.File + ": " + ie.Reason
		}
	} else if errors.Is(err, fs.ErrNotExist) {
		state = entryUnrecorded
	} else {
		reason = "unreadable octopulumi record: " + err.Error()
	}
	if reason == "" {
		return state, nil, nil
	}
	prob := &Problem{Plugin: key, Reason: reason}
	if o.repair {
		if err := p.remove(); err != nil {
			return entryGone, prob, fmt.Errorf("repair plugin %s: %w", key, err)
		}
		prob.Repaired = true
		o.logger.InfoContext(ctx, "deleted a broken plugin", "plugin", key, "in", st.root, "reason", reason)
	}
	return entryGone, prob, nil
}

func pluginName(key string) string {
	_, name, _, _ := parseDir(key)
	return name
}
