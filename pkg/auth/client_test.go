package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A token travels in the Authorization header (stored tokens) or in a POST
// body (the OIDC token); Go's client would carry either across an
// https-to-http redirect or a 307 to another host. Neither may leave the
// origin of the base URL.
func TestTokenNeverFollowsARedirectToAnotherOrigin(t *testing.T) {
	t.Parallel()
	const token = "pul-0123456789abcdef0123456789abcdef01234567"
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz"
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "" || strings.Contains(string(body), "subject_token") {
			leaked.Add(1)
		}
		_, _ = io.WriteString(w, `{"githubLogin":"mallory","access_token":"x"}`)
	}))
	t.Cleanup(other.Close)
	cloud := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/user", "/api/oauth/token":
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
		case "/same/api/user":
			http.Redirect(w, r, "/moved/api/user", http.StatusTemporaryRedirect)
		case "/moved/api/user":
			_, _ = io.WriteString(w, `{"githubLogin":"alice"}`)
		}
	}))
	t.Cleanup(cloud.Close)

	c, err := New(WithBaseURL(cloud.URL), WithHTTPClient(cloud.Client()), WithRetry(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, errToken := c.CheckToken(context.Background(), token, "the test")
	_, errJWT := c.Exchange(context.Background(), jwt, ExchangeRequest{Organization: "acme"})
	for name, err := range map[string]error{"CheckToken": errToken, "Exchange": errJWT} {
		var re *RequestError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "refused to follow a redirect") {
			t.Errorf("%s = %v, want a RequestError refusing the redirect", name, err)
		}
		if re != nil && re.Attempts != 1 {
			t.Errorf("%s made %d attempts; a refused redirect is not retried", name, re.Attempts)
		}
		if err != nil && (strings.Contains(err.Error(), token) || strings.Contains(err.Error(), jwt)) {
			t.Errorf("%s error shows the secret: %v", name, err)
		}
	}
	if n := leaked.Load(); n != 0 {
		t.Fatalf("%d request(s) carried a token to another origin", n)
	}

	// Within the origin a redirect is still followed.
	same, err := New(WithBaseURL(cloud.URL+"/same"), WithHTTPClient(cloud.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := same.CheckToken(context.Background(), token, "the test"); err != nil || a.UserName != "alice" {
		t.Fatalf("CheckToken through a redirect within the origin = %v, %v", a, err)
	}
}

// An absurd expires_in must not overflow into an expiry in the past.
func TestExchangeExpiryIgnoresAbsurdLifetimes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		expiresIn string
		want      time.Time
	}{
		{"7200", now.Add(2 * time.Hour)},
		{"0", time.Time{}},
		{"9223372036854775807", time.Time{}},
		{"99999999999", time.Time{}},
	} {
		t.Run(tc.expiresIn, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"access_token":"pul-exchanged-token-value","issued_token_type":"urn:pulumi:token-type:access_token:organization","expires_in":`+tc.expiresIn+`}`)
			}))
			t.Cleanup(srv.Close)
			c, err := New(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := c.Exchange(context.Background(), "a.b.c", ExchangeRequest{Organization: "acme"})
			if err != nil {
				t.Fatal(err)
			}
			if !tok.Expiry.Equal(tc.want) {
				t.Fatalf("expiry %s, want %s", tok.Expiry, tc.want)
			}
		})
	}
}
