package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

func TestVarFlagsLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	varsFile := filepath.Join(dir, "vars.json")
	if err := os.WriteFile(varsFile, []byte(`{"Octopus.Environment.Name": "Staging", "Pulumi.Config.app:db": "from-file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		flags varFlags
		stdin string
		// want maps variable names to values; usage says a usage error
		// containing that text is expected instead.
		want  map[string]string
		usage string
	}{
		{
			name:  "file, stdin secrets and flags, flags win",
			flags: varFlags{varsJSON: varsFile, secretsJSON: "-", vars: []string{"Pulumi.Config.app:db=from-flag"}, environment: "Production"},
			stdin: `{"Pulumi.AccessToken": "pul-secret"}`,
			want:  map[string]string{"Octopus.Environment.Name": "Production", "Pulumi.Config.app:db": "from-flag", "Pulumi.AccessToken": "pul-secret"},
		},
		{
			name:  "both JSON sources on stdin",
			flags: varFlags{varsJSON: "-", secretsJSON: "-"},
			stdin: `{}`,
			usage: "cannot both read stdin",
		},
		{
			name:  "a pair without a value",
			flags: varFlags{vars: []string{"NoEquals"}},
			usage: "Name=Value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			a := &app{io: IO{In: strings.NewReader(tt.stdin), Out: &out, Err: &out}}
			vars, err := tt.flags.load(context.Background(), a)
			if tt.usage != "" {
				var ue *usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.usage) {
					t.Fatalf("load = %v, want a usage error containing %q", err, tt.usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if got := vars.Value(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if v, ok := vars.Lookup(octoenv.VarAccessToken); !ok || !v.Sensitive {
				t.Errorf("%s from --sensitive-json = %+v, want it sensitive", octoenv.VarAccessToken, v)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"deploy", "./infra"}, "did you mean --program ./infra?"},
		{[]string{"login", "extra"}, "takes no arguments"},
		{[]string{"deploy", "--no-such-flag"}, "unknown flag"},
		{[]string{"preview", "--report", "jenkins"}, `unknown system "jenkins": use octopus, github, azure, teamcity, gitlab, plain or auto`},
		{[]string{"preview", "--pr-comment"}, "--pr-comment comments on a GitHub pull request, from a GitHub Actions job; this step reports to octopus"},
	} {
		var out, errOut strings.Builder
		code := Main(context.Background(), tc.args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Environ: tentacle})
		if code != 2 || !strings.Contains(errOut.String(), tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut.String(), tc.says)
		}
		// Octopus shows only the result message as the step's failure:
		// it must say what to fix, and where to read more.
		var results []string
		if err := octoenv.Scan(strings.NewReader(out.String()), func(m octoenv.Message) error {
			if m.Name == octoenv.MessageResultMessage {
				v, _ := m.Get("message")
				results = append(results, v)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(results) != 1 || !strings.Contains(results[0], tc.says) || !strings.Contains(results[0], "--help") {
			t.Errorf("%v: result messages %q, want one saying %q and pointing at --help", tc.args, results, tc.says)
		}
	}
}

func TestInvalidVariablesSayWhereVariablesComeFrom(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: app\nruntime: yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	code := Main(context.Background(), []string{"deploy", "--program", dir, "--backend", "file://" + dir}, IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Environ: tentacle})
	if code != 1 || !strings.Contains(errOut.String(), "OCTOPULUMI_VAR_Octopus__Environment__Name") {
		t.Errorf("exit %d, stderr %q: want 1 and a hint naming OCTOPULUMI_VAR_Octopus__Environment__Name", code, errOut.String())
	}
}

// tentacle is the environment a Tentacle gives a script step: octopulumi
// reports with Octopus service messages there.
var tentacle = []string{"TentacleHome=/etc/octopus/Tentacle", "TentacleJournal=/etc/octopus/Tentacle/DeploymentJournal.xml"}
