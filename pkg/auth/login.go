package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// LoginToken checks a stored Pulumi access token against Pulumi Cloud
// (GET /api/user) and returns credentials for the pulumi processes. source
// names where the token came from, for messages.
func (c *Client) LoginToken(ctx context.Context, token, source string) (*Credentials, error) {
	acct, err := c.CheckToken(ctx, token, source)
	if err != nil {
		return nil, err
	}
	return &Credentials{
		Token: strings.TrimSpace(token), BackendURL: c.o.baseURL, Source: source,
		Account: acct, Warnings: slices.Clone(acct.Warnings),
	}, nil
}

// LoginOIDC logs in with an Octopus OIDC token: the JWT pre-flight and the
// issuer probe (unless turned off with [SkipPreflight] and [SkipProbe]),
// the exchange for a Pulumi access token, the [WithOnToken] hook, and a
// check of the new token against /api/user. A problem found by the checks
// is a [*CheckError] carrying the report; a refusal by Pulumi Cloud an
// [*ExchangeError]. source names where the JWT came from (for example "the
// Octopus account Pulumi.Oidc").
func (c *Client) LoginOIDC(ctx context.Context, jwt string, q ExchangeRequest, source string) (*Credentials, error) {
	cr, err := c.loginOIDC(ctx, jwt, q, source)
	return cr, scrub(err, jwt)
}

func (c *Client) loginOIDC(ctx context.Context, jwt string, q ExchangeRequest, source string) (*Credentials, error) {
	jwt = strings.TrimSpace(jwt)
	c.registerSecret(jwt)
	if _, _, err := q.scope(); err != nil {
		return nil, fmt.Errorf("OIDC login: %w", err)
	}
	var report *Report
	if !c.o.skipPreflight {
		report = c.Preflight(jwt, q.ExpectedAudience())
		if err := report.Err(); err != nil {
			return nil, err
		}
	}
	if !c.o.skipProbe {
		if report == nil {
			report = &Report{CheckedAt: c.o.now(), ExpectedAudience: q.ExpectedAudience()}
			report.Claims, _ = ParseClaims(jwt)
		}
		report.Probed = true
		c.probe(ctx, report, jwt)
		if err := report.Err(); err != nil {
			return nil, err
		}
	}
	tok, err := c.exchange(ctx, jwt, q)
	if err != nil {
		var xe *ExchangeError
		if errors.As(err, &xe) && report != nil {
			xe.Warnings = report.Warnings()
		}
		return nil, err
	}
	if c.o.onToken != nil {
		c.o.onToken(tok.Value)
	}
	acct, err := c.checkToken(ctx, tok.Value, "the OIDC exchange for "+orDefault(source, "the caller"))
	if err != nil {
		return nil, scrub(err, tok.Value)
	}
	cr := &Credentials{
		Token: tok.Value, BackendURL: c.o.baseURL, Expiry: tok.Expiry, Source: source,
		Account: acct, Report: report,
	}
	if report != nil {
		cr.Warnings = report.Warnings()
	}
	return cr, nil
}
