package step_test

import (
	"io"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// Outside Octopus no Octopus variable is needed: the stack is Pulumi.Stack
// (--stack), else the CI build's review stack, else a clear error.
func TestReadSettingsOutsideOctopus(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	program := bed.Program(t, "two-files")
	for _, tc := range []struct {
		name   string
		system report.System
		env    []string
		stack  string // the Pulumi.Stack variable
		want   string // the stack, or the error's words
		fails  bool
	}{
		{"github pull request", report.GitHub, []string{"GITHUB_REF=refs/pull/7/merge", "GITHUB_HEAD_REF=feature/x"}, "", "pr-7", false},
		{"jenkins pull request", report.Plain, []string{"CHANGE_ID=12", "BRANCH_NAME=PR-12"}, "", "pr-12", false},
		{"a branch names no stack", report.GitHub, []string{"GITHUB_REF=refs/heads/main", "GITHUB_REF_NAME=main"}, "", "the stack must be given: pass --stack (or set Pulumi.Stack)", true},
		{"given stack wins", report.GitLab, []string{"CI_MERGE_REQUEST_IID=3"}, "dev", "dev", false},
		{"no branch, no stack", report.TeamCity, []string{"BUILD_NUMBER=31"}, "", "running in teamcity outside Octopus, the stack must be given: pass --stack (or set Pulumi.Stack); only a pull request's build", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := report.New(tc.system, report.Options{Out: io.Discard, Environ: tc.env, Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			vs := []octoenv.Variable{{Name: octoenv.VarConfigPassphrase, Value: testbed.Passphrase, Sensitive: true}}
			if tc.stack != "" {
				vs = append(vs, octoenv.Variable{Name: octoenv.VarStack, Value: tc.stack})
			}
			v, err := octoenv.Merge(nil, vs)
			if err != nil {
				t.Fatal(err)
			}
			s, err := step.ReadSettings(step.Config{Program: program, Vars: v, Backend: bed.Backend, Environ: tc.env, Reporter: rep})
			if tc.fails {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want it to say %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Stack != tc.want {
				t.Errorf("stack %q, want %q", s.Stack, tc.want)
			}
			if s.Build.System != tc.system {
				t.Errorf("build system %q, want %q", s.Build.System, tc.system)
			}
		})
	}
}

// PULUMI_ACCESS_TOKEN in the environment logs a CI job in; in Octopus a
// token in the worker's own environment is never used behind the step's
// back: the step asks for Pulumi.AccessToken.
func TestEnvironmentTokenOnlyOutsideOctopus(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	program := bed.Program(t, "two-files")
	env := []string{"PULUMI_ACCESS_TOKEN=pul-0123456789abcdef0123456789abcdef01234567", "GITHUB_REF=refs/pull/3/merge"}
	v, err := octoenv.Merge(nil, []octoenv.Variable{
		{Name: octoenv.VarProjectName, Value: "Web Shop"}, {Name: octoenv.VarEnvironmentName, Value: "Staging"},
		{Name: octoenv.VarOrganization, Value: "acme"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = step.ReadSettings(step.Config{Program: program, Vars: v, Backend: "https://api.example.com", Environ: env})
	if err == nil || !strings.Contains(err.Error(), "needs a Pulumi access token: set "+octoenv.VarAccessToken) {
		t.Errorf("in Octopus: err = %v, want one asking for %s", err, octoenv.VarAccessToken)
	}
	rep, err := report.New(report.GitHub, report.Options{Out: io.Discard, Environ: env})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := step.ReadSettings(step.Config{Program: program, Vars: v, Backend: "https://api.example.com", Environ: env, Reporter: rep}); err != nil {
		t.Errorf("in GitHub Actions with PULUMI_ACCESS_TOKEN: %v", err)
	}
}
