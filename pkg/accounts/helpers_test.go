package accounts_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/accounts/accountstest"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// Fixed values of the tests.
const (
	testClient       = "5f1a8e2c-3b4d-4c6e-8f90-1a2b3c4d5e6f"
	testTenant       = "2a681dca-3230-4e01-abcb-b1fd225c0982"
	testSubscription = "cd21dc34-73dc-4c7d-bd86-041284e0bc45"
	testAccessKey    = "AKIAIOSFODNN7EXAMPLE"
	testSecretKey    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testAzureSecret  = "correct-horse-battery-staple~secret"
	testWIFAudience  = "https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/octopus/providers/octopus-server"
	testSA           = "deploy@example-project.iam.gserviceaccount.com"
	secondRoleARN    = "arn:aws:iam::210987654321:role/cross-account-deploy"
)

// vars is a set of Octopus variables.
type vars map[string]string

// with returns a copy with more variables; the value "\x00" deletes one.
func (v vars) with(more vars) vars {
	out := vars{}
	for k, x := range v {
		out[k] = x
	}
	for k, x := range more {
		if x == "\x00" {
			delete(out, k)
			continue
		}
		out[k] = x
	}
	return out
}

func (v vars) lookup() accounts.Lookup { return accounts.MapLookup(v) }

// unsigned returns a syntactically valid but unsigned token with claims,
// for checks that never verify a signature.
func unsigned(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	p, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(p) + ".c2lnbmF0dXJl"
}

// claims returns a token's claims for an audience, valid from now for
// ten minutes, from an https issuer.
func claims(aud string, now time.Time, more map[string]any) map[string]any {
	c := map[string]any{
		"iss": "https://octopus.example.com/",
		"sub": authtest.DefaultSubject,
		"aud": aud,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(10 * time.Minute).Unix(),
	}
	for k, v := range more {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// googleKey makes one service account key for the whole test binary; RSA
// keys are slow to generate.
var googleKey = sync.OnceValues(func() ([]byte, string) {
	key, b64, err := accountstest.ServiceAccountKey(testSA)
	if err != nil {
		panic(err)
	}
	return key, b64
})

// variableErrors returns the VariableErrors in err, by variable.
func variableErrors(t *testing.T, err error) map[string]*accounts.VariableError {
	t.Helper()
	out := map[string]*accounts.VariableError{}
	for _, e := range unjoin(err) {
		var ve *accounts.VariableError
		if !errors.As(e, &ve) {
			t.Fatalf("%T is not a *VariableError: %v", e, e)
		}
		out[ve.Variable] = ve
	}
	return out
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// mustContain fails unless s contains every part.
func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s does not contain %q:\n%s", what, p, s)
		}
	}
}
