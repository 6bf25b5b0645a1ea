package release

import (
	"fmt"
	"regexp"

	"github.com/octopulumi/octopulumi/internal/dist"
)

// The suffixes of the bundles' package ids: <id>.Plugins, <id>.Dependencies.
const (
	PluginsSuffix      = ".Plugins"
	DependenciesSuffix = ".Dependencies"
)

// Names are the file names of one release's packages.
type Names struct {
	// Program is <id>.<version>.zip.
	Program string
	// Plugins is <id>.Plugins.<version>.tar.gz.
	Plugins string
	// Dependencies is <id>.Dependencies.<version>.tar.gz.
	Dependencies string
}

// packageID is Octopus's rule for a package id: "one or more segments
// separated by one of the following separator characters: - . _", where
// "segments contain only alphanumeric characters"
// (https://octopus.com/docs/packaging-applications#package-id).
var packageID = regexp.MustCompile(`^[A-Za-z0-9]+(?:[-._][A-Za-z0-9]+)*$`)

// PackageNames names the packages of release version of the package id,
// after checking that id is a valid Octopus package id, that version is a
// SemVer version, and that Octopus reads each name back as the same id and
// version (an id ending in a segment of digits, such as App.2, would not:
// Octopus reads App.2.1.0.0.zip as App, version 2.1.0.0). Errors are
// [*OptionError]s.
func PackageNames(id, version string) (Names, error) {
	if !packageID.MatchString(id) {
		return Names{}, &OptionError{Field: "ID", Err: fmt.Errorf("%q is not an Octopus package id: use segments of letters and digits separated by '.', '-' or '_', such as MyCompany.Infra", id)}
	}
	var n Names
	for _, f := range []struct {
		name    *string
		id, ext string
	}{
		{&n.Program, id, ".zip"},
		{&n.Plugins, id + PluginsSuffix, ".tar.gz"},
		{&n.Dependencies, id + DependenciesSuffix, ".tar.gz"},
	} {
		name, err := dist.PackageName(f.id, version, f.ext)
		if err != nil {
			// The id passed the stricter rule above: the version is wrong.
			return Names{}, &OptionError{Field: "Version", Err: err}
		}
		gotID, gotVersion, ok := ParseFileName(name)
		if !ok || gotID != f.id || gotVersion != version {
			return Names{}, &OptionError{Field: "ID", Err: fmt.Errorf("Octopus would read %s as package %q version %q, not %q version %q: end the id with a segment that is not all digits", name, gotID, gotVersion, f.id, version)}
		}
		*f.name = name
	}
	return n, nil
}

// Octopus's parser of a package file name, <PackageId>.<Version><ext>:
// TryParseUnsafeFileName in OctopusDeploy/Calamari
// source/Calamari.Common/Features/Packages/PackageName.cs, which the
// Octopus Server shares. The id is matched lazily, so it ends at the first
// '.' after which the rest reads as a version; matching ignores case. Go's
// regexp chooses the same submatches as .NET's backtracking matcher
// (leftmost-first).
var (
	octopusIDVersion = `(?P<id>\w+(?:[_.-]\w+)*?)\.(?P<version>\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)`
	// A .tar or .tar.<x> extension is cut off before matching.
	octopusTarExt = regexp.MustCompile(`^(.*)(\.tar(?:\.[a-zA-Z0-9]+)?)$`)
	octopusBare   = regexp.MustCompile(`(?i)^` + octopusIDVersion + `$`)
	octopusOther  = regexp.MustCompile(`(?i)^` + octopusIDVersion + `(?P<ext>(?:\.[a-zA-Z0-9]+)+)$`)
)

// ParseFileName reads a package file name as Octopus does and returns the
// package id and version; ok is false when Octopus would not accept the
// name.
func ParseFileName(name string) (id, version string, ok bool) {
	re := octopusOther
	if m := octopusTarExt.FindStringSubmatch(name); m != nil {
		name, re = m[1], octopusBare
	}
	m := re.FindStringSubmatch(name)
	if m == nil {
		return "", "", false
	}
	return m[re.SubexpIndex("id")], m[re.SubexpIndex("version")], true
}
