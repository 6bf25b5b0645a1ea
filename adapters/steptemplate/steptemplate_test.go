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
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s", err, out)
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
			if strings.Contains(body, "pul-secret") || strings.Contains(lines[0], "secret") {
				t.Error("a secret reached the script body or the command line")
			}
		})
	}
}

// TestBashEnvNameMatchesOctoenv: the script names the environment variables
// of listed variables in Bash; they must be exactly octoenv.EnvName's.
func TestBashEnvNameMatchesOctoenv(t *testing.T) {
	t.Parallel()
	body, err := steptemplate.Script()
	if err != nil {
		t.Fatal(err)
	}
	fn := body[strings.Index(body, "octopulumi_env_name() {"):]
	fn = fn[:strings.Index(fn, "\n}\n")+3]
	names := []string{
		"Pulumi.Config.aws:region", "Pulumi.Config.app:db.port", "Pulumi.Config.app:list[0]",
		"Pulumi.Config.x-y_z", "Pulumi.Config.app:café", "it's a name", "Ünïcödé.Näme", "tab\there", "*?[]$`\\",
	}
	var script strings.Builder
	script.WriteString(fn)
	for _, n := range names {
		script.WriteString("octopulumi_env_name OCTOPULUMI_SECRET_ " + octoenv.BashQuote(n) + "; echo\n")
	}
	out, err := exec.Command("bash", "-c", script.String()).Output()
	if err != nil {
		t.Fatalf("bash: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(got) != len(names) {
		t.Fatalf("%d names out of bash, want %d: %q", len(got), len(names), got)
	}
	for i, n := range names {
		if want := octoenv.EnvName(n, true); got[i] != want {
			t.Errorf("bash names %q %s, octoenv %s", n, got[i], want)
		}
	}
}
