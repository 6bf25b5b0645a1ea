// Package auth logs a Pulumi deployment in: it checks a stored Pulumi Cloud
// access token, or exchanges an Octopus Deploy OpenID Connect token (JWT)
// for a short-lived Pulumi Cloud token, and returns the result as plain
// [Credentials]: the token and the backend URL. The runner, not this
// package, builds the environment of the pulumi child processes from them.
//
// When OIDC is misconfigured, Pulumi Cloud answers with a bare refusal. This
// package explains failures before Pulumi Cloud does: a JWT pre-flight
// (audience, lifetime, issuer, subject and Octopus claims, checked without
// trusting the token) and an issuer discovery probe (OpenID discovery, key
// set, signature) that reports every hop. Both run before an exchange and
// can be used on their own.
//
// Secrets never appear in errors or logs; [Redactor] and [RedactWriter]
// scrub everything that passes through them, including secrets split across
// writes and common encodings of each secret.
//
// A deploy step uses one [Client]:
//
//	c, err := auth.New(auth.WithLogger(log), auth.WithRedactor(red),
//		auth.WithOnToken(func(tok string) { octo.Mask(tok) }))
//	cr, err := c.LoginOIDC(ctx, jwt, auth.ExchangeRequest{Organization: org}, "the Octopus account X")
//	// or c.LoginToken(ctx, token, source), or c.SelfManaged(backendURL, os.Getenv)
//	r, err := runner.New(dir, runner.WithBackend(cr.BackendURL), runner.WithAccessToken(cr.Token))
//
// and `oidc check` prints c.Check(ctx, jwt, auth.Audience(org)).
//
// Package authtest provides fakes of an OIDC issuer and of the Pulumi Cloud
// API for tests.
package auth
