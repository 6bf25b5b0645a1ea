package accounts

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// AWSAudience is the audience AWS documents for tokens exchanged with
// AssumeRoleWithWebIdentity; an Octopus AWS account's tokens carry the
// Octopus Server's host name instead, which is accepted too.
const AWSAudience = "sts.amazonaws.com"

// OctopusDefaultAudience is the audience Octopus gives a Generic OpenID
// Connect account's tokens unless the account says otherwise; no cloud
// accepts it.
const OctopusDefaultAudience = "api://default"

// roleChainMax is the longest session AWS grants a role assumed with
// another role's temporary credentials.
const roleChainMax = time.Hour

// Preflight checks accounts without asking any cloud: that each token is a
// JWT from an https issuer, has a subject, has not expired and was minted
// for the audience its cloud expects (AWS: sts.amazonaws.com, the Octopus
// Server's host or Pulumi.AwsAudience; Azure: api://AzureADTokenExchange or
// its sovereign-cloud form; Google Cloud: the workload identity provider);
// that a Google key is a service account key with a usable private key;
// that session lengths fit AWS's limits. It returns warnings (a token or
// session that may end before the run does) and every problem at once,
// joined; each a [*CheckError] naming the Octopus variable to change.
func (r *Resolver) Preflight(accts ...Account) (warnings []string, err error) {
	var p problems
	now := r.o.now()
	for _, a := range accts {
		warn := func(format string, args ...any) {
			warnings = append(warnings, a.Source()+": "+fmt.Sprintf(format, args...))
		}
		switch a := a.(type) {
		case *AWSKeys:
			if strings.HasPrefix(a.AccessKeyID, "ASIA") {
				p.check(a, "AccessKeyID", "key", "is a temporary access key ID (ASIA…), which only works with the session token it was issued with; an Octopus AWS account needs a long-term key (AKIA…)")
			}
		case *AWSOIDC:
			r.checkToken(&p, warn, a, now, awsAudiences(a), false)
			if d := orDuration(a.SessionDuration, defaultSession); d < r.o.runTime && a.AssumeRole == nil {
				warn("the AWS session lasts %s, less than the %s the run may take: raise the account's Session Duration (%s) if the deployment takes longer", d, r.o.runTime, a.src("SessionDuration"))
			}
			if h := a.AssumeRole; h != nil && orDuration(h.Duration, defaultSession) > roleChainMax {
				p.checkVar(a, h.src(3), "session", "asks for %s, but AWS grants a role assumed with another role's temporary credentials at most %s (role chaining): lower it", h.Duration, roleChainMax)
			}
		case *AzureOIDC:
			r.checkToken(&p, warn, a, now, []string{azureAudience(a)}, true)
		case *GoogleKey:
			checkGoogleKey(&p, a)
		case *GoogleOIDC:
			if provider := wifAudience(&p, a); provider != "" {
				r.checkToken(&p, warn, a, now, []string{a.Audience, "https:" + provider, provider}, true)
			}
		}
	}
	return warnings, p.err()
}

func awsAudiences(a *AWSOIDC) []string {
	if a.Audience != "" {
		return []string{a.Audience}
	}
	cl, _ := ParseClaims(a.JWT)
	out := []string{AWSAudience}
	if u, err := url.Parse(cl.Issuer); err == nil && u.Host != "" {
		out = append(out, u.Host, issuerHost(cl.Issuer))
	}
	return out
}

func azureAudience(a *AzureOIDC) string {
	if a.Audience != "" {
		return a.Audience
	}
	return azureAudiences[azureCloud(a.Environment)]
}

// tokenHolder is an account with an Octopus token.
type tokenHolder interface {
	Account
	token() string
}

func (a *AWSOIDC) token() string    { return a.JWT }
func (a *AzureOIDC) token() string  { return a.JWT }
func (a *GoogleOIDC) token() string { return a.JWT }

// checkToken checks a token's form, lifetime, issuer, subject and audience.
// later says the provider presents the token again during the run (Azure,
// Google), so it must outlive the run, not only the exchange.
func (r *Resolver) checkToken(p *problems, warn func(string, ...any), a tokenHolder, now time.Time, want []string, later bool) {
	cl, err := ParseClaims(a.token())
	if err != nil {
		p.check(a, "JWT", "token", "is not a JWT: %v; hand over the account's #{<account>.OpenIdConnect.Jwt}, unchanged", err)
		return
	}
	if alg := strings.ToLower(cl.Algorithm); alg == "" || alg == "none" {
		p.check(a, "JWT", "token", "is not signed (alg %q); clouds accept only signed tokens", cl.Algorithm)
	}
	skew := r.o.skew
	switch {
	case cl.Expiry.IsZero():
		p.check(a, "JWT", "expiry", `has no expiry ("exp"); clouds refuse tokens that never expire`)
	case now.After(cl.Expiry.Add(skew)):
		p.check(a, "JWT", "expiry", "expired at %s, %s ago: Octopus issues the token when the step starts; run the step again, and check this worker's clock", cl.Expiry.Format(time.RFC3339), now.Sub(cl.Expiry).Round(time.Second))
	case later && cl.Expiry.Before(now.Add(r.o.runTime)):
		warn("the token expires at %s, in %s; the provider presents it again whenever its access token needs renewing, so a run longer than that fails part way", cl.Expiry.Format(time.RFC3339), cl.Expiry.Sub(now).Round(time.Second))
	case !later && cl.Expiry.Before(now.Add(time.Minute)):
		warn("the token expires at %s, in %s; the exchange may fail if it takes longer", cl.Expiry.Format(time.RFC3339), cl.Expiry.Sub(now).Round(time.Second))
	}
	if !cl.NotBefore.IsZero() && cl.NotBefore.After(now.Add(skew)) {
		p.check(a, "JWT", "not-before", "is not valid before %s, %s from now: check the clocks of this worker and of the Octopus Server", cl.NotBefore.Format(time.RFC3339), cl.NotBefore.Sub(now).Round(time.Second))
	}
	if u, err := url.Parse(cl.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
		p.check(a, "JWT", "issuer", "has the issuer %q, which is not an https URL: clouds fetch the issuer's keys over https only; set the Octopus Server URI (Configuration > Nodes) to its public https address", cl.Issuer)
	}
	if cl.Subject == "" {
		p.check(a, "JWT", "subject", `has no subject ("sub"); trust policies and federated credentials match on it`)
	}
	checkAudience(p, a, cl.Audience, want)
}

func checkAudience(p *problems, a tokenHolder, aud, want []string) {
	for _, w := range want {
		if slices.Contains(aud, w) {
			return
		}
	}
	field, fix := "JWT", ""
	switch a := a.(type) {
	case *AWSOIDC:
		if a.Audience != "" {
			field = "Audience"
			fix = fmt.Sprintf("set %s to the audience the IAM identity provider lists, and make the Octopus account mint tokens for it", a.src("Audience"))
		} else {
			fix = fmt.Sprintf("give the Octopus account the audience %q, or, if the IAM identity provider lists another audience, name it in %s", AWSAudience, VarAWSAudience)
		}
	case *AzureOIDC:
		fix = fmt.Sprintf("set the Azure account's Audience to %q, what the app's federated credential expects (or name the credential's own audience in %s)", want[0], VarAzureAudience)
	case *GoogleOIDC:
		field = "Audience"
		fix = fmt.Sprintf("the token was not minted for the workload identity provider: set the account's Audience to %q", want[0])
	}
	switch {
	case len(aud) == 0:
		p.check(a, field, "audience", `the token has no audience ("aud"): %s`, fix)
	case slices.Contains(aud, OctopusDefaultAudience):
		p.check(a, field, "audience", "the token's audience is Octopus's default %q, which no cloud accepts: %s", OctopusDefaultAudience, fix)
	default:
		p.check(a, field, "audience", "the token's audience %q is not %s: %s", aud, quoteAll(want), fix)
	}
}

// wifAudience checks a Google account's audience names a workload
// identity provider and returns it in the // form the external account
// configuration takes; "" when it does not.
func wifAudience(p *problems, a *GoogleOIDC) string {
	m := wifProviderRe.FindStringSubmatch(a.Audience)
	if m != nil {
		return "//iam.googleapis.com/" + m[1]
	}
	if n := wifAnyNumberRe.FindStringSubmatch(a.Audience); n != nil {
		p.check(a, "Audience", "audience", "names the project %q, but a workload identity provider's audience names the project by its number (projects/123456789012/…); copy the provider's audience from the Google Cloud console", n[1])
		return ""
	}
	p.check(a, "Audience", "audience", "%q is not a workload identity provider (https://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>)", a.Audience)
	return ""
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "one of " + strings.Join(q, ", ")
}
