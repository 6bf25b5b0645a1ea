package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
)

// fixture is a test bed with the localfile plugin's manifest and its
// bundle, as an archive and extracted.
type fixture struct {
	bed       *testbed.Bed
	manifest  *Manifest
	archive   string // .tar.gz
	plainTar  string // .tar
	extracted string // the archive extracted with tar(1), as Tentacle would
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	bed := testbed.New(t)
	f := &fixture{bed: bed, manifest: manifestFor(t, bed)}
	b := sharedBundles(t, bed)
	f.archive, f.plainTar, f.extracted = b.archive, b.plainTar, b.extracted
	return f
}

// bundles are built once per test binary (bundling a 50 MB provider is the
// slow part), into a folder TestMain removes.
type bundles struct{ archive, plainTar, extracted string }

var (
	bundleOnce sync.Once
	shared     bundles
	sharedErr  error
	sharedDir  string
)

func sharedBundles(t *testing.T, bed *testbed.Bed) bundles {
	t.Helper()
	bundleOnce.Do(func() {
		ctx := context.Background()
		m := manifestFor(t, bed)
		if sharedDir, sharedErr = os.MkdirTemp("", "octopulumi-cache-test-*"); sharedErr != nil {
			return
		}
		shared = bundles{
			archive:   filepath.Join(sharedDir, "plugins.1.0.0.tar.gz"),
			plainTar:  filepath.Join(sharedDir, "plugins.1.0.0.tar"),
			extracted: filepath.Join(sharedDir, "extracted"),
		}
		if sharedErr = BundleFile(ctx, m, shared.plainTar); sharedErr != nil {
			return
		}
		if sharedErr = BundleFile(ctx, m, shared.archive); sharedErr != nil {
			return
		}
		if sharedErr = os.Mkdir(shared.extracted, 0o755); sharedErr != nil {
			return
		}
		if out, err := exec.Command("tar", "-xf", shared.plainTar, "-C", shared.extracted).CombinedOutput(); err != nil {
			sharedErr = fmt.Errorf("tar -x: %v: %s", err, out)
		}
	})
	if sharedErr != nil {
		t.Fatalf("building the test bundles: %v", sharedErr)
	}
	return shared
}

// manifestFor is the manifest Resolve should produce for the bed's
// localfile plugin.
func manifestFor(t *testing.T, bed *testbed.Bed) *Manifest {
	t.Helper()
	pr := bed.Tools.Provider
	return &Manifest{Format: ManifestFormat, Pulumi: "v3.274.1", Plugins: []Plugin{{
		Kind: pr.Kind, Name: pr.Name, Version: pr.Version, Server: bed.Mirror.URL,
		Checksums: map[string]string{Platform(): fileSHA(t, pr.Tarball)},
	}}}
}

func fileSHA(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// envWithHome is the bed's environment with another PULUMI_HOME.
func envWithHome(bed *testbed.Bed, home string) []string {
	var env []string
	for _, kv := range bed.Env() {
		if !strings.HasPrefix(kv, "PULUMI_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "PULUMI_HOME="+home)
}

// pulumi runs the real CLI in dir with env.
func pulumi(t *testing.T, bed *testbed.Bed, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bed.Tools.Pulumi, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// helper starts this test binary as a helper process (see TestMain).
func helper(mode, src, home string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OCTOPULUMI_CACHE_HELPER="+mode, "CACHE_SRC="+src, "CACHE_HOME="+home)
	return cmd
}

// entries lists a plugins folder's names.
func entries(t *testing.T, home string) []string {
	t.Helper()
	ds, err := os.ReadDir(filepath.Join(home, "plugins"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range ds {
		names = append(names, d.Name())
	}
	return names
}

// wantInstalled fails unless home holds exactly the manifest's plugins,
// complete and nothing partial, as both we and the CLI see it.
func wantInstalled(t *testing.T, f *fixture, home string) {
	t.Helper()
	missing, err := Check(home, f.manifest)
	if err != nil || len(missing) != 0 {
		t.Fatalf("Check = %v, %v; want nothing missing", missing, err)
	}
	for _, n := range entries(t, home) {
		if strings.HasSuffix(n, partialSuffix) {
			t.Fatalf("%s left in %s", n, home)
		}
	}
	r, err := Verify(context.Background(), home, VerifyContents())
	if err != nil || len(r.Problems) != 0 || len(r.Verified) != len(f.manifest.Plugins) {
		t.Fatalf("Verify = %+v, %v; want every plugin verified, no problems", r, err)
	}
	out := pulumi(t, f.bed, home, envWithHome(f.bed, home), "plugin", "ls", "--json")
	if !strings.Contains(out, `"localfile"`) {
		t.Fatalf("pulumi plugin ls does not list localfile: %s", out)
	}
}

func helperPulumi(f *fixture, home string, args ...string) *exec.Cmd {
	cmd := exec.Command(f.bed.Tools.Pulumi, args...)
	cmd.Dir, cmd.Env = home, envWithHome(f.bed, home)
	return cmd
}

func stderrOf(err error) string {
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return string(ee.Stderr)
	}
	return ""
}
