package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TokenType is the kind of Pulumi access token an OIDC exchange asks for.
type TokenType string

// Token types of Pulumi Cloud.
const (
	OrganizationToken TokenType = "organization"
	TeamToken         TokenType = "team"
	PersonalToken     TokenType = "personal"
	RunnerToken       TokenType = "runner"
)

const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	subjectTypeIDToken = "urn:ietf:params:oauth:token-type:id_token"
	accessTokenTypeURN = "urn:pulumi:token-type:access_token:"
)

// ExchangeRequest says which Pulumi access token to ask for in exchange for
// an OIDC token.
type ExchangeRequest struct {
	// Organization is the Pulumi organization; the request's audience is
	// urn:pulumi:org:<Organization>. Required.
	Organization string
	// TokenType defaults to OrganizationToken.
	TokenType TokenType
	// Team names the team of a TeamToken; User the user login of a
	// PersonalToken; Runner the deployment runner of a RunnerToken.
	Team, User, Runner string
	// Admin asks for an organization token with the admin scope.
	Admin bool
	// Expiration is the token's requested lifetime, whole seconds; zero
	// leaves it to Pulumi Cloud (two hours).
	Expiration time.Duration
	// Audience is what the OIDC token's aud must contain; it defaults to
	// urn:pulumi:org:<Organization>. Only the pre-flight uses it.
	Audience string
}

// ExpectedAudience returns Audience, or the organization's default.
func (q ExchangeRequest) ExpectedAudience() string {
	if q.Audience != "" {
		return q.Audience
	}
	return Audience(q.Organization)
}

// scope checks the request and returns its token type and scope.
func (q ExchangeRequest) scope() (TokenType, string, error) {
	if strings.TrimSpace(q.Organization) == "" {
		return "", "", errors.New("the exchange needs the Pulumi organization name")
	}
	if strings.ContainsAny(q.Organization, ": /") {
		return "", "", fmt.Errorf("the organization %s is not a Pulumi organization name", quote(q.Organization))
	}
	if q.Expiration < 0 || q.Expiration%time.Second != 0 {
		return "", "", fmt.Errorf("the token expiration %s must be a positive number of whole seconds", q.Expiration)
	}
	t := q.TokenType
	if t == "" {
		t = OrganizationToken
	}
	need := map[TokenType]string{TeamToken: q.Team, PersonalToken: q.User, RunnerToken: q.Runner}
	names := map[TokenType]string{TeamToken: "Team", PersonalToken: "User", RunnerToken: "Runner"}
	for typ, v := range need {
		if v != "" && typ != t {
			return "", "", fmt.Errorf("%s is set but the token type is %q; a %s needs token type %q", names[typ], t, names[typ], typ)
		}
	}
	if q.Admin && t != OrganizationToken {
		return "", "", fmt.Errorf("the admin scope applies to organization tokens only, not %q", t)
	}
	switch t {
	case OrganizationToken:
		if q.Admin {
			return t, "admin", nil
		}
		return t, "", nil
	case TeamToken:
		if q.Team == "" {
			return "", "", errors.New("a team token needs the team name")
		}
		return t, "team:" + q.Team, nil
	case PersonalToken:
		if q.User == "" {
			return "", "", errors.New("a personal token needs the user login")
		}
		return t, "user:" + q.User, nil
	case RunnerToken:
		if q.Runner == "" {
			return "", "", errors.New("a runner token needs the runner name")
		}
		return t, "runner:" + q.Runner, nil
	}
	return "", "", fmt.Errorf("unknown token type %q: use organization, team, personal or runner", t)
}

// Token is a Pulumi access token obtained by an exchange. Its String and
// LogValue hide the value.
type Token struct {
	Value     string
	Type      string    // issued_token_type
	Scope     string    // as granted
	Expiry    time.Time // zero when Pulumi Cloud did not say
	IssuedFor string    // the organization
}

// String hides the token value.
func (t *Token) String() string {
	return fmt.Sprintf("Pulumi token (%s, %s, expires %s)", t.Type, Placeholder, t.Expiry.UTC().Format(time.RFC3339))
}

// LogValue hides the token value from slog.
func (t *Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", t.Type), slog.Time("expiry", t.Expiry))
}

// Exchange trades an OIDC token for a Pulumi access token at
// <base>/api/oauth/token, without any check beforehand (see
// [Client.LoginOIDC] for the checked path). Rate limits (429), server errors
// and connection failures are retried; a refusal is an [*ExchangeError].
func (c *Client) Exchange(ctx context.Context, jwt string, q ExchangeRequest) (*Token, error) {
	tok, err := c.exchange(ctx, jwt, q)
	return tok, scrub(err, jwt)
}

func (c *Client) exchange(ctx context.Context, jwt string, q ExchangeRequest) (*Token, error) {
	c.registerSecret(jwt)
	typ, scope, err := q.scope()
	if err != nil {
		return nil, fmt.Errorf("token exchange: %w", err)
	}
	if strings.TrimSpace(jwt) == "" {
		return nil, errors.New("token exchange: the OIDC token is empty")
	}
	form := url.Values{
		"audience":             {Audience(q.Organization)},
		"grant_type":           {grantTokenExchange},
		"subject_token_type":   {subjectTypeIDToken},
		"subject_token":        {strings.TrimSpace(jwt)},
		"requested_token_type": {accessTokenTypeURN + string(typ)},
		"scope":                {scope},
	}
	if q.Expiration > 0 {
		form.Set("expiration", strconv.FormatInt(int64(q.Expiration/time.Second), 10))
	}
	started := c.o.now()
	resp, err := c.send(ctx, http.MethodPost, "/api/oauth/token",
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, []byte(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token exchange: %w", err)
	}
	if resp.status != http.StatusOK {
		claims, _ := ParseClaims(jwt)
		return nil, &ExchangeError{
			APIError:     apiError("token exchange", http.MethodPost, resp),
			Organization: q.Organization,
			TokenType:    typ,
			Issuer:       claims.Issuer,
			Subject:      claims.Subject,
			Audience:     claims.Audience,
		}
	}
	var body struct {
		AccessToken     string `json:"access_token"`
		IssuedTokenType string `json:"issued_token_type"`
		TokenType       string `json:"token_type"`
		ExpiresIn       int64  `json:"expires_in"`
		Scope           string `json:"scope"`
	}
	if err := json.Unmarshal(resp.body, &body); err != nil || body.AccessToken == "" {
		c.registerSecret(body.AccessToken)
		return nil, scrub(fmt.Errorf("token exchange: %s answered 200 without an access token (%d bytes, not the expected {access_token, expires_in, …})", resp.url, len(resp.body)), body.AccessToken)
	}
	c.registerSecret(body.AccessToken)
	t := &Token{Value: body.AccessToken, Type: body.IssuedTokenType, Scope: body.Scope, IssuedFor: q.Organization}
	// A lifetime beyond a year is nonsense (and would overflow a Duration):
	// treat it as unknown rather than as a token that expires in the past.
	if body.ExpiresIn > 0 && body.ExpiresIn <= 366*24*3600 {
		t.Expiry = started.Add(time.Duration(body.ExpiresIn) * time.Second)
	}
	c.o.logger.Info("exchanged the OIDC token for a Pulumi access token", "organization", q.Organization, "type", typ, "expiry", t.Expiry, "attempts", resp.attempts)
	return t, nil
}

// apiError reads either error shape of Pulumi Cloud from a reply.
func apiError(op, method string, resp *response) *APIError {
	e := &APIError{Op: op, Method: method, URL: resp.url, StatusCode: resp.status, Attempts: resp.attempts}
	var shape struct {
		Error            string          `json:"error"`
		ErrorDescription string          `json:"error_description"`
		Code             json.RawMessage `json:"code"`
		Message          string          `json:"message"`
	}
	if json.Unmarshal(resp.body, &shape) == nil {
		switch {
		case shape.Error != "" || shape.ErrorDescription != "":
			e.Code, e.Message = shape.Error, shape.ErrorDescription
		case shape.Message != "":
			e.Code = strings.Trim(string(shape.Code), `"`)
			e.Message = shape.Message
		}
	}
	e.Code, e.Message = trimBody([]byte(e.Code), false), trimBody([]byte(e.Message), false)
	if e.Code == "" && e.Message == "" {
		e.Body = trimBody(resp.body, resp.truncated)
	}
	return e
}

// GoString hides the token value from %#v.
func (t *Token) GoString() string { return t.String() }
