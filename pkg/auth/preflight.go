package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// AudiencePrefix starts the audience Pulumi Cloud expects in an OIDC token:
// AudiencePrefix + organization name.
const AudiencePrefix = "urn:pulumi:org:"

// OctopusDefaultAudience is the audience Octopus puts in a Generic OpenID
// Connect account's tokens unless the account says otherwise.
const OctopusDefaultAudience = "api://default"

// OctopusClaimPrefix starts the names of the context claims Octopus adds to
// its tokens (space, project, environment, tenant, …).
const OctopusClaimPrefix = "https://octopus.com/claims/"

// maxJWTBytes bounds the token accepted by the pre-flight; real OIDC tokens
// are a few kilobytes.
const maxJWTBytes = 64 << 10

// Audience returns the audience Pulumi Cloud expects for an organization.
func Audience(org string) string { return AudiencePrefix + org }

// ParseClaims reads a JWT's header and claims without verifying anything.
// Use it to show what a token says; never to trust it.
func ParseClaims(token string) (Claims, error) {
	var c Claims
	if len(token) > maxJWTBytes {
		return c, fmt.Errorf("the token is %d bytes long, more than the %d accepted", len(token), maxJWTBytes)
	}
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return c, fmt.Errorf("the token has %d dot-separated parts, a JWT has 3 (header.payload.signature): pass the account's OpenIdConnect.Jwt variable", len(parts))
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return c, fmt.Errorf("the token's header: %w", err)
	}
	c.Algorithm, c.KeyID = header.Alg, header.Kid
	var raw map[string]json.RawMessage
	if err := decodeSegment(parts[1], &raw); err != nil {
		return c, fmt.Errorf("the token's payload: %w", err)
	}
	var problems []string
	str := func(name string) string {
		v, ok := raw[name]
		if !ok {
			return ""
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			problems = append(problems, fmt.Sprintf("claim %q is not a string", name))
		}
		return s
	}
	num := func(name string) time.Time {
		v, ok := raw[name]
		if !ok {
			return time.Time{}
		}
		var f float64
		if err := json.Unmarshal(v, &f); err != nil || f < 0 || f > 1e11 {
			problems = append(problems, fmt.Sprintf("claim %q is not a time in seconds since 1970", name))
			return time.Time{}
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
	}
	c.Issuer, c.Subject, c.ID = str("iss"), str("sub"), str("jti")
	c.Expiry, c.NotBefore, c.IssuedAt = num("exp"), num("nbf"), num("iat")
	if v, ok := raw["aud"]; ok {
		var one string
		if err := json.Unmarshal(v, &one); err == nil {
			c.Audience = []string{one}
		} else if err := json.Unmarshal(v, &c.Audience); err != nil {
			problems = append(problems, `claim "aud" is neither a string nor a list of strings`)
		}
	}
	for name, v := range raw {
		if !strings.HasPrefix(name, OctopusClaimPrefix) {
			continue
		}
		if c.Octopus == nil {
			c.Octopus = map[string]string{}
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			c.Octopus[name] = s
		} else {
			c.Octopus[name] = string(v)
		}
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("the token's claims: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

func decodeSegment(seg string, v any) error {
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return fmt.Errorf("not base64url: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	return nil
}

// Preflight checks an OIDC token before it is sent to Pulumi Cloud, without
// trusting it (the signature is the probe's job): the audience contains
// audience (use [Audience] of the organization); exp, nbf and iat are
// plausible within the clock skew; iss is an https URL; sub is present. It
// reports every problem at once and never returns nil.
func (c *Client) Preflight(token, audience string) *Report {
	now := c.o.now()
	r := &Report{ExpectedAudience: audience, CheckedAt: now}
	claims, err := ParseClaims(token)
	r.Claims = claims
	if strings.TrimSpace(token) == "" {
		r.add("token", SeverityError, "the OIDC token is empty: pass the Generic OpenID Connect account's #{<Account>.OpenIdConnect.Jwt} variable")
		return r
	}
	if err != nil {
		r.add("token", SeverityError, "the OIDC token is not a readable JWT: %s", scrub(err, token).Error())
		if claims.Issuer == "" && claims.Subject == "" && len(claims.Audience) == 0 {
			return r
		}
	}
	switch strings.ToLower(claims.Algorithm) {
	case "":
		r.add("algorithm", SeverityError, `the token's header names no signing algorithm ("alg")`)
	case "none":
		r.add("algorithm", SeverityError, `the token is unsigned (alg "none"); Pulumi Cloud only accepts signed tokens`)
	}
	c.checkAudience(r, audience)
	c.checkTimes(r, now)
	checkIssuer(r, c.o.allowHTTPIssuer)
	if claims.Subject == "" {
		r.add("subject", SeverityError, `the token has no subject ("sub"); Pulumi Cloud issuer policies match on it`)
	}
	return r
}

func (c *Client) checkAudience(r *Report, want string) {
	aud := r.Claims.Audience
	switch {
	case want == "":
		r.add("audience", SeverityError, "no expected audience was given: name the Pulumi organization")
	case strings.HasPrefix(want, AudiencePrefix) && len(want) == len(AudiencePrefix):
		r.add("audience", SeverityError, "the expected audience %s names no organization", quote(want))
	case len(aud) == 0:
		r.add("audience", SeverityError, `the token has no audience ("aud"); set the Generic OpenID Connect account's Audience to %s`, quote(want))
	case containsString(aud, want):
		// fine
	case containsString(aud, OctopusDefaultAudience):
		r.add("audience", SeverityError, "the token's audience is Octopus's default %s; set the Audience of the Generic OpenID Connect account to %s (Pulumi Cloud only exchanges tokens meant for the organization)", quote(OctopusDefaultAudience), quote(want))
	default:
		r.add("audience", SeverityError, "the token's audience %s does not contain %s; set the Audience of the Generic OpenID Connect account to %s, or log in to the organization the token is meant for", quoteList(aud), quote(want), quote(want))
	}
}

func (c *Client) checkTimes(r *Report, now time.Time) {
	cl, skew := r.Claims, c.o.skew
	switch {
	case cl.Expiry.IsZero():
		r.add("expiry", SeverityError, `the token has no expiry ("exp"); Pulumi Cloud refuses tokens that never expire`)
	case now.After(cl.Expiry.Add(skew)):
		r.add("expiry", SeverityError, "the token expired at %s, %s ago (allowing %s of clock skew); Octopus issues it when the step starts: run the step again, and keep the time between the token's issue and the login short", cl.Expiry.UTC().Format(time.RFC3339), now.Sub(cl.Expiry).Round(time.Second), skew)
	case !now.Before(cl.Expiry):
		r.add("expiry", SeverityWarning, "the token expired at %s, %s ago, within the allowed clock skew of %s; Pulumi Cloud may refuse it: run the step again", cl.Expiry.UTC().Format(time.RFC3339), now.Sub(cl.Expiry).Round(time.Second), skew)
	case cl.Expiry.Sub(now) < time.Minute:
		r.add("expiry", SeverityWarning, "the token expires in %s; the exchange may fail if it takes longer", cl.Expiry.Sub(now).Round(time.Second))
	}
	if !cl.NotBefore.IsZero() && cl.NotBefore.After(now.Add(skew)) {
		r.add("not-before", SeverityError, "the token is not valid before %s, %s from now (allowing %s of clock skew): check the clocks of this worker and of the Octopus Server", cl.NotBefore.UTC().Format(time.RFC3339), cl.NotBefore.Sub(now).Round(time.Second), skew)
	}
	switch {
	case cl.IssuedAt.IsZero():
		r.add("issued-at", SeverityWarning, `the token has no issue time ("iat")`)
	case cl.IssuedAt.After(now.Add(skew)):
		r.add("issued-at", SeverityError, "the token was issued at %s, %s in the future (allowing %s of clock skew): check the clocks of this worker and of the Octopus Server", cl.IssuedAt.UTC().Format(time.RFC3339), cl.IssuedAt.Sub(now).Round(time.Second), skew)
	}
	if !cl.Expiry.IsZero() && !cl.IssuedAt.IsZero() && cl.Expiry.Before(cl.IssuedAt) {
		r.add("expiry", SeverityError, "the token expires (%s) before it was issued (%s)", cl.Expiry.UTC().Format(time.RFC3339), cl.IssuedAt.UTC().Format(time.RFC3339))
	}
}

func checkIssuer(r *Report, allowHTTP bool) {
	iss := r.Claims.Issuer
	if iss == "" {
		r.add("issuer", SeverityError, `the token has no issuer ("iss")`)
		return
	}
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		r.add("issuer", SeverityError, "the token's issuer %s is not an https URL; it must be the Octopus Server URI", quote(iss))
		return
	}
	if u.RawQuery != "" || u.Fragment != "" {
		r.add("issuer", SeverityError, "the token's issuer %s carries a query or fragment, which an OpenID issuer must not", quote(iss))
	}
	if u.Scheme == "http" {
		if allowHTTP {
			r.add("issuer", SeverityWarning, "the token's issuer %s is plain http; Pulumi Cloud requires https issuers", quote(iss))
		} else {
			r.add("issuer", SeverityError, "the token's issuer %s is plain http; Pulumi Cloud requires an https issuer: set the Octopus Server URI (Configuration > Nodes) to its public https address", quote(iss))
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
