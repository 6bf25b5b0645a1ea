package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// octopulumi builds the real binary once per test run.
func octopulumi(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "octopulumi-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "octopulumi")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = &buildError{out: string(out), err: err}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// runtimes are the rows of the end-to-end tables that run a program of
// each runtime tested here: the same two files, in YAML, JavaScript and
// TypeScript.
var runtimes = []struct{ name, program string }{
	{"yaml", "two-files"},
	{"javascript", "js-files"},
	{"typescript", "ts-files"},
}

type run struct {
	stdout, stderr string
	code           int
	messages       []octoenv.Message
}

// deploy runs `octopulumi deploy` on bed the way an Octopus script step
// would: variables through the environment, the program in its work folder.
func deploy(t *testing.T, bed *testbed.Bed, dir string, env []string, args ...string) run {
	t.Helper()
	return runBinary(t, append(stepEnv(bed), env...), append([]string{"deploy", "--program", dir, "--backend", bed.Backend, "--pulumi-home", bed.Home}, args...)...)
}

// runBinary runs the octopulumi binary with exactly env and parses the
// service messages it printed.
func runBinary(t *testing.T, env []string, args ...string) run {
	t.Helper()
	cmd := exec.Command(octopulumi(t), args...)
	cmd.Env = env
	return runCmd(t, cmd)
}

// runCmd runs cmd and parses the service messages it printed.
func runCmd(t *testing.T, cmd *exec.Cmd) run {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if err := octoenv.Scan(strings.NewReader(r.stdout), func(m octoenv.Message) error {
		r.messages = append(r.messages, m)
		return nil
	}); err != nil {
		t.Fatalf("the output has a malformed service message: %v\n%s", err, r.stdout)
	}
	return r
}

func (r run) variables() map[string]octoenv.Message {
	out := map[string]octoenv.Message{}
	for _, m := range r.messages {
		if m.Name == "setVariable" {
			name, _ := m.Get("name")
			out[name] = m
		}
	}
	return out
}

// TestDeployEndToEnd: create with secret config, outputs (a secret one as
// a sensitive variable), no secret in the log, an update with no changes,
// a review stack's teardown. Its rows are the runtimes' programs.
func TestDeployEndToEnd(t *testing.T) {
	t.Parallel()
	for _, rt := range runtimes {
		t.Run(rt.name, func(t *testing.T) {
			t.Parallel()
			deployEndToEnd(t, rt.program)
		})
	}
}

func deployEndToEnd(t *testing.T, program string) {
	bed := testbed.New(t)
	dir := bed.Program(t, program)

	first := deploy(t, bed, dir, []string{"OCTOPULUMI_SECRET_Pulumi__Config__greeting=bonjour-secret"})
	if first.code != 0 {
		t.Fatalf("deploy exited %d\nstdout:\n%s\nstderr:\n%s", first.code, first.stdout, first.stderr)
	}
	if testbed.IsNode(program) {
		for _, want := range []string{"octopulumi: runtime nodejs (node v", "octopulumi: dependencies: present"} {
			if !strings.Contains(first.stdout, want) {
				t.Errorf("the task log does not say %q:\n%s", want, first.stdout)
			}
		}
	}
	vars := first.variables()
	checkVar := func(name, want string, sensitive bool) {
		t.Helper()
		m, ok := vars[name]
		if !ok {
			t.Errorf("no setVariable for output %q; messages: %v", name, first.messages)
			return
		}
		if got, _ := m.Get("value"); got != want {
			t.Errorf("output %q = %q, want %q", name, got, want)
		}
		s, _ := m.Get("sensitive")
		if (s == "True") != sensitive {
			t.Errorf("output %q sensitive=%q, want %v", name, s, sensitive)
		}
	}
	checkVar("firstPath", filepath.Join(dir, "out", "first.txt"), false)
	checkVar("secondSize", "20", false) // len("bonjour-secret again")
	checkVar("secretGreeting", "bonjour-secret", true)
	if len(vars) != 3 {
		t.Errorf("%d output variables, want 3: %v", len(vars), first.messages)
	}
	// The secret reached the program but nothing but its sensitive variable.
	if b, err := os.ReadFile(filepath.Join(dir, "out", "first.txt")); err != nil || string(b) != "bonjour-secret" {
		t.Errorf("first.txt = %q, %v", b, err)
	}
	withoutVar := strings.ReplaceAll(first.stdout, vars["secretGreeting"].String(), "")
	for _, secret := range []string{"bonjour-secret", testbed.Passphrase} {
		if strings.Contains(withoutVar+first.stderr, secret) {
			t.Errorf("a secret (%.4s…) appears in the task log outside its sensitive output variable", secret)
		}
	}
	if n := bed.Mirror.Requests(bed.Tools.Provider.Asset); n != 1 {
		t.Errorf("the provider was downloaded %d times, want 1", n)
	}

	// The stack exists in the backend under the environment's name.
	stack := "organization/" + program + "/staging"
	state := exportStack(t, bed, dir, stack)
	if !strings.Contains(state, "localfile:index:File::second") {
		t.Errorf("the stack %s state lacks the second file", stack)
	}

	again := deploy(t, bed, dir, []string{"OCTOPULUMI_SECRET_Pulumi__Config__greeting=bonjour-secret"})
	if again.code != 0 || !strings.Contains(again.stdout, "same=3") {
		t.Errorf("second deploy: exit %d, want an update with no changes:\n%s", again.code, again.stdout)
	}

	// A review stack's teardown, run twice: the second finds nothing to do.
	for i := range 2 {
		r := runBinary(t, stepEnv(bed), "destroy", "--remove", "--program", dir, "--backend", bed.Backend, "--pulumi-home", bed.Home)
		if r.code != 0 || strings.Contains(r.stdout+r.stderr, "error") {
			t.Errorf("destroy --remove #%d: exit %d\n%s\n%s", i+1, r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "first.txt")); err == nil {
		t.Error("destroy left first.txt")
	}
}

func TestDeployFailureReportsResultMessage(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")

	r := deploy(t, bed, dir, nil, "--var", "Pulumi.Config.failSecond=true")
	if r.code == 0 {
		t.Fatalf("deploy succeeded although the second file fails on create:\n%s", r.stdout)
	}
	result := resultMessage(r)
	if !strings.Contains(result, "localfile:index:File::second") || !strings.Contains(result, "failOnCreate") {
		t.Errorf("resultMessage %q does not name the failing resource and the reason", result)
	}
	if strings.Contains(r.stdout+r.stderr, testbed.Passphrase) {
		t.Error("the passphrase appears in the output of a failed deploy")
	}
}

func TestDeployRejectsMissingEnvironment(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	r := deploy(t, bed, dir, []string{"OCTOPULUMI_VAR_Octopus__Environment__Name="})
	if r.code == 0 {
		t.Fatal("deploy succeeded without an environment name")
	}
	if !strings.Contains(r.stderr, "Octopus.Environment.Name is empty") {
		t.Errorf("stderr does not name the empty variable:\n%s", r.stderr)
	}
	if bed.Mirror.Total() != 0 {
		t.Error("pulumi ran although the variables were invalid")
	}
}

func exportStack(t *testing.T, bed *testbed.Bed, dir, stack string) string {
	t.Helper()
	cmd := exec.Command(bed.Tools.Pulumi, "stack", "export", "--stack", stack, "--non-interactive")
	cmd.Dir = dir
	cmd.Env = bed.Env()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pulumi stack export: %v", err)
	}
	if !json.Valid(out) {
		t.Fatalf("stack export is not JSON: %s", out)
	}
	return string(out)
}

// TestConfigFromVariablesDoesNotLinger: config from Octopus variables is set
// on a per-run copy of the stack's config file, so the program folder keeps
// its own (committed) config, and a later run without the variable gets the
// committed value back — on a self-hosted worker the folder may persist.
func TestConfigFromVariablesDoesNotLinger(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	stackFile := filepath.Join(dir, "Pulumi.staging.yaml")
	if err := os.WriteFile(stackFile, []byte("config:\n  two-files:greeting: from-the-repo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "out", "first.txt")
	for i, run := range []struct {
		env  []string
		want string
	}{
		{nil, "from-the-repo"},
		{[]string{"OCTOPULUMI_VAR_Pulumi__Config__greeting=from-octopus"}, "from-octopus"},
		{nil, "from-the-repo"},
	} {
		r := deploy(t, bed, dir, run.env)
		if r.code != 0 {
			t.Fatalf("deploy %d exited %d:\n%s\n%s", i+1, r.code, r.stdout, r.stderr)
		}
		if b, _ := os.ReadFile(first); string(b) != run.want {
			t.Errorf("deploy %d: first.txt = %q, want %q", i+1, b, run.want)
		}
		if b, _ := os.ReadFile(stackFile); strings.Contains(string(b), "from-octopus") || !strings.Contains(string(b), "from-the-repo") {
			t.Errorf("deploy %d changed the program's stack config file:\n%s", i+1, b)
		}
	}
}
