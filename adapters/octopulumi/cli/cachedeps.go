package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/step"
)

func newCacheDepsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deps",
		Short: "A Node.js program's dependencies without installs: key, bundles, worker-shared cache",
		Long: `deps keeps a Node.js program's node_modules from being installed twice on a
worker. The lockfile (package-lock.json; yarn.lock, pnpm-lock.yaml or bun.lock when
pulumi install would use yarn, pnpm or bun) is the manifest: with the platform and
node's major version it makes the key. Upstream CI bundles its node_modules after
npm ci and publishes the archive as an Octopus package beside the plugin bundle; a
worker-shared folder keeps one entry per key and gives each deployment a copy of its
own. A deploy step does all this by itself with --dependency-bundle and
--dependency-cache.`,
	}
	cmd.AddCommand(newDepsKeyCmd(a), newDepsBundleCmd(a), newDepsRestoreCmd(a),
		newDepsVerifyCmd(a), newDepsPruneCmd(a))
	return cmd
}

// depsProgram reads the dependencies of the --program flag's program.
func depsProgram(cmd *cobra.Command, a *app, program string) (*cache.Dependencies, error) {
	return step.ReadDependencies(cmd.Context(), program, a.io.Environ)
}

func newDepsKeyCmd(a *app) *cobra.Command {
	var program string
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Print the program's runtime, lockfile and dependencies key, and whether node_modules is installed from it",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := depsProgram(cmd, a, program)
			if err != nil {
				return err
			}
			ok, why, err := d.Installed()
			if err != nil {
				return err
			}
			key := d.Key
			if key == "" {
				key = "(none: no lockfile)"
			}
			fmt.Fprintf(a.io.Out, "runtime: %s\nkey: %s\ninstalled: %v (%s)\n", d, key, ok, why)
			return nil
		},
	}
	cmd.Flags().StringVar(&program, "program", ".", "the Pulumi program's folder (holding Pulumi.yaml and package.json)")
	return cmd
}

func newDepsBundleCmd(a *app) *cobra.Command {
	var program, out string
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Write a deterministic archive of the program's installed node_modules, to publish as an Octopus package",
		Long: `bundle archives the program's node_modules, installed from its lockfile (run npm ci
first), with an index of every file's size, mode and SHA-256. Build it on the
workers' platform and node major version: a worker restores only a bundle of its own
key.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := depsProgram(cmd, a, program)
			if err != nil {
				return err
			}
			if err := cache.BundleDependenciesFile(cmd.Context(), d, out, cache.WithLogger(a.logger())); err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "octopulumi: bundled the dependencies %s (%s) into %s\n", d.Key, d, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&program, "program", ".", "the Pulumi program's folder (holding Pulumi.yaml and package.json)")
	cmd.Flags().StringVar(&out, "out", "dependencies.tar.gz", "the archive to write (.tar, or .tar.gz/.tgz to compress)")
	return cmd
}

func newDepsRestoreCmd(a *app) *cobra.Command {
	var program, from, shared string
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Restore the program's node_modules from a dependencies bundle or a worker-shared cache, unless installed",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" && shared == "" {
				return &usageError{errors.New("give --from (a dependencies bundle or its extracted folder), --cache, or both")}
			}
			d, err := depsProgram(cmd, a, program)
			if err != nil {
				return err
			}
			opts := []cache.RestoreDependenciesOption{cache.WithLogger(a.logger())}
			if from != "" {
				opts = append(opts, cache.FromDependencyBundle(from))
			}
			if shared != "" {
				opts = append(opts, cache.FromDependencyCache(shared))
			}
			r, err := cache.RestoreDependencies(cmd.Context(), d, opts...)
			if r != nil {
				for _, w := range r.Warnings {
					fmt.Fprintf(a.io.Out, "warning: %s\n", w)
				}
			}
			if err != nil {
				return err
			}
			if r.Source == "" {
				return fmt.Errorf("the dependencies were not restored (%s): install them (pulumi install)", r.Why)
			}
			fmt.Fprintf(a.io.Out, "octopulumi: dependencies %s: %s (%d files, moved in whole: %v)\n", d.Key, r.Source, r.Files, r.Moved)
			return nil
		},
	}
	cmd.Flags().StringVar(&program, "program", ".", "the Pulumi program's folder (holding Pulumi.yaml and package.json)")
	cmd.Flags().StringVar(&from, "from", "", "a dependencies bundle or its extracted folder (e.g. #{Octopus.Action.Package[dependencies].ExtractedPath})")
	cmd.Flags().StringVar(&shared, "cache", "", "a worker-shared dependencies cache folder: filled from --from, then copied into the program")
	return cmd
}

func newDepsVerifyCmd(a *app) *cobra.Command {
	var dir string
	var contents, repair bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Find broken entries and ready copies in a worker-shared dependencies cache",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return &usageError{errors.New("give --cache, the worker-shared dependencies cache folder")}
			}
			opts := []cache.VerifyDependenciesOption{cache.WithLogger(a.logger())}
			if contents {
				opts = append(opts, cache.VerifyContents())
			}
			if repair {
				opts = append(opts, cache.Repair())
			}
			r, err := cache.VerifyDependencies(cmd.Context(), dir, opts...)
			if err != nil {
				return err
			}
			for _, p := range r.Problems {
				fmt.Fprintf(a.io.Out, "broken: %s\n", p)
			}
			if err := r.Err(); err != nil {
				return err
			}
			how := "sizes"
			if r.Hashed {
				how = "SHA-256"
			}
			fmt.Fprintf(a.io.Out, "octopulumi: %s is in order: %d entr(ies) and %d ready cop(ies) match their record (%s), %d repaired\n",
				dir, len(r.Verified), r.Spares, how, len(r.Problems))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "cache", "", "the worker-shared dependencies cache folder")
	cmd.Flags().BoolVar(&contents, "contents", false, "hash every file against the record made when it was saved")
	cmd.Flags().BoolVar(&repair, "repair", false, "delete broken entries and copies so that the next deployment installs or restores them again")
	return cmd
}

func newDepsPruneCmd(a *app) *cobra.Command {
	var dir, maxSize string
	var unused time.Duration
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete least recently used dependencies: those unused for a while, or as many as needed to fit a size",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return &usageError{errors.New("give --cache, the worker-shared dependencies cache folder")}
			}
			opts := []cache.PruneDependenciesOption{cache.WithLogger(a.logger())}
			if unused > 0 {
				opts = append(opts, cache.UnusedFor(unused))
			}
			if maxSize != "" {
				n, err := parseSize(maxSize)
				if err != nil {
					return &usageError{fmt.Errorf("--max-size: %w", err)}
				}
				opts = append(opts, cache.MaxBytes(n))
			}
			r, err := cache.PruneDependencies(cmd.Context(), dir, opts...)
			if err != nil {
				return err
			}
			for _, k := range r.Removed {
				fmt.Fprintf(a.io.Out, "removed: %s\n", k)
			}
			fmt.Fprintf(a.io.Out, "octopulumi: freed %d bytes, %d bytes of dependencies left in %s\n", r.Freed, r.Kept, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "cache", "", "the worker-shared dependencies cache folder")
	cmd.Flags().DurationVar(&unused, "unused-for", 0, "delete dependencies not used for this long, e.g. 720h")
	cmd.Flags().StringVar(&maxSize, "max-size", "", "delete least recently used dependencies until they fit, e.g. 20G, 500M")
	return cmd
}
