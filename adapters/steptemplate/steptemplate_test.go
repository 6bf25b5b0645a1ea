package steptemplate_test

import (
	"bytes"
	"encoding/json"
	"flag"
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
var update = flag.Bool("update", false, "rewrite octopulumi.json from steptemplate.New")

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
		if err := os.WriteFile("octopulumi.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("octopulumi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("octopulumi.json is out of date: run `go test ./adapters/steptemplate -run TestCommittedTemplateIsCurrent -update` " +
			"(or `go run ./adapters/octopulumi step-template > adapters/steptemplate/octopulumi.json`)")
	}
}

func TestTemplateShape(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("octopulumi.json")
	if err != nil {
		t.Fatal(err)
	}
	var tmpl steptemplate.Template
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tmpl); err != nil {
		t.Fatalf("octopulumi.json: %v", err)
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
			!strings.Contains(body, "octopulumi_export_list OCTOPULUMI_VAR_ '"+name+"'") {
			t.Errorf("the script never reads parameter %q", name)
		}
	}
	for _, secret := range []string{octoenv.VarAccessToken, octoenv.VarConfigPassphrase} {
		for _, p := range tmpl.Parameters {
			if p.Name == secret && p.DisplaySettings["Octopus.ControlType"] != "Sensitive" {
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
	raw, err := os.ReadFile("octopulumi.json")
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
	exported := func(name string, sensitive bool) bool {
		return strings.Contains(body, "\nexport "+octoenv.EnvName(name, sensitive)+"=\"$(get_octopusvariable "+octoenv.BashQuote(name)+")\"\n")
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
		p, ok := params[c.param]
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
			p, ok := params[n]
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

// TestScriptBuildsCommandLine runs the script with a stand-in octopulumi
// that records its arguments and environment.
func TestScriptBuildsCommandLine(t *testing.T) {
	t.Parallel()
	body, err := steptemplate.Script()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		vars     map[string]string
		wantArgs string
		wantEnv  []string
		notEnv   []string
	}{{
		name:     "deploy with a token",
		vars:     map[string]string{"Pulumi.Program": "/w/infra", "Pulumi.AccessToken": "pul-secret", "Pulumi.ApprovedFingerprint": "v1-ignored"},
		wantArgs: "deploy --program /w/infra",
		wantEnv:  []string{"OCTOPULUMI_SECRET_Pulumi__AccessToken=pul-secret"},
		notEnv:   []string{"OCTOPULUMI_VAR_Pulumi__OidcAccount="},
	}, {
		name:     "up without an approved fingerprint passes it empty, to be refused",
		vars:     map[string]string{"Pulumi.Command": "up", "Pulumi.Program": "/w/infra"},
		wantArgs: "up --program /w/infra --approved-fingerprint ",
	}, {
		name: "apply an approved preview with the OIDC account",
		vars: map[string]string{"Pulumi.Command": "up", "Pulumi.Program": "/w/infra", "Pulumi.Backend": "https://api.example.com",
			"Pulumi.ApprovedFingerprint": "v1-abc", "Pulumi.Account.OpenIdConnect.Jwt": "eyJ.jwt.sig"},
		wantArgs: "up --program /w/infra --backend https://api.example.com --approved-fingerprint v1-abc",
		wantEnv:  []string{"OCTOPULUMI_VAR_Pulumi__OidcAccount=Pulumi.Account", "OCTOPULUMI_SECRET_Pulumi__Account__OpenIdConnect__Jwt=eyJ.jwt.sig"},
	}, {
		name: "listed config variables, plain and secret",
		vars: map[string]string{"Pulumi.Program": "/w/infra",
			"Pulumi.ConfigVariables": " Pulumi.Config.aws:region\r\n\nPulumi.Config.app:db.port ", "Pulumi.SecretConfigVariables": "Pulumi.Config.app:pass_word",
			"Pulumi.Config.aws:region": "eu-west-1", "Pulumi.Config.app:db.port": "5432", "Pulumi.Config.app:pass_word": "pw"},
		wantArgs: "deploy --program /w/infra",
		wantEnv: []string{"OCTOPULUMI_VAR_Pulumi__Config__aws_3Aregion=eu-west-1", "OCTOPULUMI_VAR_Pulumi__Config__app_3Adb__port=5432",
			"OCTOPULUMI_SECRET_Pulumi__Config__app_3Apass_5Fword=pw"},
	}, {
		name: "cloud accounts: the account parameters' properties, secrets as secrets",
		vars: map[string]string{"Pulumi.Program": "/w/infra", "Pulumi.AwsAccount": "Accounts-1", "Pulumi.AwsAccount.AccessKey": "AKIAEXAMPLE",
			"Pulumi.AwsAccount.SecretKey": "aws-secret", "Pulumi.AwsRegion": "eu-west-1",
			"Pulumi.AzureAccount": "Accounts-2", "Pulumi.AzureAccount.Client": "c", "Pulumi.AzureAccount.OpenIdConnect.Jwt": "eyJ.azure.secret",
			"Pulumi.GoogleAccount": "Accounts-3", "Pulumi.GoogleAccount.JsonKey": "eyJ0eXBlIjoic2VjcmV0In0=", "Pulumi.GoogleProject": "p-123456"},
		wantArgs: "deploy --program /w/infra",
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
			dir := t.TempDir()
			record := dir + "/record"
			fake := "#!/bin/sh\necho \"$*\" > " + record + "\nenv >> " + record + "\n"
			if err := os.WriteFile(dir+"/octopulumi", []byte(fake), 0o755); err != nil {
				t.Fatal(err)
			}
			var prelude strings.Builder
			prelude.WriteString("get_octopusvariable() {\n  case \"$1\" in\n")
			for k, v := range tc.vars {
				prelude.WriteString("    " + octoenv.BashQuote(k) + ") printf '%s' " + octoenv.BashQuote(v) + " ;;\n")
			}
			prelude.WriteString("  esac\n}\n")
			cmd := exec.Command("bash", "-c", prelude.String()+body)
			cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("script: %v\n%s", err, out)
			}
			raw, err := os.ReadFile(record)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(raw), "\n")
			if lines[0] != tc.wantArgs {
				t.Errorf("octopulumi %s, want octopulumi %s", lines[0], tc.wantArgs)
			}
			for _, w := range tc.wantEnv {
				if !strings.Contains(string(raw), "\n"+w+"\n") {
					t.Errorf("the environment lacks %s", w)
				}
			}
			for _, n := range tc.notEnv {
				if strings.Contains(string(raw), "\n"+n) {
					t.Errorf("the environment has %s", n)
				}
			}
			if strings.Contains(body, "pul-secret") || strings.Contains(body, "aws-secret") || strings.Contains(lines[0], "secret") {
				t.Error("a secret reached the script body or the command line")
			}
		})
	}
}

// TestEveryParameterReachesOctopulumi: a field of the form that the script
// neither reads nor hands over would be silently ignored. Each parameter is
// read by the script (get_octopusvariable) or exported under its octoenv
// name (plain or sensitive).
func TestEveryParameterReachesOctopulumi(t *testing.T) {
	t.Parallel()
	tmpl, err := steptemplate.New()
	if err != nil {
		t.Fatal(err)
	}
	body := tmpl.Properties[steptemplate.ScriptBody]
	for _, p := range tmpl.Parameters {
		read := strings.Contains(body, "get_octopusvariable "+p.Name+")") || strings.Contains(body, "get_octopusvariable "+p.Name+`"`) ||
			strings.Contains(body, "get_octopusvariable '"+p.Name+"'")
		listed := strings.Contains(body, "OCTOPULUMI_VAR_ '"+p.Name+"'") || strings.Contains(body, "OCTOPULUMI_SECRET_ '"+p.Name+"'")
		var exported bool
		for _, sensitive := range []bool{false, true} {
			name := octoenv.EnvName(p.Name, sensitive)
			// The variable itself, or an account's properties (X.OpenIdConnect.Jwt).
			exported = exported || strings.Contains(body, name+"=") || strings.Contains(body, name+"__")
		}
		if !read && !listed && !exported {
			t.Errorf("the parameter %s is on the form but the script never hands it to octopulumi", p.Name)
		}
	}
}
