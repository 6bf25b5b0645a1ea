package cache

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
)

// BundleDependencies writes a tar archive of the program's installed
// node_modules to w: an index ([DependencyIndexFile]: the key, the
// lockfile, node's version, the platform, every file's size, mode and
// SHA-256), then dependencies/<key>/ with the files. Upstream CI runs it
// after its own install (npm ci) and publishes the archive as an Octopus
// package beside the plugin bundle; [RestoreDependencies] with
// [FromDependencyBundle] restores it on a worker with the same key: the
// same lockfile, platform and node major version. For npm, node_modules
// must match the lockfile (see [Dependencies.Installed]); yarn, pnpm and
// bun installs are taken as they are. The same node_modules gives the same
// bytes: entries in a fixed order, times at the Unix epoch, modes 0755 or
// 0644.
func BundleDependencies(ctx context.Context, d *Dependencies, w io.Writer, opts ...BundleDependenciesOption) error {
	o, err := configure(defaultDepsOptions(), opts, BundleDependenciesOption.configureBundleDependencies)
	if err != nil {
		return err
	}
	if d.Key == "" {
		return fmt.Errorf("bundle dependencies of %s: %w pins them", d.Program, ErrNoLockfile)
	}
	if d.Manager == NPM {
		ok, why, err := d.Installed()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("bundle dependencies: %s is not installed from %s (%s): run npm ci first", d.Folder(), d.Lockfile, why)
		}
	}
	files, err := scanTree(ctx, d.Key, d.Folder(), true)
	if err != nil {
		return fmt.Errorf("bundle dependencies: %w", err)
	}
	tw := tar.NewWriter(w)
	if err := writeIndex(tw, DependencyIndexFile, newDepsIndex(d, files)); err != nil {
		return err
	}
	if err := tw.WriteHeader(tarHeader(depsDir+"/", tar.TypeDir, 0o755, 0)); err != nil {
		return err
	}
	if err := writeTree(ctx, tw, depsDir+"/"+d.Key+"/", d.Folder(), files); err != nil {
		return fmt.Errorf("bundle dependencies: %w", err)
	}
	o.logger.InfoContext(ctx, "bundled dependencies", "key", d.Key, "files", len(files))
	return tw.Close()
}

// BundleDependenciesFile is [BundleDependencies] into the file path,
// written atomically; a name ending in .gz or .tgz is gzip-compressed
// (deterministically too).
func BundleDependenciesFile(ctx context.Context, d *Dependencies, path string, opts ...BundleDependenciesOption) error {
	return writeArchiveFile(path, func(w io.Writer) error { return BundleDependencies(ctx, d, w, opts...) })
}
