//go:build unix

package main_test

// Issue 13: JavaScript and TypeScript programs end to end through the
// binary, and dependencies that are never installed twice on a worker.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/testbed"
)

// nodeRuntimes are the rows of Node.js programs only.
var nodeRuntimes = runtimes[1:]

// TestProgramFailuresNameTheCause: a resource that fails, a program that
// throws and a TypeScript program that does not compile each fail the step
// with a resultMessage that names the cause: the resource, or the file and
// line.
func TestProgramFailuresNameTheCause(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, program, config string
		want                  []string
	}{
		{"javascript resource", "js-files", "failSecond", []string{"localfile:index:File::second", "failOnCreate"}},
		{"javascript throw", "js-files", "throw", []string{"the program was told to throw", "index.js:8:"}},
		{"typescript throw", "ts-files", "throw", []string{"the program was told to throw", "index.ts:6:"}},
		{"typescript compile error", "ts-broken", "", []string{"Unable to compile TypeScript", "index.ts(5,7): error TS2322"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bed := testbed.New(t)
			dir := bed.Program(t, tt.program)
			var args []string
			if tt.config != "" {
				args = []string{"--var", "Pulumi.Config." + tt.config + "=true"}
			}
			r := deploy(t, bed, dir, nil, args...)
			if r.code == 0 {
				t.Fatalf("deploy succeeded:\n%s", r.stdout)
			}
			result := resultMessage(r)
			for _, w := range tt.want {
				if !strings.Contains(result, w) {
					t.Errorf("the resultMessage does not say %q:\n%s", w, result)
				}
			}
			if strings.Contains(r.stdout+r.stderr, testbed.Passphrase) {
				t.Error("the passphrase appears in the output of a failed deploy")
			}
		})
	}
}

// TestNodeCancelledDeploy: SIGINT (Ctrl+C) or SIGTERM (Octopus cancelling
// the task) while a Node.js program's resource is being created stops the
// deploy soon, with a resultMessage, no output variables, and the stack
// not left locked: the next deploy succeeds.
func TestNodeCancelledDeploy(t *testing.T) {
	t.Parallel()
	for _, rt := range nodeRuntimes {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(rt.name+"/"+sig.String(), func(t *testing.T) {
				t.Parallel()
				bed := testbed.New(t)
				dir := bed.Program(t, rt.program)
				cmd := exec.Command(octopulumi(t), "deploy", "--program", dir, "--backend", bed.Backend, "--pulumi-home", bed.Home)
				cmd.Env = append(stepEnv(bed), "OCTOPULUMI_VAR_Pulumi__Config__delaySeconds=60")
				var stdout, stderr syncBuffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan struct{})
				go func() { _ = cmd.Wait(); close(exited) }()
				t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
				if !waitUntil(90*time.Second, func() bool { return strings.Contains(stdout.String(), "first creating") }) {
					t.Fatalf("the first file was not being created within 90 s\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
				}
				start := time.Now()
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				select {
				case <-exited:
				case <-time.After(45 * time.Second):
					t.Fatalf("the deploy did not end within 45 s of %s\nstdout:\n%s", sig, stdout.String())
				}
				t.Logf("%s: ended %s after the signal, exit %d", sig, time.Since(start).Round(time.Millisecond), cmd.ProcessState.ExitCode())
				if cmd.ProcessState.ExitCode() == 0 {
					t.Error("the cancelled deploy exited 0")
				}
				msgs, _ := octopusReads(stdout.String())
				var result string
				for _, m := range msgs {
					switch m.Name {
					case "setVariable":
						t.Errorf("the cancelled deploy published %v", m)
					case "resultMessage":
						result, _ = m.Get("message")
					}
				}
				if !strings.Contains(strings.ToLower(result), "cancel") {
					t.Errorf("the resultMessage does not say the deploy was cancelled: %q", result)
				}
				if next := deploy(t, bed, dir, nil); next.code != 0 {
					t.Errorf("the deploy after the cancelled one exited %d: %s", next.code, resultMessage(next))
				}
			})
		}
	}
}

// TestNodeDependenciesNeverInstallTwice is a self-hosted worker's story with
// a worker-shared dependencies cache, each deployment in a fresh work folder
// as Octopus extracts a package (no node_modules): the first installs
// (pulumi install) and saves; each gives its node_modules back when it ends,
// and the next gets it moved in, without an install or a copy; a program
// that writes into its node_modules keeps it (no other deployment, nor the
// cache, sees what it wrote); deployments at the same time all succeed;
// without the cache, an installed node_modules is used as it is.
func TestNodeDependenciesNeverInstallTwice(t *testing.T) {
	t.Parallel()
	for _, rt := range nodeRuntimes {
		t.Run(rt.name, func(t *testing.T) {
			t.Parallel()
			bed := testbed.New(t)
			shared := filepath.Join(t.TempDir(), "octopulumi-cache")
			fresh := func() string {
				dir := bed.Program(t, rt.program)
				if err := os.Remove(filepath.Join(dir, "node_modules")); err != nil {
					t.Fatal(err)
				}
				return dir
			}
			step := func(dir string, env ...string) run {
				t.Helper()
				r := deploy(t, bed, dir, env, "--dependency-cache", shared)
				if r.code != 0 {
					t.Fatalf("deploy in %s exited %d: %s\nstdout:\n%s\nstderr:\n%s", dir, r.code, resultMessage(r), r.stdout, r.stderr)
				}
				return r
			}
			says := func(label string, r run, want ...string) {
				t.Helper()
				for _, w := range want {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("%s: the task log does not say %q:\n%s", label, w, r.stdout)
					}
				}
			}
			installs := func(r run) bool { return strings.Contains(r.stdout, "Installing dependencies") }

			returned := "octopulumi: dependencies: node_modules returned to the worker cache for the next deployment"
			first := step(fresh())
			says("first", first, "octopulumi: runtime nodejs (node v", "npm, package-lock.json",
				"octopulumi: dependencies: installed (pulumi install", "saved to the worker cache", returned)

			dir := fresh()
			second := step(dir)
			says("second", second, "octopulumi: dependencies: from the worker cache (a ready copy moved in", returned)
			if installs(second) {
				t.Errorf("the second deployment installed the dependencies:\n%s", second.stdout)
			}
			if _, err := os.Lstat(filepath.Join(dir, "node_modules")); err == nil {
				t.Error("the returned node_modules is still in the work folder")
			}
			says("again in the same folder", step(dir), "a ready copy moved in", returned)
			// Without the cache, an installed node_modules is used as it is.
			kept := bed.Program(t, rt.program)
			says("installed", deploy(t, bed, kept, nil), "octopulumi: dependencies: present")

			if rt.program == "js-files" {
				// A careless program writes into its own node_modules.
				scribbled := fresh()
				says("scribbled", step(scribbled, "OCTOPULUMI_VAR_Pulumi__Config__scribble=SCRIBBLED"),
					"node_modules kept in the program folder: the deployment changed it: @pulumi/pulumi/README.md was changed")
				readme := filepath.Join(scribbled, "node_modules", "@pulumi", "pulumi", "README.md")
				if b, _ := os.ReadFile(readme); !bytes.HasPrefix(b, []byte("SCRIBBLED")) {
					t.Fatalf("the program did not write into its node_modules (%s starts %.20q)", readme, b)
				}
				clean := fresh()
				step(clean)
				if b, _ := os.ReadFile(filepath.Join(clean, "node_modules", "@pulumi", "pulumi", "README.md")); bytes.Contains(b, []byte("SCRIBBLED")) {
					t.Error("another deployment's node_modules has what a program wrote into its own")
				}
				v := runBinary(t, stepEnv(bed), "cache", "deps", "verify", "--cache", shared, "--contents")
				if v.code != 0 || !strings.Contains(v.stdout, "is in order") {
					t.Errorf("cache deps verify after a program wrote into its copy: exit %d\n%s\n%s", v.code, v.stdout, v.stderr)
				}
			}

			// Deployments at the same time (of three environments: one
			// stack takes one update at a time), each in a fresh folder.
			var wg sync.WaitGroup
			results := make([]run, 3)
			for i := range results {
				d := fresh()
				env := []string{fmt.Sprintf("OCTOPULUMI_VAR_Octopus__Environment__Name=Parallel %d", i)}
				wg.Go(func() {
					results[i] = deploy(t, bed, d, env, "--dependency-cache", shared)
				})
			}
			wg.Wait()
			for i, r := range results {
				if r.code != 0 {
					t.Errorf("parallel deploy %d exited %d: %s", i, r.code, resultMessage(r))
				}
				if installs(r) {
					t.Errorf("parallel deploy %d installed the dependencies", i)
				}
			}
		})
	}
}

// TestNodeDependencyBundle: upstream CI bundles the installed node_modules
// (octopulumi cache deps bundle); a worker restores it from the archive, or
// fills its shared cache from it, without an install; a bundle of another
// lockfile is not used.
func TestNodeDependencyBundle(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	ci := bed.Program(t, "ts-files")
	bundle := filepath.Join(t.TempDir(), "dependencies.1.0.0.tar.gz")
	b := runBinary(t, stepEnv(bed), "cache", "deps", "bundle", "--program", ci, "--out", bundle)
	if b.code != 0 {
		t.Fatalf("cache deps bundle exited %d:\n%s\n%s", b.code, b.stdout, b.stderr)
	}
	fresh := func() string {
		dir := bed.Program(t, "ts-files")
		if err := os.Remove(filepath.Join(dir, "node_modules")); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"bundle", []string{"--dependency-bundle", bundle}, "octopulumi: dependencies: from the dependencies bundle (copied"},
		{"bundle and cache", []string{"--dependency-bundle", bundle, "--dependency-cache", t.TempDir()}, "octopulumi: dependencies: from the worker cache (copied"},
	} {
		r := deploy(t, bed, fresh(), nil, tt.args...)
		if r.code != 0 || !strings.Contains(r.stdout, tt.want) || strings.Contains(r.stdout, "Installing dependencies") {
			t.Errorf("%s: exit %d, want the log to say %q and no install:\n%s\n%s", tt.name, r.code, tt.want, r.stdout, r.stderr)
		}
	}

	// A bundle of another program's lockfile: not used, said so, installed.
	other := fresh()
	lock := filepath.Join(other, "package-lock.json")
	raw, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lock, bytes.Replace(raw, []byte(`"name": "octopulumi-test-node-modules"`), []byte(`"name": "another-program"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	r := deploy(t, bed, other, nil, "--dependency-bundle", bundle, "--install", "never")
	if !strings.Contains(r.stdout, "warning: dependencies: the dependencies bundle") || !strings.Contains(r.stdout, "not used") {
		t.Errorf("a bundle of another lockfile: the log does not say it was not used:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "not installed (install mode never") {
		t.Errorf("install never: the log does not say the dependencies were not installed:\n%s", r.stdout)
	}
}

// TestTranspileOnly: with the switch, a TypeScript program runs without a
// type check (the broken program deploys); the log says types are for CI
// to check; a bad value of the variable is refused before Pulumi runs.
func TestTranspileOnly(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "ts-broken")
	for _, how := range [][]string{{"--transpile-only"}, {"--var", "Pulumi.TranspileOnly=true"}} {
		r := deploy(t, bed, dir, nil, how...)
		if r.code != 0 || !strings.Contains(r.stdout, "transpile only (types are not checked here: check them in CI)") {
			t.Errorf("%v: exit %d: %s\n%s", how, r.code, resultMessage(r), r.stdout)
		}
	}
	bad := deploy(t, bed, dir, nil, "--var", "Pulumi.TranspileOnly=maybe")
	if bad.code == 0 || !strings.Contains(bad.stdout+bad.stderr, "Pulumi.TranspileOnly is \"maybe\"") {
		t.Errorf("a bad value: exit %d\n%s\n%s", bad.code, bad.stdout, bad.stderr)
	}
}
