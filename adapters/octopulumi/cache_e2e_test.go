package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/cache"
)

// TestCacheCommands runs the warm-start chain as upstream CI and a worker
// would, through the binary: resolve the manifest of a program with the
// real CLI, bundle it, restore the bundle into an empty PULUMI_HOME, verify
// it against the manifest, and write the Dockerfile of a baked image.
func TestCacheCommands(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	env := append(stepEnv(bed), "PULUMI_HOME="+bed.Home)
	ok := func(args ...string) run {
		t.Helper()
		r := runBinary(t, env, append([]string{"cache"}, args...)...)
		if r.code != 0 {
			t.Fatalf("octopulumi cache %s exited %d:\n%s\n%s", args[0], r.code, r.stdout, r.stderr)
		}
		return r
	}

	manifest := filepath.Join(dir, cache.ManifestFile)
	ok("manifest", "--program", dir, "--pulumi", bed.Tools.Pulumi)
	m, err := cache.ReadManifest(manifest)
	if err != nil {
		t.Fatalf("the manifest written does not read back: %v", err)
	}
	pr := bed.Tools.Provider
	if len(m.Plugins) != 1 || m.Plugins[0].Name != pr.Name || m.Plugins[0].Version != pr.Version {
		t.Fatalf("manifest plugins %+v, want only %s v%s", m.Plugins, pr.Name, pr.Version)
	}

	bundle := filepath.Join(t.TempDir(), "plugins.tar.gz")
	ok("bundle", "--manifest", manifest, "--out", bundle)
	served := bed.Mirror.Total()

	fresh := filepath.Join(t.TempDir(), "fresh-home")
	r := ok("restore", "--from", bundle, "--manifest", manifest, "--pulumi-home", fresh)
	if !strings.Contains(r.stdout, "1 plugin(s) installed") {
		t.Errorf("restore did not report the install:\n%s", r.stdout)
	}
	ok("verify", "--manifest", manifest, "--pulumi-home", fresh, "--contents")
	if bed.Mirror.Total() != served {
		t.Errorf("restore or verify downloaded from the mirror (%d requests, %d before)", bed.Mirror.Total(), served)
	}

	// An empty PULUMI_HOME does not satisfy the manifest: verify says what
	// would be downloaded and fails.
	empty := runBinary(t, env, "cache", "verify", "--manifest", manifest, "--pulumi-home", t.TempDir())
	if empty.code == 0 || !strings.Contains(empty.stdout, "would download") {
		t.Errorf("verify of an empty PULUMI_HOME: exit %d\n%s", empty.code, empty.stdout)
	}

	df := ok("dockerfile", "--manifest", manifest)
	for _, want := range []string{"FROM pulumi/pulumi:3.274.1", "pulumi plugin install resource localfile " + pr.Version, "--checksum", "ENTRYPOINT []"} {
		if !strings.Contains(df.stdout, want) {
			t.Errorf("the Dockerfile lacks %q:\n%s", want, df.stdout)
		}
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Fatal(err)
	}
}
