package authtest_test

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// A fake issuer mints tokens signed with its published keys.
func ExampleIssuer_Mint() {
	iss, err := authtest.NewIssuer()
	if err != nil {
		panic(err)
	}
	defer iss.Close()
	jwt, err := iss.Mint(map[string]any{"aud": "urn:pulumi:org:acme"})
	if err != nil {
		panic(err)
	}
	fmt.Println("segments:", len(strings.Split(jwt, ".")))
	fmt.Println("published keys:", len(iss.KeyIDs()))
	// Output:
	// segments: 3
	// published keys: 1
}

// The fake Pulumi Cloud exchanges tokens of the issuers it trusts, and
// faults can be injected per path.
func ExampleCloud() {
	iss, err := authtest.NewIssuer()
	if err != nil {
		panic(err)
	}
	defer iss.Close()
	cloud := authtest.NewCloud()
	defer cloud.Close()
	cloud.TrustIssuer("acme", iss, authtest.Policy{Subject: "space:default:*"})
	cloud.Inject(authtest.TokenPath, authtest.TooManyRequests)

	jwt, _ := iss.Mint(map[string]any{"aud": "urn:pulumi:org:acme"})
	form := url.Values{
		"grant_type":           {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token_type":   {"urn:ietf:params:oauth:token-type:id_token"},
		"subject_token":        {jwt},
		"audience":             {"urn:pulumi:org:acme"},
		"requested_token_type": {"urn:pulumi:token-type:access_token:organization"},
	}
	for range 2 {
		resp, err := cloud.Client().PostForm(cloud.URL+authtest.TokenPath, form)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status, resp.Header.Get("Retry-After"))
	}
	// Output:
	// 429 Too Many Requests 1
	// 200 OK
}
