package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// oidcWorld is a fake Octopus issuer (TLS) and a fake Pulumi Cloud that
// trusts it, and an environment in which the octopulumi binary trusts the
// issuer's certificate.
type oidcWorld struct {
	iss   *authtest.Issuer
	cloud *authtest.Cloud
	env   []string
}

func newOIDCWorld(t *testing.T) *oidcWorld {
	t.Helper()
	iss, cloud := authtest.Start(t, "acme")
	pem := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(pem, iss.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return &oidcWorld{iss: iss, cloud: cloud, env: []string{"SSL_CERT_FILE=" + pem, "HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}}
}

func (w *oidcWorld) mint(t *testing.T, aud string) string {
	t.Helper()
	jwt, err := w.iss.Mint(map[string]any{"aud": aud, "sub": "space:default:project:web-shop:environment:prod"})
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

func (w *oidcWorld) run(t *testing.T, jwt string, args ...string) run {
	t.Helper()
	r := runBinary(t, append(append([]string{}, w.env...), "OCTOPULUMI_OIDC_TOKEN="+jwt, "OCTOPULUMI_ORGANIZATION=acme"), args...)
	if strings.Contains(r.stdout+r.stderr, jwt) {
		t.Errorf("octopulumi %s printed the OIDC token", args[0])
	}
	return r
}

func TestOIDCCheckReport(t *testing.T) {
	t.Parallel()
	w := newOIDCWorld(t)

	good := w.run(t, w.mint(t, auth.Audience("acme")), "oidc", "check")
	if good.code != 0 {
		t.Fatalf("oidc check of a good token exited %d:\n%s%s", good.code, good.stdout, good.stderr)
	}
	for _, want := range []string{"space:default:project:web-shop:environment:prod", w.iss.URL, "signature"} {
		if !strings.Contains(good.stdout, want) {
			t.Errorf("the report does not mention %q:\n%s", want, good.stdout)
		}
	}

	bad := w.run(t, w.mint(t, "api://default"), "oidc", "check")
	if bad.code == 0 {
		t.Fatalf("oidc check accepted a token with Octopus's default audience:\n%s", bad.stdout)
	}
	if !strings.Contains(bad.stdout+bad.stderr, "urn:pulumi:org:acme") {
		t.Errorf("the report does not say which audience to set:\n%s%s", bad.stdout, bad.stderr)
	}
}

func TestLoginOIDC(t *testing.T) {
	t.Parallel()
	w := newOIDCWorld(t)
	r := w.run(t, w.mint(t, auth.Audience("acme")), "login", "--backend", w.cloud.URL)
	if r.code != 0 {
		t.Fatalf("login exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "logged in to "+w.cloud.URL) {
		t.Errorf("login does not say where it logged in:\n%s", r.stdout)
	}
	var masks int
	for _, m := range r.messages {
		if m.Name == "mask" {
			masks++
			tok, _ := m.Get("value")
			if strings.Contains(strings.ReplaceAll(r.stdout, m.String(), ""), tok) {
				t.Error("the exchanged token appears outside its mask message")
			}
		}
	}
	if masks != 1 {
		t.Errorf("%d mask messages, want 1 for the exchanged token", masks)
	}
	if w.cloud.Exchanges() != 1 {
		t.Errorf("%d exchanges, want 1", w.cloud.Exchanges())
	}
}
