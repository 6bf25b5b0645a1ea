package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/cache"
)

// cacheFlags are the flags the cache commands share.
type cacheFlags struct {
	manifest  string
	home      string
	server    string
	overrides string
	platform  string
}

func (f *cacheFlags) addManifest(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.manifest, "manifest", cache.ManifestFile, "the plugin manifest (lock file)")
}

func (f *cacheFlags) addHome(cmd *cobra.Command, a *app) {
	cmd.Flags().StringVar(&f.home, "pulumi-home", a.getenv("PULUMI_HOME"), "the PULUMI_HOME (or worker-shared cache folder) to work on (default $PULUMI_HOME, else ~/.pulumi)")
}

func (f *cacheFlags) addDownload(cmd *cobra.Command, a *app) {
	cmd.Flags().StringVar(&f.server, "server", "", "download every plugin from this mirror base URL (<URL>/<plugin tarball>), as pulumi plugin install --server does")
	cmd.Flags().StringVar(&f.overrides, "download-overrides", a.getenv("PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES"), "download URL overrides, regexp=URL,... (default $PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES)")
}

func (f *cacheFlags) addPlatform(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.platform, "platform", "", "the platform of the plugins, e.g. linux-amd64 (default: this machine's)")
}

// download hands add the options of the download flags, for whichever
// function (Resolve, BundleFile, Dockerfile) is called.
func (f *cacheFlags) download(add func(cache.DownloadOption)) {
	if f.server != "" {
		add(cache.WithServer(f.server))
	}
	if f.overrides != "" {
		add(cache.WithDownloadOverrides(f.overrides))
	}
}

// givenManifest reads the manifest when --manifest was given, else nil.
func (f *cacheFlags) givenManifest(cmd *cobra.Command) (*cache.Manifest, error) {
	if !cmd.Flags().Changed("manifest") {
		return nil, nil
	}
	return cache.ReadManifest(f.manifest)
}

// pulumiHome is --pulumi-home (whose default is $PULUMI_HOME), else the
// library's default.
func (f *cacheFlags) pulumiHome(a *app) (string, error) {
	home, err := cache.DefaultHome(func(name string) string {
		if name == "PULUMI_HOME" {
			return f.home
		}
		return a.getenv(name)
	})
	if err != nil {
		return "", &usageError{fmt.Errorf("give --pulumi-home: %w", err)}
	}
	return home, nil
}

func newCacheCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Provider plugins without downloads, Node.js dependencies without installs: manifest, bundles, worker-shared cache, images",
		Long: `cache makes Pulumi's provider plugins present before Pulumi runs: a manifest
(Pulumi.plugins.json, committed beside Pulumi.yaml) pins them; a bundle of them is
published as an Octopus package and restored from its extracted path; a
worker-shared folder serves parallel deployments on self-hosted workers; and an
execution-container image holds them with octopulumi, built without Docker
(cache image) or from a Dockerfile (cache dockerfile). cache deps does the same
for a Node.js program's node_modules, keyed by its lockfile.`,
	}
	cmd.AddCommand(newCacheManifestCmd(a), newCacheBundleCmd(a), newCacheRestoreCmd(a),
		newCacheVerifyCmd(a), newCachePruneCmd(a), newCacheDockerfileCmd(a), newCacheImageCmd(a), newCacheDepsCmd(a))
	return cmd
}

func newCacheManifestCmd(a *app) *cobra.Command {
	var f cacheFlags
	var program, out, pulumi string
	var platforms []string
	cmd := &cobra.Command{
		Use:   "manifest",
		Short: "Resolve the exact plugins a program needs, with the real CLI, into a lock file",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := []cache.ResolveOption{cache.WithLogger(a.logger()), cache.WithEnv(a.io.Environ), cache.WithPlatforms(platforms...)}
			f.download(func(o cache.DownloadOption) { opts = append(opts, o) })
			if pulumi != "" {
				opts = append(opts, cache.WithPulumi(pulumi))
			}
			m, err := cache.Resolve(cmd.Context(), program, opts...)
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(program, cache.ManifestFile)
			}
			if err := cache.WriteManifest(out, m); err != nil {
				return err
			}
			for _, p := range m.Plugins {
				fmt.Fprintf(a.io.Out, "%s %s %s\n", p.Kind, p.Name, p.Version)
			}
			fmt.Fprintf(a.io.Out, "octopulumi: wrote %d plugin(s) to %s\n", len(m.Plugins), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&program, "program", ".", "the Pulumi program's folder (holding Pulumi.yaml)")
	cmd.Flags().StringVar(&out, "out", "", "where to write the manifest (default <program>/"+cache.ManifestFile+")")
	cmd.Flags().StringVar(&pulumi, "pulumi", "", "the pulumi binary (default: the one on PATH)")
	cmd.Flags().StringArrayVar(&platforms, "also-platform", nil, "also record the checksum for this platform, e.g. linux-amd64 (repeatable)")
	f.addDownload(cmd, a)
	return cmd
}

func newCacheBundleCmd(a *app) *cobra.Command {
	var f cacheFlags
	var out string
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Write a deterministic archive of the manifest's plugins, to publish as an Octopus package",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := cache.ReadManifest(f.manifest)
			if err != nil {
				return err
			}
			opts := []cache.BundleOption{cache.WithLogger(a.logger())}
			f.download(func(o cache.DownloadOption) { opts = append(opts, o) })
			if f.platform != "" {
				opts = append(opts, cache.WithPlatform(f.platform))
			}
			if err := cache.BundleFile(cmd.Context(), m, out, opts...); err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "octopulumi: bundled %d plugin(s) into %s\n", len(m.Plugins), out)
			return nil
		},
	}
	f.addManifest(cmd)
	cmd.Flags().StringVar(&out, "out", "plugins.tar.gz", "the archive to write (.tar, or .tar.gz/.tgz to compress)")
	f.addDownload(cmd, a)
	f.addPlatform(cmd)
	return cmd
}

func newCacheRestoreCmd(a *app) *cobra.Command {
	var f cacheFlags
	var from, shared string
	var contents bool
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Install plugins from a bundle, its extracted folder or a worker-shared cache into PULUMI_HOME",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := f.pulumiHome(a)
			if err != nil {
				return err
			}
			opts := []cache.WarmOption{cache.WithLogger(a.logger())}
			if from == "" && shared == "" {
				return &usageError{errors.New("give --from (a bundle or its extracted folder), --shared, or both")}
			}
			if from != "" {
				opts = append(opts, cache.FromBundle(from))
			}
			if shared != "" {
				opts = append(opts, cache.FromShared(shared))
			}
			if contents {
				opts = append(opts, cache.VerifyContents())
			}
			m, err := f.givenManifest(cmd)
			if err != nil {
				return err
			}
			if m != nil {
				opts = append(opts, cache.WithManifest(m))
			}
			r, err := cache.Warm(cmd.Context(), home, opts...)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "octopulumi: %d plugin(s) installed (%d files linked, %d copied), %d already present\n",
				len(r.Installed), r.Linked, r.Copied, len(r.Present))
			for _, p := range r.Missing {
				fmt.Fprintf(a.io.Out, "octopulumi: still missing, Pulumi will download it: %s\n", p)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "a bundle archive or its extracted folder (e.g. #{Octopus.Action.Package[plugins].ExtractedPath})")
	cmd.Flags().StringVar(&shared, "shared", "", "a worker-shared cache folder: filled from --from, then linked into PULUMI_HOME")
	cmd.Flags().BoolVar(&contents, "verify-contents", false, "hash every file of a folder source (cost grows with the plugins' bytes)")
	f.addManifest(cmd)
	f.addHome(cmd, a)
	return cmd
}

func newCacheVerifyCmd(a *app) *cobra.Command {
	var f cacheFlags
	var contents, repair bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Find broken plugins in a PULUMI_HOME, and with --manifest what Pulumi would still download",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := f.pulumiHome(a)
			if err != nil {
				return err
			}
			opts := []cache.VerifyOption{cache.WithLogger(a.logger())}
			if contents {
				opts = append(opts, cache.VerifyContents())
			}
			if repair {
				opts = append(opts, cache.Repair())
			}
			m, err := f.givenManifest(cmd)
			if err != nil {
				return err
			}
			if m != nil {
				opts = append(opts, cache.WithManifest(m))
			}
			r, err := cache.Verify(cmd.Context(), home, opts...)
			if err != nil {
				return err
			}
			printVerify(a, r)
			return r.Err()
		},
	}
	cmd.Flags().BoolVar(&contents, "contents", false, "hash every file against the record made when it was restored")
	cmd.Flags().BoolVar(&repair, "repair", false, "delete broken plugins so that the next install redoes them")
	f.addManifest(cmd)
	f.addHome(cmd, a)
	return cmd
}

// printVerify prints what verify found, and a summary when it is in order.
func printVerify(a *app, r *cache.VerifyReport) {
	for _, p := range r.Problems {
		fmt.Fprintf(a.io.Out, "broken: %s\n", p)
	}
	for _, k := range r.Unrecorded {
		fmt.Fprintf(a.io.Out, "not verifiable (no octopulumi record; installed by Pulumi itself, only its executable was checked): %s\n", k)
	}
	for _, p := range r.Missing {
		fmt.Fprintf(a.io.Out, "would download: %s\n", p)
	}
	if r.Err() != nil {
		return
	}
	how := "sizes"
	if r.Hashed {
		how = "SHA-256"
	}
	fmt.Fprintf(a.io.Out, "octopulumi: %s is in order: %d plugin(s) match their record (%s), %d not verifiable, %d repaired\n",
		r.Home, len(r.Verified), how, len(r.Unrecorded), len(r.Problems))
}

func newCachePruneCmd(a *app) *cobra.Command {
	var f cacheFlags
	var keep int
	var maxSize string
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete least recently used plugins: keep the latest N versions of each, or fit a size",
		Long: `prune deletes least recently used plugins from a PULUMI_HOME or worker-shared
cache folder: all but the latest --keep versions of each plugin, or as many as
needed to fit --max-size. Plugins used in the last 10 minutes stay. A folder that
does not exist is an error (a mistyped path would otherwise prune nothing on
every run); a folder where no plugin was ever installed has nothing to prune.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := f.pulumiHome(a)
			if err != nil {
				return err
			}
			opts := []cache.PruneOption{cache.WithLogger(a.logger())}
			if keep > 0 {
				opts = append(opts, cache.KeepLatest(keep))
			}
			if maxSize != "" {
				n, err := parseSize(maxSize)
				if err != nil {
					return &usageError{fmt.Errorf("--max-size: %w", err)}
				}
				opts = append(opts, cache.MaxBytes(n))
			}
			r, err := cache.Prune(cmd.Context(), home, opts...)
			if err != nil {
				return err
			}
			if r.NoPlugins {
				fmt.Fprintf(a.io.Out, "octopulumi: nothing to prune: %s holds no plugins folder (no plugin was ever installed there)\n", home)
				return nil
			}
			for _, k := range r.Removed {
				fmt.Fprintf(a.io.Out, "removed: %s\n", k)
			}
			fmt.Fprintf(a.io.Out, "octopulumi: freed %d bytes, %d bytes left in %s\n", r.Freed, r.Kept, home)
			return nil
		},
	}
	cmd.Flags().IntVar(&keep, "keep", 0, "keep the N most recently used versions of each plugin")
	cmd.Flags().StringVar(&maxSize, "max-size", "", "delete least recently used plugins until the cache fits, e.g. 20G, 500M")
	f.addHome(cmd, a)
	return cmd
}

// parseSize reads a byte count with an optional K, M, G or T suffix
// (powers of 1024).
func parseSize(s string) (int64, error) {
	mult := int64(1)
	u := strings.ToUpper(strings.TrimSuffix(strings.ToUpper(s), "B"))
	for i, suf := range []string{"K", "M", "G", "T"} {
		if strings.HasSuffix(u, suf) {
			mult, u = int64(1)<<(10*(i+1)), strings.TrimSuffix(u, suf)
			break
		}
	}
	n, err := strconv.ParseInt(u, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size such as 20G or 500M", s)
	}
	return n * mult, nil
}

func newCacheDockerfileCmd(a *app) *cobra.Command {
	var f cacheFlags
	var image, version, home, out string
	cmd := &cobra.Command{
		Use:   "dockerfile",
		Short: "Write a Dockerfile for an Octopus execution container with the manifest's plugins baked in",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := cache.ReadManifest(f.manifest)
			if err != nil {
				return err
			}
			opts := []cache.DockerfileOption{cache.WithImage(image), cache.WithPulumiHome(home)}
			f.download(func(o cache.DownloadOption) { opts = append(opts, o) })
			if f.platform != "" {
				opts = append(opts, cache.WithPlatform(f.platform))
			}
			if version != "" {
				opts = append(opts, cache.WithPulumiVersion(version))
			}
			text, err := cache.Dockerfile(m, opts...)
			if err != nil {
				return err
			}
			if out == "-" {
				_, err = fmt.Fprint(a.io.Out, text)
				return err
			}
			return os.WriteFile(out, []byte(text), 0o644)
		},
	}
	f.addManifest(cmd)
	f.addDownload(cmd, a)
	f.addPlatform(cmd)
	// The image's platform, not this machine's: one default, shown once.
	pf := cmd.Flags().Lookup("platform")
	pf.DefValue, pf.Usage = "linux-amd64", "the image's platform, e.g. linux-arm64"
	cmd.Flags().StringVar(&image, "image", "pulumi/pulumi", "the base image repository")
	cmd.Flags().StringVar(&version, "pulumi-version", "", "the CLI version to pin the image to (default: the manifest's)")
	cmd.Flags().StringVar(&home, "pulumi-home", "/opt/pulumi", "the image's PULUMI_HOME")
	cmd.Flags().StringVar(&out, "out", "-", "where to write the Dockerfile (- for stdout)")
	return cmd
}
