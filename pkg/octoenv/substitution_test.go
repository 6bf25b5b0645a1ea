package octoenv

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestUnsubstituted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value, want string
		ok          bool
	}{
		{"", "", false},
		{"eu-west-1", "", false},
		{"#{Octopus.Environment.Name}", "#{Octopus.Environment.Name}", true},
		{"prefix-#{A}-#{B}", "#{A}", true},
		{"#{Octopus.Action[Deploy infra].Output.Url}", "#{Octopus.Action[Deploy infra].Output.Url}", true},
		{"#{if Tenant}x#{/if}", "#{if Tenant}", true},
		{"#{", "#{", true},
		{"tail #{Unclosed", "#{Unclosed", true},
		{"#{}", "#{}", true},
		{"C#{Lang}", "#{Lang}", true},
		// "##{" is Octostache's escape for a literal "#{", not an expression.
		{"##{Literal}", "", false},
		{"##{Literal} then #{Missing}", "#{Missing}", true},
		{"{Not} #Not # {Not}", "", false},
		{"ü#{Ä}", "#{Ä}", true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			got, ok := Unsubstituted(tt.value)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Unsubstituted(%q) = %q, %v; want %q, %v", tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestNewContextUnsubstituted: every variable the context reads or passes on is refused
// when it still holds "#{…}", named with the expression; sensitive values never show.
func TestNewContextUnsubstituted(t *testing.T) {
	t.Parallel()
	const envMsg = `Octopus.Environment.Name holds "#{Octopus.Environment.Name}", which Octopus could not substitute (a missing variable, a typo, or a step name that changed); fix the variable, or list Octopus.Environment.Name in Octopulumi.LiteralVariables if its value really contains "#{"`
	tests := []struct {
		name     string
		kv       []string          // over deploymentVars; '!' marks sensitive
		problems map[string]string // variable → text its problem holds
		hidden   []string          // must not appear in the error
	}{{
		name:     "system variable",
		kv:       []string{"Octopus.Environment.Name", "#{Octopus.Environment.Name}"},
		problems: map[string]string{VarEnvironmentName: envMsg},
	}, {
		name: "Pulumi settings and config, one problem each",
		kv: []string{
			"Pulumi.Stack", "acme/app/#{Stack}",
			"Pulumi.ApprovedFingerprint", "#{Octopus.Action[Preview].Output.Pulumi.Preview.Fingerprint}",
			"Pulumi.Config.aws:region", "#{Region",
			"Octopus.Action.Package[infra].ExtractedPath", "#{Octopus.Action.Package[infra].ExtractedPath}",
		},
		problems: map[string]string{
			VarStack:                     `holds "#{Stack}"`,
			"Pulumi.ApprovedFingerprint": `holds "#{Octopus.Action[Preview].Output.Pulumi.Preview.Fingerprint}"`,
			"Pulumi.Config.aws:region":   `holds "#{Region"`,
			"Octopus.Action.Package[infra].ExtractedPath": `holds "#{Octopus.Action.Package[infra].ExtractedPath}"`,
		},
	}, {
		name: "secrets show the expression, never the value",
		kv: []string{
			"!Pulumi.Config.app:password", "s3cr3t-#{Db.Password}",
			"Pulumi.AccessToken", "#{Pulumi.Token}",
			"Pulumi.ConfigPassphrase", "hunter#{9$k%tail",
			"Octopus.OpenIdConnect.Jwt", "#{Octopus.OpenIdConnect.Jwt}",
			"Azure.OpenIdConnect.Jwt", "eyJ#{&x}",
		},
		problems: map[string]string{
			"Pulumi.Config.app:password": `holds "#{Db.Password}"`,
			VarAccessToken:               `holds "#{Pulumi.Token}"`,
			VarConfigPassphrase:          `holds a "#{" expression (not shown: the variable is sensitive)`,
			VarOIDCToken:                 `holds "#{Octopus.OpenIdConnect.Jwt}"`,
			"Azure.OpenIdConnect.Jwt":    `(not shown: the variable is sensitive)`,
		},
		hidden: []string{"s3cr3t", "hunter", "9$k", "tail", "eyJ", "&x"},
	}, {
		name: "listed as literal",
		kv: []string{
			"Octopus.Environment.Name", "#{Octopus.Environment.Name}",
			"Pulumi.Config.app:template", "Hello #{name}",
			"Pulumi.Config.app:other", "#{Other}",
			VarLiteralVariables, "octopus.environment.name,\n Pulumi.Config.app:template",
		},
		problems: map[string]string{"Pulumi.Config.app:other": `holds "#{Other}"`},
	}, {
		name: "variables the context does not read or pass on",
		kv: []string{
			"Custom.Thing", "#{Missing}",
			"Octopus.Action.Script.ScriptBody", "echo #{Missing}",
			"Pulumi.Config.app:escaped", "##{Literal}",
		},
	}, {
		name:     "NUL in config",
		kv:       []string{"Pulumi.Config.app:blob", "a\x00b", "!Pulumi.Config.app:key", "hunter2\x00"},
		problems: map[string]string{"Pulumi.Config.app:blob": "NUL byte", "Pulumi.Config.app:key": "NUL byte"},
		hidden:   []string{"hunter2"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewContext(varsOf(t, deploymentVars(tt.kv...)...))
			if len(tt.problems) == 0 {
				if err != nil {
					t.Fatalf("NewContext: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want *ValidationError", err)
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, p.Variable)
				if want, ok := tt.problems[p.Variable]; !ok || !strings.Contains(p.String(), want) {
					t.Errorf("problem %q, want one holding %q", p.String(), want)
				}
			}
			if len(got) != len(tt.problems) {
				t.Errorf("problems for %q, want one for each of %v", got, tt.problems)
			}
			for _, h := range tt.hidden {
				if strings.Contains(err.Error(), h) {
					t.Errorf("error %q shows %q", err, h)
				}
			}
		})
	}
}

// TestLiteralVariablesAddUp: Octopulumi.LiteralVariables is read like
// Octopulumi.SensitiveVariables: lists from every source add up, and the environment has
// the alias OCTOPULUMI_LITERAL_VARIABLES.
func TestLiteralVariablesAddUp(t *testing.T) {
	t.Parallel()
	env, err := FromEnviron([]string{"OCTOPULUMI_LITERAL_VARIABLES=From.Env"})
	if err != nil {
		t.Fatal(err)
	}
	json := []Variable{{Name: VarLiteralVariables, Value: "From.Json\r\nShared"}, {Name: "From.Json", Value: "#{x}"}}
	explicit := []Variable{{Name: "octopulumi.literalvariables", Value: "From.Flag, shared"}}
	for _, layers := range [][][]Variable{{json, env, explicit}, {env, json, explicit}} {
		v, err := Merge(nil, layers...)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"From.Env", "FROM.JSON", "From.Flag", "Shared"} {
			if !v.Literal(name) {
				t.Errorf("%s is not literal", name)
			}
		}
		if v.Literal("Other") {
			t.Error("an unlisted variable is literal")
		}
	}
	if (*Variables)(nil).Literal("x") {
		t.Error("nil Variables: Literal is true")
	}
	if !slices.Contains(KnownVariables(), VarLiteralVariables) {
		t.Error("KnownVariables lacks Octopulumi.LiteralVariables, so the Bash script would not hand it over")
	}
}
