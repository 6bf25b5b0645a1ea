package authtest

import (
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// Start starts, for one test, an issuer as Octopus runs it (TLS, an issuer
// URL with a trailing slash, ES256 keys, which are quick to make) and a
// Pulumi Cloud that trusts it for org with policies, and stops both when the
// test ends. Clients reach the issuer with [NewClient](iss.CertPEM()).
func Start(tb testing.TB, org string, policies ...Policy) (*Issuer, *Cloud) {
	tb.Helper()
	iss, err := NewIssuer(IssuerTLS(), TrailingSlash(), SigningAlgorithm(jose.ES256))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(iss.Close)
	cloud := NewCloud()
	tb.Cleanup(cloud.Close)
	cloud.TrustIssuer(org, iss, policies...)
	return iss, cloud
}
