package octoenv

import (
	"regexp"
	"strings"
	"testing"
)

func TestEnvName(t *testing.T) {
	t.Parallel()
	bashName := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	tests := []struct {
		name      string
		sensitive bool
		want      string
	}{
		{"Octopus.Environment.Name", false, "OCTOPULUMI_VAR_Octopus__Environment__Name"},
		{"Pulumi.Config.aws:region", false, "OCTOPULUMI_VAR_Pulumi__Config__aws_3Aregion"},
		{"Pulumi.AccessToken", true, "OCTOPULUMI_SECRET_Pulumi__AccessToken"},
		{"Octopus.Action.Package[tools].ExtractedPath", false, "OCTOPULUMI_VAR_Octopus__Action__Package_5Btools_5D__ExtractedPath"},
		{"a_b c", false, "OCTOPULUMI_VAR_a_5Fb_20c"},
		{"é", false, "OCTOPULUMI_VAR__C3_A9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := EnvName(tt.name, tt.sensitive)
			if got != tt.want {
				t.Errorf("EnvName = %q, want %q", got, tt.want)
			}
			if !bashName.MatchString(got) {
				t.Errorf("%q is not a Bash variable name", got)
			}
			vars, err := FromEnviron([]string{got + "=v"})
			if err != nil || len(vars) != 1 || vars[0].Name != tt.name || vars[0].Sensitive != tt.sensitive {
				t.Errorf("FromEnviron round trip = %+v, %v", vars, err)
			}
		})
	}
}

func TestFromEnviron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		environ []string
		want    []Variable
		wantErr string
	}{
		{
			name: "aliases and encoded",
			environ: []string{
				"HOME=/root", "=C:=C:\\", "noequals",
				"OCTOPULUMI_ACCESS_TOKEN=pul-1",
				"OCTOPULUMI_ORGANIZATION=acme",
				EnvName("Octopus.Environment.Name", false) + "=Prod=1",
			},
			want: []Variable{
				{Name: "Octopus.Environment.Name", Value: "Prod=1"},
				{Name: "Pulumi.AccessToken", Value: "pul-1", Sensitive: true},
				{Name: "Pulumi.Organization", Value: "acme"},
			},
		},
		{
			name:    "same value merges, sensitive wins",
			environ: []string{"OCTOPULUMI_STACK=s", EnvName("Pulumi.Stack", true) + "=s"},
			want:    []Variable{{Name: "Pulumi.Stack", Value: "s", Sensitive: true}},
		},
		{
			name:    "conflict",
			environ: []string{"OCTOPULUMI_STACK=a", EnvName("pulumi.stack", false) + "=hunter2"},
			wantErr: "OCTOPULUMI_STACK and OCTOPULUMI_VAR_pulumi__stack both set",
		},
		{name: "bad hex", environ: []string{EnvVarPrefix + "A_G1=x"}, wantErr: "two hex digits"},
		{name: "dangling underscore", environ: []string{EnvVarPrefix + "A_=x"}, wantErr: "two hex digits"},
		{name: "empty name", environ: []string{EnvVarPrefix + "=x"}, wantErr: "empty"},
		{name: "bad character", environ: []string{EnvVarPrefix + "A-B=x"}, wantErr: "cannot appear"},
		{name: "invalid utf8", environ: []string{EnvVarPrefix + "_FF=x"}, wantErr: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FromEnviron(tt.environ)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error = %v, want one containing %q and no value", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("variable %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestEnvAliases(t *testing.T) {
	t.Parallel()
	a := EnvAliases()
	if a["OCTOPULUMI_ACCESS_TOKEN"] != VarAccessToken || a["OCTOPULUMI_STACK"] != VarStack {
		t.Errorf("EnvAliases() = %v", a)
	}
	a["OCTOPULUMI_STACK"] = "changed"
	if EnvAliases()["OCTOPULUMI_STACK"] != VarStack {
		t.Error("EnvAliases returned shared state")
	}
}
