package auth

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

// unsignedJWT builds a token with the given header and claims and a dummy
// signature; the pre-flight does not verify signatures.
func unsignedJWT(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	enc := func(v map[string]any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func goodClaims() map[string]any {
	return map[string]any{
		"iss": "https://octopus.example.com/", "sub": "space:default:project:web:environment:prod",
		"aud": "urn:pulumi:org:acme", "iat": testNow.Add(-time.Minute).Unix(), "nbf": testNow.Add(-time.Minute).Unix(),
		"exp": testNow.Add(time.Hour).Unix(), OctopusClaimPrefix + "space": "default",
	}
}

func TestPreflight(t *testing.T) {
	t.Parallel()
	header := map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"}
	with := func(changes map[string]any) map[string]any {
		c := goodClaims()
		for k, v := range changes {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	tests := []struct {
		name   string
		token  string
		errors []string // checks expected at error level, in any order
		warns  []string
	}{
		{name: "good", token: unsignedJWT(t, header, goodClaims())},
		{name: "audience list", token: unsignedJWT(t, header, with(map[string]any{"aud": []string{"x", "urn:pulumi:org:acme"}}))},
		{name: "wrong audience", token: unsignedJWT(t, header, with(map[string]any{"aud": "urn:pulumi:org:other"})), errors: []string{"audience"}},
		{name: "default audience", token: unsignedJWT(t, header, with(map[string]any{"aud": "api://default"})), errors: []string{"audience"}},
		{name: "no audience", token: unsignedJWT(t, header, with(map[string]any{"aud": nil})), errors: []string{"audience"}},
		{name: "expired within skew", token: unsignedJWT(t, header, with(map[string]any{"exp": testNow.Add(-time.Minute).Unix(), "iat": testNow.Add(-time.Hour).Unix()})), warns: []string{"expiry"}},
		{name: "expired", token: unsignedJWT(t, header, with(map[string]any{"exp": testNow.Add(-5 * time.Minute).Unix(), "iat": testNow.Add(-time.Hour).Unix()})), errors: []string{"expiry"}},
		{name: "expiring soon", token: unsignedJWT(t, header, with(map[string]any{"exp": testNow.Add(30 * time.Second).Unix()})), warns: []string{"expiry"}},
		{name: "no expiry", token: unsignedJWT(t, header, with(map[string]any{"exp": nil})), errors: []string{"expiry"}},
		{name: "not yet valid", token: unsignedJWT(t, header, with(map[string]any{"nbf": testNow.Add(time.Hour).Unix()})), errors: []string{"not-before"}},
		{name: "issued in the future", token: unsignedJWT(t, header, with(map[string]any{"iat": testNow.Add(time.Hour).Unix()})), errors: []string{"issued-at"}},
		{name: "no iat", token: unsignedJWT(t, header, with(map[string]any{"iat": nil})), warns: []string{"issued-at"}},
		{name: "http issuer", token: unsignedJWT(t, header, with(map[string]any{"iss": "http://octopus.example.com/"})), errors: []string{"issuer"}},
		{name: "issuer not a URL", token: unsignedJWT(t, header, with(map[string]any{"iss": "octopus"})), errors: []string{"issuer"}},
		{name: "no subject", token: unsignedJWT(t, header, with(map[string]any{"sub": nil})), errors: []string{"subject"}},
		{name: "alg none", token: unsignedJWT(t, map[string]any{"alg": "none"}, goodClaims()), errors: []string{"algorithm"}},
		{name: "everything at once", token: unsignedJWT(t, header, with(map[string]any{
			"aud": "api://default", "exp": testNow.Add(-time.Hour).Unix(), "iat": testNow.Add(-2 * time.Hour).Unix(), "iss": "http://x.example.com", "sub": nil,
		})), errors: []string{"audience", "expiry", "issuer", "subject"}},
		{name: "empty", token: "", errors: []string{"token"}},
		{name: "two parts", token: "abc.def", errors: []string{"token"}},
		{name: "bad base64", token: "!!!.???.sig", errors: []string{"token"}},
		{name: "claim of the wrong type", token: unsignedJWT(t, header, with(map[string]any{"exp": "tomorrow"})), errors: []string{"token", "expiry"}},
	}
	c, err := New(WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := c.Preflight(tt.token, Audience("acme"))
			var errs, warns []string
			for _, f := range r.Findings {
				switch f.Severity {
				case SeverityError:
					errs = append(errs, f.Check)
				case SeverityWarning:
					warns = append(warns, f.Check)
				}
			}
			if strings.Join(errs, ",") != strings.Join(tt.errors, ",") || strings.Join(warns, ",") != strings.Join(tt.warns, ",") {
				t.Fatalf("errors %v warnings %v, want %v and %v\n%s", errs, warns, tt.errors, tt.warns, r)
			}
			if r.OK() != (len(tt.errors) == 0) || (r.Err() == nil) != r.OK() {
				t.Fatalf("OK() = %v with errors %v", r.OK(), errs)
			}
		})
	}
}

func TestPreflightDefaultAudienceMessage(t *testing.T) {
	t.Parallel()
	c, _ := New(WithClock(func() time.Time { return testNow }))
	claims := goodClaims()
	claims["aud"] = "api://default"
	r := c.Preflight(unsignedJWT(t, map[string]any{"alg": "RS256"}, claims), Audience("acme"))
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), `set the Audience of the Generic OpenID Connect account to "urn:pulumi:org:acme"`) {
		t.Fatalf("error %v", err)
	}
}

// TestReportDefangsServiceMessages makes sure a crafted claim cannot inject
// an Octopus service message into the task log.
func TestReportDefangsServiceMessages(t *testing.T) {
	t.Parallel()
	c, _ := New(WithClock(func() time.Time { return testNow }))
	claims := goodClaims()
	claims["sub"] = "x\n##octopus[setVariable name='YQ==' value='Yg==']"
	claims[OctopusClaimPrefix+"project"] = "##octopus[stdout-ignore]"
	out := c.Preflight(unsignedJWT(t, map[string]any{"alg": "RS256"}, claims), Audience("acme")).String()
	if strings.Contains(out, "##") {
		t.Fatalf("report carries a service message:\n%s", out)
	}
}

func FuzzPreflight(f *testing.F) {
	f.Add(unsignedJWT(f, map[string]any{"alg": "RS256", "kid": "k"}, goodClaims()))
	f.Add("a.b.c")
	f.Add("")
	f.Add("eyJhbGciOiJub25lIn0.eyJhdWQiOlsxLDJdfQ.")
	c, err := New(WithClock(func() time.Time { return testNow }))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		r := c.Preflight(token, Audience("acme"))
		if r == nil {
			t.Fatal("nil report")
		}
		if r.OK() != (r.Err() == nil) {
			t.Fatal("OK and Err disagree")
		}
		out := r.String()
		if strings.Contains(out, "##") {
			t.Fatalf("report carries ##: %q", out)
		}
		if len(token) > 40 && strings.Contains(out, token) {
			t.Fatal("the report shows the whole token")
		}
		if r.OK() && (r.Claims.Subject == "" || r.Claims.Expiry.IsZero()) {
			t.Fatal("a token without sub or exp passed")
		}
	})
}
