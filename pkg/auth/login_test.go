package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

var orgRequest = ExchangeRequest{Organization: testOrg}

func TestLoginOIDCSuccess(t *testing.T) {
	t.Parallel()
	f := newFakes(t, authtest.SigningAlgorithm(jose.RS256))
	c := f.client(t)
	jwt := f.mint(t, nil)
	cr, err := c.LoginOIDC(context.Background(), jwt, ExchangeRequest{Organization: testOrg, Expiration: time.Hour}, "the Octopus account Pulumi.Oidc")
	if err != nil {
		t.Fatal(err)
	}
	if !LooksLikePulumiToken(cr.Token) || cr.BackendURL != f.cloud.URL || cr.Account.UserName != testOrg {
		t.Fatalf("unexpected credentials %v, account %+v", cr, cr.Account)
	}
	if d := time.Until(cr.Expiry); d < 59*time.Minute || d > time.Hour+time.Minute {
		t.Fatalf("expiry %s is not an hour away", cr.Expiry)
	}
	if len(*f.tokens) != 1 || (*f.tokens)[0] != cr.Token {
		t.Fatalf("the OnToken hook got %d tokens", len(*f.tokens))
	}
	if !cr.Report.OK() || !cr.Report.Probed || len(cr.Report.Hops) != 2 {
		t.Fatalf("report:\n%s", cr.Report)
	}
	if cr.Source != "the Octopus account Pulumi.Oidc" {
		t.Fatalf("source %q", cr.Source)
	}
}

// TestLoginOIDCMatrix runs the failure matrix against the fakes.
func TestLoginOIDCMatrix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		plain     bool
		policies  []authtest.Policy
		issuer    []authtest.IssuerOption
		claims    map[string]any
		mint      []authtest.MintOption
		opts      []Option
		setup     func(f *fakes)
		timeout   time.Duration
		wantCheck string // the failing check of a *CheckError
		wantIn    string // text the error must contain
		wantIs    error
		exchanges int // requests to /api/oauth/token
	}{
		{name: "wrong audience", claims: map[string]any{"aud": "urn:pulumi:org:other"}, wantCheck: "audience", wantIn: `does not contain "urn:pulumi:org:acme"`},
		{name: "octopus default audience", claims: map[string]any{"aud": "api://default"}, wantCheck: "audience", wantIn: `set the Audience of the Generic OpenID Connect account to "urn:pulumi:org:acme"`},
		{name: "expired", mint: []authtest.MintOption{authtest.Lifetime(-10 * time.Minute)}, wantCheck: "expiry", wantIn: "expired at"},
		{name: "not yet valid", mint: []authtest.MintOption{authtest.IssuedAt(time.Now().Add(time.Hour))}, wantCheck: "not-before", wantIn: "check the clocks"},
		{name: "bad signature", mint: []authtest.MintOption{authtest.ForeignKey()}, wantCheck: "signature", wantIn: "does not verify"},
		{name: "unknown kid", mint: []authtest.MintOption{authtest.UnknownKey()}, wantCheck: "keys", wantIn: "which the issuer does not publish"},
		{name: "issuer mismatch", issuer: []authtest.IssuerOption{authtest.AdvertiseIssuer("https://octopus.example.com/")}, wantCheck: "discovery", wantIn: "must match exactly"},
		{name: "plain http issuer", plain: true, wantCheck: "issuer", wantIn: "plain http"},
		{name: "discovery not found", setup: func(f *fakes) {
			f.iss.Inject(authtest.DiscoveryPath, authtest.Fault{Status: http.StatusNotFound, Repeat: true})
		}, wantCheck: "discovery", wantIn: "answered 404"},
		{name: "500 forever", setup: func(f *fakes) {
			f.cloud.Inject(authtest.TokenPath, authtest.Fault{Status: 500, Repeat: true})
		}, wantIn: "gave up after 3 attempts", exchanges: 3},
		{name: "context cancelled mid-retry", timeout: 300 * time.Millisecond, setup: func(f *fakes) {
			f.cloud.Inject(authtest.TokenPath, authtest.Fault{Status: 429, RetryAfter: "30", Repeat: true})
		}, wantIs: context.DeadlineExceeded, exchanges: 1},
		{name: "slow reply", timeout: 300 * time.Millisecond, setup: func(f *fakes) {
			f.cloud.Inject(authtest.TokenPath, authtest.Fault{Delay: 10 * time.Second})
		}, wantIs: context.DeadlineExceeded, exchanges: 1},
		{name: "policy refuses subject", policies: []authtest.Policy{{Subject: "space:other:*"}}, wantIn: `for subject "` + authtest.DefaultSubject, exchanges: 1},
		{name: "token rejected by /api/user", setup: func(f *fakes) {
			f.cloud.Inject(authtest.UserPath, authtest.Unauthorized)
		}, wantIs: ErrTokenRejected, wantIn: "from the OIDC exchange for the Octopus account", exchanges: 1},
		{name: "oauth error shape", setup: func(f *fakes) {
			f.cloud.Inject(authtest.TokenPath, authtest.Fault{Status: 400, Body: `{"error":"invalid_grant","error_description":"subject token expired"}`})
		}, wantIn: "invalid_grant: subject token expired", exchanges: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakesWith(t, tt.plain, tt.policies, tt.issuer...)
			if tt.setup != nil {
				tt.setup(f)
			}
			c := f.client(t, tt.opts...)
			jwt := f.mint(t, tt.claims, tt.mint...)
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			start := time.Now()
			cr, err := c.LoginOIDC(ctx, jwt, orgRequest, "the Octopus account Pulumi.Oidc")
			if err == nil {
				t.Fatalf("login succeeded: %v", cr)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("took %s", time.Since(start))
			}
			if tt.wantCheck != "" {
				var ce *CheckError
				if !errors.As(err, &ce) || !errors.Is(err, ErrCheckFailed) {
					t.Fatalf("want a *CheckError, got %T: %v", err, err)
				}
				if !hasFinding(ce.Report, tt.wantCheck, SeverityError) {
					t.Fatalf("no %s error in\n%s", tt.wantCheck, ce.Report)
				}
			}
			if tt.wantIn != "" && !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("error %q does not contain %q", err, tt.wantIn)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("error %v is not %v", err, tt.wantIs)
			}
			if got := f.cloud.Requests(authtest.TokenPath); got != tt.exchanges {
				t.Fatalf("%d exchange requests, want %d", got, tt.exchanges)
			}
			if strings.Contains(err.Error(), jwt) {
				t.Fatal("the error contains the JWT")
			}
		})
	}
}

func hasFinding(r *Report, check string, sev Severity) bool {
	for _, f := range r.Findings {
		if f.Check == check && f.Severity == sev {
			return true
		}
	}
	return false
}
