package main_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/adapters/steptemplate"
	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/cache"
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
		"Octopus.Project.Name":        "Web Shop",
		"Octopus.Environment.Name":    "Test",
		"Octopulumi.Command":          "deploy",
		"Octopulumi.Backend":          bed.Backend,
		"Octopulumi.ConfigPassphrase": testbed.Passphrase,
		// The program package's extracted path.
		octoenv.PackageVariable(steptemplate.ParamProgramPackage): dir,
		// Stack config, listed in the template's form.
		"Octopulumi.ConfigVariables":       "  Pulumi.Config.failSecond \r\n\n",
		"Octopulumi.SecretConfigVariables": " Pulumi.Config.greeting\t",
		"Pulumi.Config.failSecond":         "false",
		"Pulumi.Config.greeting":           "template-secret-greeting",
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

// TestStepTemplatePackages: the step receives everything as packages, as
// a step made from the template must (it cannot add package references of
// its own): the program, the plugin bundle (extracted, as Tentacle
// extracts it) and octopulumi itself, found only in its package. The
// plugins are restored from the bundle: Pulumi downloads nothing.
func TestStepTemplatePackages(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	pr := bed.Tools.Provider
	ciMirror := testbed.NewMirror(t, bed.Tools.Plugins)
	raw, err := os.ReadFile(pr.Tarball)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	m := &cache.Manifest{Format: cache.ManifestFormat, Pulumi: "v3.274.1", Plugins: []cache.Plugin{{
		Kind: pr.Kind, Name: pr.Name, Version: pr.Version, Server: ciMirror.URL,
		Checksums: map[string]string{cache.Platform(): hex.EncodeToString(sum[:])},
	}}}
	bundle := filepath.Join(t.TempDir(), "plugins.1.0.0.tar.gz")
	if err := cache.BundleFile(context.Background(), m, bundle); err != nil {
		t.Fatal(err)
	}
	extracted := filepath.Join(t.TempDir(), "plugins")
	if err := os.Mkdir(extracted, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-xzf", bundle, "-C", extracted).CombinedOutput(); err != nil {
		t.Fatalf("extracting the bundle: %v\n%s", err, out)
	}
	// octopulumi's package: the binary at its root, no executable bit (a zip).
	tools := t.TempDir()
	bin, err := os.ReadFile(octopulumi(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tools, "octopulumi"), bin, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := bed.Program(t, "two-files")
	if err := cache.WriteManifest(filepath.Join(dir, cache.ManifestFile), m); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"Octopus.Project.Name":                                         "Web Shop",
		"Octopus.Environment.Name":                                     "Test",
		"Octopulumi.Backend":                                           bed.Backend,
		"Octopulumi.ConfigPassphrase":                                  testbed.Passphrase,
		octoenv.PackageVariable(steptemplate.ParamProgramPackage):      filepath.Dir(dir),
		"Octopulumi.Program":                                           filepath.Base(dir),
		octoenv.PackageVariable(steptemplate.ParamPluginBundlePackage): extracted,
		octoenv.PackageVariable(steptemplate.ParamOctopulumiPackage):   tools,
		"Octopulumi.ConfigVariables":                                   "Pulumi.Config.failSecond",
		"Pulumi.Config.failSecond":                                     "false",
	}
	// octopulumi is not on the worker's PATH: only in its package.
	r := runTemplate(t, bed, vars, scriptBody(t), "PATH="+bed.Tools.Bin+":/usr/bin:/bin", "PULUMI_HOME="+t.TempDir())
	if r.code != 0 {
		t.Fatalf("the template script exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Running "+filepath.Join(tools, "octopulumi")+" deploy on the Pulumi program in "+dir) {
		t.Errorf("the script did not run octopulumi from its package on the program in the package:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "octopulumi: plugins: 1 restored") {
		t.Errorf("the plugins were not restored from the bundle package:\n%s", r.stdout)
	}
	if n := bed.Mirror.Total(); n != 0 {
		t.Errorf("the mirror had %d requests; a restored plugin must not be downloaded", n)
	}

	// Without octopulumi anywhere, the step fails with fail_step's message.
	delete(vars, octoenv.PackageVariable(steptemplate.ParamOctopulumiPackage))
	r = runTemplate(t, bed, vars, scriptBody(t), "PATH="+bed.Tools.Bin+":/usr/bin:/bin")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "octopulumi was not found: choose the octopulumi package (Octopulumi.OctopulumiPackage)") {
		t.Errorf("without octopulumi the script exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
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
// added to the script's environment (the worker's; a later PATH or
// PULUMI_HOME replaces the default). Calamari's fail_step is the script's
// own stand-in.
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
