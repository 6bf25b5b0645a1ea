package cache

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Option configures the functions of this package; each reads the options
// that concern it and ignores the others. Options are checked when applied:
// the function reports the first invalid one.
type Option func(*options) error

type options struct {
	logger     *slog.Logger
	client     *http.Client
	userAgent  string
	server     string
	overrides  []override
	overSpec   string
	pulumiVer  string
	platform   string
	platforms  []string
	manifest   *Manifest
	deep       bool
	noLink     bool
	pulumi     string
	env        []string
	image      string
	home       string
	bundle     string
	shared     string
	keepLatest int
	maxBytes   int64
	now        func() time.Time
	repair     bool
}

func defaultOptions() options {
	return options{
		logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		client:    &http.Client{Timeout: 30 * time.Minute},
		userAgent: "octopulumi-cache/1",
		platform:  Platform(),
		pulumi:    "pulumi",
		image:     "pulumi/pulumi",
		home:      "/opt/pulumi",
		now:       time.Now,
	}
}

func apply(opts []Option) (options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// WithLogger logs progress to l (default: nothing is logged).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("cache.WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithHTTPClient downloads plugin tarballs with c.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("cache.WithHTTPClient: nil client")
		}
		o.client = c
		return nil
	}
}

// WithServer downloads every plugin from the mirror base URL instead of its
// own server, as `pulumi plugin install --server` does: the asset name is
// appended (<url>/pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz). This
// is the simplest set-up for air-gapped workers: one folder of tarballs
// served over HTTP. [Resolve] passes it to the CLI as an override that
// matches every plugin; [Dockerfile] passes it as --server. It wins over
// [WithDownloadOverrides].
func WithServer(baseURL string) Option {
	return func(o *options) error {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("cache.WithServer: %q is not an http(s) URL", redactURL(baseURL))
		}
		o.server = strings.TrimRight(baseURL, "/")
		return nil
	}
}

// WithDownloadOverrides applies Pulumi's PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES
// syntax (comma-separated `regexp=URL`, where the regexp is matched against
// the plugin's source URL and $1 or ${name} in URL take its groups) to the
// downloads this package makes. Pass the same value the CLI gets, so that
// both fetch from the same mirror.
func WithDownloadOverrides(spec string) Option {
	return func(o *options) error {
		ov, err := parseOverrides(spec)
		if err != nil {
			return fmt.Errorf("cache.WithDownloadOverrides: %w", err)
		}
		o.overrides, o.overSpec = ov, spec
		return nil
	}
}

// WithPlatform sets the platform ("linux-amd64") whose tarballs are bundled
// and whose checksums are checked (default: this program's).
func WithPlatform(p string) Option {
	return func(o *options) error {
		if !platformRE.MatchString(p) {
			return fmt.Errorf("cache.WithPlatform: %q is not a platform such as linux-amd64", p)
		}
		o.platform = p
		return nil
	}
}

// WithPlatforms makes [Resolve] also record checksums for these platforms,
// by downloading their tarballs from the plugins' servers (for a manifest
// made on a laptop and used on Linux workers).
func WithPlatforms(ps ...string) Option {
	return func(o *options) error {
		for _, p := range ps {
			if !platformRE.MatchString(p) {
				return fmt.Errorf("cache.WithPlatforms: %q is not a platform such as linux-amd64", p)
			}
		}
		o.platforms = append(o.platforms, ps...)
		return nil
	}
}

// WithManifest makes a restore check the source against m (every plugin of m
// present, with m's checksum) and restore only m's plugins.
func WithManifest(m *Manifest) Option {
	return func(o *options) error {
		if m == nil {
			return errors.New("cache.WithManifest: nil manifest")
		}
		if err := m.Validate(); err != nil {
			return err
		}
		o.manifest = m
		return nil
	}
}

// VerifyContents makes a restore from a folder, and [Verify], hash every
// file against its recorded SHA-256. Without it they check types, sizes and
// modes, which catches truncation and keeps a restore's cost independent of
// the plugins' bytes; a restore from an archive always hashes, since it
// reads every byte anyway.
func VerifyContents() Option {
	return func(o *options) error { o.deep = true; return nil }
}

// WithCopy makes a restore copy files instead of hard-linking them. A hard
// link shares the source's bytes: use this when the source may be rewritten
// in place later.
func WithCopy() Option {
	return func(o *options) error { o.noLink = true; return nil }
}

// WithPulumi runs this CLI binary (default: "pulumi" found on the PATH of
// the environment).
func WithPulumi(path string) Option {
	return func(o *options) error {
		if path == "" {
			return errors.New("cache.WithPulumi: empty path")
		}
		o.pulumi = path
		return nil
	}
}

// WithEnv is the environment of the CLI processes [Resolve] runs (default:
// this process's). PULUMI_HOME and TMPDIR are always replaced by a
// scratch folder.
func WithEnv(env []string) Option {
	return func(o *options) error { o.env = append([]string(nil), env...); return nil }
}

// WithImage sets the base image repository of [Dockerfile] (default
// "pulumi/pulumi"); the tag is the manifest's CLI version or [WithPulumiVersion].
func WithImage(repo string) Option {
	return func(o *options) error {
		if repo == "" || strings.ContainsAny(repo, " \t\n:@") {
			return fmt.Errorf("cache.WithImage: %q is not an image repository (give the tag with WithPulumiVersion)", repo)
		}
		o.image = repo
		return nil
	}
}

// WithPulumiVersion pins the [Dockerfile] base image to this CLI version
// (e.g. "3.274.1"), instead of the manifest's.
func WithPulumiVersion(v string) Option {
	return func(o *options) error {
		v = strings.TrimPrefix(v, "v")
		if !versionRE.MatchString(v) {
			return fmt.Errorf("cache.WithPulumiVersion: %q is not a version such as 3.274.1", v)
		}
		o.pulumiVer = v
		return nil
	}
}

// WithPulumiHome sets the PULUMI_HOME baked into a [Dockerfile] image
// (default /opt/pulumi).
func WithPulumiHome(dir string) Option {
	return func(o *options) error {
		if !strings.HasPrefix(dir, "/") || strings.ContainsAny(dir, " \t\n\"'$") {
			return fmt.Errorf("cache.WithPulumiHome: %q is not a plain absolute path", dir)
		}
		o.home = dir
		return nil
	}
}

// FromBundle makes [Warm] restore from a bundle archive or its extracted
// folder (e.g. #{Octopus.Action.Package[plugins].ExtractedPath}).
func FromBundle(path string) Option {
	return func(o *options) error {
		if path == "" {
			return errors.New("cache.FromBundle: empty path")
		}
		o.bundle = path
		return nil
	}
}

// FromShared makes [Warm] use the worker-shared cache folder dir: filled
// from the bundle when one is given, and linked into the run's PULUMI_HOME.
func FromShared(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return errors.New("cache.FromShared: empty path")
		}
		o.shared = dir
		return nil
	}
}

// KeepLatest makes [Prune] keep the n most recently used versions of each
// plugin and delete older ones.
func KeepLatest(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("cache.KeepLatest: %d: keep at least 1 version", n)
		}
		o.keepLatest = n
		return nil
	}
}

// MaxBytes makes [Prune] delete the least recently used plugins until the
// cache holds at most n bytes.
func MaxBytes(n int64) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("cache.MaxBytes: %d is negative", n)
		}
		o.maxBytes = n
		return nil
	}
}

// Repair makes [Verify] delete the broken entries it finds (under the
// plugin's lock), so that the next install downloads or restores them again.
func Repair() Option {
	return func(o *options) error { o.repair = true; return nil }
}

// WithNow sets the clock (for tests).
func WithNow(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("cache.WithNow: nil clock")
		}
		o.now = now
		return nil
	}
}

// override is one PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES rule.
type override struct {
	re  *regexp.Regexp
	url string
}

// parseOverrides reads the CLI's `regexp1=URL1,regexp2=URL2` syntax.
func parseOverrides(spec string) ([]override, error) {
	var out []override
	if spec == "" {
		return nil, nil
	}
	for pair := range strings.SplitSeq(spec, ",") {
		re, u, ok := strings.Cut(pair, "=")
		if !ok || re == "" || u == "" {
			return nil, fmt.Errorf("%q is not regexp=URL", pair)
		}
		r, err := regexp.Compile(re)
		if err != nil {
			return nil, fmt.Errorf("regexp %q: %w", re, err)
		}
		out = append(out, override{re: r, url: u})
	}
	return out, nil
}

// apply returns the override for source URL src, as the CLI computes it.
func applyOverrides(ovs []override, src string) (string, bool) {
	for _, ov := range ovs {
		m := ov.re.FindStringSubmatch(src)
		if m == nil {
			continue
		}
		out := ov.url
		for i, name := range ov.re.SubexpNames() {
			out = strings.ReplaceAll(out, fmt.Sprintf("$%d", i), m[i])
			if i != 0 && name != "" {
				out = strings.ReplaceAll(out, "${"+name+"}", m[i])
			}
		}
		return out, true
	}
	return "", false
}
