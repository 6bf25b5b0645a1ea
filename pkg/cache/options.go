package cache

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// BundleOption configures [Bundle] and [BundleFile]: [WithLogger],
// [WithHTTPClient], [WithServer], [WithDownloadOverrides], [WithPlatform].
type BundleOption interface {
	configureBundle(*options) error
}

// ResolveOption configures [Resolve]: [WithLogger], [WithHTTPClient],
// [WithServer], [WithDownloadOverrides], [WithPlatforms], [WithPulumi],
// [WithEnv].
type ResolveOption interface {
	configureResolve(*options) error
}

// RestoreOption configures [Restore]: [WithLogger], [WithManifest],
// [VerifyContents], [WithCopy].
type RestoreOption interface {
	configureRestore(*options) error
}

// WarmOption configures [Warm]: [FromBundle], [FromShared], [WithLogger],
// [WithManifest], [VerifyContents], [WithCopy].
type WarmOption interface {
	configureWarm(*options) error
}

// VerifyOption configures [Verify]: [WithLogger], [WithManifest],
// [VerifyContents], [Repair].
type VerifyOption interface {
	configureVerify(*options) error
}

// PruneOption configures [Prune]: [KeepLatest], [MaxBytes], [WithLogger],
// [WithNow].
type PruneOption interface {
	configurePrune(*options) error
}

// DockerfileOption configures [Dockerfile]: [WithServer],
// [WithDownloadOverrides], [WithPlatform], [WithImage], [WithPulumiVersion],
// [WithPulumiHome].
type DockerfileOption interface {
	configureDockerfile(*options) error
}

// setting is what every option does: change the settings, or say why it
// cannot. The zero value changes nothing.
type setting struct{ set func(*options) error }

func (s setting) apply(o *options) error {
	if s.set == nil {
		return nil
	}
	return s.set(o)
}

// LoggerOption is [WithLogger], taken by every function that does I/O:
// [Bundle], [BundleFile], [Resolve], [Restore], [Warm], [Verify], [Prune],
// and the dependencies functions.
type LoggerOption struct{ setting }

func (s LoggerOption) configureBundle(o *options) error  { return s.apply(o) }
func (s LoggerOption) configureResolve(o *options) error { return s.apply(o) }
func (s LoggerOption) configureRestore(o *options) error { return s.apply(o) }
func (s LoggerOption) configureWarm(o *options) error    { return s.apply(o) }
func (s LoggerOption) configureVerify(o *options) error  { return s.apply(o) }
func (s LoggerOption) configurePrune(o *options) error   { return s.apply(o) }

// ClientOption is [WithHTTPClient], taken by the functions that download:
// [Bundle], [BundleFile], [Resolve].
type ClientOption struct{ setting }

func (s ClientOption) configureBundle(o *options) error  { return s.apply(o) }
func (s ClientOption) configureResolve(o *options) error { return s.apply(o) }

// DownloadOption is [WithServer] or [WithDownloadOverrides]: where plugins
// are downloaded from, for [Bundle], [BundleFile], [Resolve] and the image
// that [Dockerfile] describes.
type DownloadOption struct{ setting }

func (s DownloadOption) configureBundle(o *options) error     { return s.apply(o) }
func (s DownloadOption) configureResolve(o *options) error    { return s.apply(o) }
func (s DownloadOption) configureDockerfile(o *options) error { return s.apply(o) }

// PlatformOption is [WithPlatform], taken by [Bundle], [BundleFile] and
// [Dockerfile].
type PlatformOption struct{ setting }

func (s PlatformOption) configureBundle(o *options) error     { return s.apply(o) }
func (s PlatformOption) configureDockerfile(o *options) error { return s.apply(o) }

// ManifestOption is [WithManifest], taken by [Restore], [Warm] and
// [Verify].
type ManifestOption struct{ setting }

func (s ManifestOption) configureRestore(o *options) error { return s.apply(o) }
func (s ManifestOption) configureWarm(o *options) error    { return s.apply(o) }
func (s ManifestOption) configureVerify(o *options) error  { return s.apply(o) }

// ContentsOption is [VerifyContents], taken by [Restore], [Warm], [Verify]
// and [VerifyDependencies].
type ContentsOption struct{ setting }

func (s ContentsOption) configureRestore(o *options) error { return s.apply(o) }
func (s ContentsOption) configureWarm(o *options) error    { return s.apply(o) }
func (s ContentsOption) configureVerify(o *options) error  { return s.apply(o) }

// CopyOption is [WithCopy], taken by [Restore] and [Warm].
type CopyOption struct{ setting }

func (s CopyOption) configureRestore(o *options) error { return s.apply(o) }
func (s CopyOption) configureWarm(o *options) error    { return s.apply(o) }

// SizeOption is [MaxBytes], taken by [Prune] and [PruneDependencies].
type SizeOption struct{ setting }

func (s SizeOption) configurePrune(o *options) error { return s.apply(o) }

// RepairOption is [Repair], taken by [Verify] and [VerifyDependencies].
type RepairOption struct{ setting }

func (s RepairOption) configureVerify(o *options) error { return s.apply(o) }

// ClockOption is [WithNow], taken by [Prune] and [PruneDependencies].
type ClockOption struct{ setting }

func (s ClockOption) configurePrune(o *options) error { return s.apply(o) }

// The options of a single function are of that function's type.
type (
	resolveSetting    struct{ setting }
	warmSetting       struct{ setting }
	verifySetting     struct{ setting }
	pruneSetting      struct{ setting }
	dockerfileSetting struct{ setting }
)

func (s resolveSetting) configureResolve(o *options) error       { return s.apply(o) }
func (s warmSetting) configureWarm(o *options) error             { return s.apply(o) }
func (s verifySetting) configureVerify(o *options) error         { return s.apply(o) }
func (s pruneSetting) configurePrune(o *options) error           { return s.apply(o) }
func (s dockerfileSetting) configureDockerfile(o *options) error { return s.apply(o) }

// options are the settings of one call; each function reads those its
// options can set.
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
		logger:    slog.New(slog.DiscardHandler),
		client:    &http.Client{Timeout: 30 * time.Minute},
		userAgent: "octopulumi-cache/1",
		platform:  Platform(),
		pulumi:    "pulumi",
		image:     "pulumi/pulumi",
		home:      "/opt/pulumi",
		now:       time.Now,
	}
}

// configure applies opts over the defaults o with set (one function's
// configure method, e.g. BundleOption.configureBundle) and reports every
// invalid option at once. Nil options are skipped.
func configure[S, O any](o S, opts []O, set func(O, *S) error) (S, error) {
	var errs []error
	for _, opt := range opts {
		if any(opt) == nil {
			continue
		}
		if err := set(opt, &o); err != nil {
			errs = append(errs, err)
		}
	}
	return o, errors.Join(errs...)
}

// WithLogger logs progress to l (default: nothing is logged).
func WithLogger(l *slog.Logger) LoggerOption {
	return LoggerOption{setting{func(o *options) error {
		if l == nil {
			return errors.New("cache.WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}}}
}

// WithHTTPClient downloads plugin tarballs with c.
func WithHTTPClient(c *http.Client) ClientOption {
	return ClientOption{setting{func(o *options) error {
		if c == nil {
			return errors.New("cache.WithHTTPClient: nil client")
		}
		o.client = c
		return nil
	}}}
}

// WithServer downloads every plugin from the mirror base URL instead of its
// own server, as `pulumi plugin install --server` does: the asset name is
// appended (<url>/pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz). This
// is the simplest set-up for air-gapped workers: one folder of tarballs
// served over HTTP. [Resolve] passes it to the CLI as an override that
// matches every plugin; [Dockerfile] passes it as --server. It wins over
// [WithDownloadOverrides].
func WithServer(baseURL string) DownloadOption {
	return DownloadOption{setting{func(o *options) error {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("cache.WithServer: %q is not an http(s) URL", redactURL(baseURL))
		}
		o.server = strings.TrimRight(baseURL, "/")
		return nil
	}}}
}

// WithDownloadOverrides applies Pulumi's PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES
// syntax (comma-separated `regexp=URL`, where the regexp is matched against
// the plugin's source URL and $1 or ${name} in URL take its groups) to the
// downloads this package makes. Pass the same value the CLI gets, so that
// both fetch from the same mirror. An empty spec overrides nothing.
func WithDownloadOverrides(spec string) DownloadOption {
	return DownloadOption{setting{func(o *options) error {
		ov, err := parseOverrides(spec)
		if err != nil {
			return fmt.Errorf("cache.WithDownloadOverrides: %w", err)
		}
		o.overrides, o.overSpec = ov, spec
		return nil
	}}}
}

// WithPlatform sets the platform ("linux-amd64") whose tarballs [Bundle]
// bundles (default: this program's), or whose checksums [Dockerfile] installs
// with (default: linux-amd64).
func WithPlatform(p string) PlatformOption {
	return PlatformOption{setting{func(o *options) error {
		if !platformRE.MatchString(p) {
			return fmt.Errorf("cache.WithPlatform: %q is not a platform such as linux-amd64", p)
		}
		o.platform = p
		return nil
	}}}
}

// WithPlatforms makes [Resolve] also record checksums for these platforms,
// by downloading their tarballs from the plugins' servers (for a manifest
// made on a laptop and used on Linux workers).
func WithPlatforms(ps ...string) ResolveOption {
	return resolveSetting{setting{func(o *options) error {
		for _, p := range ps {
			if !platformRE.MatchString(p) {
				return fmt.Errorf("cache.WithPlatforms: %q is not a platform such as linux-amd64", p)
			}
		}
		o.platforms = append(o.platforms, ps...)
		return nil
	}}}
}

// WithManifest makes a restore check the source against m (every plugin of m
// present, with m's checksum) and restore only m's plugins; [Warm] then also
// reports what Pulumi would still download, and so does [Verify].
func WithManifest(m *Manifest) ManifestOption {
	return ManifestOption{setting{func(o *options) error {
		if m == nil {
			return errors.New("cache.WithManifest: nil manifest")
		}
		if err := m.Validate(); err != nil {
			return err
		}
		o.manifest = m
		return nil
	}}}
}

// VerifyContents makes a restore from a folder, and [Verify], hash every
// file against its recorded SHA-256. Without it they check types, sizes and
// modes, which catches truncation and keeps a restore's cost independent of
// the plugins' bytes; a restore from an archive always hashes, since it
// reads every byte anyway.
func VerifyContents() ContentsOption {
	return ContentsOption{setting{func(o *options) error { o.deep = true; return nil }}}
}

// WithCopy makes a restore copy files instead of hard-linking them. A hard
// link shares the source's bytes: use this when the source may be rewritten
// in place later.
func WithCopy() CopyOption {
	return CopyOption{setting{func(o *options) error { o.noLink = true; return nil }}}
}

// WithPulumi runs this CLI binary (default: "pulumi" found on the PATH of
// the environment).
func WithPulumi(path string) ResolveOption {
	return resolveSetting{setting{func(o *options) error {
		if path == "" {
			return errors.New("cache.WithPulumi: empty path")
		}
		o.pulumi = path
		return nil
	}}}
}

// WithEnv is the environment of the CLI processes [Resolve] runs (default:
// this process's). PULUMI_HOME and TMPDIR are always replaced by a
// scratch folder.
func WithEnv(env []string) ResolveOption {
	return resolveSetting{setting{func(o *options) error { o.env = append([]string(nil), env...); return nil }}}
}

// WithImage sets the base image repository of [Dockerfile] (default
// "pulumi/pulumi"); the tag is the manifest's CLI version or [WithPulumiVersion].
func WithImage(repo string) DockerfileOption {
	return dockerfileSetting{setting{func(o *options) error {
		if repo == "" || strings.ContainsAny(repo, " \t\n:@") {
			return fmt.Errorf("cache.WithImage: %q is not an image repository (give the tag with WithPulumiVersion)", repo)
		}
		o.image = repo
		return nil
	}}}
}

// WithPulumiVersion pins the [Dockerfile] base image to this CLI version
// (e.g. "3.274.1"), instead of the manifest's.
func WithPulumiVersion(v string) DockerfileOption {
	return dockerfileSetting{setting{func(o *options) error {
		v = strings.TrimPrefix(v, "v")
		if !versionRE.MatchString(v) {
			return fmt.Errorf("cache.WithPulumiVersion: %q is not a version such as 3.274.1", v)
		}
		o.pulumiVer = v
		return nil
	}}}
}

// WithPulumiHome sets the PULUMI_HOME baked into a [Dockerfile] image
// (default /opt/pulumi).
func WithPulumiHome(dir string) DockerfileOption {
	return dockerfileSetting{setting{func(o *options) error {
		if !strings.HasPrefix(dir, "/") || strings.ContainsAny(dir, " \t\n\"'$") {
			return fmt.Errorf("cache.WithPulumiHome: %q is not a plain absolute path", dir)
		}
		o.home = dir
		return nil
	}}}
}

// FromBundle makes [Warm] restore from a bundle archive or its extracted
// folder (e.g. #{Octopus.Action.Package[plugins].ExtractedPath}).
func FromBundle(path string) WarmOption {
	return warmSetting{setting{func(o *options) error {
		if path == "" {
			return errors.New("cache.FromBundle: empty path")
		}
		o.bundle = path
		return nil
	}}}
}

// FromShared makes [Warm] use the worker-shared cache folder dir: filled
// from the bundle when one is given, and linked into the run's PULUMI_HOME.
func FromShared(dir string) WarmOption {
	return warmSetting{setting{func(o *options) error {
		if dir == "" {
			return errors.New("cache.FromShared: empty path")
		}
		o.shared = dir
		return nil
	}}}
}

// KeepLatest makes [Prune] keep the n most recently used versions of each
// plugin and delete older ones.
func KeepLatest(n int) PruneOption {
	return pruneSetting{setting{func(o *options) error {
		if n < 1 {
			return fmt.Errorf("cache.KeepLatest: %d: keep at least 1 version", n)
		}
		o.keepLatest = n
		return nil
	}}}
}

// MaxBytes makes [Prune] delete the least recently used plugins, and
// [PruneDependencies] the least recently used dependencies, until the
// cache holds at most n bytes.
func MaxBytes(n int64) SizeOption {
	return SizeOption{setting{func(o *options) error {
		if n < 0 {
			return fmt.Errorf("cache.MaxBytes: %d is negative", n)
		}
		o.maxBytes = n
		return nil
	}}}
}

// Repair makes [Verify] and [VerifyDependencies] delete the broken entries
// they find (under the entry's lock), so that the next install downloads
// or restores them again.
func Repair() RepairOption {
	return RepairOption{setting{func(o *options) error { o.repair = true; return nil }}}
}

// WithNow sets the clock [Prune] and [PruneDependencies] compare last-use
// times with (for tests).
func WithNow(now func() time.Time) ClockOption {
	return ClockOption{setting{func(o *options) error {
		if now == nil {
			return errors.New("cache.WithNow: nil clock")
		}
		o.now = now
		return nil
	}}}
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
