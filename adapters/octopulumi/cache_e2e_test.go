package main_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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

// TestCacheRestoreStopsOnSignal: Ctrl+C (SIGINT) or Octopus cancelling the
// task (SIGTERM) stops a restore that is busy hashing a large plugin, at
// once, instead of after every byte.
func TestCacheRestoreStopsOnSignal(t *testing.T) {
	t.Parallel()
	const size = 8 << 30
	// An extracted bundle of one 8 GiB plugin, sparse (it takes no room).
	bundle := t.TempDir()
	bin := filepath.Join(bundle, "plugins", "resource-huge-v1.0.0", "pulumi-resource-huge")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err == nil {
		err = errors.Join(f.Truncate(size), f.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := strings.Repeat("ab", 32)
	index := fmt.Sprintf(`{"format":1,"platform":%q,"plugins":[{"plugin":{"kind":"resource","name":"huge","version":"1.0.0","checksums":{%[1]q:%q}},
		"files":[{"path":"pulumi-resource-huge","type":"file","mode":493,"size":%d,"sha256":%[2]q}]}]}`, cache.Platform(), sum, size)
	if err := os.WriteFile(filepath.Join(bundle, "octopulumi-bundle.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(octopulumi(t), "cache", "restore", "--from", bundle, "--verify-contents", "--pulumi-home", t.TempDir())
			cmd.Env = []string{"HOME=" + t.TempDir()}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				t.Fatalf("cache restore of an 8 GiB plugin ended before the signal: %v\n%s", err, stderr.String())
			case <-time.After(time.Second):
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("cache restore still running 5 s after %v", sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr.String(), "cancelled: ") {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1, cancelled", code, stderr.String())
			}
		})
	}
}
