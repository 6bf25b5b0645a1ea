package release_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/release"
)

func TestPackageNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id, version string
		want        release.Names
		// field is the OptionError's field when the names are refused.
		field, says string
	}{
		{id: "MyCompany.Infra", version: "1.4.2", want: release.Names{
			Program:      "MyCompany.Infra.1.4.2.zip",
			Plugins:      "MyCompany.Infra.Plugins.1.4.2.tar.gz",
			Dependencies: "MyCompany.Infra.Dependencies.1.4.2.tar.gz",
		}},
		{id: "web-shop_infra", version: "2.0.0-rc.1+build.7", want: release.Names{
			Program:      "web-shop_infra.2.0.0-rc.1+build.7.zip",
			Plugins:      "web-shop_infra.Plugins.2.0.0-rc.1+build.7.tar.gz",
			Dependencies: "web-shop_infra.Dependencies.2.0.0-rc.1+build.7.tar.gz",
		}},
		{id: "V2.Infra", version: "0.1.0", want: release.Names{
			Program:      "V2.Infra.0.1.0.zip",
			Plugins:      "V2.Infra.Plugins.0.1.0.tar.gz",
			Dependencies: "V2.Infra.Dependencies.0.1.0.tar.gz",
		}},
		// Octopus's id rule: segments of letters and digits between separators.
		{id: "", version: "1.0.0", field: "ID", says: "not an Octopus package id"},
		{id: "-infra", version: "1.0.0", field: "ID", says: "not an Octopus package id"},
		{id: "My..Infra", version: "1.0.0", field: "ID", says: "not an Octopus package id"},
		{id: "Infra.", version: "1.0.0", field: "ID", says: "not an Octopus package id"},
		{id: "My Infra", version: "1.0.0", field: "ID", says: "not an Octopus package id"},
		{id: "Infrastruktur-Größe", version: "1.0.0", field: "ID", says: "not an Octopus package id"},
		// Valid, but Octopus would read App.2.1.0.0.zip as App 2.1.0.0.
		{id: "App.2", version: "1.0.0", field: "ID", says: `Octopus would read App.2.1.0.0.zip as package "App" version "2.1.0.0"`},
		{id: "App.2.3", version: "1.0.0", field: "ID", says: "end the id with a segment that is not all digits"},
		{id: "Infra", version: "1.0", field: "Version", says: "not a SemVer version"},
		{id: "Infra", version: "v1.0.0", field: "Version", says: "not a SemVer version"},
		{id: "Infra", version: "1.0.0.0", field: "Version", says: "not a SemVer version"},
		{id: "Infra", version: "", field: "Version", says: "not a SemVer version"},
	} {
		t.Run(tc.id+"@"+tc.version, func(t *testing.T) {
			t.Parallel()
			got, err := release.PackageNames(tc.id, tc.version)
			if tc.field == "" {
				if err != nil || got != tc.want {
					t.Fatalf("PackageNames = %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			oe, ok := errors.AsType[*release.OptionError](err)
			if !ok || oe.Field != tc.field || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("PackageNames = %+v, %v; want an OptionError on %s saying %q", got, err, tc.field, tc.says)
			}
		})
	}
}

// TestParseFileName reads names as Octopus does. The cases are those of
// Octopus's own tests (OctopusDeploy/Calamari
// source/Calamari.Tests/Fixtures/Integration/Packages/PackageNameFixture.cs,
// PackageNameTestCases), each with every extension they use, and the ids
// this package makes.
func TestParseFileName(t *testing.T) {
	t.Parallel()
	type parsed struct{ id, version string }
	cases := map[string]parsed{
		"MyCompany.Infra.1.4.2.zip":                      {"MyCompany.Infra", "1.4.2"},
		"MyCompany.Infra.Plugins.1.4.2.tar.gz":           {"MyCompany.Infra.Plugins", "1.4.2"},
		"MyCompany.Infra.Dependencies.1.4.2-rc.1.tar.gz": {"MyCompany.Infra.Dependencies", "1.4.2-rc.1"},
		// The pitfall Octopus's documentation warns of: digits in the id.
		"App.2.1.0.0.zip":             {"App", "2.1.0.0"},
		"MyPackage.1.0.8-cat+jat.jar": {"MyPackage", "1.0.8-cat+jat"},
	}
	for _, f := range []parsed{
		{"foo.1.0.0", "1.0.0"},
		{"foo.1.0.0-tag", "1.0.0-tag"},
		{"foo.1.0.0-tag-release.tag", "1.0.0-tag-release.tag"},
		{"foo.1.0.0+buildmeta", "1.0.0+buildmeta"},
		{"foo.1.0.0-tag-release.tag+buildmeta", "1.0.0-tag-release.tag+buildmeta"},
	} {
		for _, ext := range []string{".zip", ".nupkg", ".tar", ".tar.gz", ".tar.bz2"} {
			cases[f.id+ext] = parsed{"foo", f.version}
		}
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id, version, ok := release.ParseFileName(name)
			if !ok || id != want.id || version != want.version {
				t.Errorf("ParseFileName(%q) = %q, %q, %v; want %q, %q", name, id, version, ok, want.id, want.version)
			}
		})
	}
	for _, bad := range []string{"Infra.zip", ".1.0.0.zip", "My Infra.1.0.0.zip", "Infra.1.0.0.zip.part!"} {
		if id, version, ok := release.ParseFileName(bad); ok {
			t.Errorf("ParseFileName(%q) = %q, %q; Octopus does not accept the name", bad, id, version)
		}
	}
}
