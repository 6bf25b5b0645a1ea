package steptemplate_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/adapters/steptemplate"
	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// update rewrites the committed template instead of comparing with it: the template
// changes with octoenv (its known variables, its Bash), and this needs no CLI build.
var update = flag.Bool("update", false, "rewrite the committed template from steptemplate.New")

func TestCommittedTemplateIsCurrent(t *testing.T) {
	t.Parallel()
	tmpl, err := steptemplate.New()
	if err != nil {
		t.Fatal(err)
	}
	want, err := tmpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(steptemplate.FileName, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(steptemplate.FileName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error(steptemplate.FileName + " is out of date: run `go test ./adapters/steptemplate -run TestCommittedTemplateIsCurrent -update` " +
			"(or `go run ./adapters/octopulumi step-template > adapters/steptemplate/" + steptemplate.FileName + "`)")
	}
}

func TestTemplateShape(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(steptemplate.FileName)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl steptemplate.Template
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tmpl); err != nil {
		t.Fatalf("%s: %v", steptemplate.FileName, err)
	}
	if tmpl.ActionType != "Octopus.Script" || tmpl.Meta.Type != "ActionTemplate" || tmpl.Properties["Octopus.Action.Script.Syntax"] != "Bash" {
		t.Errorf("not a Bash script step template: %+v", tmpl)
	}
	body := tmpl.Properties[steptemplate.ScriptBody]
	// Octopus substitutes #{…} in the body before it runs: a value there
	// would be written into the script file.
	if strings.Contains(body, "#{") {
		t.Error("the script body uses #{…} substitution; values must come through get_octopusvariable")
	}
	seen := map[string]bool{}
	for _, p := range tmpl.Parameters {
		if seen[p.Name] || p.ID == "" {
			t.Errorf("parameter %q: duplicate name or no id", p.Name)
		}
		seen[p.Name] = true
		name := p.Name
		if p.DisplaySettings["Octopus.ControlType"] == "GenericOidcAccount" {
			name += ".OpenIdConnect.Jwt"
		}
		if !strings.Contains(body, "get_octopusvariable '"+name+"'") && !strings.Contains(body, "octopulumi_export_list OCTOPULUMI_SECRET_ '"+name+"'") &&
			!strings.Contains(body, "get_octopusvariable "+octoenv.BashQuote(octoenv.PackageVariable(name))) &&
			!strings.Contains(body, "octopulumi_export_list OCTOPULUMI_VAR_ '"+name+"'") {
			t.Errorf("the script never reads parameter %q", name)
		}
	}
	for _, secret := range []string{octoenv.VarAccessToken, octoenv.VarConfigPassphrase} {
		for _, p := range tmpl.Parameters {
			if p.Name == steptemplate.ParameterFor(secret) && p.DisplaySettings["Octopus.ControlType"] != "Sensitive" {
				t.Errorf("parameter %s is not Sensitive", secret)
			}
		}
		if !strings.Contains(body, octoenv.EnvName(secret, true)) {
			t.Errorf("%s is not handed over as a secret (%s)", secret, octoenv.EnvName(secret, true))
		}
	}
	// The names of listed variables must be octoenv's: its Bash encoder, not a copy.
	if !strings.Contains(body, octoenv.BashEnvNameFunc()) {
		t.Error("the script does not define octoenv.BashEnvNameFunc")
	}
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s", err, out)
	}
}

// TestTemplateCloudAccounts: each cloud's account parameter has the control
// type that offers that cloud's accounts (as the OctopusDeploy/Library
// templates name them), the script hands over every property package
// accounts reads of it — the sensitive ones as secrets only — and every
// cloud setting, and the form shows the settings a user fills in.
func TestTemplateCloudAccounts(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(steptemplate.FileName)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl steptemplate.Template
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	params := map[string]steptemplate.Parameter{}
	for _, p := range tmpl.Parameters {
		params[p.Name] = p
	}
	body := tmpl.Properties[steptemplate.ScriptBody]
	// source is the parameter (or its property) the script reads a variable from.
	source := func(n string) string {
		for param, v := range steptemplate.Variables() {
			if n == v {
				return param
			}
			if rest, ok := strings.CutPrefix(n, v+"."); ok {
				return param + "." + rest
			}
		}
		return n
	}
	exported := func(name string, sensitive bool) bool {
		return strings.Contains(body, "\nexport "+octoenv.EnvName(name, sensitive)+"=\"$(get_octopusvariable "+octoenv.BashQuote(source(name))+")\"\n")
	}
	for _, c := range []struct {
		cloud   accounts.Cloud
		param   string
		control string
	}{
		{accounts.AWS, accounts.VarAWSAccount, "AmazonWebServicesAccount"},
		{accounts.Azure, accounts.VarAzureAccount, "AzureAccount"},
		{accounts.Google, accounts.VarGoogleAccount, "GoogleCloudAccount"},
	} {
		p, ok := params[steptemplate.ParameterFor(c.param)]
		if !ok {
			t.Errorf("no %s account parameter %s", c.cloud, c.param)
		} else if got := p.DisplaySettings["Octopus.ControlType"]; got != c.control || p.DefaultValue != "" {
			t.Errorf("parameter %s: control type %q (default %q), want %q and no default", c.param, got, p.DefaultValue, c.control)
		}
		plain, sensitive := accounts.VariableNames(c.cloud, c.param)
		for _, n := range plain {
			if !exported(n, false) {
				t.Errorf("the script does not hand over %s", n)
			}
		}
		for _, n := range sensitive {
			if !exported(n, true) {
				t.Errorf("the script does not hand over %s as a secret (%s)", n, octoenv.EnvName(n, true))
			}
			if strings.Contains(body, octoenv.EnvName(n, false)) {
				t.Errorf("the script hands over the sensitive %s as a plain variable", n)
			}
		}
		for _, n := range accounts.Settings(c.cloud) {
			if !exported(n, false) {
				t.Errorf("the script does not hand over the setting %s", n)
			}
			p, ok := params[steptemplate.ParameterFor(n)]
			switch {
			case n == accounts.VarAWSRoleARN:
				// Only for a Generic OpenID Connect account, which the AWS
				// account control does not offer.
				if ok {
					t.Errorf("the form shows %s, which an AWS account parameter never needs", n)
				}
			case !ok:
				t.Errorf("the form does not show the setting %s", n)
			case n != c.param && (p.DisplaySettings["Octopus.ControlType"] != "SingleLineText" || p.Label == "" || p.HelpText == ""):
				t.Errorf("setting %s: %+v, want a labelled SingleLineText with help", n, p)
			}
		}
	}
}

// scriptRun is the script's run with a stand-in octopulumi that records its
// arguments (first line) and environment.
type scriptRun struct {
	args   string
	record string
	out    string
	err    error
}

// runScript runs the template's script with get_octopusvariable answering
// from vars. The stand-in octopulumi is on PATH unless it is in the
// octopulumi package: vars may name its extracted path as "@tools", which
// becomes the stand-in's folder, and a key "@none" leaves it out.
func runScript(t *testing.T, vars map[string]string) scriptRun {
	t.Helper()
	body, err := steptemplate.Script()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	record := dir + "/record"
	fake := "#!/bin/sh\necho \"$*\" > " + record + "\nenv >> " + record + "\n"
	bin, path := dir+"/bin", dir+"/bin:/usr/bin:/bin"
	var prelude strings.Builder
	prelude.WriteString("get_octopusvariable() {\n  case \"$1\" in\n")
	none := false
	for k, v := range vars {
		if k == "@none" {
			none = true
			continue
		}
		if v == "@tools" {
			bin, path, v = dir+"/tools", "/usr/bin:/bin", dir+"/tools"
		}
		prelude.WriteString("    " + octoenv.BashQuote(k) + ") printf '%s' " + octoenv.BashQuote(v) + " ;;\n")
	}
	prelude.WriteString("  esac\n}\n")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if !none {
		if err := os.WriteFile(bin+"/octopulumi", []byte(fake), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-c", prelude.String()+body)
	cmd.Env = []string{"PATH=" + path}
	out, err := cmd.CombinedOutput()
	r := scriptRun{out: string(out), err: err}
	if raw, rerr := os.ReadFile(record); rerr == nil {
		r.record = string(raw)
		r.args, _, _ = strings.Cut(r.record, "\n")
	}
	return r
}

// TestScriptBuildsCommandLine runs the script with a stand-in octopulumi
// that records its arguments and environment.
func TestScriptBuildsCommandLine(t *testing.T) {
	t.Parallel()
	pkg := octoenv.PackageVariable
	cases := []struct {
		name     string
		vars     map[string]string
		wantArgs string
		wantEnv  []string
		notEnv   []string
		wantPath string
	}{{
		name:     "deploy with a token, the program folder given as a path",
		vars:     map[string]string{"Octopulumi.Program": "/w/infra", "Octopulumi.AccessToken": "pul-secret", "Octopulumi.ApprovedFingerprint": "v1-ignored"},
		wantArgs: "deploy --report octopus --program /w/infra",
		wantEnv:  []string{"OCTOPULUMI_SECRET_Pulumi__AccessToken=pul-secret"},
		notEnv:   []string{"OCTOPULUMI_VAR_Pulumi__OidcAccount="},
	}, {
		name: "the program package, a folder in it, the bundles' packages",
		vars: map[string]string{pkg("Octopulumi.ProgramPackage"): "/w/pkgs/infra", "Octopulumi.Program": "stacks/net",
			pkg("Octopulumi.PluginBundlePackage"): "/w/pkgs/plugins", pkg("Octopulumi.DependencyBundlePackage"): "/w/pkgs/deps"},
		wantArgs: "deploy --report octopus --program /w/pkgs/infra/stacks/net",
		wantEnv:  []string{"OCTOPULUMI_VAR_Pulumi__PluginBundle=/w/pkgs/plugins", "OCTOPULUMI_VAR_Pulumi__DependencyBundle=/w/pkgs/deps"},
	}, {
		name:     "the program package's root",
		vars:     map[string]string{pkg("Octopulumi.ProgramPackage"): "/w/pkgs/infra", "Octopulumi.Command": "preview"},
		wantArgs: "preview --report octopus --program /w/pkgs/infra",
	}, {
		name:     "octopulumi from its package, first on PATH",
		vars:     map[string]string{"Octopulumi.Program": "/w/infra", pkg("Octopulumi.OctopulumiPackage"): "@tools"},
		wantArgs: "deploy --report octopus --program /w/infra",
		wantPath: "/tools:",
	}, {
		name:     "up without an approved fingerprint passes it empty, to be refused",
		vars:     map[string]string{"Octopulumi.Command": "up", "Octopulumi.Program": "/w/infra"},
		wantArgs: "up --report octopus --program /w/infra --approved-fingerprint ",
	}, {
		name: "apply an approved preview with the OIDC account",
		vars: map[string]string{"Octopulumi.Command": "up", "Octopulumi.Program": "/w/infra", "Octopulumi.Backend": "https://api.example.com",
			"Octopulumi.ApprovedFingerprint": "v1-abc", "Octopulumi.Account.OpenIdConnect.Jwt": "eyJ.jwt.sig"},
		wantArgs: "up --report octopus --program /w/infra --backend https://api.example.com --approved-fingerprint v1-abc",
		wantEnv:  []string{"OCTOPULUMI_VAR_Pulumi__OidcAccount=Octopulumi.Account", "OCTOPULUMI_SECRET_Octopulumi__Account__OpenIdConnect__Jwt=eyJ.jwt.sig"},
	}, {
		name: "listed config variables, plain and secret",
		vars: map[string]string{"Octopulumi.Program": "/w/infra",
			"Octopulumi.ConfigVariables": " Pulumi.Config.aws:region\r\n\nPulumi.Config.app:db.port ", "Octopulumi.SecretConfigVariables": "Pulumi.Config.app:pass_word",
			"Pulumi.Config.aws:region": "eu-west-1", "Pulumi.Config.app:db.port": "5432", "Pulumi.Config.app:pass_word": "pw"},
		wantArgs: "deploy --report octopus --program /w/infra",
		wantEnv: []string{"OCTOPULUMI_VAR_Pulumi__Config__aws_3Aregion=eu-west-1", "OCTOPULUMI_VAR_Pulumi__Config__app_3Adb__port=5432",
			"OCTOPULUMI_SECRET_Pulumi__Config__app_3Apass_5Fword=pw"},
	}, {
		name: "cloud accounts: the account parameters' properties, secrets as secrets",
		vars: map[string]string{"Octopulumi.Program": "/w/infra", "Octopulumi.AwsAccount": "Accounts-1", "Octopulumi.AwsAccount.AccessKey": "AKIAEXAMPLE",
			"Octopulumi.AwsAccount.SecretKey": "aws-secret", "Octopulumi.AwsRegion": "eu-west-1",
			"Octopulumi.AzureAccount": "Accounts-2", "Octopulumi.AzureAccount.Client": "c", "Octopulumi.AzureAccount.OpenIdConnect.Jwt": "eyJ.azure.secret",
			"Octopulumi.GoogleAccount": "Accounts-3", "Octopulumi.GoogleAccount.JsonKey": "eyJ0eXBlIjoic2VjcmV0In0=", "Octopulumi.GoogleProject": "p-123456"},
		wantArgs: "deploy --report octopus --program /w/infra",
		wantEnv: []string{"OCTOPULUMI_VAR_Pulumi__AwsAccount=Accounts-1", "OCTOPULUMI_VAR_Pulumi__AwsAccount__AccessKey=AKIAEXAMPLE",
			"OCTOPULUMI_SECRET_Pulumi__AwsAccount__SecretKey=aws-secret", "OCTOPULUMI_VAR_Pulumi__AwsRegion=eu-west-1",
			"OCTOPULUMI_VAR_Pulumi__AzureAccount__Client=c", "OCTOPULUMI_SECRET_Pulumi__AzureAccount__OpenIdConnect__Jwt=eyJ.azure.secret",
			"OCTOPULUMI_SECRET_Pulumi__GoogleAccount__JsonKey=eyJ0eXBlIjoic2VjcmV0In0=", "OCTOPULUMI_VAR_Pulumi__GoogleProject=p-123456"},
		notEnv: []string{"OCTOPULUMI_VAR_Pulumi__AwsAccount__SecretKey=", "OCTOPULUMI_VAR_Pulumi__AzureAccount__OpenIdConnect__Jwt=",
			"OCTOPULUMI_VAR_Pulumi__GoogleAccount__JsonKey=", "OCTOPULUMI_VAR_Pulumi__OidcAccount="},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runScript(t, tc.vars)
			if r.err != nil {
				t.Fatalf("script: %v\n%s", r.err, r.out)
			}
			if r.args != tc.wantArgs {
				t.Errorf("octopulumi %s, want octopulumi %s", r.args, tc.wantArgs)
			}
			for _, w := range tc.wantEnv {
				if !strings.Contains(r.record, "\n"+w+"\n") {
					t.Errorf("the environment lacks %s", w)
				}
			}
			for _, n := range tc.notEnv {
				if strings.Contains(r.record, "\n"+n) {
					t.Errorf("the environment has %s", n)
				}
			}
			if tc.wantPath != "" && !strings.Contains(r.record, tc.wantPath) {
				t.Errorf("PATH does not start with the octopulumi package's folder:\n%s", r.record)
			}
			if strings.Contains(r.args, "secret") {
				t.Error("a secret reached the command line")
			}
		})
	}
}

// TestScriptFailsClearly: a wrong form fails the step with fail_step and a
// message that says what to do, before octopulumi runs.
func TestScriptFailsClearly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"octopulumi on neither PATH nor a package", map[string]string{"@none": "", "Octopulumi.Program": "/w/infra", octoenv.PackageVariable(steptemplate.ParamOctopulumiPackage): "/nowhere"},
			"octopulumi was not found in the octopulumi package (Octopulumi.OctopulumiPackage, extracted to /nowhere)"},
		{"no program", map[string]string{}, "No Pulumi program: choose the Pulumi program package (Octopulumi.ProgramPackage)"},
		{"an unknown command", map[string]string{"Octopulumi.Command": "up --yes", "Octopulumi.Program": "/w"}, "Octopulumi.Command is 'up --yes'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runScript(t, tc.vars)
			if r.err == nil || !strings.Contains(r.out, tc.want) || r.record != "" {
				t.Errorf("err %v, output %q, octopulumi ran: %v; want a failure saying %q", r.err, r.out, r.record != "", tc.want)
			}
		})
	}
	// Without the package, the message says where octopulumi may come from.
	body, err := steptemplate.Script()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", "get_octopusvariable() { [ \"$1\" = Octopulumi.Program ] && printf /w; true; }\n"+body)
	cmd.Env = []string{"PATH=/nonexistent"}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "octopulumi was not found: choose the octopulumi package (Octopulumi.OctopulumiPackage), or install octopulumi on the worker's PATH") {
		t.Errorf("without octopulumi: %v, %s", err, out)
	}
}

// TestEveryParameterReachesOctopulumi: a field of the form that the script
// neither reads nor hands over would be silently ignored. Each parameter
// (a package parameter: its extracted path; an account parameter: its
// token) gets a value of its own, and that value must reach octopulumi: on
// its command line, in its environment, or on its PATH.
func TestEveryParameterReachesOctopulumi(t *testing.T) {
	t.Parallel()
	tmpl, err := steptemplate.New()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	want := map[string]string{}
	for i, p := range tmpl.Parameters {
		v := fmt.Sprintf("v%02dx", i)
		switch p.DisplaySettings["Octopus.ControlType"] {
		case "Select":
			v = "up" // only the options are accepted; up takes the approved fingerprint
			vars[p.Name] = v
		case "Package":
			v = "/pkg/" + v
			vars[octoenv.PackageVariable(p.Name)] = v
		case "GenericOidcAccount":
			vars[p.Name+".OpenIdConnect.Jwt"] = v
		default:
			vars[p.Name] = v
		}
		want[p.Name] = v
	}
	vars[steptemplate.ParamProgram] = "/abs/" + vars[steptemplate.ParamProgram] // an absolute program folder wins over the package
	want[steptemplate.ParamProgram] = vars[steptemplate.ParamProgram]
	vars[octoenv.PackageVariable(steptemplate.ParamProgramPackage)] = ""
	delete(want, steptemplate.ParamProgramPackage) // checked below, alone
	r := runScript(t, vars)
	if r.err != nil {
		t.Fatalf("script: %v\n%s", r.err, r.out)
	}
	for name, v := range want {
		if !strings.Contains(r.record, v) {
			t.Errorf("the parameter %s is on the form but its value never reaches octopulumi", name)
		}
	}
	r = runScript(t, map[string]string{octoenv.PackageVariable(steptemplate.ParamProgramPackage): "/pkg/program"})
	if r.err != nil || !strings.Contains(r.args, "/pkg/program") {
		t.Errorf("the program package's path does not reach octopulumi: %q, %v", r.args, r.err)
	}
}
