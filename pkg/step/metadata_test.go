package step

import (
	"testing"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
)

func TestCIEnvAndDefaultMessage(t *testing.T) {
	t.Parallel()
	deployment := &octoenv.Context{
		Project:     octoenv.Entity{Name: "Web Shop"},
		Environment: octoenv.Entity{Name: "Production"},
		Tenant:      octoenv.Entity{Name: "Acme"},
		Release:     octoenv.Release{Number: "1.2.3"},
		Deployment:  octoenv.Deployment{ID: "Deployments-42", Link: "/app#/Spaces-1/deployments/Deployments-42"},
		ServerURI:   "https://octopus.example/",
	}
	env := ciEnv(deployment, report.Build{})
	for k, want := range map[string]string{
		"PULUMI_CI_SYSTEM": "Octopus Deploy", "PULUMI_CI_BUILD_TYPE": "deployment", "PULUMI_CI_BUILD_ID": "Deployments-42",
		"PULUMI_CI_BUILD_NUMBER": "1.2.3", "PULUMI_CI_BUILD_URL": "https://octopus.example/app#/Spaces-1/deployments/Deployments-42",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if got, want := defaultMessage(deployment, report.Build{}), "Octopus deployment of Web Shop release 1.2.3 to Production for tenant Acme (https://octopus.example/app#/Spaces-1/deployments/Deployments-42)"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	runbook := &octoenv.Context{Project: octoenv.Entity{Name: "Web Shop"}, Environment: octoenv.Entity{Name: "Staging"}, Runbook: octoenv.Entity{ID: "Runbooks-1", Name: "Drift check"}, RunbookRunID: "RunbookRuns-7"}
	env = ciEnv(runbook, report.Build{System: report.Octopus})
	if env["PULUMI_CI_BUILD_TYPE"] != "runbook" || env["PULUMI_CI_BUILD_ID"] != "RunbookRuns-7" || env["PULUMI_CI_BUILD_NUMBER"] != "" {
		t.Errorf("runbook env %v", env)
	}
	if got, want := defaultMessage(runbook, report.Build{System: report.Octopus}), "Octopus runbook Drift check of Web Shop in Staging"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestCIEnvAndDefaultMessageOutsideOctopus(t *testing.T) {
	t.Parallel()
	octx := &octoenv.Context{Project: octoenv.Entity{Name: "ignored"}}
	pr := report.Build{System: report.GitHub, PullRequest: 42, Commit: "abc", ID: "900", Number: "17", URL: "https://github.com/o/r/actions/runs/900", Branch: "feature/vpc"}
	env := ciEnv(octx, pr)
	want := map[string]string{
		"PULUMI_CI_SYSTEM": "GitHub Actions", "PULUMI_CI_BUILD_ID": "900", "PULUMI_CI_BUILD_NUMBER": "17",
		"PULUMI_CI_BUILD_URL": "https://github.com/o/r/actions/runs/900", "PULUMI_CI_BUILD_TYPE": "PullRequestValidation",
		"PULUMI_CI_PULL_REQUEST_SHA": "abc",
	}
	if len(env) != len(want) {
		t.Errorf("env %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if got, want := defaultMessage(octx, pr), "GitHub Actions build 17 of pull request #42 (https://github.com/o/r/actions/runs/900)"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	branch := report.Build{System: report.GitLab, Branch: "main"}
	if env := ciEnv(octx, branch); env["PULUMI_CI_BUILD_TYPE"] != "Build" || env["PULUMI_CI_PULL_REQUEST_SHA"] != "" {
		t.Errorf("branch build env %v", env)
	}
	if got, want := defaultMessage(octx, branch), "GitLab CI/CD build of main"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}
