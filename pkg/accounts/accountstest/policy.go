package accountstest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// IdentityProvider is an IAM OpenID Connect identity provider: tokens of
// its issuer whose audience it lists may be exchanged. As AWS does, the
// fake fetches the issuer's discovery document and keys to verify them.
type IdentityProvider struct {
	// URL is the issuer, exactly as tokens carry it in "iss".
	URL string
	// Audiences are the client IDs the provider accepts; default
	// sts.amazonaws.com.
	Audiences []string
	// Client fetches discovery and keys; give one that trusts the issuer's
	// certificate (authtest's Issuer.Client). Default http.DefaultClient.
	Client *http.Client
}

// Role is an IAM role and its trust policy, reduced to the conditions that
// matter here.
type Role struct {
	// ARN is the role's ARN, arn:aws:iam::<account>:role/<name>.
	ARN string
	// MaxSessionDuration is the role's maximum session; default one hour.
	MaxSessionDuration time.Duration

	// Federated is the issuer URL whose tokens may assume the role with
	// AssumeRoleWithWebIdentity (the Federated principal); empty: none.
	Federated string
	// Audience is the StringEquals condition on <provider>:aud; empty:
	// none.
	Audience string
	// Subject is the StringLike condition on <provider>:sub ("*" matches
	// any run of characters, "?" one); empty: none.
	Subject string

	// Principals are the ARNs of the roles and users that may assume the
	// role with AssumeRole (a session of a role counts as the role).
	Principals []string
	// ExternalID is the sts:ExternalId condition of AssumeRole; empty:
	// none.
	ExternalID string
}

func (r Role) maxSession() time.Duration {
	if r.MaxSessionDuration == 0 {
		return time.Hour
	}
	return r.MaxSessionDuration
}

// admitsToken applies the web identity trust policy.
func (r Role) admitsToken(iss, sub string, aud []string) bool {
	if r.Federated == "" || r.Federated != iss {
		return false
	}
	if r.Audience != "" && !slices.Contains(aud, r.Audience) {
		return false
	}
	return r.Subject == "" || like(r.Subject, sub)
}

// admitsPrincipal applies the AssumeRole trust policy.
func (r Role) admitsPrincipal(principal, externalID string) bool {
	if !slices.Contains(r.Principals, principal) {
		return false
	}
	return r.ExternalID == "" || r.ExternalID == externalID
}

// like matches IAM's StringLike: "*" any run of characters, "?" one.
func like(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if like(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && like(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && like(pattern[1:], s[1:])
}

// roleName returns the name of a role ARN.
func roleName(arn string) string {
	_, name, _ := strings.Cut(arn, ":role/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// arnAccount returns the account id and partition of an ARN.
func arnAccount(arn string) (partition, account string) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 5 {
		return "aws", "000000000000"
	}
	return f[1], f[4]
}
