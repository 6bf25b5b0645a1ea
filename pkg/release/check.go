package release

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/octopulumi/octopulumi/internal/dist"
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
// and compares them with the manifest m, read from path. The CLI runs in a
// scratch copy of the program package's files, never in the program
// folder: `pulumi install` installs the program's dependencies where it
// runs (node_modules, a Python virtualenv, .NET's bin and obj), which would
// change the checkout and end up in later packages. The copy also holds
// just what a deployment gets.
func checkManifest(ctx context.Context, o *Options, files []dist.File, m *cache.Manifest, path string) error {
	scratch, err := os.MkdirTemp("", "octopulumi-check-*")
	if err != nil {
		return fmt.Errorf("release: a scratch folder for the manifest check: %w", err)
	}
	defer os.RemoveAll(scratch)
	if err := copyFiles(scratch, files); err != nil {
		return fmt.Errorf("release: copying the program for the manifest check: %w", err)
	}
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
	need, err := cache.Resolve(ctx, scratch, opts...)
	if err != nil {
		return fmt.Errorf("release: checking %s against the program (copied to a scratch folder): %w", path, err)
	}
	missing, unneeded := diffPlugins(m, need)
	if len(missing) > 0 || len(unneeded) > 0 {
		return &StaleManifestError{Manifest: path, Program: o.Program, Missing: missing, Unneeded: unneeded}
	}
	return nil
}

// copyFiles writes files, whose names are relative with '/', under dir
// with their modes.
func copyFiles(dir string, files []dist.File) error {
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, f.Mode.Perm()); err != nil {
			return err
		}
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
