package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/adapters/steptemplate"
	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// TestStepTemplateScript runs the step template's script as Calamari
// would: Bash with get_octopusvariable answering from the deployment's
// variables, octopulumi and pulumi on PATH — against the test bed.
func TestStepTemplateScript(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	vars := map[string]string{
		"Octopus.Project.Name":     "Web Shop",
		"Octopus.Environment.Name": "Test",
		"Pulumi.Command":           "deploy",
		"Pulumi.Program":           dir,
		"Pulumi.Backend":           bed.Backend,
		"Pulumi.ConfigPassphrase":  testbed.Passphrase,
		// Stack config, listed in the template's form.
		"Pulumi.ConfigVariables":       "  Pulumi.Config.failSecond \r\n\n",
		"Pulumi.SecretConfigVariables": " Pulumi.Config.greeting\t",
		"Pulumi.Config.failSecond":     "false",
		"Pulumi.Config.greeting":       "template-secret-greeting",
	}
	body := scriptBody(t)
	r := runTemplate(t, bed, vars, body)
	if r.code != 0 {
		t.Fatalf("the template script exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := value(r.variables(), "firstPath"); got != filepath.Join(dir, "out", "first.txt") {
		t.Errorf("output variable firstPath = %q", got)
	}
	if !strings.Contains(r.stdout, "organization/two-files/test deployed") {
		t.Errorf("the step did not deploy the environment's stack:\n%s", r.stdout)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "first.txt")); err != nil || string(b) != "template-secret-greeting" {
		t.Errorf("first.txt = %q, %v: the listed config did not reach the program", b, err)
	}
	if s, _ := r.variables()["secretGreeting"].Get("sensitive"); s != "True" {
		t.Error("the secret config's output is not a sensitive variable")
	}
	withoutVar := strings.ReplaceAll(r.stdout, r.variables()["secretGreeting"].String(), "")
	for _, secret := range []string{testbed.Passphrase, "template-secret-greeting"} {
		if strings.Contains(withoutVar+r.stderr, secret) {
			t.Errorf("a secret (%.6s…) appears in the step's output", secret)
		}
	}
}

func scriptBody(t *testing.T) string {
	t.Helper()
	tmpl, err := steptemplate.New()
	if err != nil {
		t.Fatal(err)
	}
	return tmpl.Properties[steptemplate.ScriptBody]
}

// runTemplate runs body after a prelude that defines get_octopusvariable
// over vars, with the octopulumi binary and the toolchain on PATH, and env
// added to the script's environment (the worker's).
func runTemplate(t *testing.T, bed *testbed.Bed, vars map[string]string, body string, env ...string) run {
	t.Helper()
	var prelude strings.Builder
	prelude.WriteString("declare -A OCTOPUS_VARIABLES=(\n")
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		prelude.WriteString("  [" + octoenv.BashQuote(n) + "]=" + octoenv.BashQuote(vars[n]) + "\n")
	}
	prelude.WriteString(")\nget_octopusvariable() { printf '%s' \"${OCTOPUS_VARIABLES[$1]:-}\"; }\n")
	script := filepath.Join(t.TempDir(), "Script.sh")
	if err := os.WriteFile(script, []byte(prelude.String()+body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script)
	cmd.Env = append([]string{
		"PATH=" + filepath.Dir(octopulumi(t)) + ":" + bed.Tools.Bin + ":/usr/bin:/bin",
		"HOME=" + bed.Dir,
		"PULUMI_HOME=" + bed.Home,
	}, env...)
	return runCmd(t, cmd)
}
