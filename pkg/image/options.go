package image

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Defaults of [Build].
const (
	// DefaultPulumiHome is the image's PULUMI_HOME unless [WithPulumiHome]
	// says otherwise: where pulumi/pulumi runs as root.
	DefaultPulumiHome = "/root/.pulumi"
	// DefaultBinaryPath is where octopulumi goes, on the base's PATH.
	DefaultBinaryPath = "/usr/local/bin/octopulumi"
	// DefaultBaseRepository is the base image's repository; the tag is the
	// manifest's CLI version (see [DefaultBase]).
	DefaultBaseRepository = "pulumi/pulumi"
	// PluginsLabel lists the image's plugins (<kind>-<name>-v<version>,
	// comma-separated), beside the org.opencontainers.image.* labels.
	PluginsLabel = "io.octopulumi.plugins"
)

// Epoch is the created time of every image and the time of every layer
// entry unless [WithCreated] gives one (such as the commit's time).
var Epoch = time.Unix(0, 0).UTC()

// Option configures [Build], [Push] and the pulling of a base by reference.
type Option func(*options) error

type options struct {
	home, binary              string
	source, revision, version string
	labels                    map[string]string
	created                   time.Time
	keychain                  authn.Keychain
	remote                    []remote.Option
	logger                    *slog.Logger
}

func defaultOptions() options {
	return options{
		home:     DefaultPulumiHome,
		binary:   DefaultBinaryPath,
		created:  Epoch,
		keychain: authn.DefaultKeychain,
		logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// makeOptions applies opts over the defaults and reports every error at once.
func makeOptions(opts []Option) (options, error) {
	o := defaultOptions()
	var errs []error
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			errs = append(errs, err)
		}
	}
	return o, errors.Join(errs...)
}

// absolute checks an in-image path.
func absolute(what, p string) (string, error) {
	if !path.IsAbs(p) || path.Clean(p) == "/" {
		return "", fmt.Errorf("%s %q: want an absolute path in the image, not /", what, p)
	}
	return path.Clean(p), nil
}

// WithPulumiHome sets the image's PULUMI_HOME (default [DefaultPulumiHome]).
func WithPulumiHome(dir string) Option {
	return func(o *options) (err error) {
		o.home, err = absolute("PULUMI_HOME", dir)
		return err
	}
}

// WithBinaryPath sets where octopulumi goes (default [DefaultBinaryPath]).
func WithBinaryPath(p string) Option {
	return func(o *options) (err error) {
		o.binary, err = absolute("octopulumi's path", p)
		return err
	}
}

// WithSource sets the org.opencontainers.image.source label (the
// repository URL of the Pulumi program or of the image's build).
func WithSource(url string) Option {
	return func(o *options) error { o.source = url; return nil }
}

// WithRevision sets the org.opencontainers.image.revision label (a commit).
func WithRevision(rev string) Option {
	return func(o *options) error { o.revision = rev; return nil }
}

// WithVersion sets the org.opencontainers.image.version label.
func WithVersion(v string) Option {
	return func(o *options) error { o.version = v; return nil }
}

// WithLabels adds labels to the image's config; the named options above
// win over the same keys here.
func WithLabels(labels map[string]string) Option {
	return func(o *options) error {
		if o.labels == nil {
			o.labels = map[string]string{}
		}
		for k, v := range labels {
			if k == "" {
				return errors.New("a label with no name")
			}
			o.labels[k] = v
		}
		return nil
	}
}

// WithCreated sets the image's created time and its layer entries' times
// (default [Epoch]): give a fixed time, such as the commit's, to keep
// digests reproducible.
func WithCreated(t time.Time) Option {
	return func(o *options) error {
		if t.IsZero() {
			return errors.New("a zero created time")
		}
		o.created = t.UTC()
		return nil
	}
}

// WithKeychain sets the credentials for pulling the base and pushing
// (default authn.DefaultKeychain: Docker's config.json and its helpers).
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) error {
		if k == nil {
			return errors.New("a nil keychain")
		}
		o.keychain = k
		return nil
	}
}

// WithRemoteOptions adds options to every registry call, such as
// remote.WithTransport for a private CA or a proxy.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(o *options) error { o.remote = append(o.remote, opts...); return nil }
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("a nil logger")
		}
		o.logger = l
		return nil
	}
}
