package accounts

import (
	"testing"
	"time"
)

func TestSessionName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		parts []string
		want  string
	}{
		{[]string{"octopus", "Deployments-42"}, "octopus-Deployments-42"},
		{[]string{"octopus", " ", "Runbook run/7", "Drift check (prod)"}, "octopus-Runbook-run-7-Drift-check--prod-"},
		{[]string{"Ünïcode"}, "-n-code"},
		{nil, "octopulumi"},
		{[]string{"x"}, "octopulumi"},
		{[]string{"a-very-long-name-that-goes-on-and-on-and-on-and-on-past-sixty-four-characters"}, "a-very-long-name-that-goes-on-and-on-and-on-and-on-past-sixty-fo"},
	}
	for _, tt := range tests {
		got := SessionName(tt.parts...)
		if got != tt.want {
			t.Errorf("SessionName(%q) = %q, want %q", tt.parts, got, tt.want)
		}
		if !sessionNameRe.MatchString(got) {
			t.Errorf("SessionName(%q) = %q, which STS refuses", tt.parts, got)
		}
	}
}

func TestSubjectPattern(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"space:default:project:web-app:tenant:acme:environment:production": "space:default:project:web-app:*",
		"space:default:project:web-app:environment:test":                   "space:default:project:web-app:*",
		"space:default:account:aws-oidc":                                   "space:default:account:aws-oidc",
		"repo:octo-org/octo-repo:ref:refs/heads/main":                      "repo:octo-org/octo-repo:ref:refs/heads/main",
		"": "",
	}
	for sub, want := range tests {
		if got := subjectPattern(sub); got != want {
			t.Errorf("subjectPattern(%q) = %q, want %q", sub, got, want)
		}
	}
}

func TestIssuerHost(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://octopus.example.com/":       "octopus.example.com",
		"https://octopus.example.com":        "octopus.example.com",
		"https://example.com/octopus/":       "example.com/octopus",
		"https://127.0.0.1:8443/":            "127.0.0.1:8443",
		"octopus.example.com/":               "octopus.example.com",
		"https://token.actions.example.com/": "token.actions.example.com",
	}
	for iss, want := range tests {
		if got := issuerHost(iss); got != want {
			t.Errorf("issuerHost(%q) = %q, want %q", iss, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3600", time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"0", 0, true},
		{"-5", 0, false},
		{"1 hour", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseDuration(%q) = %s, %v", tt.in, got, err)
		}
	}
}

func TestSTSRegion(t *testing.T) {
	t.Parallel()
	tests := []struct{ region, role, want string }{
		{"eu-west-1", "arn:aws:iam::1:role/x", "eu-west-1"},
		{"", "arn:aws:iam::123456789012:role/x", "us-east-1"},
		{"", "arn:aws-cn:iam::123456789012:role/x", "cn-north-1"},
		{"", "arn:aws-us-gov:iam::123456789012:role/x", "us-gov-west-1"},
		{"", "", "us-east-1"},
	}
	for _, tt := range tests {
		if got := stsRegion(tt.region, tt.role); got != tt.want {
			t.Errorf("stsRegion(%q, %q) = %q, want %q", tt.region, tt.role, got, tt.want)
		}
	}
}

func TestRolePrincipal(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"arn:aws:sts::123456789012:assumed-role/octopus-deploy/octopus-Deployments-1": "arn:aws:iam::123456789012:role/octopus-deploy",
		"arn:aws-cn:sts::123456789012:assumed-role/deploy/s":                          "arn:aws-cn:iam::123456789012:role/deploy",
		"arn:aws:iam::123456789012:user/deployer":                                     "arn:aws:iam::123456789012:user/deployer",
	}
	for in, want := range tests {
		if got := rolePrincipal(in); got != want {
			t.Errorf("rolePrincipal(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBackoff keeps every wait within the bounds, growing.
func TestBackoff(t *testing.T) {
	t.Parallel()
	r, err := New(WithRetry(10, 10*time.Millisecond, 80*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for attempt := range 40 {
		d, err := r.backoff(attempt, nil)
		if err != nil || d < 10*time.Millisecond || d > 80*time.Millisecond {
			t.Fatalf("backoff(%d) = %s, %v", attempt, d, err)
		}
	}
	zero, _ := New(WithRetry(2, 0, 0))
	if d, _ := zero.backoff(3, nil); d != 0 {
		t.Errorf("with no wait, backoff = %s", d)
	}
}

func TestParseClaims(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, token, err string
	}{
		{"two parts", "a.b", "it has 2 dot-separated parts"},
		{"header not base64", "!!.e30.c2ln", "its header is not base64url"},
		{"header not JSON", "bm90.e30.c2ln", "its header is not a JSON object"},
		{"audience of numbers", "e30.eyJhdWQiOlsxLDJdfQ.c2ln", `its claim "aud" is neither`},
		{"expiry not a number", "e30.eyJleHAiOiJzb29uIn0.c2ln", "not a JSON object"},
		{"expiry absurd", "e30.eyJleHAiOjFlMTV9.c2ln", `its claim "exp" is not a time`},
		{"too long", string(make([]byte, maxJWTBytes+1)), "more than the 65536 a token may be"},
	}
	for _, tt := range tests {
		_, err := ParseClaims(tt.token)
		if err == nil || !contains(err.Error(), tt.err) {
			t.Errorf("%s: ParseClaims error %v, want %q", tt.name, err, tt.err)
		}
	}
	cl, err := ParseClaims("e30.eyJpc3MiOiJodHRwczovL3gvIiwiYXVkIjpbImEiLCJiIl0sImV4cCI6MTcwMDAwMDAwMCwic3ViIjoicyJ9.c2ln")
	if err != nil || cl.Issuer != "https://x/" || len(cl.Audience) != 2 || cl.Expiry.Unix() != 1700000000 || cl.Subject != "s" {
		t.Errorf("ParseClaims = %+v, %v", cl, err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
