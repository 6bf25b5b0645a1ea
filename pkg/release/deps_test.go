package release_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/release"
)

// lockfile is an npm lockfile (lockfileVersion 3) of one package; npm
// writes the same entries into node_modules/.package-lock.json, its record
// of what it installed.
const lockfile = `{
  "name": "infra",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "infra", "dependencies": {"left-pad": "^1.3.0"}},
    "node_modules/left-pad": {
      "version": "1.3.0",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQuQKpRZmlX1VNw4HEOBRA+Pl3jeDl0mqQqYd6TPpNu6pAyQ=="
    }
  }
}
`

// nodeProgram is a Node.js program with its node_modules installed by npm.
var nodeProgram = map[string]string{
	"Pulumi.yaml":                        "name: infra\nruntime: nodejs\n",
	"index.js":                           "require('left-pad')\n",
	"package.json":                       `{"name": "infra", "dependencies": {"left-pad": "^1.3.0"}}`,
	"package-lock.json":                  lockfile,
	"node_modules/.package-lock.json":    lockfile,
	"node_modules/left-pad/index.js":     "module.exports = leftPad;\n",
	"node_modules/left-pad/package.json": `{"name": "left-pad", "version": "1.3.0"}`,
}

// TestDependenciesBundle: a Node.js program with node_modules installed
// gets a dependencies bundle of the same version, the same bytes from two
// checkouts, holding node_modules; the program package does not.
func TestDependenciesBundle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		noDeps bool
		want   []string
	}{
		{name: "installed", want: []string{release.KindProgram, release.KindDependencies, release.KindChecksums}},
		{name: "no dependencies", noDeps: true, want: []string{release.KindProgram, release.KindChecksums}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var first []release.File
			for range 2 {
				dir := t.TempDir()
				writeFiles(t, dir, nodeProgram, sortedKeys(nodeProgram))
				// No node on the PATH: the key then has no node version, and
				// nothing runs.
				env := []string{"PATH=" + t.TempDir()}
				r, err := release.Build(context.Background(), release.Options{Program: dir, ID: "Infra", Version: "2.0.0", Out: t.TempDir(), Environ: env, NoDependencies: tc.noDeps})
				if err != nil {
					t.Fatal(err)
				}
				var kinds []string
				for _, f := range r.Files {
					kinds = append(kinds, f.Kind)
				}
				if !slices.Equal(kinds, tc.want) {
					t.Fatalf("wrote %v, want %v", kinds, tc.want)
				}
				if slices.ContainsFunc(r.Contents, func(n string) bool { return strings.HasPrefix(n, "node_modules/") }) {
					t.Errorf("the program package holds node_modules: %v", r.Contents)
				}
				if first == nil {
					first = r.Files
					continue
				}
				for i, f := range r.Files {
					if f.SHA256 != first[i].SHA256 {
						t.Errorf("%s differs between two checkouts", f.Name)
					}
				}
			}
			if !tc.noDeps {
				if first[1].Name != "Infra.Dependencies.2.0.0.tar.gz" {
					t.Errorf("the dependencies bundle is named %s", first[1].Name)
				}
				if names := tarNames(t, first[1].Path); !slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, "/left-pad/index.js") }) {
					t.Errorf("the dependencies bundle lacks left-pad: %v", names)
				}
			}
		})
	}
}

// tarNames lists the entries of a .tar.gz file.
func tarNames(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.ToSlash(h.Name))
	}
}

// TestNoDependenciesNote: a Node.js program without node_modules gets no
// dependencies bundle and a note that says to install them first; other
// runtimes, and NoDependencies, get no such note.
func TestNoDependenciesNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		project string
		noDeps  bool
		note    bool
	}{
		{name: "Node.js", project: "name: infra\nruntime: nodejs\n", note: true},
		{name: "Node.js with runtime options", project: "name: infra\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n", note: true},
		{name: "Node.js, no dependencies asked", project: "name: infra\nruntime: nodejs\n", noDeps: true},
		{name: "YAML", project: project},
		{name: "Python", project: "name: infra\nruntime: python\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := map[string]string{"Pulumi.yaml": tc.project, "index.js": "", "package.json": "{}"}
			writeFiles(t, dir, files, sortedKeys(files))
			r, err := release.Build(context.Background(), release.Options{Program: dir, ID: "Infra", Version: "1.0.0", Out: t.TempDir(), Environ: []string{}, NoDependencies: tc.noDeps})
			if err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(r.Files, func(f release.File) bool { return f.Kind == release.KindDependencies }) {
				t.Errorf("a dependencies bundle without node_modules: %v", r.Files)
			}
			notes := strings.Join(r.Notes, "\n")
			if got := strings.Contains(notes, "run npm ci"); got != tc.note {
				t.Errorf("notes %q; a note to run npm ci: %v, want %v", notes, got, tc.note)
			}
		})
	}
}
