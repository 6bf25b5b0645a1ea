package auth_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

func ExampleAudience() {
	fmt.Println(auth.Audience("acme"))
	// Output: urn:pulumi:org:acme
}

// The pre-flight explains, before Pulumi Cloud refuses, what is wrong with
// a token: here Octopus's default audience and an expired token.
func ExampleClient_Preflight() {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	c, err := auth.New(auth.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	seg := base64.RawURLEncoding.EncodeToString
	jwt := seg([]byte(`{"alg":"RS256","kid":"k1"}`)) + "." +
		seg([]byte(`{"iss":"https://octopus.example.com/","sub":"space:default:project:web:environment:prod",`+
			`"aud":"api://default","iat":1772622000,"exp":1772625600,"https://octopus.com/claims/space":"default"}`)) +
		".c2ln"
	fmt.Print(c.Preflight(jwt, auth.Audience("acme")))
	// Output:
	// OIDC token
	//   issuer:     "https://octopus.example.com/"
	//   subject:    "space:default:project:web:environment:prod"
	//   audience:   ["api://default"]
	//   expected:   "urn:pulumi:org:acme"
	//   issued:     2026-03-04T11:00:00Z (1h0m0s ago)
	//   expires:    2026-03-04T12:00:00Z (in 0s)
	//   key:        kid "k1", alg "RS256"
	//   claim:      "https://octopus.com/claims/space" = "default"
	// Findings
	//   ERROR   audience: the token's audience is Octopus's default "api://default"; set the Audience of the Generic OpenID Connect account to "urn:pulumi:org:acme" (Pulumi Cloud only exchanges tokens meant for the organization)
	//   WARNING expiry: the token expired at 2026-03-04T12:00:00Z, 0s ago, within the allowed clock skew of 2m0s; Pulumi Cloud may refuse it: run the step again
	// Result: FAILED (1 error(s), 1 warning(s))
}

// LoginOIDC checks the token and the issuer, exchanges the token and
// returns the credentials of the pulumi processes; here against the fakes.
func ExampleClient_LoginOIDC() {
	iss, err := authtest.NewIssuer(authtest.IssuerTLS())
	if err != nil {
		panic(err)
	}
	defer iss.Close()
	cloud := authtest.NewCloud()
	defer cloud.Close()
	cloud.TrustIssuer("acme", iss)

	c, err := auth.New(
		auth.WithHTTPClient(authtest.NewClient(iss.CertPEM())),
		auth.WithBaseURL(cloud.URL),
		auth.WithOnToken(func(token string) {
			// An adapter writes the Octopus mask service message here.
		}),
	)
	if err != nil {
		panic(err)
	}
	jwt, err := iss.Mint(map[string]any{"aud": auth.Audience("acme")})
	if err != nil {
		panic(err)
	}
	cr, err := c.LoginOIDC(context.Background(), jwt, auth.ExchangeRequest{Organization: "acme"}, "the Octopus account Pulumi.Oidc")
	if err != nil {
		panic(err)
	}
	fmt.Println("user:", cr.Account.UserName)
	fmt.Println("token set:", auth.LooksLikePulumiToken(cr.Token))
	fmt.Println("backend is the fake:", cr.BackendURL == cloud.URL)
	fmt.Println("expires:", !cr.Expiry.IsZero())
	// Output:
	// user: acme
	// token set: true
	// backend is the fake: true
	// expires: true
}
