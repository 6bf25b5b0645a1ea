package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
)

// TestDeployTargetsAndReplacements: what the runner could always do, the
// step, the command and the template now expose: an update limited to
// targets, a replacement of an unchanged resource, a refresh first,
// parallelism and the update's message.
func TestDeployTargetsAndReplacements(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	if r := deploy(t, bed, dir, nil); r.code != 0 {
		t.Fatalf("first deploy exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	const stack = "staging"
	first := "urn:pulumi:" + stack + "::two-files::localfile:index:File::first"
	second := "urn:pulumi:" + stack + "::two-files::localfile:index:File::second"

	// The greeting changes both files; the target updates only the first.
	r := deploy(t, bed, dir, []string{"OCTOPULUMI_VAR_Pulumi__Config__greeting=targeted"}, "--target", first, "--parallel", "1", "--message", "only the first file")
	if r.code != 0 {
		t.Fatalf("targeted deploy exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, "out", name))
		return string(b)
	}
	if read("first.txt") != "targeted" || read("second.txt") == "targeted again" {
		t.Errorf("after a deploy targeting first: first.txt %q, second.txt %q", read("first.txt"), read("second.txt"))
	}

	// A replacement of an unchanged resource, from the template's variable.
	r = deploy(t, bed, dir, []string{"OCTOPULUMI_VAR_Pulumi__Replace=" + second, "OCTOPULUMI_VAR_Pulumi__Refresh=True"})
	if r.code != 0 {
		t.Fatalf("deploy with a replacement exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "replace=1") || !strings.Contains(r.stdout, "localfile:index:File second refreshing") {
		t.Errorf("the deploy did not replace second, or did not refresh first:\n%s", r.stdout)
	}

	// A target that is no URN is named as the variable to fix.
	r = deploy(t, bed, dir, []string{"OCTOPULUMI_VAR_Pulumi__Targets=first"})
	if r.code != 1 || !strings.Contains(resultMessage(r), "Pulumi.Targets") {
		t.Errorf("a target that is no URN: exit %d, result %q", r.code, resultMessage(r))
	}

	// The runbook switches, as the step template gives them: a drift check
	// and a review stack's teardown.
	drift := runBinary(t, append(stepEnv(bed), "OCTOPULUMI_VAR_Pulumi__ExpectNoChanges=True", "OCTOPULUMI_VAR_Pulumi__Config__greeting=drifted"),
		"preview", "--program", dir, "--backend", bed.Backend, "--pulumi-home", bed.Home, "--artifact-dir", t.TempDir())
	if drift.code == 0 {
		t.Errorf("a preview with Pulumi.ExpectNoChanges finding changes exited 0")
	}
	if r := runBinary(t, append(stepEnv(bed), "OCTOPULUMI_VAR_Pulumi__RemoveStack=True"),
		"destroy", "--program", dir, "--backend", bed.Backend, "--pulumi-home", bed.Home); r.code != 0 {
		t.Fatalf("destroy with Pulumi.RemoveStack exited %d: %s", r.code, resultMessage(r))
	}
	if r := deploy(t, bed, dir, nil, "--stack", "staging"); r.code != 0 || !strings.Contains(r.stdout, "Created stack") && !strings.Contains(r.stdout, "create=") {
		t.Errorf("after destroy with Pulumi.RemoveStack the stack was not new: exit %d\n%s", r.code, r.stdout)
	}
}
