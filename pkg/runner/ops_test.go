package runner

import (
	"strings"
	"testing"
)

func TestCheckStackName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stack string
		want  string // "" means valid
	}{
		{"dev", ""},
		{"infra/dev", ""},
		{"my-org/infra/prod.eu_1", ""},
		{"organization/two-files/dev", ""},
		{"..", "path element"},
		{".", "path element"},
		{"organization/infra/..", "path element"},
		{"organization/../dev", "path element"},
		{"../infra/dev", "path element"},
		{"--remove", "starts with '-'"},
		{"", "is not a stack name"},
		{" ", "is not a stack name"},
		{"a/b/c/d", "is not a stack name"},
		{"org//dev", "project part"},
		{"org/infra/dev env", "invalid character ' '"},
		{"org/infra/dév", "invalid character"},
		{"org/infra/" + strings.Repeat("x", 101), "100 characters"},
		{"org/in fra/dev", "project part"},
		{"o rg/infra/dev", "organization names"},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			t.Parallel()
			err := CheckStackName(tt.stack)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckStackName(%q) = %v, want nil", tt.stack, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckStackName(%q) = %v, want an error containing %q", tt.stack, err, tt.want)
			}
		})
	}
}
