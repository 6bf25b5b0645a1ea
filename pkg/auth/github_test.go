package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

func TestGitHubIDToken(t *testing.T) {
	t.Parallel()
	iss, err := authtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	env := map[string]string{}
	for _, kv := range iss.GitHubActionsEnv() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	c, err := auth.New(auth.WithHTTPClient(iss.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	jwt, err := c.GitHubIDToken(ctx, env[auth.EnvGitHubIDTokenURL], env[auth.EnvGitHubIDTokenToken], "urn:pulumi:org:octo-org")
	if err != nil {
		t.Fatal(err)
	}
	claims, err := auth.ParseClaims(jwt)
	if err != nil {
		t.Fatal(err)
	}
	if got := claims.Audience; len(got) != 1 || got[0] != "urn:pulumi:org:octo-org" {
		t.Errorf("aud = %v, want the audience asked for", got)
	}
	if claims.Subject != authtest.GitHubSubject {
		t.Errorf("sub = %q", claims.Subject)
	}

	for _, tc := range []struct {
		name, url, token, want string
	}{
		{"not set", "", "", "id-token: write"},
		{"wrong token", env[auth.EnvGitHubIDTokenURL], "ghs_wrong-token-value", "answered 401"},
		{"not a URL", "ftp://x", "ghs_some-request-token", "not an https URL"},
		{"plain http elsewhere", "http://token.example.com/idtoken?api-version=2.0", "ghs_some-request-token", "not an https URL"},
	} {
		_, err := c.GitHubIDToken(ctx, tc.url, tc.token, "aud")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.want)
		}
		if err != nil && tc.token != "" && strings.Contains(err.Error(), tc.token) {
			t.Errorf("%s: the request token leaked into %v", tc.name, err)
		}
	}
}
