package authtest_test

import (
	"net/http"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/esc"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// The ESC open endpoints over HTTP, as the CLI's esc client calls them.
func TestESCOpen(t *testing.T) {
	t.Parallel()
	cloud, token := authtest.StartCloud(t, "acme")
	a := api{t: t, cloud: cloud, token: token}
	cloud.AddEnvironment("acme", "shared", "base", authtest.Environment{Values: map[string]any{
		"pulumiConfig": map[string]any{"region": "eu-west-1", "password": authtest.ESCSecret("s3cret")},
	}})
	cloud.AddEnvironment("acme", "octo", "staging", authtest.Environment{Imports: []string{"shared/base"}, Values: map[string]any{
		"pulumiConfig":         map[string]any{"region": "eu-central-1"},
		"environmentVariables": map[string]any{"STAGE": "staging", "REPLICAS": 3},
	}})
	const yamlOpen = authtest.ESCPath + "/acme/yaml/open"

	var opened apitype.OpenEnvironmentResponse
	a.mustOK(a.call(http.MethodPost, yamlOpen+"?duration=2h0m0s", map[string]any{"imports": []string{"octo/staging"}}, &opened), "open yaml")
	var env esc.Environment
	a.mustOK(a.call(http.MethodGet, yamlOpen+"/"+opened.ID, nil, &env), "read the session")
	cfg, _ := env.Properties["pulumiConfig"].Value.(map[string]esc.Value)
	if cfg["region"].Value != "eu-central-1" || cfg["password"].Value != "s3cret" || !cfg["password"].Secret {
		t.Errorf("pulumiConfig %v: want the environment's region over the import's, and the import's secret", cfg)
	}
	vars := env.GetEnvironmentVariables()
	if vars["STAGE"].Value != "staging" || vars["REPLICAS"].Value != "3" {
		t.Errorf("environment variables %v", vars)
	}

	var named apitype.OpenEnvironmentResponse
	a.mustOK(a.call(http.MethodPost, authtest.ESCPath+"/acme/shared/base/open?duration=1h0m0s", nil, &named), "open by name")
	a.mustOK(a.call(http.MethodGet, authtest.ESCPath+"/acme/shared/base/open/"+named.ID, nil, &env), "read the named session")
	if cloud.EnvironmentOpens("acme", "shared", "base") != 2 || cloud.EnvironmentOpens("acme", "octo", "staging") != 1 {
		t.Errorf("opens: base %d, staging %d; want 2 and 1", cloud.EnvironmentOpens("acme", "shared", "base"), cloud.EnvironmentOpens("acme", "octo", "staging"))
	}

	for name, tc := range map[string]struct {
		method, path string
		body         any
		auth         string
		status       int
	}{
		"unknown import":     {http.MethodPost, yamlOpen + "?duration=2h0m0s", map[string]any{"imports": []string{"octo/missing"}}, "token " + token, http.StatusBadRequest},
		"no duration":        {http.MethodPost, yamlOpen, map[string]any{"imports": []string{"octo/staging"}}, "token " + token, http.StatusBadRequest},
		"overrides":          {http.MethodPost, yamlOpen + "?duration=1h&environmentOverrides=e30", map[string]any{}, "token " + token, http.StatusBadRequest},
		"unknown session":    {http.MethodGet, yamlOpen + "/nope", nil, "token " + token, http.StatusNotFound},
		"another org":        {http.MethodPost, authtest.ESCPath + "/other/yaml/open?duration=1h", map[string]any{}, "token " + token, http.StatusForbidden},
		"no token":           {http.MethodPost, yamlOpen + "?duration=1h", map[string]any{}, "", http.StatusUnauthorized},
		"session of the org": {http.MethodGet, authtest.ESCPath + "/other/yaml/open/" + opened.ID, nil, "token " + token, http.StatusForbidden},
	} {
		if r := a.do(tc.method, tc.path, tc.auth, false, tc.body, nil); r.status != tc.status {
			t.Errorf("%s: %d %s, want %d", name, r.status, r.message, tc.status)
		}
	}
}
