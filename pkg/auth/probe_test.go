package auth

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

func TestProbeCachesDiscoveryAndFollowsRotation(t *testing.T) {
	t.Parallel()
	f := newFakes(t, authtest.SigningAlgorithm(jose.ES384))
	c := f.client(t)
	ctx := context.Background()
	for i := range 3 {
		if r := c.Check(ctx, f.mint(t, nil), Audience(testOrg)); !r.OK() {
			t.Fatalf("check %d:\n%s", i, r)
		}
	}
	if d, k := f.iss.Requests(authtest.DiscoveryPath), f.iss.Requests(authtest.JWKSPath); d != 1 || k != 1 {
		t.Fatalf("%d discovery and %d key set fetches for 3 checks, want 1 and 1", d, k)
	}
	old := f.iss.KeyIDs()[0]
	if _, err := f.iss.RotateKey(); err != nil {
		t.Fatal(err)
	}
	r := c.Probe(ctx, f.mint(t, nil))
	if !r.OK() || f.iss.Requests(authtest.JWKSPath) != 2 {
		t.Fatalf("after rotation (%d key fetches):\n%s", f.iss.Requests(authtest.JWKSPath), r)
	}
	f.iss.RetireKey(old)
	r = c.Probe(ctx, f.mint(t, nil, authtest.SignWith(f.iss.KeyIDs()[0])))
	if !r.OK() {
		t.Fatalf("token of the new key:\n%s", r)
	}
	if d := f.iss.Requests(authtest.DiscoveryPath); d != 1 {
		t.Fatalf("%d discovery fetches, want 1", d)
	}
}

func TestProbeReportRendering(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	c := f.client(t)
	r := c.Check(context.Background(), f.mint(t, nil, authtest.ForeignKey()), Audience(testOrg))
	out := r.String()
	for _, want := range []string{
		"Issuer probe (from this worker)",
		"discovery:  GET " + strings.TrimSuffix(f.iss.URL, "/") + "/.well-known/openid-configuration -> 200 in",
		"keys:       GET " + strings.TrimSuffix(f.iss.URL, "/") + "/.well-known/jwks -> 200 in",
		`claim:      "https://octopus.com/claims/project" = "web-app"`,
		"ERROR   signature:",
		"WARNING reachability:",
		"Result: FAILED (1 error(s), 1 warning(s))",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestReachability(t *testing.T) {
	t.Parallel()
	tests := []struct {
		iss      string
		resolves []netip.Addr
		want     string // substring of the warning, "" for none
	}{
		{"https://127.0.0.1/", nil, "loopback address"},
		{"https://[::1]:8443/", nil, "loopback address"},
		{"https://10.1.2.3/", nil, "private address"},
		{"https://169.254.10.1/", nil, "link-local address"},
		{"https://localhost/", nil, "is loopback"},
		{"https://octopus/", nil, "single-label"},
		{"https://octopus.corp.internal/", nil, "private DNS zone"},
		{"https://octopus.example.com/", []netip.Addr{netip.MustParseAddr("192.168.1.5")}, "resolves from this worker only to 192.168.1.5"},
		{"https://octopus.example.com/", []netip.Addr{netip.MustParseAddr("203.0.113.7")}, ""},
		{"http://octopus.example.com/", []netip.Addr{netip.MustParseAddr("203.0.113.7")}, "plain http"},
	}
	for _, tt := range tests {
		c, err := New(withLookupHost(func(context.Context, string) ([]netip.Addr, error) { return tt.resolves, nil }))
		if err != nil {
			t.Fatal(err)
		}
		r := &Report{}
		u := mustParseURL(t, tt.iss)
		c.checkReachability(context.Background(), r, u)
		got := strings.Join(r.Warnings(), "\n")
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%s: warnings %q, want %q", tt.iss, got, tt.want)
		}
		if tt.want != "" && tt.want != "plain http" && !strings.Contains(got, "reachable from this worker is not reachable by Pulumi Cloud") {
			t.Errorf("%s: the warning does not explain both sides: %q", tt.iss, got)
		}
	}
}
