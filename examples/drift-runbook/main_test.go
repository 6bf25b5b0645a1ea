package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// TestDriftRunbook deploys two stacks of one program with the Pulumi CLI,
// changes the config of one, and runs the example over both stacks: it
// reports the drifted one, and nothing once only the other is checked.
func TestDriftRunbook(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	pulumi := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bed.Tools.Pulumi, append(args, "--non-interactive")...)
		cmd.Dir, cmd.Env = dir, bed.Env()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pulumi %v: %v\n%s", args, err, out)
		}
	}
	for _, stack := range []string{"staging", "production"} {
		pulumi("stack", "init", stack)
		pulumi("up", "--yes", "--skip-preview", "--stack", stack)
	}
	// Production's config changed after its last deployment.
	pulumi("config", "set", "greeting", "changed", "--stack", "production")

	bin := filepath.Join(t.TempDir(), "drift-runbook")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(bed.Env(), "TMPDIR="+t.TempDir(),
		"OCTOPULUMI_VAR_Octopus__Project__Name=Web Shop", "OCTOPULUMI_VAR_Octopus__Environment__Name=Production")
	runbook := func(stacks string) (string, map[string]string, int) {
		t.Helper()
		cmd := exec.Command(bin, "-program", dir, "-stacks", stacks, "-refresh", "-backend", bed.Backend, "-pulumi-home", bed.Home)
		cmd.Env = env
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{}
		if err := octoenv.Scan(strings.NewReader(string(out)), func(m octoenv.Message) error {
			name, _ := m.Get("name")
			vars[m.Name+":"+name], _ = m.Get("value")
			if m.Name == "resultMessage" {
				vars["result"], _ = m.Get("message")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return string(out), vars, code
	}

	out, vars, code := runbook("staging,production")
	if code != 1 || !strings.Contains(out, "staging: no drift") || !strings.Contains(out, "production: DRIFT") {
		t.Errorf("exit %d; want 1 with staging clean and production drifted:\n%s", code, out)
	}
	if vars["setVariable:Drift.Count"] != "1" || vars["setVariable:Drift.Stacks"] != "production" || !strings.Contains(vars["result"], "drift in production") {
		t.Errorf("the summary: %v", vars)
	}
	if md := vars["setVariable:Drift.SummaryMarkdown"]; !strings.Contains(md, "first") {
		t.Errorf("the Markdown summary does not name the drifted resource:\n%s", md)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out", "first.txt")); string(b) != "hello" {
		t.Errorf("the drift check changed first.txt to %q", b)
	}

	out, vars, code = runbook("staging")
	if code != 0 || vars["setVariable:Drift.Count"] != "0" || vars["result"] != "" {
		t.Errorf("only staging: exit %d, %v\n%s", code, vars, out)
	}
}
