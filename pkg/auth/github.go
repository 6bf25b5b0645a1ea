package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// GitHub Actions hands a job that may request OIDC tokens (permissions:
// id-token: write) these two variables.
const (
	EnvGitHubIDTokenURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvGitHubIDTokenToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// GitHubIDToken requests a GitHub Actions OIDC token (a JWT) for audience,
// as actions/toolkit's getIDToken does (packages/core/src/oidc-utils.ts):
// GET <requestURL>&audience=<audience> with "Authorization: Bearer
// <requestToken>", answered by {"value": "<jwt>"}. Exchange the JWT with
// [Client.LoginOIDC]; the request token and the JWT are secrets the client's
// redactor learns.
func (c *Client) GitHubIDToken(ctx context.Context, requestURL, requestToken, audience string) (string, error) {
	if requestURL == "" || requestToken == "" {
		return "", fmt.Errorf("GitHub Actions OIDC: %s and %s are not set: give the job the permission id-token: write", EnvGitHubIDTokenURL, EnvGitHubIDTokenToken)
	}
	c.registerSecret(requestToken)
	u, err := url.Parse(requestURL)
	if err != nil || u.Host == "" || u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())) {
		return "", fmt.Errorf("GitHub Actions OIDC: %s is not an https URL (the request carries the job's token)", EnvGitHubIDTokenURL)
	}
	if audience != "" {
		q := u.Query()
		q.Set("audience", audience)
		u.RawQuery = q.Encode()
	}
	header := http.Header{"Authorization": {"Bearer " + requestToken}}
	resp, err := c.sendURL(ctx, http.MethodGet, u.String(), header, nil)
	if err != nil {
		return "", scrub(fmt.Errorf("GitHub Actions OIDC: requesting a token: %w", err), requestToken)
	}
	if resp.status != http.StatusOK {
		return "", scrub(fmt.Errorf("GitHub Actions OIDC: the token request answered %d: %s (does the job have the permission id-token: write?)",
			resp.status, trimBody(resp.body, resp.truncated)), requestToken)
	}
	var reply struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(resp.body, &reply); err != nil || strings.TrimSpace(reply.Value) == "" {
		return "", errors.New("GitHub Actions OIDC: the token request's reply holds no token (no \"value\")")
	}
	c.registerSecret(reply.Value)
	return reply.Value, nil
}

// loopback reports whether host is this machine (a test's server): the
// only place a token may travel over plain http.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
