package cache

import (
	"errors"
	"fmt"
	"time"
)

// ReadDependenciesOption configures [ReadDependencies]: [WithPackageManager],
// [WithRuntimeVersion], [WithProcessEnv], [WithLogger].
type ReadDependenciesOption interface {
	configureReadDependencies(*depsOptions) error
}

// RestoreDependenciesOption configures [RestoreDependencies]:
// [FromDependencyBundle], [FromDependencyCache], [WithLogger].
type RestoreDependenciesOption interface {
	configureRestoreDependencies(*depsOptions) error
}

// SaveDependenciesOption configures [SaveDependencies],
// [ReturnDependencies] and [ReplenishDependencies]: [KeepSpares],
// [WithLogger].
type SaveDependenciesOption interface {
	configureSaveDependencies(*depsOptions) error
}

// BundleDependenciesOption configures [BundleDependencies] and
// [BundleDependenciesFile]: [WithLogger].
type BundleDependenciesOption interface {
	configureBundleDependencies(*depsOptions) error
}

// VerifyDependenciesOption configures [VerifyDependencies]: [WithLogger],
// [VerifyContents], [Repair].
type VerifyDependenciesOption interface {
	configureVerifyDependencies(*depsOptions) error
}

// PruneDependenciesOption configures [PruneDependencies]: [MaxBytes],
// [UnusedFor], [WithNow], [WithLogger].
type PruneDependenciesOption interface {
	configurePruneDependencies(*depsOptions) error
}

// depsOptions are the settings of one dependencies call: the plugin
// functions' (logger, clock, size cap, hashing, repair) and their own.
type depsOptions struct {
	options
	manager        string
	runtimeVersion string
	bundle         string
	cacheDir       string
	spares         int
	unusedFor      time.Duration
}

func defaultDepsOptions() depsOptions {
	return depsOptions{options: defaultOptions(), spares: 2}
}

// The options shared with the plugin functions apply to the embedded
// settings.
func (s LoggerOption) configureReadDependencies(o *depsOptions) error    { return s.apply(&o.options) }
func (s LoggerOption) configureRestoreDependencies(o *depsOptions) error { return s.apply(&o.options) }
func (s LoggerOption) configureSaveDependencies(o *depsOptions) error    { return s.apply(&o.options) }
func (s LoggerOption) configureBundleDependencies(o *depsOptions) error  { return s.apply(&o.options) }
func (s LoggerOption) configureVerifyDependencies(o *depsOptions) error  { return s.apply(&o.options) }
func (s LoggerOption) configurePruneDependencies(o *depsOptions) error   { return s.apply(&o.options) }
func (s ContentsOption) configureVerifyDependencies(o *depsOptions) error {
	return s.apply(&o.options)
}
func (s RepairOption) configureVerifyDependencies(o *depsOptions) error { return s.apply(&o.options) }
func (s SizeOption) configurePruneDependencies(o *depsOptions) error    { return s.apply(&o.options) }
func (s ClockOption) configurePruneDependencies(o *depsOptions) error   { return s.apply(&o.options) }

// depsSetting is an option of the dependencies functions only.
type depsSetting struct{ set func(*depsOptions) error }

func (s depsSetting) apply(o *depsOptions) error {
	if s.set == nil {
		return nil
	}
	return s.set(o)
}

// The options of one dependencies function are of that function's type.
type (
	readDepsSetting    struct{ depsSetting }
	restoreDepsSetting struct{ depsSetting }
	saveDepsSetting    struct{ depsSetting }
	pruneDepsSetting   struct{ depsSetting }
)

func (s readDepsSetting) configureReadDependencies(o *depsOptions) error { return s.apply(o) }
func (s restoreDepsSetting) configureRestoreDependencies(o *depsOptions) error {
	return s.apply(o)
}
func (s saveDepsSetting) configureSaveDependencies(o *depsOptions) error   { return s.apply(o) }
func (s pruneDepsSetting) configurePruneDependencies(o *depsOptions) error { return s.apply(o) }

// WithPackageManager is the program's packagemanager runtime option from
// Pulumi.yaml (npm, yarn, pnpm, bun; "" or "auto" decide by the
// lockfiles present, as Pulumi does).
func WithPackageManager(pm string) ReadDependenciesOption {
	return readDepsSetting{depsSetting{func(o *depsOptions) error {
		switch pm {
		case "", "auto", NPM, Yarn, PNPM, Bun:
			o.manager = pm
			return nil
		}
		return fmt.Errorf("cache.WithPackageManager: %q: Pulumi knows npm, yarn, pnpm and bun", pm)
	}}}
}

// WithRuntimeVersion gives node's version ("v20.20.2") instead of running
// `node --version`.
func WithRuntimeVersion(v string) ReadDependenciesOption {
	return readDepsSetting{depsSetting{func(o *depsOptions) error {
		if !nodeVersionRE.MatchString(v) {
			return fmt.Errorf("cache.WithRuntimeVersion: %q is not a node version such as v20.20.2", v)
		}
		o.runtimeVersion = v
		return nil
	}}}
}

// WithProcessEnv is the environment pulumi's language host runs in
// (default: this process's): its PATH finds node, and its
// PULUMI_PREFER_YARN chooses yarn.
func WithProcessEnv(env []string) ReadDependenciesOption {
	return readDepsSetting{depsSetting{func(o *depsOptions) error {
		o.env = append([]string{}, env...)
		return nil
	}}}
}

// FromDependencyBundle makes [RestoreDependencies] restore from a
// dependencies bundle made by [BundleDependenciesFile]: the archive, or its
// extracted folder (e.g. #{Octopus.Action.Package[dependencies].ExtractedPath}).
func FromDependencyBundle(path string) RestoreDependenciesOption {
	return restoreDepsSetting{depsSetting{func(o *depsOptions) error {
		if path == "" {
			return errors.New("cache.FromDependencyBundle: empty path")
		}
		o.bundle = path
		return nil
	}}}
}

// FromDependencyCache makes [RestoreDependencies] use the worker-shared
// cache folder dir: filled from the bundle when one is given, and a copy
// of its entry moved or copied into the program.
func FromDependencyCache(dir string) RestoreDependenciesOption {
	return restoreDepsSetting{depsSetting{func(o *depsOptions) error {
		if dir == "" {
			return errors.New("cache.FromDependencyCache: empty path")
		}
		o.cacheDir = dir
		return nil
	}}}
}

// KeepSpares sets how many ready copies of each entry the cache keeps
// (default 2): [ReturnDependencies] returns no more, and
// [ReplenishDependencies] makes up to that many. As many as deployments of
// one program that run at once on a worker lets each move a copy in
// rather than copy; each costs the dependencies' size on disk. 0 keeps
// none.
func KeepSpares(n int) SaveDependenciesOption {
	return saveDepsSetting{depsSetting{func(o *depsOptions) error {
		if n < 0 || n > 16 {
			return fmt.Errorf("cache.KeepSpares: %d: keep 0 to 16 ready copies", n)
		}
		o.spares = n
		return nil
	}}}
}

// UnusedFor makes [PruneDependencies] delete the entries not restored or
// saved for d.
func UnusedFor(d time.Duration) PruneDependenciesOption {
	return pruneDepsSetting{depsSetting{func(o *depsOptions) error {
		if d < PruneGrace {
			return fmt.Errorf("cache.UnusedFor: %s is shorter than the grace period %s", d, PruneGrace)
		}
		o.unusedFor = d
		return nil
	}}}
}
