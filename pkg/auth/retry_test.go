package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// TestLoginOIDCRecovers checks faults that retries or warnings get past.
func TestLoginOIDCRecovers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		setup     func(f *fakes)
		exchanges int
		warning   string // a warning the credentials must carry
	}{
		{"429 then success", func(f *fakes) {
			f.cloud.Inject(authtest.TokenPath, authtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"})
		}, 2, ""},
		{"503 then success", func(f *fakes) { f.cloud.Inject(authtest.TokenPath, authtest.Fault{Status: 503}) }, 2, ""},
		{"dropped connection then success", func(f *fakes) { f.cloud.Inject(authtest.TokenPath, authtest.DropConnection) }, 2, ""},
		{"issuer unreachable from this worker", func(f *fakes) {
			f.iss.Inject(authtest.DiscoveryPath, authtest.Fault{Drop: true, Repeat: true})
		}, 1, "this worker cannot reach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			tt.setup(f)
			cr, err := f.client(t).LoginOIDC(context.Background(), f.mint(t, nil), orgRequest, "test")
			if err != nil {
				t.Fatal(err)
			}
			if got := f.cloud.Requests(authtest.TokenPath); got != tt.exchanges {
				t.Fatalf("%d exchange requests, want %d", got, tt.exchanges)
			}
			if tt.warning != "" && !containsSubstring(cr.Warnings, tt.warning) {
				t.Fatalf("warnings %q lack %q", cr.Warnings, tt.warning)
			}
		})
	}
}

func containsSubstring(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c, err := New(WithClock(func() time.Time { return now }), WithRetryAfterMax(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	resp := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name     string
		attempt  int
		resp     *http.Response
		min, max time.Duration
	}{
		{"retry-after seconds", 0, resp(429, "3"), 3 * time.Second, 3 * time.Second},
		{"retry-after date", 0, resp(503, now.Add(5*time.Second).Format(http.TimeFormat)), 5 * time.Second, 5 * time.Second},
		{"retry-after capped", 0, resp(429, "3600"), 10 * time.Second, 10 * time.Second},
		{"retry-after garbage", 0, resp(429, "soon"), 50 * time.Millisecond, 100 * time.Millisecond},
		{"retry-after zero backs off", 0, resp(429, "0"), 50 * time.Millisecond, 100 * time.Millisecond},
		{"retry-after in the past backs off", 1, resp(503, now.Add(-time.Hour).Format(http.TimeFormat)), 100 * time.Millisecond, 200 * time.Millisecond},
		{"retry-after negative", 0, resp(429, "-5"), 50 * time.Millisecond, 100 * time.Millisecond},
		{"retry-after date far ahead capped", 0, resp(429, now.Add(48*time.Hour).Format(http.TimeFormat)), 10 * time.Second, 10 * time.Second},
		{"retry-after on a 500 ignored", 0, resp(500, "7"), 50 * time.Millisecond, 100 * time.Millisecond},
		{"first retry", 0, resp(500, ""), 50 * time.Millisecond, 100 * time.Millisecond},
		{"third retry", 2, nil, 200 * time.Millisecond, 400 * time.Millisecond},
		{"capped", 20, nil, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 20 {
				d := c.backoff(100*time.Millisecond, time.Second, tt.attempt, tt.resp)
				if d < tt.min || d > tt.max {
					t.Fatalf("backoff = %s, want %s..%s", d, tt.min, tt.max)
				}
			}
		})
	}
}

func TestAPIErrorShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body       string
		code, msg  string
		bodyExcept string
	}{
		{`{"error":"invalid_grant","error_description":"bad token"}`, "invalid_grant", "bad token", ""},
		{`{"code":401,"message":"Unauthorized"}`, "401", "Unauthorized", ""},
		{`<html>Bad Gateway</html>`, "", "", "<html>Bad Gateway</html>"},
		{"##octopus[setVariable name='x']", "", "", `#\x23octopus[setVariable name='x']`},
	}
	for _, tt := range tests {
		e := apiError("op", "POST", &response{status: 400, body: []byte(tt.body), url: "https://x"})
		if e.Code != tt.code || e.Message != tt.msg || e.Body != tt.bodyExcept {
			t.Errorf("apiError(%s) = code %q msg %q body %q", tt.body, e.Code, e.Message, e.Body)
		}
	}
	long := apiError("op", "GET", &response{status: 502, body: make([]byte, 5000), truncated: true, url: "https://x"})
	if len(long.Body) > 600 {
		t.Errorf("raw body not bounded: %d bytes", len(long.Body))
	}
}

func TestExchangeRequestValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q     ExchangeRequest
		scope string
		bad   bool
	}{
		{ExchangeRequest{Organization: "acme"}, "", false},
		{ExchangeRequest{Organization: "acme", Admin: true}, "admin", false},
		{ExchangeRequest{Organization: "acme", TokenType: TeamToken, Team: "ops"}, "team:ops", false},
		{ExchangeRequest{Organization: "acme", TokenType: PersonalToken, User: "ann"}, "user:ann", false},
		{ExchangeRequest{Organization: "acme", TokenType: RunnerToken, Runner: "r1"}, "runner:r1", false},
		{ExchangeRequest{}, "", true},
		{ExchangeRequest{Organization: "acme", TokenType: TeamToken}, "", true},
		{ExchangeRequest{Organization: "acme", Team: "ops"}, "", true},
		{ExchangeRequest{Organization: "acme", TokenType: TeamToken, Team: "ops", Admin: true}, "", true},
		{ExchangeRequest{Organization: "acme", TokenType: "robot"}, "", true},
		{ExchangeRequest{Organization: "acme", Expiration: 1500 * time.Millisecond}, "", true},
		{ExchangeRequest{Organization: "a:b"}, "", true},
	}
	for _, tt := range tests {
		_, scope, err := tt.q.scope()
		if (err != nil) != tt.bad || scope != tt.scope {
			t.Errorf("%+v: scope %q, err %v", tt.q, scope, err)
		}
	}
}

func TestExchangeTokenTypes(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	c := f.client(t)
	tok, err := c.Exchange(context.Background(), f.mint(t, nil), ExchangeRequest{Organization: testOrg, TokenType: TeamToken, Team: "ops", Expiration: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Type != "urn:pulumi:token-type:access_token:team" || tok.Scope != "team:ops" || time.Until(tok.Expiry) > 11*time.Minute {
		t.Fatalf("token %v scope %q", tok, tok.Scope)
	}
	if s := tok.String(); strings.Contains(s, tok.Value) {
		t.Fatal("Token.String shows the value")
	}
	_, err = c.Exchange(context.Background(), f.mint(t, nil), ExchangeRequest{Organization: "unknown-org"})
	var xe *ExchangeError
	if !errors.As(err, &xe) || xe.StatusCode != 401 || xe.Organization != "unknown-org" {
		t.Fatalf("want a 401 *ExchangeError, got %v", err)
	}
}
