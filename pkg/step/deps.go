package step

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Variables for a program's language dependencies and its runtime (see
// pkg/cache).
const (
	// VarDependencyBundle is a dependencies bundle: an archive, or the
	// extracted path of an Octopus package built from one by upstream CI
	// (octopulumi cache deps bundle), e.g.
	// #{Octopus.Action.Package[dependencies].ExtractedPath}.
	VarDependencyBundle = "Pulumi.DependencyBundle"
	// VarDependencyCache is a worker-shared dependencies cache folder, for
	// self-hosted workers that keep their disk (it may be the plugin
	// cache's folder).
	VarDependencyCache = "Pulumi.DependencyCache"
	// VarTranspileOnly, "true", runs a TypeScript program without checking
	// its types (PULUMI_NODEJS_TRANSPILE_ONLY): about half the start-up
	// time. Check the types in CI instead (tsc --noEmit).
	VarTranspileOnly = "Pulumi.TranspileOnly"
)

// envTranspileOnly is the Node.js language host's switch.
const envTranspileOnly = "PULUMI_NODEJS_TRANSPILE_ONLY"

// Dependencies says where a Node.js program's dependencies (node_modules)
// come from before Pulumi runs, when the program folder does not already
// hold them installed from its lockfile. Both empty means `pulumi install`
// installs them (with the Install mode's say).
type Dependencies struct {
	// Bundle is a dependencies bundle archive or extracted folder.
	Bundle string
	// Shared is a worker-shared cache folder: filled from the bundle or
	// by the first install, each later deployment gets a copy of its own.
	Shared string
}

// runtimeSettings are the step's dependency sources and runtime switches,
// read once by readRuntimeSettings.
type runtimeSettings struct {
	deps          Dependencies
	transpileOnly bool
	// manager is Pulumi.yaml's packagemanager runtime option.
	manager string
}

// readRuntimeSettings merges the config's dependency sources and switches
// with the variables' (the config wins); manager is Pulumi.yaml's
// packagemanager option. It returns every problem.
func readRuntimeSettings(cfg Config, vars *octoenv.Variables, manager string) (runtimeSettings, []error) {
	rs := runtimeSettings{deps: cfg.Dependencies, transpileOnly: cfg.TranspileOnly, manager: manager}
	if rs.deps.Bundle == "" {
		rs.deps.Bundle = strings.TrimSpace(vars.Value(VarDependencyBundle))
	}
	if rs.deps.Shared == "" {
		rs.deps.Shared = strings.TrimSpace(vars.Value(VarDependencyCache))
	}
	errs := substituted(named{rs.deps.Bundle, VarDependencyBundle}, named{rs.deps.Shared, VarDependencyCache})
	if v := strings.TrimSpace(vars.Value(VarTranspileOnly)); v != "" && !rs.transpileOnly {
		on, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s is %q: use true or false", VarTranspileOnly, v))
		}
		rs.transpileOnly = on
	}
	return rs, errs
}

// packageManager is Pulumi.yaml's packagemanager runtime option, if any.
func (p *project) packageManager() string {
	var rt struct {
		Options struct {
			PackageManager string `yaml:"packagemanager"`
		} `yaml:"options"`
	}
	// runtime: nodejs (a plain name) has no options.
	_ = p.RawRuntime.Decode(&rt)
	return rt.Options.PackageManager
}

// ReadDependencies reads the dependencies of the Node.js program in
// program as a deploy step would: its runtime and packagemanager option
// from Pulumi.yaml, node from the PATH of environ (nil: this process's).
// The cache commands use it; see cache.ReadDependencies.
func ReadDependencies(ctx context.Context, program string, environ []string) (*cache.Dependencies, error) {
	info, err := readProgram(program)
	if err != nil {
		return nil, fmt.Errorf("step: %w", err)
	}
	opts := []cache.ReadDependenciesOption{cache.WithPackageManager(info.packageManager())}
	if environ != nil {
		opts = append(opts, cache.WithProcessEnv(environ))
	}
	d, err := cache.ReadDependencies(ctx, info.dir, info.Runtime, opts...)
	if err != nil {
		return nil, fmt.Errorf("step: %w", err)
	}
	return d, nil
}

// runnerOptions are what the runtime switches ask of the pulumi child.
func (rs *runtimeSettings) runnerOptions() []runner.Option {
	if !rs.transpileOnly {
		return nil
	}
	return []runner.Option{runner.WithEnv(map[string]string{envTranspileOnly: "true"})}
}

// dependencyWork is what the step gives back when it ends: the program's
// node_modules, lent by the worker cache, which goes back as the next
// deployment's ready copy if the deployment did not change it.
type dependencyWork struct {
	lent   *cache.DependencyReport
	logger *slog.Logger
}

// finish returns the lent node_modules and says so in the task log. The
// program folder is the deployment's own and Octopus deletes it; a script
// that needs node_modules after the step installs it itself.
func (w *dependencyWork) finish(log io.Writer) {
	if w == nil || !w.lent.Lent() {
		return
	}
	start := time.Now()
	ok, why, err := cache.ReturnDependencies(context.Background(), w.lent, cache.WithLogger(w.logger))
	switch {
	case err != nil:
		fmt.Fprintf(log, "warning: dependencies: node_modules not returned to the worker cache: %v\n", err)
	case ok:
		fmt.Fprintf(log, "octopulumi: dependencies: node_modules returned to the worker cache for the next deployment (%s)\n", seconds(time.Since(start)))
	default:
		fmt.Fprintf(log, "octopulumi: dependencies: node_modules kept in the program folder: %s\n", why)
	}
}

func lend(cfg Config, r *cache.DependencyReport) *dependencyWork {
	if !r.Lent() {
		return nil
	}
	return &dependencyWork{lent: r, logger: cfg.Logger}
}

// prepareDependencies makes the program's dependencies present before
// Pulumi runs, and says in the task log which runtime, which version and
// where the dependencies came from. For Node.js programs: already
// installed from the lockfile, else restored from the worker cache or the
// bundle, else installed (`pulumi install`, per the Install mode) and
// saved to the worker cache. Other runtimes but YAML are installed with
// `pulumi install` as before (Install auto or always).
func prepareDependencies(ctx context.Context, cfg Config, s *Settings, r *runner.Runner) (*dependencyWork, error) {
	rs := &s.runtime
	log := cfg.Log
	install := func() error {
		start := time.Now()
		if err := r.Install(ctx); err != nil {
			return fmt.Errorf("step: installing the %s program's dependencies (pulumi install): %w", s.Runtime, err)
		}
		fmt.Fprintf(log, "octopulumi: dependencies: installed (pulumi install, %s)\n", seconds(time.Since(start)))
		return nil
	}
	if s.Runtime != "nodejs" {
		if s.Install == InstallAlways || s.Install == InstallAuto && s.Runtime != "yaml" {
			fmt.Fprintf(log, "octopulumi: runtime %s\n", s.Runtime)
			return nil, install()
		}
		return nil, nil
	}
	d, err := cache.ReadDependencies(ctx, s.Program, s.Runtime, cache.WithPackageManager(rs.manager),
		cache.WithProcessEnv(environ(cfg)), cache.WithLogger(cfg.Logger))
	if err != nil {
		return nil, fmt.Errorf("step: %w", err)
	}
	fmt.Fprintf(log, "octopulumi: runtime %s\n", d)
	if rs.transpileOnly {
		fmt.Fprintln(log, "octopulumi: TypeScript: transpile only (types are not checked here: check them in CI)")
	}
	if s.Install == InstallAlways {
		if err := install(); err != nil {
			return nil, err
		}
		return saveDependencies(ctx, cfg, rs, d), nil
	}
	start := time.Now()
	rep, err := restoreDependencies(ctx, rs, d)
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if rep != nil {
		for _, w := range rep.Warnings {
			fmt.Fprintf(log, "warning: dependencies: %s\n", w)
		}
	}
	switch {
	case err != nil:
		fmt.Fprintf(log, "warning: dependencies: %v\n", err)
	case rep.Source == cache.DependenciesPresent:
		fmt.Fprintf(log, "octopulumi: dependencies: present (%s)\n", rep.Why)
		return nil, nil
	case rep.Source != "":
		how := "copied"
		if rep.Moved {
			how = "a ready copy moved in"
		}
		fmt.Fprintf(log, "octopulumi: dependencies: %s (%s, %d files, %s)\n", sourceName(rep.Source), how, rep.Files, seconds(time.Since(start)))
		return lend(cfg, rep), nil
	}
	if s.Install == InstallNever {
		why := "no source given"
		if rep != nil && rep.Why != "" {
			why = rep.Why
		}
		fmt.Fprintf(log, "octopulumi: dependencies: not installed (install mode never; %s)\n", why)
		return nil, nil
	}
	if err := install(); err != nil {
		return nil, err
	}
	return saveDependencies(ctx, cfg, rs, d), nil
}

// restoreDependencies restores from the configured sources, if any.
func restoreDependencies(ctx context.Context, rs *runtimeSettings, d *cache.Dependencies) (*cache.DependencyReport, error) {
	var opts []cache.RestoreDependenciesOption
	if rs.deps.Bundle != "" {
		opts = append(opts, cache.FromDependencyBundle(rs.deps.Bundle))
	}
	if rs.deps.Shared != "" {
		if err := os.MkdirAll(rs.deps.Shared, 0o755); err != nil {
			return nil, fmt.Errorf("the dependencies cache folder %s: %w", rs.deps.Shared, err)
		}
		opts = append(opts, cache.FromDependencyCache(rs.deps.Shared))
	}
	return cache.RestoreDependencies(ctx, d, opts...)
}

// saveDependencies saves what pulumi install installed to the worker
// cache; the program's node_modules is lent from then on.
func saveDependencies(ctx context.Context, cfg Config, rs *runtimeSettings, d *cache.Dependencies) *dependencyWork {
	if rs.deps.Shared == "" {
		return nil
	}
	if d.Key == "" {
		fmt.Fprintf(cfg.Log, "octopulumi: dependencies: not saved to the worker cache: no lockfile pins them (commit %s)\n", lockfileHint(d))
		return nil
	}
	start := time.Now()
	r, err := cache.SaveDependencies(ctx, d, rs.deps.Shared, cache.WithLogger(cfg.Logger))
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return nil
	case err != nil:
		fmt.Fprintf(cfg.Log, "warning: dependencies: not saved to the worker cache: %v\n", err)
		return nil
	case r.Saved:
		fmt.Fprintf(cfg.Log, "octopulumi: dependencies: saved to the worker cache %s (%s)\n", rs.deps.Shared, seconds(time.Since(start)))
	}
	return lend(cfg, r)
}

func sourceName(s cache.DependencySource) string {
	switch s {
	case cache.DependenciesFromCache:
		return "from the worker cache"
	case cache.DependenciesFromBundle:
		return "from the dependencies bundle"
	}
	return string(s)
}

func lockfileHint(d *cache.Dependencies) string {
	if d.Manager == cache.NPM {
		return "package-lock.json"
	}
	return "the " + d.Manager + " lockfile"
}

// environ is the environment pulumi's language host will run in, as far
// as finding node goes.
func environ(cfg Config) []string {
	if cfg.Environ != nil {
		return cfg.Environ
	}
	return os.Environ()
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s" }
