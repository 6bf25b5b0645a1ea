package accountstest

import (
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// Names of the account and role [Start] sets up.
const (
	DefaultAccountID = "123456789012"
	DefaultRoleARN   = "arn:aws:iam::" + DefaultAccountID + ":role/octopus-deploy"
	// DefaultSubject is the trust policy's subject condition: any project
	// of the default space, in any environment.
	DefaultSubject = "space:default:project:*"
)

// Start starts, for one test, an Octopus issuer as Octopus runs it (TLS,
// an issuer URL with a trailing slash, ES256 keys) and a fake STS that
// trusts it: an IAM identity provider for the issuer accepting the audience
// sts.amazonaws.com, and the role [DefaultRoleARN] whose trust policy admits
// its tokens for that audience and subjects matching [DefaultSubject]
// (maximum session 12 hours). Both stop when the test ends. Mint tokens
// with iss.Mint(map[string]any{"aud": "sts.amazonaws.com"}).
func Start(tb testing.TB) (*authtest.Issuer, *STS) {
	tb.Helper()
	iss, err := authtest.NewIssuer(authtest.IssuerTLS(), authtest.TrailingSlash(), authtest.SigningAlgorithm(jose.ES256))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(iss.Close)
	sts := NewSTS()
	tb.Cleanup(sts.Close)
	sts.AddIdentityProvider(IdentityProvider{URL: iss.URL, Client: iss.Client()})
	sts.AddRole(Role{ARN: DefaultRoleARN, MaxSessionDuration: 12 * time.Hour, Federated: iss.URL, Audience: "sts.amazonaws.com", Subject: DefaultSubject})
	return iss, sts
}
