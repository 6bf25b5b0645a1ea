package authtest

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// GitHubIDTokenPath is where the issuer also answers GitHub Actions' OIDC
// token requests, so that it can stand in for
// https://token.actions.githubusercontent.com. (On GitHub the request URL
// is the job's own, handed over in ACTIONS_ID_TOKEN_REQUEST_URL with a
// query, "?api-version=2.0"; only its shape matters to a client.)
const GitHubIDTokenPath = "/_apis/actions/idtoken"

// GitHubRequestToken is the bearer token the issuer expects on a GitHub
// Actions ID token request (ACTIONS_ID_TOKEN_REQUEST_TOKEN).
const GitHubRequestToken = "ghs_authtest-request-token-0123456789abcdef"

// GitHubSubject is the subject of the tokens the issuer mints for GitHub
// Actions: a pull request's job of octo-org/infra.
const GitHubSubject = "repo:octo-org/infra:pull_request"

// GitHubActionsEnv returns the variables GitHub Actions gives a job with
// the permission id-token: write, pointing at this issuer.
func (i *Issuer) GitHubActionsEnv() []string {
	return []string{
		"ACTIONS_ID_TOKEN_REQUEST_URL=" + strings.TrimRight(i.URL, "/") + GitHubIDTokenPath + "?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN=" + GitHubRequestToken,
	}
}

// githubIDToken answers as GitHub's token service does (actions/toolkit
// packages/core/src/oidc-utils.ts reads it): {"value": "<jwt>"} for the
// audience asked for (the repository's URL when none is), with GitHub's
// claims; 401 without the job's bearer token.
func (i *Issuer) githubIDToken(w http.ResponseWriter, r *http.Request) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(GitHubRequestToken)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
		return
	}
	aud := r.URL.Query().Get("audience")
	if aud == "" {
		aud = "https://github.com/octo-org"
	}
	jwt, err := i.Mint(map[string]any{
		"sub": GitHubSubject, "aud": aud,
		"repository": "octo-org/infra", "repository_owner": "octo-org",
		"event_name": "pull_request", "ref": "refs/pull/7/merge",
	}, Without("https://octopus.com/claims/space", "https://octopus.com/claims/project",
		"https://octopus.com/claims/environment", "https://octopus.com/claims/tenant"))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"value": jwt})
}
