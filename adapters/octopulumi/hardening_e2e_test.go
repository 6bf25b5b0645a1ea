//go:build unix

package main_test

// Issue "hardening": end-to-end tests through the real binary of what a
// hostile program, a secret, a killed or cancelled step, a bad stack name,
// an unsubstituted Octopus value and a mistyped command line do to the task
// log and to the worker.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// The service messages the hostile program carries: base64 of /etc/passwd,
// passwd, 1, Hacked and 1.
const (
	hostileArtifact = "##octopus[createArtifact path='L2V0Yy9wYXNzd2Q=' name='cGFzc3dk' length='MQ==']"
	hostileVariable = "##octopus[setVariable name='SGFja2Vk' value='MQ==']"
	// hostileOutput is the hostile program's hostileOutput, as its Pulumi.yaml
	// spells it.
	hostileOutput = hostileArtifact + "\n##oct\nopus[setVariable name='SGFja2Vk' value='MQ==']\n#\n" + hostileVariable + "\n#"
)

// TestHardeningServiceMessageInjection: resource inputs, a resource name, an
// output and a provider error that carry service messages (whole, split
// over lines, after a lone '#', unclosed) reach the task log defused, in a
// preview, a failed deploy and a successful one; octopulumi's own messages
// all still arrive; the output is still published exactly.
func TestHardeningServiceMessageInjection(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "hostile")
	outputs := []string{"hostileOutput", "inputsSize"}

	artifacts := t.TempDir()
	pre := stepRun(t, bed, dir, nil, "preview", "--artifact-dir", artifacts)
	if pre.code != 0 {
		t.Fatalf("preview exited %d\nstdout:\n%s\nstderr:\n%s", pre.code, pre.stdout, pre.stderr)
	}
	checkOnlyOwnMessages(t, "preview", pre, nil, artifacts)
	vars := pre.variables()
	for _, name := range []string{"Fingerprint", "Changes", "HasChanges", "SummaryMarkdown", "Count.create"} {
		if _, ok := vars["Pulumi.Preview."+name]; !ok {
			t.Errorf("preview: Octopus does not read octopulumi's own setVariable Pulumi.Preview.%s (swallowed by hostile text before it?)", name)
		}
	}
	if got := value(vars, "Pulumi.Preview.Changes"); got != "5" {
		t.Errorf("preview: Pulumi.Preview.Changes = %q, want 5 (stack and four files)", got)
	}
	artifactOf(t, pre) // fails the test when Octopus does not read the diff's createArtifact
	md := value(vars, stepOut(t, "SummaryMarkdown"))
	if !strings.Contains(md, "inputs") {
		t.Errorf("the Markdown summary does not list the resources:\n%s", md)
	}
	checkNoMessageIn(t, "the Markdown summary (Pulumi.Preview.SummaryMarkdown)", md)

	failed := deploy(t, bed, dir, []string{"OCTOPULUMI_VAR_Pulumi__Config__failHostile=true"})
	if failed.code == 0 {
		t.Fatalf("deploy succeeded although the hostile file fails on create:\n%s", failed.stdout)
	}
	checkOnlyOwnMessages(t, "failed deploy", failed, outputs, "")
	result := resultMessage(failed)
	if !strings.Contains(result, "failOnCreate is set") {
		t.Errorf("failed deploy: Octopus reads no resultMessage with the provider's error; got %q", result)
	}
	checkNoMessageIn(t, "the failed deploy's resultMessage", result)

	ok := deploy(t, bed, dir, nil)
	if ok.code != 0 {
		t.Fatalf("deploy exited %d\nstdout:\n%s\nstderr:\n%s", ok.code, ok.stdout, ok.stderr)
	}
	checkOnlyOwnMessages(t, "deploy", ok, outputs, "")
	vars = ok.variables()
	m, found := vars["hostileOutput"]
	if !found {
		t.Fatalf("deploy: Octopus reads no setVariable hostileOutput; messages: %v", ok.messages)
	}
	if got, _ := m.Get("value"); got != hostileOutput {
		t.Errorf("deploy: hostileOutput published as %q, want the output unchanged: %q", got, hostileOutput)
	}
	if got := value(vars, "inputsSize"); got == "" {
		t.Errorf("deploy: Octopus reads no setVariable inputsSize (swallowed by hostile text before it?)")
	}
}

// TestHardeningSecretStaysOutOfTheLog: a secret config value with
// characters Go quotes (%q) reaches a file's path, so the provider's error
// and the file's id carry it, and plain outputs carry it. Neither the value
// nor its quoted forms reach stdout, stderr or the result message, and each
// output that holds it is published as sensitive.
func TestHardeningSecretStaysOutOfTheLog(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "secretive")
	const secret = "sec\u00a0ret\u200b-\x7fvalue-123"
	forms := map[string]string{
		"as is":         secret,
		"strconv.Quote": unquoted(strconv.Quote(secret)),
		"QuoteToASCII":  unquoted(strconv.QuoteToASCII(secret)),
	}
	env := []string{"OCTOPULUMI_SECRET_Pulumi__Config__greeting=" + secret}
	checkLog := func(label string, r run) {
		t.Helper()
		for form, s := range forms {
			for where, text := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "the resultMessage": resultMessage(r)} {
				if strings.Contains(text, s) {
					t.Errorf("%s: the secret (%s) appears in %s", label, form, where)
				}
			}
		}
	}

	failed := deploy(t, bed, dir, append(env, "OCTOPULUMI_VAR_Pulumi__Config__failLeak=true"))
	if failed.code == 0 {
		t.Fatalf("deploy succeeded although the file fails on create:\n%s", failed.stdout)
	}
	if !strings.Contains(resultMessage(failed), "failOnCreate is set") {
		t.Errorf("failed deploy: the resultMessage %q does not carry the provider's error", resultMessage(failed))
	}
	checkLog("failed deploy", failed)

	ok := deploy(t, bed, dir, env)
	if ok.code != 0 {
		t.Fatalf("deploy exited %d\nstdout:\n%s\nstderr:\n%s", ok.code, ok.stdout, ok.stderr)
	}
	checkLog("deploy", ok)
	vars := ok.variables()
	for _, c := range []struct {
		name      string
		sensitive bool
	}{
		{"leak", true},   // ${greeting}: the secret itself
		{"leakId", true}, // the file's id: its path, which holds the secret
		{"plain", false},
	} {
		m, found := vars[c.name]
		if !found {
			t.Errorf("deploy: no setVariable %s; messages: %v", c.name, ok.messages)
			continue
		}
		v, _ := m.Get("value")
		s, _ := m.Get("sensitive")
		if (s == "True") != c.sensitive {
			t.Errorf("deploy: output %s (holds the secret: %v) published with sensitive=%q, want sensitive=%v", c.name, strings.Contains(v, secret), s, c.sensitive)
		}
	}
}

// TestHardeningKilledStepLeavesNothing: a deploy killed with SIGKILL while
// its provider creates a file leaves no process of its run behind, and the
// next deploy in the same temp folder removes the dead run's folder (and
// the credentials in it) and says so.
func TestHardeningKilledStepLeavesNothing(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	tmp := t.TempDir()

	cmd := exec.Command(octopulumi(t), "deploy", "--program", dir, "--backend", bed.Backend, "--pulumi-home", bed.Home)
	cmd.Env = append(stepEnv(bed), "TMPDIR="+tmp, "OCTOPULUMI_VAR_Pulumi__Config__delaySeconds=30")
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })

	// The run is in the provider's 30-second create.
	var folder, id string
	var provider []string
	started := waitUntil(60*time.Second, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		if folder == "" {
			matches, _ := filepath.Glob(filepath.Join(tmp, "octopulumi-run-*"))
			if len(matches) != 1 {
				return false
			}
			folder = matches[0]
			id = strings.TrimPrefix(filepath.Base(folder), "octopulumi-run-")
		}
		provider = nil
		for _, p := range processesOfRun(id) {
			if strings.Contains(p, "pulumi-resource-localfile") {
				provider = append(provider, p)
			}
		}
		return len(provider) > 0 && strings.Contains(stdout.String(), "first creating")
	})
	select {
	case <-exited:
		t.Fatalf("the deploy ended before it could be killed\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	default:
	}
	if !started {
		t.Fatalf("within 60 s no run folder in %s with a provider creating (folder %q, provider %v)\nstdout:\n%s", tmp, folder, provider, stdout.String())
	}
	t.Logf("run %s: killing octopulumi (pid %d) while %v runs", id, cmd.Process.Pid, provider)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited

	t.Cleanup(func() { endProcessesOfRun(id) }) // when the next run does not sweep them
	var left []string
	if !waitUntil(40*time.Second, func() bool { left = processesOfRun(id); return len(left) == 0 }) {
		t.Errorf("40 s after octopulumi was killed, processes of its run %s are still running:\n%s", id, strings.Join(left, "\n"))
	}
	if _, err := os.Stat(folder); err != nil {
		t.Fatalf("the killed run's folder %s is already gone (%v): nothing for the next run to sweep", folder, err)
	}

	next := deploy(t, bed, dir, []string{"TMPDIR=" + tmp})
	if strings.Contains(resultMessage(next), "locked") {
		t.Errorf("the killed run left its stack locked: pulumi did not get its grace period to cancel the update; the next deploy failed: %s", resultMessage(next))
	} else if next.code != 0 {
		t.Logf("the deploy after the killed one exited %d: %s", next.code, resultMessage(next))
	}
	if !strings.Contains(next.stdout, "left by a run that died") || !strings.Contains(next.stdout, folder) {
		t.Errorf("the next deploy does not say it removed %s, left by a run that died:\n%s", folder, next.stdout)
	}
	if _, err := os.Stat(folder); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dead run's folder %s is still there after the next deploy (%v)", folder, err)
	}
	if creds := credentialsUnder(t, tmp); len(creds) > 0 {
		t.Errorf("credentials left in the temp folder after the next deploy: %v", creds)
	}
}

// TestHardeningDeployLeavesNoTempFolders: a preview and a deploy that end
// normally leave nothing of octopulumi's in the temp folder but the diff
// artifact the preview announced (Octopus collects it after the step).
func TestHardeningDeployLeavesNoTempFolders(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	tmp := t.TempDir()
	env := []string{"TMPDIR=" + tmp}

	announced := map[string]bool{}
	for _, args := range [][]string{{"preview"}, {"deploy"}} {
		r := stepRun(t, bed, dir, env, args...)
		if r.code != 0 {
			t.Fatalf("%s exited %d\nstdout:\n%s\nstderr:\n%s", args[0], r.code, r.stdout, r.stderr)
		}
		for _, m := range r.messages {
			if m.Name == "createArtifact" {
				p, _ := m.Get("path")
				announced[p] = true
			}
		}
		entries, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			p := filepath.Join(tmp, e.Name())
			switch {
			case announced[p]:
			case strings.HasPrefix(e.Name(), "octopulumi-"):
				t.Errorf("after %s: %s is left in the temp folder", args[0], p)
			default:
				t.Logf("after %s: %s is in the temp folder (not octopulumi's)", args[0], p)
			}
		}
	}
	if len(announced) != 1 {
		t.Errorf("the preview announced %d artifacts, want 1: %v", len(announced), announced)
	}
	for p := range announced {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the announced artifact is gone: %v", err)
		}
	}
}

// TestHardeningStackNameIsNotAPath: a stack name with a ".." part is refused
// before anything is deployed: on a file backend it would be a folder
// outside the project's.
func TestHardeningStackNameIsNotAPath(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"..", "organization/two-files/.."} {
		t.Run(strings.ReplaceAll(stack, "/", "_"), func(t *testing.T) {
			t.Parallel()
			bed := testbed.New(t)
			dir := bed.Program(t, "two-files")
			r := deploy(t, bed, dir, nil, "--stack", stack)
			if r.code != 1 {
				t.Errorf("deploy --stack %s exited %d, want 1\nstdout:\n%s\nstderr:\n%s", stack, r.code, r.stdout, r.stderr)
			}
			result := resultMessage(r)
			if !strings.Contains(result, strconv.Quote(stack)) && !strings.Contains(result, "'"+stack+"'") {
				t.Errorf("the resultMessage does not name the stack %q: %q", stack, result)
			}
			if !strings.Contains(result, "path") {
				t.Errorf("the resultMessage does not say why %q is refused (a path element): %q", stack, result)
			}
			if states := filesUnder(t, strings.TrimPrefix(bed.Backend, "file://"), ".json"); len(states) > 0 {
				t.Errorf("a stack state was written to the backend: %v", states)
			}
			if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
				t.Error("the program ran: its out folder exists")
			}
		})
	}
}

// TestHardeningUnsubstitutedValues: a value that still holds an Octostache
// expression (Octopus could not substitute it) is refused with the variable
// and the expression named, before anything runs; a variable listed in
// Octopulumi.LiteralVariables passes "#{" through.
func TestHardeningUnsubstitutedValues(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	first := filepath.Join(dir, "out", "first.txt")

	refused := func(label string, r run, says ...string) {
		t.Helper()
		if r.code != 1 {
			t.Errorf("%s: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", label, r.code, r.stdout, r.stderr)
		}
		result := resultMessage(r)
		for _, s := range says {
			if !strings.Contains(result, s) {
				t.Errorf("%s: the resultMessage does not say %q: %q", label, s, result)
			}
		}
		if _, err := os.Stat(first); err == nil {
			t.Fatalf("%s: the program ran (first.txt exists)", label)
		}
	}

	refused("an unsubstituted environment name",
		deploy(t, bed, dir, []string{"OCTOPULUMI_VAR_Octopus__Environment__Name=#{Octopus.Environment.Name}"}),
		"Octopus.Environment.Name", "#{Octopus.Environment.Name}")

	pkg := deploy(t, bed, dir, nil, "--program", "#{Octopus.Action.Package[infra].ExtractedPath}")
	refused("an unsubstituted --program", pkg, "could not substitute")
	if !strings.Contains(strings.ToLower(resultMessage(pkg)), "package reference") {
		t.Errorf("an unsubstituted --program: the resultMessage does not mention package references: %q", resultMessage(pkg))
	}

	refused("an unsubstituted secret config value",
		deploy(t, bed, dir, []string{"OCTOPULUMI_SECRET_Pulumi__Config__greeting=#{Missing.Secret}"}),
		"Pulumi.Config.greeting")
	refused("a plain config value holding #{ not listed as literal",
		deploy(t, bed, dir, []string{"OCTOPULUMI_VAR_Pulumi__Config__greeting=price #{x}"}),
		"Pulumi.Config.greeting", "Octopulumi.LiteralVariables")
	if states := filesUnder(t, strings.TrimPrefix(bed.Backend, "file://"), ".json"); len(states) > 0 {
		t.Errorf("a refused deploy wrote a stack state: %v", states)
	}

	lit := deploy(t, bed, dir, []string{
		"OCTOPULUMI_VAR_Pulumi__Config__greeting=price #{x}",
		"OCTOPULUMI_VAR_Octopulumi__LiteralVariables=Pulumi.Config.greeting",
	})
	if lit.code != 0 {
		t.Fatalf("deploy with the variable listed as literal exited %d\nstdout:\n%s\nstderr:\n%s", lit.code, lit.stdout, lit.stderr)
	}
	if b, _ := os.ReadFile(first); string(b) != "price #{x}" {
		t.Errorf("first.txt = %q, want the literal value %q", b, "price #{x}")
	}
}

// TestHardeningFailuresSayWhatToDo: every failure before Pulumi runs exits
// non-zero with a resultMessage (the only thing Octopus shows as the
// step's result) that names what to fix.
func TestHardeningFailuresSayWhatToDo(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	base := func(program string) []string {
		return []string{"deploy", "--program", program, "--backend", bed.Backend, "--pulumi-home", bed.Home}
	}
	program := func(name, pulumiYAML string) string {
		d := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if pulumiYAML != "" {
			if err := os.WriteFile(filepath.Join(d, "Pulumi.yaml"), []byte(pulumiYAML), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	badName := program("bad-name", "name: bad name!\nruntime: yaml\n")
	zero := program("zero", "")
	if err := os.Symlink("/dev/zero", filepath.Join(zero, "Pulumi.yaml")); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "no-such-folder")

	for _, c := range []struct {
		name     string
		args     []string
		stdin    string
		code     int // 0: any non-zero
		says     []string
		saysNot  string
		deadline time.Duration
	}{
		{name: "unknown flag", args: append(base(dir), "--no-such-flag"), code: 2, says: []string{"--no-such-flag", "--help"}},
		{name: "positional argument", args: append(base(dir), "./infra"), code: 2, says: []string{"./infra", "--program"}},
		{name: "missing variables file", args: append(base(dir), "--variables-json", "missing.json"), says: []string{"missing.json", "--variables-json"}},
		{name: "malformed JSON on stdin", args: append(base(dir), "--variables-json", "-"), stdin: `{"Octopus.Environment.Name": `, says: []string{"stdin", "--variables-json"}},
		{name: "missing program folder", args: base(missing), says: []string{missing, "does not exist"}},
		{name: "invalid project name", args: base(badName), says: []string{filepath.Join(badName, "Pulumi.yaml"), "bad name!"}, saysNot: "Pulumi.Project"},
		{name: "Pulumi.yaml is /dev/zero", args: base(zero), says: []string{filepath.Join(zero, "Pulumi.yaml")}, deadline: 10 * time.Second},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			deadline := c.deadline
			if deadline == 0 {
				deadline = 60 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			cmd := exec.CommandContext(ctx, octopulumi(t), c.args...)
			cmd.Env = stepEnv(bed)
			cmd.Stdin = strings.NewReader(c.stdin)
			cmd.WaitDelay = time.Second
			start := time.Now()
			r := runCmd(t, cmd)
			if ctx.Err() != nil {
				t.Fatalf("still running after %s (killed)\nstdout:\n%s\nstderr:\n%s", deadline, r.stdout, r.stderr)
			}
			t.Logf("exit %d in %s: %s", r.code, time.Since(start).Round(time.Millisecond), resultMessage(r))
			if r.code == 0 || c.code != 0 && r.code != c.code {
				t.Errorf("exit %d, want %s", r.code, map[bool]string{true: "non-zero", false: strconv.Itoa(c.code)}[c.code == 0])
			}
			result := resultMessage(r)
			if result == "" {
				t.Fatalf("no resultMessage: Octopus would fail the step without saying why\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			for _, s := range c.says {
				if !strings.Contains(result, s) {
					t.Errorf("the resultMessage does not say %q: %q", s, result)
				}
			}
			if c.saysNot != "" && strings.Contains(result, c.saysNot) {
				t.Errorf("the resultMessage blames %s: %q", c.saysNot, result)
			}
		})
	}
}

// TestHardeningCancelledPreviewPublishesNothing: a preview whose step is
// cancelled (SIGINT or SIGTERM) while the program runs fails and publishes
// no output variable and no artifact: a half preview must not be approved.
func TestHardeningCancelledPreviewPublishesNothing(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			bed := testbed.New(t)
			dir := bed.Program(t, "stalling")
			gate := filepath.Join(dir, "out.gate") // read by the program: {{.OutDir}}.gate
			if err := os.WriteFile(gate, []byte("open"), 0o644); err != nil {
				t.Fatal(err)
			}
			if r := deploy(t, bed, dir, nil); r.code != 0 {
				t.Fatalf("first deploy exited %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}

			// The changed program now waits on a named pipe nobody writes to.
			if err := os.Remove(gate); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(gate, 0o600); err != nil {
				t.Fatal(err)
			}
			artifacts := t.TempDir()
			cmd := exec.Command(octopulumi(t), "preview", "--artifact-dir", artifacts, "--program", dir, "--backend", bed.Backend, "--pulumi-home", bed.Home)
			cmd.Env = append(stepEnv(bed), "OCTOPULUMI_VAR_Pulumi__Config__greeting=changed", "OCTOPULUMI_VAR_Pulumi__Config__delaySeconds=20")
			var stdout, stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = cmd.Wait(); close(exited) }()
			var writer *os.File
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
				if writer != nil {
					writer.Close()
				}
			})

			// The program has opened the pipe: the preview is under way.
			if !waitUntil(60*time.Second, func() bool {
				select {
				case <-exited:
					return true
				default:
				}
				f, err := os.OpenFile(gate, os.O_WRONLY|syscall.O_NONBLOCK, 0)
				if err != nil {
					return false
				}
				writer = f
				return true
			}) || writer == nil {
				t.Fatalf("the program did not start reading %s within 60 s (exited: %v)\nstdout:\n%s\nstderr:\n%s", gate, cmd.ProcessState != nil, stdout.String(), stderr.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				// Let the program go on: the cancelled engine must still not publish.
				writer.Close()
				writer = nil
				select {
				case <-exited:
				case <-time.After(60 * time.Second):
					t.Fatalf("the preview did not end within 65 s of %s\nstdout:\n%s", sig, stdout.String())
				}
			}

			code := cmd.ProcessState.ExitCode()
			out := stdout.String()
			t.Logf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", sig, code, out, stderr.String())
			if code == 0 {
				t.Errorf("the cancelled preview exited 0")
			}
			msgs, _ := octopusReads(out)
			for _, m := range msgs {
				name, _ := m.Get("name")
				switch {
				case m.Name == "setVariable" && strings.HasPrefix(name, "Pulumi.Preview."):
					t.Errorf("the cancelled preview published %s", name)
				case m.Name == "createArtifact":
					t.Errorf("the cancelled preview published an artifact: %v", m)
				}
			}
			if entries, _ := os.ReadDir(artifacts); len(entries) > 0 {
				t.Errorf("the cancelled preview left %d files in the artifact folder", len(entries))
			}
		})
	}
}

// TestHardeningApprovedApplyLog: applying an approved preview reads like an
// update: no plan plumbing in the log, and progress counted in the
// preview's changes (stack and two files: 3), not in steps.
func TestHardeningApprovedApplyLog(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")

	pre := stepRun(t, bed, dir, nil, "preview", "--artifact-dir", t.TempDir())
	fp := value(pre.variables(), stepOut(t, "Fingerprint"))
	if pre.code != 0 || fp == "" {
		t.Fatalf("preview exited %d with fingerprint %q\nstdout:\n%s\nstderr:\n%s", pre.code, fp, pre.stdout, pre.stderr)
	}
	if got := value(pre.variables(), stepOut(t, "Changes")); got != "3" {
		t.Fatalf("preview: %s = %q, want 3", stepOut(t, "Changes"), got)
	}
	apply := stepRun(t, bed, dir, nil, "up", "--approved-fingerprint", fp)
	if apply.code != 0 {
		t.Fatalf("apply exited %d\nstdout:\n%s\nstderr:\n%s", apply.code, apply.stdout, apply.stderr)
	}
	for _, s := range []string{"pulumi up --plan", "Update plan written"} {
		if strings.Contains(apply.stdout+apply.stderr, s) {
			t.Errorf("the apply's log says %q:\n%s", s, apply.stdout)
		}
	}
	var progress []string
	for _, m := range apply.messages {
		if m.Name == "progress" {
			msg, _ := m.Get("message")
			progress = append(progress, msg)
		}
	}
	if len(progress) == 0 {
		t.Fatalf("the apply reported no progress:\n%s", apply.stdout)
	}
	for _, p := range progress {
		if strings.Contains(p, "of 4") {
			t.Errorf("progress %q counts 4 changes; the preview planned 3", p)
		}
	}
	if last := progress[len(progress)-1]; !strings.Contains(last, "3 of 3") {
		t.Errorf("the last progress is %q, want 3 of 3 changes; all: %q", last, progress)
	}
}

// stepRun runs an octopulumi command that runs a step on bed's program dir.
func stepRun(t *testing.T, bed *testbed.Bed, dir string, env []string, args ...string) run {
	t.Helper()
	return runBinary(t, append(stepEnv(bed), env...), append(args, "--program", dir, "--backend", bed.Backend, "--pulumi-home", bed.Home)...)
}

// octopusReads returns the service messages Octopus (Calamari) reads in
// text, and whether a message is left open at its end (it would swallow
// what follows).
func octopusReads(text string) ([]octoenv.Message, bool) {
	var p octoenv.Parser
	msgs, _ := p.Feed(text)
	return msgs, p.Close() != nil
}

// checkOnlyOwnMessages checks that Octopus reads in r's output only
// messages octopulumi writes: setVariable of the outputs named (or of the
// preview's Pulumi.Preview.*), createArtifact of the preview's diff in
// artifactDir, resultMessage, progress and mask; none on stderr; none left
// open.
func checkOnlyOwnMessages(t *testing.T, label string, r run, outputs []string, artifactDir string) {
	t.Helper()
	msgs, open := octopusReads(r.stdout)
	if open {
		t.Errorf("%s: stdout ends inside a service message (it would swallow what follows)", label)
	}
	for _, m := range msgs {
		switch {
		case strings.EqualFold(m.Name, "setVariable"):
			name, _ := m.Get("name")
			if strings.EqualFold(name, "Hacked") {
				t.Errorf("%s: Octopus reads a setVariable Hacked from the program's text: %v", label, m)
			} else if !strings.HasPrefix(name, "Pulumi.Preview.") && !contains(outputs, name) {
				t.Errorf("%s: setVariable %q is not an output of the program: %v", label, name, m)
			}
		case strings.EqualFold(m.Name, "createArtifact"):
			path, _ := m.Get("path")
			if artifactDir == "" || filepath.Dir(path) != artifactDir || !strings.HasPrefix(filepath.Base(path), "pulumi-preview-") {
				t.Errorf("%s: Octopus reads a createArtifact of %q, not the preview's diff: %v", label, path, m)
			}
		case strings.EqualFold(m.Name, "resultMessage"), strings.EqualFold(m.Name, "progress"), strings.EqualFold(m.Name, "mask"),
			// The preview's summary, highlighted (report.Octopus).
			m.Name == string(octoenv.LevelStdoutHighlight), m.Name == string(octoenv.LevelStdoutDefault):
		default:
			t.Errorf("%s: Octopus reads a %s message octopulumi does not write: %v", label, m.Name, m)
		}
	}
	if msgs, open := octopusReads(r.stderr); len(msgs) > 0 || open {
		t.Errorf("%s: stderr holds service messages %v (left open: %v)", label, msgs, open)
	}
}

// checkNoMessageIn checks that text, printed in a task log, holds no
// service message, not even one left open.
func checkNoMessageIn(t *testing.T, what, text string) {
	t.Helper()
	if msgs, open := octopusReads(text); len(msgs) > 0 || open {
		t.Errorf("%s holds service messages %v (left open: %v):\n%s", what, msgs, open, text)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func unquoted(q string) string { return q[1 : len(q)-1] }

// waitUntil polls cond every 100 ms until it holds or timeout passes.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// processesOfRun lists the live processes (pid and command line) whose
// environment marks them as processes of the run id.
func processesOfRun(id string) []string {
	marker := []byte("OCTOPULUMI_RUN_ID=" + id + "\x00")
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, marker) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			// A zombie has ended; it waits only for its parent to reap it.
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
				continue
			}
		}
		pgid, _ := syscall.Getpgid(pid)
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, fmt.Sprintf("pid %d (process group %d): %s", pid, pgid, bytes.ReplaceAll(bytes.TrimRight(cmdline, "\x00"), []byte{0}, []byte{' '})))
	}
	return out
}

// endProcessesOfRun kills what is left of the test's own run id.
func endProcessesOfRun(id string) {
	for _, p := range processesOfRun(id) {
		var pid int
		if _, err := fmt.Sscanf(p, "pid %d", &pid); err == nil && pid > 1 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// credentialsUnder lists the credentials.json files in octopulumi-*
// folders under dir.
func credentialsUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	matches, _ := filepath.Glob(filepath.Join(dir, "octopulumi-*"))
	for _, m := range matches {
		_ = filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == "credentials.json" {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}

// filesUnder lists the files under dir whose names end with suffix.
func filesUnder(t *testing.T, dir, suffix string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), suffix) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// syncBuffer is a bytes.Buffer that a running process writes to while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
