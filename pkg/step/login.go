package step

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
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
	// Reporter, when set, masks that token instead of Messages (in the CI
	// system it reports to).
	Reporter report.Reporter
	// Logger gets the library's own diagnostics; nil discards them.
	Logger *slog.Logger
	// Auth adds options for the Pulumi Cloud client (base URL, HTTP client).
	Auth []auth.Option
	// Redactor learns every secret the login handles; nil makes none.
	Redactor *auth.Redactor
}

// CheckOIDC explains, for a person reading the task log, whether the
// variables' Octopus OIDC token will be accepted for audience (default
// urn:pulumi:org:<Pulumi.Organization>), without exchanging it: its
// claims, the issuer's discovery and keys, the signature. The report's Err
// says whether Pulumi Cloud would refuse it.
func CheckOIDC(ctx context.Context, vars *octoenv.Variables, audience string, logger *slog.Logger) (*auth.Report, error) {
	jwt, source := OIDCToken(vars)
	if jwt == "" {
		return nil, fmt.Errorf("step: no OIDC token: %s is empty; hand it over with OCTOPULUMI_OIDC_TOKEN (the step's own token), or set %s to a Generic OpenID Connect account variable's name and export its <name>.OpenIdConnect.Jwt", source, VarOIDCAccount)
	}
	if audience == "" {
		org := vars.Value(octoenv.VarOrganization)
		if org == "" {
			return nil, fmt.Errorf("step: give the audience to expect, or the Pulumi organization (%s) to expect urn:pulumi:org:<org>", octoenv.VarOrganization)
		}
		audience = auth.Audience(org)
	}
	opts := []auth.Option{}
	if logger != nil {
		opts = append(opts, auth.WithLogger(logger))
	}
	client, err := auth.New(opts...)
	if err != nil {
		return nil, err
	}
	return client.Check(ctx, jwt, audience), nil
}

// Login returns credentials for the backend: none needed for a self-managed
// backend (the passphrase is checked), else an Octopus OIDC token exchanged
// for a Pulumi token when one is given, else a stored access token
// (Pulumi.AccessToken).
func Login(ctx context.Context, cfg LoginConfig) (*auth.Credentials, error) {
	if cfg.Backend == "" {
		cfg.Backend = DefaultBackend
	}
	rep := cfg.Reporter
	if rep == nil {
		rep = Config{Messages: cfg.Messages}.reporter()
	}
	plan, err := readLogin(cfg.Backend, cfg.Vars, cfg.Organization, cfg.Environ, rep.System() != report.Octopus)
	if err != nil {
		return nil, fmt.Errorf("step: %w", err)
	}
	return plan.login(ctx, maskWith(rep, io.Discard), cfg.Logger, cfg.Redactor, cfg.Auth)
}

// loginPlan is how a step logs in, read from its variables once.
type loginPlan struct {
	backend     string
	selfManaged bool
	getenv      func(string) string // for the passphrase of a self-managed backend
	jwt         string              // an Octopus OIDC token to exchange
	jwtSource   string
	exchange    auth.ExchangeRequest
	token       string // a stored access token
	tokenSource string
	// github holds GitHub Actions' ID token request (URL, bearer token)
	// when the JWT to exchange is to be asked for there.
	github [2]string
}

// readLogin reads how to log in to backend from the variables, and says
// what is missing in Octopus's terms. In a CI job (ci) the environment may
// hold the token (PULUMI_ACCESS_TOKEN, from the job's secrets) or GitHub
// Actions' OIDC token request; in Octopus a token in the worker's own
// environment is never used behind the step's back.
func readLogin(backend string, vars *octoenv.Variables, org string, environ []string, ci bool) (loginPlan, error) {
	p := loginPlan{backend: backend, selfManaged: auth.IsSelfManaged(backend)}
	if p.selfManaged {
		p.getenv = func(name string) string {
			if name == auth.EnvConfigPassphrase {
				if v := vars.Value(octoenv.VarConfigPassphrase); v != "" {
					return v
				}
			}
			return Getenv(environ, name)
		}
		return p, nil
	}
	if p.jwt, p.jwtSource = OIDCToken(vars); p.jwt != "" {
		var err error
		p.exchange, err = exchangeRequest(vars, org)
		return p, err
	}
	if p.token = vars.Value(octoenv.VarAccessToken); p.token != "" {
		p.tokenSource = "the variable " + octoenv.VarAccessToken
		return p, nil
	}
	if !ci {
		return p, fmt.Errorf("the backend %s needs a Pulumi access token: set %s (a sensitive variable), or use an Octopus OIDC account (%s, or %s naming a Generic OpenID Connect account variable)",
			auth.RedactURL(backend), octoenv.VarAccessToken, octoenv.VarOIDCToken, VarOIDCAccount)
	}
	// In a CI job: the token its secrets put in the environment, or the
	// job's own OIDC token.
	if p.token = strings.TrimSpace(Getenv(environ, auth.EnvAccessToken)); p.token != "" {
		p.tokenSource = "the environment variable " + auth.EnvAccessToken
		return p, nil
	}
	if u, t := Getenv(environ, auth.EnvGitHubIDTokenURL), Getenv(environ, auth.EnvGitHubIDTokenToken); u != "" && t != "" {
		p.github, p.jwtSource = [2]string{u, t}, "GitHub Actions' OIDC token ("+auth.EnvGitHubIDTokenURL+")"
		var err error
		p.exchange, err = exchangeRequest(vars, org)
		return p, err
	}
	return p, fmt.Errorf("the backend %s needs a Pulumi access token: set %s from the job's secrets, or in GitHub Actions give the job the permission id-token: write to log in with its OIDC token",
		auth.RedactURL(backend), auth.EnvAccessToken)
}

// login logs in as planned; red, when given, learns every secret involved.
func (p loginPlan) login(ctx context.Context, mask func(string), logger *slog.Logger, red *auth.Redactor, extra []auth.Option) (*auth.Credentials, error) {
	opts := []auth.Option{}
	if logger != nil {
		opts = append(opts, auth.WithLogger(logger))
	}
	if red != nil {
		opts = append(opts, auth.WithRedactor(red))
	}
	if !p.selfManaged {
		opts = append(opts, auth.WithBaseURL(p.backend))
	}
	if mask != nil {
		opts = append(opts, auth.WithOnToken(mask))
	}
	client, err := auth.New(append(opts, extra...)...)
	if err != nil {
		return nil, err
	}
	switch {
	case p.selfManaged:
		return client.SelfManaged(p.backend, p.getenv)
	case p.jwt != "":
		return client.LoginOIDC(ctx, p.jwt, p.exchange, p.jwtSource)
	case p.github[0] != "":
		jwt, err := client.GitHubIDToken(ctx, p.github[0], p.github[1], p.exchange.ExpectedAudience())
		if err != nil {
			return nil, err
		}
		if mask != nil {
			mask(jwt)
		}
		return client.LoginOIDC(ctx, jwt, p.exchange, p.jwtSource)
	default:
		return client.LoginToken(ctx, p.token, p.tokenSource)
	}
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
		return q, fmt.Errorf("an OIDC login needs the Pulumi organization: set %s (--org, or OCTOPULUMI_ORGANIZATION)", octoenv.VarOrganization)
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
		return q, fmt.Errorf("%s is %q; use organization, team, personal or runner", VarOIDCTokenType, t)
	}
	if raw := strings.TrimSpace(vars.Value(VarOIDCExpiration)); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil {
			secs, err2 := strconv.Atoi(raw)
			if err2 != nil || secs <= 0 {
				return q, fmt.Errorf("%s is %q; use a duration such as 1h or a number of seconds", VarOIDCExpiration, raw)
			}
			d = time.Duration(secs) * time.Second
		}
		q.Expiration = d
	}
	return q, nil
}

// Getenv returns the value of name in environ (os.Environ-style
// "NAME=value" pairs; of a name given twice the last, as os/exec passes it
// on), or "" when it is not there: the step reads its environment as data,
// never from the process.
func Getenv(environ []string, name string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(environ[i], "="); ok && k == name {
			return v
		}
	}
	return ""
}
