package step

import (
	"testing"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
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
	env := ciEnv(deployment)
	for k, want := range map[string]string{
		"PULUMI_CI_SYSTEM": "Octopus Deploy", "PULUMI_CI_BUILD_TYPE": "deployment", "PULUMI_CI_BUILD_ID": "Deployments-42",
		"PULUMI_CI_BUILD_NUMBER": "1.2.3", "PULUMI_CI_BUILD_URL": "https://octopus.example/app#/Spaces-1/deployments/Deployments-42",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if got, want := defaultMessage(deployment), "Octopus deployment of Web Shop release 1.2.3 to Production for tenant Acme (https://octopus.example/app#/Spaces-1/deployments/Deployments-42)"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	runbook := &octoenv.Context{Project: octoenv.Entity{Name: "Web Shop"}, Environment: octoenv.Entity{Name: "Staging"}, Runbook: octoenv.Entity{ID: "Runbooks-1", Name: "Drift check"}, RunbookRunID: "RunbookRuns-7"}
	env = ciEnv(runbook)
	if env["PULUMI_CI_BUILD_TYPE"] != "runbook" || env["PULUMI_CI_BUILD_ID"] != "RunbookRuns-7" || env["PULUMI_CI_BUILD_NUMBER"] != "" {
		t.Errorf("runbook env %v", env)
	}
	if got, want := defaultMessage(runbook), "Octopus runbook Drift check of Web Shop in Staging"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}
