package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/release"
)

func newPackageCmd(a *app) *cobra.Command {
	var f cacheFlags
	var o release.Options
	cmd := &cobra.Command{
		Use:   "package",
		Short: "Pack the program, its plugin bundle and its dependencies bundle as Octopus packages of one version, reproducibly",
		Long: `package builds, in upstream CI, the Octopus packages a release deploys, the same
bytes from the same commit (entries stamped with SOURCE_DATE_EPOCH when set, else
1980-01-01; sorted; modes 0644 or 0755):

  <id>.<version>.zip                      the program folder
  <id>.Plugins.<version>.tar.gz           the plugins of ` + cache.ManifestFile + `, when the program has one
  <id>.Dependencies.<version>.tar.gz      a Node.js program's installed node_modules, when it has one
  SHA256SUMS

The program package leaves out node_modules, .pulumi (local state), .git, the
output folder, the CI report folder ` + release.ReportFolder + `, and whatever the
program folder's ` + release.IgnoreFile + ` matches (gitignore syntax, as git reads it). A symlink is packed as the file it points to, inside the
folder; one that leaves the folder is an error.

When the program has a ` + cache.ManifestFile + `, package first asks the Pulumi CLI
which plugins the program needs, as cache manifest does, in a copy of the
program (the checkout is left as it was), and fails when the manifest is stale.`,
		Example: `  octopulumi package --program infra --id MyCompany.Infra --version 1.4.2 --out dist`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.ID == "" || o.Version == "" {
				return &usageError{errors.New("give --id, the Octopus package id (such as MyCompany.Infra), and --version, the release's SemVer version")}
			}
			o.Server, o.DownloadOverrides = f.server, f.overrides
			o.Environ, o.Logger = a.io.Environ, a.logger()
			r, err := release.Build(cmd.Context(), o)
			if _, ok := errors.AsType[*release.OptionError](err); ok {
				return &usageError{err}
			}
			if err != nil {
				return err
			}
			for _, n := range r.Notes {
				fmt.Fprintf(a.stdout(), "octopulumi: note: %s\n", n)
			}
			for _, file := range r.Files {
				fmt.Fprintf(a.stdout(), "%s  %s\n", file.SHA256, file.Path)
			}
			fmt.Fprintf(a.stdout(), "octopulumi: wrote %d file(s) to %s (%d in the program package, entries dated %s)\n",
				len(r.Files), o.Out, len(r.Contents), r.Time.Format("2006-01-02T15:04:05Z"))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Program, "program", ".", "the Pulumi program's folder (holding Pulumi.yaml)")
	fl.StringVar(&o.ID, "id", "", "the program package's Octopus package id, e.g. MyCompany.Infra (the bundles add .Plugins and .Dependencies)")
	fl.StringVar(&o.Version, "version", "", "the release's SemVer version, e.g. 1.4.2, shared by every package")
	fl.StringVar(&o.Out, "out", "dist", "the folder to write the packages to (left out of the program package when inside it)")
	fl.BoolVar(&o.NoPlugins, "no-plugins", false, "make no plugin bundle, even with a "+cache.ManifestFile)
	fl.BoolVar(&o.NoDependencies, "no-dependencies", false, "make no dependencies bundle, even with a node_modules")
	fl.BoolVar(&o.SkipManifestCheck, "no-manifest-check", false, "do not check "+cache.ManifestFile+" against the program (it needs the pulumi CLI and the plugins' servers); a stale manifest then ships a bundle that lacks a plugin")
	fl.StringVar(&o.Pulumi, "pulumi", "", "the pulumi binary the check runs (default: the one on PATH)")
	f.addDownload(cmd, a)
	return cmd
}
