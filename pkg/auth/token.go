package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

var pulumiTokenPattern = regexp.MustCompile(`^pul-[0-9a-f]{40}$`)

// LooksLikePulumiToken reports whether s has the usual shape of a Pulumi
// access token, "pul-" and 40 hex digits. Tokens are opaque, so a token of
// another shape only earns a warning.
func LooksLikePulumiToken(s string) bool { return pulumiTokenPattern.MatchString(s) }

// Account is who a token logs in as, according to GET /api/user.
type Account struct {
	UserName      string // the login ("githubLogin")
	Name          string
	Organizations []string
	// TokenName, TokenOrganization and TokenTeam describe the token itself
	// when Pulumi Cloud says (organization and team tokens).
	TokenName         string
	TokenOrganization string
	TokenTeam         string
	// Warnings about the token, for example an unusual shape.
	Warnings []string
}

// CheckToken asks Pulumi Cloud who token belongs to (GET /api/user). A 401
// or 403 is a [*TokenRejectedError] naming source, a label for where the
// token came from (such as "the Pulumi.AccessToken parameter"), never the
// token itself.
func (c *Client) CheckToken(ctx context.Context, token, source string) (*Account, error) {
	a, err := c.checkToken(ctx, token, source)
	return a, scrub(err, token)
}

func (c *Client) checkToken(ctx context.Context, token, source string) (*Account, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, fmt.Errorf("%w from %s: set it, or log in with an OIDC token instead", ErrNoToken, orDefault(source, "the caller"))
	}
	c.registerSecret(token)
	var warnings []string
	if !LooksLikePulumiToken(token) {
		w := fmt.Sprintf("the access token from %s does not look like a Pulumi access token (pul- and 40 hex digits); trying it anyway", orDefault(source, "the caller"))
		warnings = append(warnings, w)
		c.o.logger.Warn(w)
	}
	resp, err := c.send(ctx, http.MethodGet, "/api/user", http.Header{"Authorization": {"token " + token}}, nil)
	if err != nil {
		return nil, fmt.Errorf("checking the access token from %s: %w", orDefault(source, "the caller"), err)
	}
	switch {
	case resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden:
		e := apiError("token check", http.MethodGet, resp)
		return nil, &TokenRejectedError{Source: source, URL: resp.url, StatusCode: resp.status, Message: e.Message}
	case resp.status != http.StatusOK:
		return nil, apiError("checking the access token from "+orDefault(source, "the caller"), http.MethodGet, resp)
	}
	var u struct {
		GitHubLogin   string `json:"githubLogin"`
		Name          string `json:"name"`
		Organizations []struct {
			GitHubLogin string `json:"githubLogin"`
		} `json:"organizations"`
		TokenInfo *struct {
			Name         string `json:"name"`
			Organization string `json:"organization"`
			Team         string `json:"team"`
		} `json:"tokenInfo"`
	}
	if err := json.Unmarshal(resp.body, &u); err != nil || u.GitHubLogin == "" {
		return nil, fmt.Errorf("checking the access token from %s: %s answered 200 without a user (expected {githubLogin, organizations, …}); is the base URL the Pulumi Cloud API?", orDefault(source, "the caller"), resp.url)
	}
	a := &Account{UserName: u.GitHubLogin, Name: u.Name, Warnings: warnings}
	for _, o := range u.Organizations {
		a.Organizations = append(a.Organizations, o.GitHubLogin)
	}
	if u.TokenInfo != nil {
		a.TokenName, a.TokenOrganization, a.TokenTeam = u.TokenInfo.Name, u.TokenInfo.Organization, u.TokenInfo.Team
	}
	c.o.logger.Info("checked the Pulumi access token", "source", source, "user", a.UserName)
	return a, nil
}
