package step

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// Variables that choose how a step logs in to Pulumi Cloud with OIDC.
const (
	// VarOIDCAccount names the Generic OpenID Connect account variable whose
	// token to use (its JWT is <account>.OpenIdConnect.Jwt); without it the
	// step's own token, Octopus.OpenIdConnect.Jwt, is used.
	VarOIDCAccount = "Pulumi.OidcAccount"
	// VarOIDCTokenType is the Pulumi token to ask for: organization
	// (default), team, personal or runner.
	VarOIDCTokenType = "Pulumi.OidcTokenType"
	// VarOIDCScope is the team, user or runner name the token type needs.
	VarOIDCScope = "Pulumi.OidcScope"
	// VarOIDCExpiration is the token's lifetime, as a Go duration (1h) or
	// seconds; empty leaves it to Pulumi Cloud (two hours).
	VarOIDCExpiration = "Pulumi.OidcExpiration"
)

// LoginConfig is what [Login] needs.
type LoginConfig struct {
	// Backend is the state backend URL (see [Config.Backend]).
	Backend string
	// Vars supply the tokens and the OIDC settings.
	Vars *octoenv.Variables
	// Organization is the Pulumi organization, for an OIDC exchange.
	Organization string
	// Environ is the process environment, for PULUMI_CONFIG_PASSPHRASE(_FILE).
	Environ []string
	// Messages receives the Octopus mask message for an exchanged token,
	// which Octopus does not otherwise know to be secret.
	Messages *octoenv.Writer
	// Logger gets the library's own diagnostics; nil discards them.
	Logger *slog.Logger
	// Auth adds options for the Pulumi Cloud client (base URL, HTTP client).
	Auth []auth.Option
}

// Login returns credentials for the backend: none needed for a self-managed
// backend (the passphrase is checked), else an Octopus OIDC token exchanged
// for a Pulumi token when one is given, else a stored access token
// (Pulumi.AccessToken). The caller must Close the credentials.
func Login(ctx context.Context, cfg LoginConfig) (*auth.Credentials, error) {
	vars := cfg.Vars
	opts := []auth.Option{}
	if cfg.Logger != nil {
		opts = append(opts, auth.WithLogger(cfg.Logger))
	}
	if !auth.IsSelfManaged(cfg.Backend) {
		opts = append(opts, auth.WithBaseURL(cfg.Backend))
	}
	if cfg.Messages != nil {
		opts = append(opts, auth.WithOnToken(func(token string) { _ = cfg.Messages.Mask(token) }))
	}
	client, err := auth.New(append(opts, cfg.Auth...)...)
	if err != nil {
		return nil, err
	}
	if auth.IsSelfManaged(cfg.Backend) {
		getenv := func(name string) string {
			if name == auth.EnvConfigPassphrase {
				if v := vars.Value(octoenv.VarConfigPassphrase); v != "" {
					return v
				}
			}
			return Getenv(cfg.Environ, name)
		}
		return client.SelfManaged(cfg.Backend, getenv)
	}
	if jwt, source := OIDCToken(vars); jwt != "" {
		q, err := exchangeRequest(vars, cfg.Organization)
		if err != nil {
			return nil, err
		}
		return client.LoginOIDC(ctx, jwt, q, source)
	}
	if token := vars.Value(octoenv.VarAccessToken); token != "" {
		return client.LoginToken(ctx, token, "the variable "+octoenv.VarAccessToken)
	}
	return nil, fmt.Errorf("step: the backend %s needs a Pulumi access token: set %s (a sensitive variable), or use an Octopus OIDC account (%s, or %s naming a Generic OpenID Connect account variable)",
		cfg.Backend, octoenv.VarAccessToken, octoenv.VarOIDCToken, VarOIDCAccount)
}

// OIDCToken returns the Octopus OIDC token the variables carry, and a
// description of where it came from.
func OIDCToken(vars *octoenv.Variables) (jwt, source string) {
	if acct := strings.TrimSpace(vars.Value(VarOIDCAccount)); acct != "" {
		name := acct + ".OpenIdConnect.Jwt"
		return vars.Value(name), "the Octopus account variable " + acct + " (" + name + ")"
	}
	return vars.Value(octoenv.VarOIDCToken), "the step's Octopus OIDC token (" + octoenv.VarOIDCToken + ")"
}

func exchangeRequest(vars *octoenv.Variables, org string) (auth.ExchangeRequest, error) {
	q := auth.ExchangeRequest{Organization: org}
	if q.Organization == "" {
		return q, fmt.Errorf("step: an OIDC login needs the Pulumi organization: set %s", octoenv.VarOrganization)
	}
	scope := vars.Value(VarOIDCScope)
	switch t := auth.TokenType(strings.ToLower(strings.TrimSpace(vars.Value(VarOIDCTokenType)))); t {
	case "", auth.OrganizationToken:
		q.TokenType = auth.OrganizationToken
	case auth.TeamToken:
		q.TokenType, q.Team = t, scope
	case auth.PersonalToken:
		q.TokenType, q.User = t, scope
	case auth.RunnerToken:
		q.TokenType, q.Runner = t, scope
	default:
		return q, fmt.Errorf("step: %s is %q; use organization, team, personal or runner", VarOIDCTokenType, t)
	}
	if raw := strings.TrimSpace(vars.Value(VarOIDCExpiration)); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil {
			secs, err2 := strconv.Atoi(raw)
			if err2 != nil || secs <= 0 {
				return q, fmt.Errorf("step: %s is %q; use a duration such as 1h or a number of seconds", VarOIDCExpiration, raw)
			}
			d = time.Duration(secs) * time.Second
		}
		q.Expiration = d
	}
	return q, nil
}

// Getenv returns the value of name in environ (os.Environ-style
// "NAME=value" pairs), or "" when it is not there: the step reads its
// environment as data, never from the process.
func Getenv(environ []string, name string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
