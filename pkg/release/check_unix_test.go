//go:build unix

package release_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/release"
)

// installsInPlace is a stand-in for the Pulumi CLI whose `pulumi install`
// does what the real one does for Node.js, Python and .NET programs: it
// installs into the folder it runs in (node_modules, a virtualenv, obj),
// and here also appends to Pulumi.yaml. `plugin ls --json` lists no
// plugin, as the real CLI prints a JSON array. Each command is logged to
// $PULUMI_CALLS.
const installsInPlace = `#!/bin/sh
echo "$1" >> "$PULUMI_CALLS"
case "$1" in
install)
	mkdir -p node_modules/left-pad venv obj &&
	echo 'module.exports = 1;' > node_modules/left-pad/index.js &&
	: > venv/pyvenv.cfg && : > obj/project.assets.json &&
	echo '# installed' >> Pulumi.yaml ;;
plugin) echo '[]' ;;
version) echo v3.200.0 ;;
esac
`

// TestCheckLeavesProgramAlone: the manifest check runs the CLI in a
// scratch copy of the package's files, so what `pulumi install` writes
// where it runs changes nothing in the program folder, and neither this
// package nor the next one holds it.
func TestCheckLeavesProgramAlone(t *testing.T) {
	t.Parallel()
	pulumi := filepath.Join(t.TempDir(), "pulumi")
	if err := os.WriteFile(pulumi, []byte(installsInPlace), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, program, sortedKeys(program))
	if err := cache.WriteManifest(filepath.Join(dir, cache.ManifestFile), &cache.Manifest{Format: cache.ManifestFormat}); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(t.TempDir(), "calls")
	before := testbed.Tree(t, dir)
	var contents []string
	for i := range 2 {
		r, err := release.Build(context.Background(), release.Options{
			Program: dir, ID: "Infra", Version: "1.0.0", Out: t.TempDir(), Pulumi: pulumi, NoPlugins: true,
			Environ: []string{"PATH=/usr/bin:/bin", "PULUMI_CALLS=" + calls},
		})
		if err != nil {
			t.Fatal(err)
		}
		if log, _ := os.ReadFile(calls); strings.Count(string(log), "install\n") != i+1 {
			t.Fatalf("the CLI ran %q, want one install a build", log)
		}
		if after := testbed.Tree(t, dir); !maps.Equal(after, before) {
			t.Fatalf("build %d changed the program folder:\nbefore %v\nafter  %v", i+1, before, after)
		}
		if slices.ContainsFunc(r.Contents, func(n string) bool { return strings.HasPrefix(n, "venv/") || strings.HasPrefix(n, "obj/") }) {
			t.Errorf("build %d packed what the check installed: %v", i+1, r.Contents)
		}
		if contents != nil && !slices.Equal(r.Contents, contents) {
			t.Errorf("build %d packed %v, the first %v", i+1, r.Contents, contents)
		}
		contents = r.Contents
		entries, _ := readZip(t, r.Files[0].Path)
		if got := entries["Pulumi.yaml"].data; got != project {
			t.Errorf("the package's Pulumi.yaml is %q, want the program's %q", got, project)
		}
	}
}
