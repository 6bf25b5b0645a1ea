package cache

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"
)

// Plugin is one exact plugin a program needs, as the manifest records it.
type Plugin struct {
	// Kind is the plugin kind: resource, language, analyzer, converter or tool.
	Kind string `json:"kind"`
	// Name is the plugin's name, e.g. "aws".
	Name string `json:"name"`
	// Version is the exact semantic version, without a leading "v".
	Version string `json:"version"`
	// Server is the base URL the plugin downloads from (a resource's
	// pluginDownloadURL, or what `pulumi plugin install --server` takes);
	// empty for Pulumi's default sources.
	Server string `json:"server,omitempty"`
	// Checksums maps a platform ("linux-amd64") to the SHA-256, in lower-case
	// hex, of the plugin's tarball for that platform: what `pulumi plugin
	// install --checksum` checks.
	Checksums map[string]string `json:"checksums"`
}

// Dir is the plugin's folder name in $PULUMI_HOME/plugins:
// <kind>-<name>-v<version>.
func (p Plugin) Dir() string { return fmt.Sprintf("%s-%s-v%s", p.Kind, p.Name, p.Version) }

// Binary is the file name of the plugin's executable (without ".exe").
func (p Plugin) Binary() string { return fmt.Sprintf("pulumi-%s-%s", p.Kind, p.Name) }

// Asset is the tarball's file name for platform ("linux-amd64"), as Pulumi
// downloads it: pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz.
func (p Plugin) Asset(platform string) string {
	return fmt.Sprintf("pulumi-%s-%s-v%s-%s.tar.gz", p.Kind, p.Name, p.Version, platform)
}

// String is the plugin's folder name, which identifies it.
func (p Plugin) String() string { return p.Dir() }

// Platform is the platform this program runs on, as Pulumi names it in asset
// names: "<GOOS>-<GOARCH>", e.g. "linux-amd64".
func Platform() string { return runtime.GOOS + "-" + runtime.GOARCH }

var (
	kinds       = map[string]bool{"resource": true, "language": true, "analyzer": true, "converter": true, "tool": true}
	nameRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	versionRE   = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	sha256RE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	serverRE    = regexp.MustCompile(`^(https?|github|gitlab)://[^\s]+$`)
	platformRE  = regexp.MustCompile(`^[a-z0-9]+-[a-z0-9]+$`)
	pluginDirRE = regexp.MustCompile(`^(resource|language|analyzer|converter|tool)-([a-z0-9][a-z0-9_.-]*?)-v(` +
		`(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$`)
)

// parseDir splits a plugin folder name into kind, name and version.
func parseDir(dir string) (kind, name, version string, ok bool) {
	m := pluginDirRE.FindStringSubmatch(dir)
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

// validate checks p; field is its JSON path, for errors.
func (p Plugin) validate(field string) *ManifestError {
	bad := func(f, why string) *ManifestError { return &ManifestError{Field: field + "." + f, Reason: why} }
	switch {
	case !kinds[p.Kind]:
		return bad("kind", fmt.Sprintf("%q is not a plugin kind (resource, language, analyzer, converter, tool)", p.Kind))
	case !nameRE.MatchString(p.Name):
		return bad("name", fmt.Sprintf("%q is not a plugin name (lower-case letters, digits, '-', '_', '.')", p.Name))
	case strings.HasPrefix(p.Version, "v"):
		return bad("version", fmt.Sprintf("%q: write the version without a leading \"v\"", p.Version))
	case !versionRE.MatchString(p.Version):
		return bad("version", fmt.Sprintf("%q is not an exact semantic version such as 1.2.3", p.Version))
	case p.Server != "" && !serverRE.MatchString(p.Server):
		return bad("server", fmt.Sprintf("%q is not an http(s), github:// or gitlab:// URL", redactURL(p.Server)))
	case len(p.Checksums) == 0:
		return bad("checksums", "no checksum: regenerate the manifest with `octopulumi cache manifest`")
	}
	for plat, sum := range p.Checksums {
		if !platformRE.MatchString(plat) {
			return bad("checksums", fmt.Sprintf("%q is not a platform such as linux-amd64", plat))
		}
		if !sha256RE.MatchString(sum) {
			return bad("checksums."+plat, "not a SHA-256 in lower-case hex (64 characters)")
		}
	}
	return nil
}
