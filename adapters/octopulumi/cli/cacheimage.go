package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/image"
)

// defaultImagePlatform is the platform of a --octopulumi or --bundle given
// without one.
const defaultImagePlatform = "linux/amd64"

// imageFlags are cache image's flags.
type imageFlags struct {
	cacheFlags
	base, push, tarball, tag, platform string
	home, binary                       string
	source, revision, version, created string
	binaries, bundles, labels          []string
}

func newCacheImageCmd(a *app) *cobra.Command {
	var f imageFlags
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Build an Octopus execution-container image with octopulumi and the plugins, without Docker; push it or write a tarball",
		Long: `image builds a worker image without a Docker daemon: the base image (default
pulumi/pulumi:<the manifest's CLI version>, every platform of it) plus octopulumi
and a plugin bundle restored into the image's PULUMI_HOME, with no ENTRYPOINT or
CMD (as Octopus execution containers require), PULUMI_HOME and
PULUMI_SKIP_UPDATE_CHECK set, and OCI labels. The same inputs give the same
digest. --octopulumi and --bundle take [os/arch=]path, once per platform of the
base (a bare path is linux/amd64); --octopulumi takes the binary or its make dist
archive, --bundle the output of cache bundle --platform. Registry credentials
come from Docker's config.json and credential helpers.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := f.request(cmd)
			if err != nil {
				return err
			}
			built, err := image.Build(cmd.Context(), req.base, req.contents, req.opts...)
			if err != nil {
				return err
			}
			if f.push != "" {
				d, err := image.Push(cmd.Context(), built, f.push, req.opts...)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.io.Out, "octopulumi: pushed %s@%s (%d platform(s); plugins: %s)\n", f.push, d, len(built.Images), strings.Join(built.Plugins, ", "))
				return nil
			}
			if err := image.WriteTarball(built, f.platform, f.tag, f.tarball); err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "octopulumi: wrote %s as %s (docker load -i %s)\n", f.tarball, f.tag, f.tarball)
			return nil
		},
	}
	f.addManifest(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.base, "base", "", "the base image (default pulumi/pulumi:<the manifest's CLI version>)")
	fl.StringArrayVar(&f.binaries, "octopulumi", nil, "[os/arch=]the octopulumi binary or its release archive for a platform (repeatable)")
	fl.StringArrayVar(&f.bundles, "bundle", nil, "[os/arch=]a plugin bundle or its extracted folder for a platform (repeatable)")
	fl.StringVar(&f.push, "push", "", "push the image (an index for a multi-platform base) to this reference")
	fl.StringVar(&f.tarball, "tarball", "", "write a tarball for docker load instead")
	fl.StringVar(&f.tag, "tag", "octopulumi-worker:latest", "the tarball's tag")
	fl.StringVar(&f.platform, "platform", "", "the tarball's platform, for a multi-platform base (e.g. linux/amd64)")
	fl.StringVar(&f.home, "pulumi-home", image.DefaultPulumiHome, "the image's PULUMI_HOME")
	fl.StringVar(&f.binary, "octopulumi-path", image.DefaultBinaryPath, "where octopulumi goes in the image")
	fl.StringVar(&f.source, "source", "", "the org.opencontainers.image.source label")
	fl.StringVar(&f.revision, "revision", "", "the org.opencontainers.image.revision label (a commit)")
	fl.StringVar(&f.version, "version", "", "the org.opencontainers.image.version label")
	fl.StringArrayVar(&f.labels, "label", nil, "another label, key=value (repeatable)")
	fl.StringVar(&f.created, "created", "", "the image's created time, RFC 3339 or Unix seconds (default 1970-01-01, for reproducible digests)")
	return cmd
}

// imageRequest is what cache image's flags ask image.Build for.
type imageRequest struct {
	base     image.Base
	contents map[string]image.Contents
	opts     []image.Option
}

// request reads the flags, reporting every usage error at once.
func (f *imageFlags) request(cmd *cobra.Command) (*imageRequest, error) {
	var errs []error
	if (f.push == "") == (f.tarball == "") {
		errs = append(errs, errors.New("give --push or --tarball"))
	}
	req := &imageRequest{contents: map[string]image.Contents{}}
	for _, b := range f.binaries {
		p, path := platformPath(b)
		exe, err := image.ReadBinary(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("--octopulumi: %w", err))
		}
		c := req.contents[p]
		c.Octopulumi = exe
		req.contents[p] = c
	}
	for _, b := range f.bundles {
		p, path := platformPath(b)
		c := req.contents[p]
		c.Bundle = path
		req.contents[p] = c
	}
	if len(req.contents) == 0 {
		errs = append(errs, errors.New("give --octopulumi and --bundle for each platform of the base"))
	}
	req.opts = []image.Option{image.WithPulumiHome(f.home), image.WithBinaryPath(f.binary),
		image.WithSource(f.source), image.WithRevision(f.revision), image.WithVersion(f.version)}
	labels := map[string]string{}
	for _, l := range f.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("--label %q: want key=value", l))
		}
		labels[k] = v
	}
	req.opts = append(req.opts, image.WithLabels(labels))
	if f.created != "" {
		at, err := parseCreated(f.created)
		if err != nil {
			errs = append(errs, err)
		}
		req.opts = append(req.opts, image.WithCreated(at))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &usageError{err}
	}
	base := f.base
	if base == "" {
		m, err := cache.ReadManifest(f.manifest)
		if err != nil {
			return nil, fmt.Errorf("no --base, and the default needs the manifest: %w", err)
		}
		if base, err = image.DefaultBase(m); err != nil {
			return nil, err
		}
	}
	req.base = image.FromRef(base)
	return req, nil
}

// platformPath splits [os/arch=]path.
func platformPath(s string) (platform, path string) {
	if p, rest, ok := strings.Cut(s, "="); ok && strings.Contains(p, "/") && !strings.HasPrefix(p, "/") && !strings.ContainsAny(p, `.\`) {
		return p, rest
	}
	return defaultImagePlatform, s
}

// parseCreated reads RFC 3339 or Unix seconds.
func parseCreated(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--created %q: want RFC 3339 or Unix seconds", s)
	}
	return t, nil
}
