package step

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// Variables that make plugins present before Pulumi runs (see pkg/cache).
const (
	// VarPluginBundle is a plugin bundle: an archive, or the extracted path
	// of an Octopus package built from one, e.g.
	// #{Octopus.Action.Package[plugins].ExtractedPath}.
	VarPluginBundle = "Pulumi.PluginBundle"
	// VarPluginCache is a worker-shared plugin cache folder, for
	// self-hosted workers that keep their disk.
	VarPluginCache = "Pulumi.PluginCache"
)

// Plugins says where a step's provider plugins come from before Pulumi
// runs. Both empty means Pulumi downloads what it needs.
type Plugins struct {
	// Bundle is a plugin bundle archive or extracted folder.
	Bundle string
	// Shared is a worker-shared cache folder; with a Bundle, the bundle
	// fills it once per worker and the run links from it.
	Shared string
}

// pluginSources merges the config's sources with the variables' (the
// config wins).
func pluginSources(cfg Config, vars *octoenv.Variables) Plugins {
	p := cfg.Plugins
	if p.Bundle == "" {
		p.Bundle = strings.TrimSpace(vars.Value(VarPluginBundle))
	}
	if p.Shared == "" {
		p.Shared = strings.TrimSpace(vars.Value(VarPluginCache))
	}
	return p
}

// check reports plugin sources that Octopus could not substitute (a
// package reference the step does not have).
func (p Plugins) check() []error {
	return substituted(named{p.Bundle, VarPluginBundle}, named{p.Shared, VarPluginCache})
}

// named is a setting's value and the variable it comes from.
type named struct{ value, name string }

// substituted reports each setting that still holds an Octostache
// expression: a package path whose package reference the step lacks.
func substituted(settings ...named) []error {
	var errs []error
	for _, src := range settings {
		if expr, ok := octoenv.Unsubstituted(src.value); ok {
			errs = append(errs, fmt.Errorf("%s is %q: Octopus could not substitute %s; for a package, the name in Octopus.Action.Package[<name>] must be one of the step's package references", src.name, src.value, expr))
		}
	}
	return errs
}

// restorePlugins restores the plugins into the step's PULUMI_HOME. With a
// manifest beside the program (Pulumi.plugins.json), only its plugins are
// restored, and any that Pulumi would still download are named in the log.
func restorePlugins(ctx context.Context, log io.Writer, s *Settings) error {
	p, home := s.Plugins, s.PulumiHome
	var opts []cache.WarmOption
	manifest, err := cache.ReadManifest(filepath.Join(s.Program, cache.ManifestFile))
	switch {
	case err == nil:
		opts = append(opts, cache.WithManifest(manifest))
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("step: %w", err)
	}
	if p.Bundle == "" && p.Shared == "" && manifest == nil {
		return nil
	}
	if p.Bundle != "" {
		opts = append(opts, cache.FromBundle(p.Bundle))
	}
	if p.Shared != "" {
		if err := os.MkdirAll(p.Shared, 0o755); err != nil {
			return fmt.Errorf("step: the plugin cache folder %s: %w", p.Shared, err)
		}
		opts = append(opts, cache.FromShared(p.Shared))
	}
	r, err := cache.Warm(ctx, home, opts...)
	if err != nil {
		return fmt.Errorf("step: restoring plugins: %w", err)
	}
	fmt.Fprintf(log, "octopulumi: plugins: %d restored (%d files linked, %d copied), %d already present\n",
		len(r.Installed), r.Linked, r.Copied, len(r.Present))
	for _, m := range r.Missing {
		fmt.Fprintf(log, "octopulumi: plugin %s-%s v%s is not in the bundle or cache: Pulumi will download it\n", m.Kind, m.Name, m.Version)
	}
	return nil
}

// pulumiHome is where the child's plugins live: the configured
// PULUMI_HOME, else the default in the step's environment. The runner
// gives pulumi cfg.PulumiHome, never the environment's PULUMI_HOME, so
// that is the one the default answers with.
func pulumiHome(cfg Config) (string, error) {
	home, err := cache.DefaultHome(func(name string) string {
		if name == "PULUMI_HOME" {
			return cfg.PulumiHome
		}
		return Getenv(cfg.Environ, name)
	})
	if err != nil {
		return "", fmt.Errorf("PULUMI_HOME: %w", err)
	}
	return home, nil
}
