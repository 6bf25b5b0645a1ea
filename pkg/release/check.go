package release

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/octopulumi/octopulumi/pkg/cache"
)

// readManifest reads the program's plugin manifest; nil without one.
func readManifest(program string) (*cache.Manifest, string, error) {
	path := filepath.Join(program, cache.ManifestFile)
	m, err := cache.ReadManifest(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, path, nil
	}
	if err != nil {
		return nil, path, fmt.Errorf("release: %w", err)
	}
	return m, path, nil
}

// checkManifest resolves the plugins the program needs with the real CLI
// and compares them with the manifest m, read from path.
func checkManifest(ctx context.Context, o *Options, m *cache.Manifest, path string) error {
	opts := []cache.ResolveOption{cache.WithLogger(o.Logger)}
	if o.Environ != nil {
		opts = append(opts, cache.WithEnv(o.Environ))
	}
	if o.Pulumi != "" {
		opts = append(opts, cache.WithPulumi(o.Pulumi))
	}
	for _, d := range o.download() {
		opts = append(opts, d)
	}
	need, err := cache.Resolve(ctx, o.Program, opts...)
	if err != nil {
		return fmt.Errorf("release: checking %s against the program: %w", path, err)
	}
	missing, unneeded := diffPlugins(m, need)
	if len(missing) > 0 || len(unneeded) > 0 {
		return &StaleManifestError{Manifest: path, Program: o.Program, Missing: missing, Unneeded: unneeded}
	}
	return nil
}

// diffPlugins compares the manifest's plugins with those the program
// needs, by folder name (<kind>-<name>-v<version>): the server a plugin
// was found on, and its checksums, are the manifest's to record.
func diffPlugins(have, need *cache.Manifest) (missing, unneeded []string) {
	dirs := func(m *cache.Manifest) map[string]bool {
		set := map[string]bool{}
		for _, p := range m.Plugins {
			set[p.Dir()] = true
		}
		return set
	}
	listed, needed := dirs(have), dirs(need)
	for d := range needed {
		if !listed[d] {
			missing = append(missing, d)
		}
	}
	for d := range listed {
		if !needed[d] {
			unneeded = append(unneeded, d)
		}
	}
	slices.Sort(missing)
	slices.Sort(unneeded)
	return missing, unneeded
}
