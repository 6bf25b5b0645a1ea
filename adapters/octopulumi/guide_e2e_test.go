package main_test

// The scenarios of docs/getting-started.md, each run as the guide tells a
// platform engineer to set it up in Octopus: the program arrives as a
// release package (<PackageId>.<SemVer>.zip) that Tentacle extracts into a
// fresh work folder for every step, the variables arrive through the
// environment, and an Octopus expression such as
// #{Octopus.Action[Network].Output.vpcId} is substituted from the output
// variables an earlier step published, as Octopus would. Each test names
// the guide section it proves ("Guide section: …"), and
// TestGuideMentionsEveryScenario keeps the guide and these tests together.

import (
	"archive/zip"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

const guideFile = "../../docs/getting-started.md"

// release is one release's program package, built once by "upstream CI".
type release struct {
	bed *testbed.Bed
	zip string // <PackageId>.<SemVer>.zip
	// steps are the output variables of the deployment's steps so far, by
	// step name, for substituting #{Octopus.Action[<step>].Output.<name>}.
	steps map[string]map[string]string
}

// newRelease renders the sample program as CI would check it out and packs
// it as the Octopus package packageID.version.zip. Its resources write
// under <bed>/files/<stack>.
func newRelease(t *testing.T, bed *testbed.Bed, program, packageID, version string) *release {
	t.Helper()
	src := filepath.Join(t.TempDir(), program)
	bed.WriteProgram(t, program, src, testbed.ProgramData{OutDir: filepath.Join(bed.Dir, "files")})
	name := filepath.Join(t.TempDir(), packageID+"."+version+".zip")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	if err := zw.AddFS(os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return &release{bed: bed, zip: name, steps: map[string]map[string]string{}}
}

// extract is Tentacle extracting the package into a step's fresh work
// folder: #{Octopus.Action.Package[…].ExtractedPath}.
func (r *release) extract(t *testing.T) string {
	t.Helper()
	zr, err := zip.OpenReader(r.zip)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := filepath.Join(t.TempDir(), "ExtractedPath")
	if err := os.CopyFS(dir, zr); err != nil {
		t.Fatal(err)
	}
	return dir
}

var outputRef = regexp.MustCompile(`#\{Octopus\.Action\[([^\]]+)\]\.Output\.([^}]+)\}`)

// substitute replaces #{Octopus.Action[<step>].Output.<name>} with the
// output variable a step of this deployment published; like Octopus, it
// leaves an expression it cannot resolve as it is.
func (r *release) substitute(s string) string {
	return outputRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := outputRef.FindStringSubmatch(ref)
		if v, ok := r.steps[m[1]][m[2]]; ok {
			return v
		}
		return ref
	})
}

// step runs the step named name: octopulumi with args on a fresh
// extraction of the package, in the environment, with the project's
// variables (Octopus expressions in their values substituted). Its output
// variables are kept for later steps.
func (r *release) step(t *testing.T, name, environment string, vars map[string]string, args ...string) run {
	t.Helper()
	env := append(stepEnv(r.bed), "OCTOPULUMI_VAR_Octopus__Environment__Name="+environment, "OCTOPULUMI_VAR_Octopus__Action__Name="+name)
	for n, v := range vars {
		env = append(env, octoenv.EnvName(n, false)+"="+r.substitute(v))
	}
	args = append(args, "--program", r.extract(t), "--backend", r.bed.Backend, "--pulumi-home", r.bed.Home)
	if args[0] == "preview" {
		args = append(args, "--artifact-dir", t.TempDir())
	}
	res := runBinary(t, env, args...)
	outs := map[string]string{}
	for n := range res.variables() {
		outs[n] = value(res.variables(), n)
	}
	r.steps[name] = outs
	return res
}

func mustRun(t *testing.T, what string, r run) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s exited %d: %s\nstdout:\n%s\nstderr:\n%s", what, r.code, resultMessage(r), r.stdout, r.stderr)
	}
}

func (r *release) file(stack, name string) string {
	b, _ := os.ReadFile(filepath.Join(r.bed.Dir, "files", stack, name))
	return string(b)
}

// TestGuidePromotion: one release, the same package, deployed to Staging
// and then promoted to Production, each environment its own stack with
// its own (environment-scoped) config.
// Guide section: "Promote the same release from Staging to Production"
func TestGuidePromotion(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	rel := newRelease(t, bed, "network", "WebShop.Network", "1.4.0")
	for _, env := range []struct{ name, stack, cidr string }{
		{"Staging", "staging", "10.1.0.0/16"},
		{"Production", "production", "10.2.0.0/16"},
	} {
		r := rel.step(t, "Deploy network", env.name, map[string]string{"Octopus.Release.Number": "1.4.0", "Pulumi.Config.cidr": env.cidr}, "deploy")
		mustRun(t, "the deploy to "+env.name, r)
		if got := value(r.variables(), "cidr"); got != env.cidr {
			t.Errorf("%s: output cidr = %q, want %q", env.name, got, env.cidr)
		}
		if got := rel.file(env.stack, "vpc.txt"); got != "vpc-0a1b2c3d "+env.cidr {
			t.Errorf("%s: vpc.txt = %q", env.name, got)
		}
		if !strings.Contains(exportStack(t, bed, rel.extract(t), "organization/network/"+env.stack), "localfile:index:File::vpc") {
			t.Errorf("the stack organization/network/%s lacks its resource", env.stack)
		}
	}
	// Production's deploy left Staging's stack alone.
	if got := rel.file("staging", "vpc.txt"); got != "vpc-0a1b2c3d 10.1.0.0/16" {
		t.Errorf("after the promotion, staging's vpc.txt = %q", got)
	}
}

// TestGuidePreviewApproveApply: Preview, a Manual Intervention whose
// instructions show the Markdown summary, and Apply with the approved
// fingerprint, each step in its own fresh work folder.
// Guide section: "A project: Preview, approve, apply"
func TestGuidePreviewApproveApply(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	rel := newRelease(t, bed, "network", "WebShop.Network", "1.0.0")

	mustRun(t, "the preview", rel.step(t, "Preview", "Staging", nil, "preview"))
	instructions := rel.substitute("Review the planned changes:\n\n#{Octopus.Action[Preview].Output.Pulumi.Preview.SummaryMarkdown}")
	if strings.Contains(instructions, "#{") || !strings.Contains(instructions, "vpc") || !strings.Contains(instructions, "create") {
		t.Errorf("the Manual Intervention's instructions do not show the planned changes:\n%s", instructions)
	}
	if rel.file("staging", "vpc.txt") != "" {
		t.Fatal("the preview created the VPC")
	}
	apply := rel.step(t, "Apply", "Staging", nil, "up", "--approved-fingerprint", rel.substitute("#{Octopus.Action[Preview].Output.Pulumi.Preview.Fingerprint}"))
	mustRun(t, "the apply", apply)
	if got := value(apply.variables(), "vpcId"); got != "vpc-0a1b2c3d" {
		t.Errorf("the apply published vpcId %q", got)
	}
	if got := rel.file("staging", "vpc.txt"); got != "vpc-0a1b2c3d 10.0.0.0/16" {
		t.Errorf("vpc.txt = %q after the apply", got)
	}
}

// TestGuideDriftRunbook: the scheduled runbook finds nothing to change
// after a deployment, then fails, with the changes published, once the
// stack no longer matches the release and its variables.
// Guide section: "Runbook: drift check"
func TestGuideDriftRunbook(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	rel := newRelease(t, bed, "network", "WebShop.Network", "1.0.0")
	mustRun(t, "the deploy", rel.step(t, "Deploy network", "Production", nil, "deploy"))

	clean := rel.step(t, "Check drift", "Production", nil, "preview", "--expect-no-changes", "--refresh")
	mustRun(t, "the drift check of an unchanged stack", clean)
	if got := value(clean.variables(), "Pulumi.Preview.HasChanges"); got != "False" {
		t.Errorf("an unchanged stack: HasChanges = %q", got)
	}
	// Someone changed the variable in Octopus but deployed nothing.
	drift := rel.step(t, "Check drift", "Production", map[string]string{"Pulumi.Config.cidr": "10.9.0.0/16"}, "preview", "--expect-no-changes", "--refresh")
	if drift.code == 0 || value(drift.variables(), "Pulumi.Preview.HasChanges") != "True" || resultMessage(drift) == "" {
		t.Errorf("a drifted stack: exit %d, HasChanges %q, result %q; want a failure with the changes published",
			drift.code, value(drift.variables(), "Pulumi.Preview.HasChanges"), resultMessage(drift))
	}
	if md := value(drift.variables(), "Pulumi.Preview.SummaryMarkdown"); !strings.Contains(md, "vpc") {
		t.Errorf("the drift's summary does not name the resource:\n%s", md)
	}
	if got := rel.file("production", "vpc.txt"); got != "vpc-0a1b2c3d 10.0.0.0/16" {
		t.Errorf("the drift check changed vpc.txt to %q", got)
	}
}

// TestGuideReviewStack: a runbook deploys a review stack named by a
// prompted variable, another destroys it and removes the stack.
// Guide section: "Runbooks: review stacks"
func TestGuideReviewStack(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	rel := newRelease(t, bed, "network", "WebShop.Network", "1.0.0-pr42")
	vars := map[string]string{"Pulumi.Stack": "review-pr-42"}
	mustRun(t, "the review stack's deploy", rel.step(t, "Deploy review stack", "Review", vars, "deploy"))
	if rel.file("review-pr-42", "vpc.txt") == "" {
		t.Fatal("the review stack's deploy wrote no vpc.txt")
	}
	mustRun(t, "the review stack's teardown", rel.step(t, "Destroy review stack", "Review", vars, "destroy", "--remove"))
	if _, err := os.Stat(filepath.Join(bed.Dir, "files", "review-pr-42", "vpc.txt")); !os.IsNotExist(err) {
		t.Errorf("the teardown left vpc.txt: %v", err)
	}
	ls := exec.Command(bed.Tools.Pulumi, "stack", "ls", "--json", "--non-interactive")
	ls.Dir, ls.Env = rel.extract(t), bed.Env()
	out, err := ls.Output()
	if err != nil {
		t.Fatalf("pulumi stack ls: %v", err)
	}
	if strings.Contains(string(out), "review-pr-42") {
		t.Errorf("the review stack was not removed: %s", out)
	}
}

// TestGuideSeveralStacks: one deployment, one step per stack. The Network
// step publishes vpcId; the App step gets it as config through the project
// variable Pulumi.Config.vpcId = #{Octopus.Action[Network].Output.vpcId},
// and its program receives it. A step renamed without updating the
// expression is refused, naming the variable.
// Guide section: "Several stacks in one deployment"
func TestGuideSeveralStacks(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	network := newRelease(t, bed, "network", "WebShop.Network", "2.0.0")
	app := newRelease(t, bed, "app", "WebShop.App", "2.0.0")
	app.steps = network.steps // one deployment: the steps see each other's outputs

	mustRun(t, "the Network step", network.step(t, "Network", "Staging", map[string]string{"Pulumi.Config.vpcName": "vpc-5e7f00d"}, "deploy"))
	appVars := map[string]string{"Pulumi.Config.vpcId": "#{Octopus.Action[Network].Output.vpcId}"}
	r := app.step(t, "App", "Staging", appVars, "deploy")
	mustRun(t, "the App step", r)
	if got := app.file("staging", "service.txt"); got != "service in vpc-5e7f00d" {
		t.Errorf("the app program did not receive the network's vpcId: service.txt = %q", got)
	}
	if got := value(r.variables(), "vpcId"); got != "vpc-5e7f00d" {
		t.Errorf("the App step published vpcId %q", got)
	}

	renamed := app.step(t, "App", "Staging", map[string]string{"Pulumi.Config.vpcId": "#{Octopus.Action[Networking].Output.vpcId}"}, "deploy")
	if renamed.code == 0 || !strings.Contains(resultMessage(renamed), "Pulumi.Config.vpcId") {
		t.Errorf("an unresolved expression: exit %d, result %q; want a refusal naming Pulumi.Config.vpcId", renamed.code, resultMessage(renamed))
	}
	if got := app.file("staging", "service.txt"); got != "service in vpc-5e7f00d" {
		t.Errorf("a refused step changed service.txt to %q", got)
	}
}

// TestGuideMentionsEveryScenario keeps the guide and its tests together:
// every TestGuide* test names a section of the guide that exists (its
// heading without its number), and the
// guide names every one of them; the guide names no test that is gone.
func TestGuideMentionsEveryScenario(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(guideFile)
	if err != nil {
		t.Fatal(err)
	}
	guide := string(raw)
	headings := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (?:\d+\. )?(.+)$`).FindAllStringSubmatch(guide, -1) {
		headings[strings.TrimSpace(m[1])] = true
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "guide_e2e_test.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{}
	section := regexp.MustCompile(`Guide section: "([^"]+)"`)
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fn.Name.Name, "TestGuide") || fn.Name.Name == "TestGuideMentionsEveryScenario" {
			continue
		}
		tests[fn.Name.Name] = true
		m := section.FindStringSubmatch(fn.Doc.Text())
		switch {
		case m == nil:
			t.Errorf("%s does not name the guide section it proves (Guide section: \"…\")", fn.Name.Name)
		case !headings[m[1]]:
			t.Errorf("%s proves the section %q, which %s does not have", fn.Name.Name, m[1], guideFile)
		}
		if !strings.Contains(guide, "`"+fn.Name.Name+"`") {
			t.Errorf("%s does not mention `%s`", guideFile, fn.Name.Name)
		}
	}
	if len(tests) < 5 {
		t.Errorf("only %d scenario tests", len(tests))
	}
	for _, name := range regexp.MustCompile(`TestGuide\w+`).FindAllString(guide, -1) {
		if !tests[name] && name != "TestGuideMentionsEveryScenario" {
			t.Errorf("%s names %s, which guide_e2e_test.go does not have", guideFile, name)
		}
	}
}
