package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// TestPreviewApproveApply is flow 3 of the design, as Octopus runs it: a
// Preview step, a Manual Intervention that shows its output variables, and
// an Apply step — each step in a fresh work folder (Octopus deletes them),
// with nothing but the approved fingerprint passed between them.
// Its rows are the runtimes' programs (see runtimes).
func TestPreviewApproveApply(t *testing.T) {
	t.Parallel()
	for _, rt := range runtimes {
		t.Run(rt.name, func(t *testing.T) {
			t.Parallel()
			previewApproveApply(t, rt.program)
		})
	}
}

func previewApproveApply(t *testing.T, program string) {
	bed := testbed.New(t)
	out := filepath.Join(bed.Dir, "files") // where the program writes, outside any work folder
	workFolder := func() string {
		dir := filepath.Join(t.TempDir(), program)
		bed.WriteProgram(t, program, dir, testbed.ProgramData{OutDir: out})
		return dir
	}
	greeting := func(g string) []string {
		return []string{"OCTOPULUMI_SECRET_Pulumi__Config__greeting=" + g}
	}
	artifacts := filepath.Join(t.TempDir(), "artifacts", "of-this-step") // made by the preview
	step := func(g string, args ...string) run {
		t.Helper()
		r := runBinary(t, append(stepEnv(bed), greeting(g)...),
			append(append([]string{}, args...), "--program", workFolder(), "--backend", bed.Backend, "--pulumi-home", bed.Home)...)
		for _, secret := range []string{g, testbed.Passphrase} {
			if strings.Contains(r.stderr, secret) {
				t.Errorf("%s: a secret appears on stderr", args[0])
			}
		}
		return r
	}

	// Preview: publishes what a reviewer needs.
	pre := step("hola-secreta", "preview", "--artifact-dir", artifacts)
	if pre.code != 0 {
		t.Fatalf("preview exited %d:\n%s\n%s", pre.code, pre.stdout, pre.stderr)
	}
	vars := pre.variables()
	fp := value(vars, stepOut(t, "Fingerprint"))
	if fp == "" {
		t.Fatalf("preview published no fingerprint; messages: %v", pre.messages)
	}
	if got := value(vars, stepOut(t, "Changes")); got != "3" {
		t.Errorf("%s = %q, want 3 (stack and two files to create)", stepOut(t, "Changes"), got)
	}
	md := value(vars, stepOut(t, "SummaryMarkdown"))
	if !strings.Contains(md, "first") || !strings.Contains(md, "second") {
		t.Errorf("the Markdown summary does not list the resources:\n%s", md)
	}
	artifact := artifactOf(t, pre)
	diff, err := os.ReadFile(artifact)
	if err != nil {
		t.Fatalf("the diff artifact is gone after the step: %v", err)
	}
	if !strings.Contains(string(diff), "localfile:index:File") {
		t.Errorf("the diff artifact does not show the planned resources:\n%s", diff)
	}
	for name, text := range map[string]string{"the task log": pre.stdout, "the diff artifact": string(diff), "the Markdown summary": md} {
		if strings.Contains(text, "hola-secreta") {
			t.Errorf("the secret config value appears in %s", name)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "first.txt")); err == nil {
		t.Fatal("the preview created a file")
	}

	// No approval, or an Octopus expression that did not resolve (a
	// misspelt step name), is refused before anything runs.
	for _, bad := range []struct{ fp, says string }{
		{"", "empty"},
		{"#{Octopus.Action[Preveiw].Output.Pulumi.Preview.Fingerprint}", "unsubstituted"},
	} {
		r := step("hola-secreta", "up", "--approved-fingerprint", bad.fp)
		if r.code == 0 || !strings.Contains(resultMessage(r), bad.says) {
			t.Errorf("up --approved-fingerprint %q: exit %d, result %q; want a refusal saying %q", bad.fp, r.code, resultMessage(r), bad.says)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "first.txt")); err == nil {
		t.Fatal("an unapproved up created a file")
	}

	// Apply with the approved fingerprint, in another work folder.
	apply := step("hola-secreta", "up", "--approved-fingerprint", fp)
	if apply.code != 0 {
		t.Fatalf("apply exited %d:\n%s\n%s", apply.code, apply.stdout, apply.stderr)
	}
	if got := value(apply.variables(), "secretGreeting"); got != "hola-secreta" {
		t.Errorf("apply published secretGreeting %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "first.txt")); string(b) != "hola-secreta" {
		t.Errorf("first.txt = %q after apply", b)
	}

	// The world moves on after a new preview is approved: the stale
	// fingerprint is refused and nothing changes.
	pre2 := step("adios-secreta", "preview", "--artifact-dir", artifacts)
	fp2 := value(pre2.variables(), stepOut(t, "Fingerprint"))
	if pre2.code != 0 || fp2 == "" || fp2 == fp {
		t.Fatalf("second preview: exit %d, fingerprint %q (first %q): want a new one", pre2.code, fp2, fp)
	}
	stale := step("adios-secreta", "up", "--approved-fingerprint", fp)
	if stale.code == 0 {
		t.Fatal("apply with a stale fingerprint succeeded")
	}
	result := resultMessage(stale)
	if !strings.Contains(result, fp) || !strings.Contains(strings.ToLower(result), "approved") {
		t.Errorf("the refusal does not say the approved fingerprint no longer matches: %q", result)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "first.txt")); string(b) != "hola-secreta" {
		t.Errorf("a refused apply changed first.txt to %q", b)
	}
	again := step("adios-secreta", "up", "--approved-fingerprint", fp2)
	if again.code != 0 {
		t.Fatalf("apply of the new approval exited %d:\n%s\n%s", again.code, again.stdout, again.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "first.txt")); string(b) != "adios-secreta" {
		t.Errorf("first.txt = %q after the second apply", b)
	}
}

func stepEnv(bed *testbed.Bed) []string {
	return []string{
		"PATH=" + bed.Tools.Bin + ":/usr/bin:/bin",
		"HOME=" + bed.Dir,
		"OCTOPULUMI_VAR_Octopus__Project__Name=Web Shop",
		"OCTOPULUMI_VAR_Octopus__Environment__Name=Staging",
		"OCTOPULUMI_CONFIG_PASSPHRASE=" + testbed.Passphrase,
	}
}

// stepOut names a Preview output variable by its suffix, and checks the
// suffix against the package's constant.
func stepOut(t *testing.T, suffix string) string {
	t.Helper()
	name := "Pulumi.Preview." + suffix
	switch name {
	case step.OutFingerprint, step.OutChanges, step.OutSummaryMarkdown:
		return name
	}
	t.Fatalf("%s is not an output variable of pkg/step", name)
	return ""
}

func value(vars map[string]octoenv.Message, name string) string {
	v, _ := vars[name].Get("value")
	return v
}

func artifactOf(t *testing.T, r run) string {
	t.Helper()
	for _, m := range r.messages {
		if m.Name == "createArtifact" {
			p, _ := m.Get("path")
			return p
		}
	}
	t.Fatalf("no createArtifact message; messages: %v", r.messages)
	return ""
}

func resultMessage(r run) string {
	for _, m := range r.messages {
		if m.Name == "resultMessage" {
			v, _ := m.Get("message")
			return v
		}
	}
	return ""
}
