//go:build unix

package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/testbed"
)

// TestFlowsOnEveryBackend runs the step's flows through the binary on each
// backend — a file backend, Pulumi Cloud (the fake of pkg/auth/authtest)
// and S3 (a loopback bucket) — with the real CLI, the real YAML host and
// the real provider: the backend is a column of the table, not a copy of
// the tests.
func TestFlowsOnEveryBackend(t *testing.T) {
	t.Parallel()
	flows := []struct {
		name string
		run  func(t *testing.T, f *backendFixture)
	}{
		{"deploy with secret config and outputs", flowDeploy},
		{"preview, approve, apply, refuse after a change", flowApprove},
		{"drift check and refresh", flowDrift},
		{"destroy and remove the stack", flowDestroy},
		{"cancellation leaves no lock", flowCancel},
		{"lock contention", flowLock},
	}
	for _, kind := range testbed.BackendKinds {
		for _, flow := range flows {
			t.Run(kind+"/"+flow.name, func(t *testing.T) {
				t.Parallel()
				flow.run(t, newBackendFixture(t, kind))
			})
		}
	}
}

type backendFixture struct {
	bed     *testbed.Bed
	backend *testbed.Backend
	dir     string
}

func newBackendFixture(t *testing.T, kind string) *backendFixture {
	bed := testbed.New(t)
	return &backendFixture{bed: bed, backend: bed.NewBackend(t, kind), dir: bed.Program(t, "two-files")}
}

// env is the step's environment on the fixture's backend, plus extra.
func (f *backendFixture) env(extra ...string) []string {
	env := []string{
		"PATH=" + f.bed.Tools.Bin + ":/usr/bin:/bin",
		"HOME=" + f.bed.Dir,
		"OCTOPULUMI_VAR_Octopus__Project__Name=Web Shop",
		"OCTOPULUMI_VAR_Octopus__Environment__Name=Staging",
	}
	return append(append(env, f.backend.Env...), extra...)
}

func (f *backendFixture) args(command string, more ...string) []string {
	return append([]string{command, "--program", f.dir, "--backend", f.backend.URL, "--pulumi-home", f.bed.Home}, more...)
}

// step runs one octopulumi command and checks that no secret of the
// backend (token, bucket key, passphrase) reached its output.
func (f *backendFixture) step(t *testing.T, extra []string, command string, more ...string) run {
	t.Helper()
	r := runBinary(t, f.env(extra...), f.args(command, more...)...)
	for _, s := range f.backend.Secrets {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("%s: a secret of the %s backend appears in the output", command, f.backend.Kind)
		}
	}
	return r
}

func mustSucceed(t *testing.T, what string, r run) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s exited %d: %s\nstdout:\n%s\nstderr:\n%s", what, r.code, resultMessage(r), r.stdout, r.stderr)
	}
}

func (f *backendFixture) file(name string) string {
	b, _ := os.ReadFile(filepath.Join(f.dir, "out", name))
	return string(b)
}

func flowDeploy(t *testing.T, f *backendFixture) {
	first := f.step(t, []string{"OCTOPULUMI_SECRET_Pulumi__Config__greeting=bonjour-" + f.backend.Kind}, "deploy")
	mustSucceed(t, "the first deploy", first)
	vars := first.variables()
	if v, want := value(vars, "secondSize"), strconv.Itoa(len("bonjour-"+f.backend.Kind+" again")); v != want {
		t.Errorf("secondSize = %q, want %s", v, want)
	}
	if s, _ := vars["secretGreeting"].Get("sensitive"); s != "True" || value(vars, "secretGreeting") != "bonjour-"+f.backend.Kind {
		t.Errorf("secretGreeting = %v, want the secret config, published as sensitive", vars["secretGreeting"])
	}
	if f.file("first.txt") != "bonjour-"+f.backend.Kind {
		t.Errorf("first.txt = %q", f.file("first.txt"))
	}
	again := f.step(t, []string{"OCTOPULUMI_SECRET_Pulumi__Config__greeting=bonjour-" + f.backend.Kind}, "deploy")
	mustSucceed(t, "the second deploy", again)
	if !strings.Contains(again.stdout, "same=3") {
		t.Errorf("the second deploy changed something:\n%s", again.stdout)
	}
	if cloud := f.backend.Cloud; cloud != nil {
		// The update says where it came from, and links back to it.
		ups := cloud.Updates(testbed.CloudOrg + "/two-files/staging")
		if len(ups) != 2 {
			t.Fatalf("the fake Pulumi Cloud recorded %d updates, want 2", len(ups))
		}
		if m := ups[0].Message(); !strings.Contains(m, "Octopus deployment of Web Shop") || !strings.Contains(m, "Staging") {
			t.Errorf("the update's message %q does not name the Octopus deployment", m)
		}
		if env := ups[0].Environment(); env["ci.system"] != "Octopus Deploy" {
			t.Errorf("the update's CI metadata: %v", env)
		}
		if url, want := value(vars, "Pulumi.Update.Url"), cloud.UpdateURL(testbed.CloudOrg+"/two-files/staging", ups[0].Version); url != want {
			t.Errorf("Pulumi.Update.Url = %q, want the update's page %s", url, want)
		}
	}
}

func flowApprove(t *testing.T, f *backendFixture) {
	// Plain config: a secret value is blinded in the engine's events, so a
	// change of its value alone does not change the fingerprint (a known
	// limit, see pkg/runner's doc).
	greeting := func(g string) []string { return []string{"OCTOPULUMI_VAR_Pulumi__Config__greeting=" + g} }
	pre := f.step(t, greeting("hola"), "preview", "--artifact-dir", t.TempDir())
	mustSucceed(t, "the preview", pre)
	fp := value(pre.variables(), "Pulumi.Preview.Fingerprint")
	if fp == "" || value(pre.variables(), "Pulumi.Preview.HasChanges") != "True" {
		t.Fatalf("the preview published fingerprint %q and HasChanges %q", fp, value(pre.variables(), "Pulumi.Preview.HasChanges"))
	}
	mustSucceed(t, "the approved apply", f.step(t, greeting("hola"), "up", "--approved-fingerprint", fp))
	if f.file("first.txt") != "hola" {
		t.Errorf("first.txt = %q after the apply", f.file("first.txt"))
	}
	pre2 := f.step(t, greeting("adios"), "preview", "--artifact-dir", t.TempDir())
	mustSucceed(t, "the second preview", pre2)
	// The program changed again since that approval: refused.
	refused := f.step(t, greeting("otra"), "up", "--approved-fingerprint", value(pre2.variables(), "Pulumi.Preview.Fingerprint"))
	if refused.code == 0 || !strings.Contains(resultMessage(refused), "refusing") {
		t.Errorf("an apply after a change: exit %d, %q; want a refusal", refused.code, resultMessage(refused))
	}
	if f.file("first.txt") != "hola" {
		t.Errorf("a refused apply changed first.txt to %q", f.file("first.txt"))
	}
}

func flowDrift(t *testing.T, f *backendFixture) {
	mustSucceed(t, "the deploy", f.step(t, nil, "deploy"))
	mustSucceed(t, "a refresh", f.step(t, nil, "refresh"))
	clean := f.step(t, nil, "preview", "--expect-no-changes", "--artifact-dir", t.TempDir())
	mustSucceed(t, "a drift check without drift", clean)
	drift := f.step(t, []string{"OCTOPULUMI_VAR_Pulumi__Config__greeting=drifted"}, "preview", "--expect-no-changes", "--artifact-dir", t.TempDir())
	if drift.code == 0 || value(drift.variables(), "Pulumi.Preview.HasChanges") != "True" {
		t.Errorf("a drift check with changes: exit %d, HasChanges %q; want a failure that still publishes the changes",
			drift.code, value(drift.variables(), "Pulumi.Preview.HasChanges"))
	}
}

func flowDestroy(t *testing.T, f *backendFixture) {
	mustSucceed(t, "the deploy", f.step(t, nil, "deploy"))
	mustSucceed(t, "destroy --remove", f.step(t, nil, "destroy", "--remove"))
	if _, err := os.Stat(filepath.Join(f.dir, "out", "first.txt")); !os.IsNotExist(err) {
		t.Errorf("first.txt survived the destroy: %v", err)
	}
	again := f.step(t, nil, "destroy", "--remove")
	mustSucceed(t, "a second destroy --remove", again)
	if !strings.Contains(again.stdout, "does not exist") {
		t.Errorf("a second destroy does not say the stack is gone:\n%s", again.stdout)
	}
	if f.backend.Cloud != nil {
		if _, ok := f.backend.Cloud.Stack(testbed.CloudOrg + "/two-files/staging"); ok {
			t.Error("the stack is still on the fake Pulumi Cloud")
		}
	}
}

// startDeploy starts a deploy whose first file takes delay seconds.
func (f *backendFixture) startDeploy(t *testing.T, delay string) (*exec.Cmd, *syncBuffer, chan struct{}) {
	t.Helper()
	cmd := exec.Command(octopulumi(t), f.args("deploy")...)
	cmd.Env = f.env("OCTOPULUMI_VAR_Pulumi__Config__delaySeconds="+delay, "OCTOPULUMI_VAR_Pulumi__Config__greeting=slow")
	var stdout syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	if !waitUntil(60*time.Second, func() bool { return strings.Contains(stdout.String(), "first creating") }) {
		t.Fatalf("the first file was not being created within 60 s:\n%s", stdout.String())
	}
	return cmd, &stdout, exited
}

func flowCancel(t *testing.T, f *backendFixture) {
	cmd, out, exited := f.startDeploy(t, "60")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(45 * time.Second):
		t.Fatalf("the deploy did not stop within 45 s of SIGINT:\n%s", out.String())
	}
	if cmd.ProcessState.ExitCode() == 0 {
		t.Error("the cancelled deploy exited 0")
	}
	// Cancelled in time: the stack is not left locked.
	mustSucceed(t, "the deploy after the cancelled one", f.step(t, nil, "deploy"))
}

func flowLock(t *testing.T, f *backendFixture) {
	// The first deploy holds the stack for long enough whatever the load:
	// it is cancelled once the second has been refused.
	first, out, exited := f.startDeploy(t, "120")
	second := f.step(t, nil, "deploy")
	if second.code == 0 || !strings.Contains(strings.ToLower(resultMessage(second)), "locked") {
		t.Errorf("a deploy while another runs: exit %d, %q; want one saying the stack is locked", second.code, resultMessage(second))
	}
	if err := first.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("the first deploy did not end:\n%s", out.String())
	}
	mustSucceed(t, "a deploy once the first ended", f.step(t, nil, "deploy"))
}
