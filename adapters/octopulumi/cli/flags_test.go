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
