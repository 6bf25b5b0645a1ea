package step_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

const org = "acme"

type oidcFakes struct {
	iss   *authtest.Issuer
	cloud *authtest.Cloud
}

func newOIDCFakes(t *testing.T) *oidcFakes {
	t.Helper()
	iss, cloud := authtest.Start(t, org, authtest.Policy{Subject: "space:default:project:web-shop:*"})
	return &oidcFakes{iss: iss, cloud: cloud}
}

func (f *oidcFakes) login(t *testing.T, vars []octoenv.Variable, out *strings.Builder) (*auth.Credentials, error) {
	t.Helper()
	v, err := octoenv.Merge(nil, vars)
	if err != nil {
		t.Fatal(err)
	}
	return step.Login(context.Background(), step.LoginConfig{
		Backend:      f.cloud.URL,
		Vars:         v,
		Organization: org,
		Messages:     octoenv.NewWriter(out),
		Auth: []auth.Option{
			auth.WithHTTPClient(authtest.NewClient(f.iss.CertPEM())),
		},
	})
}

func TestLoginOIDCExchangesAndMasks(t *testing.T) {
	t.Parallel()
	f := newOIDCFakes(t)
	jwt, err := f.iss.Mint(map[string]any{"aud": auth.Audience(org), "sub": "space:default:project:web-shop:environment:staging"})
	if err != nil {
		t.Fatal(err)
	}
	out := &strings.Builder{}
	creds, err := f.login(t, []octoenv.Variable{
		{Name: "Pulumi.Account.OpenIdConnect.Jwt", Value: jwt, Sensitive: true},
		{Name: step.VarOIDCAccount, Value: "Pulumi.Account"},
		{Name: step.VarOIDCExpiration, Value: "30m"},
	}, out)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if creds.Token == "" || !auth.LooksLikePulumiToken(creds.Token) {
		t.Fatalf("no Pulumi token in the credentials: %v", creds)
	}
	if creds.BackendURL != f.cloud.URL {
		t.Errorf("backend %q, want the cloud's %q", creds.BackendURL, f.cloud.URL)
	}
	var masked bool
	if err := octoenv.Scan(strings.NewReader(out.String()), func(m octoenv.Message) error {
		if v, _ := m.Get("value"); m.Name == "mask" && v == creds.Token {
			masked = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !masked {
		t.Errorf("the exchanged token was not masked for Octopus; output:\n%s", out)
	}
	if f.cloud.Exchanges() != 1 {
		t.Errorf("%d exchanges, want 1", f.cloud.Exchanges())
	}
}

func TestLoginOIDCExplainsDefaultAudience(t *testing.T) {
	t.Parallel()
	f := newOIDCFakes(t)
	jwt, err := f.iss.Mint(map[string]any{"aud": "api://default", "sub": "space:default:project:web-shop:environment:staging"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.login(t, []octoenv.Variable{{Name: octoenv.VarOIDCToken, Value: jwt, Sensitive: true}}, &strings.Builder{})
	var ce *auth.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *auth.CheckError from the pre-flight", err)
	}
	if !strings.Contains(err.Error(), "urn:pulumi:org:"+org) {
		t.Errorf("the error does not say which audience to set: %v", err)
	}
	if strings.Contains(err.Error(), jwt) {
		t.Error("the error contains the JWT")
	}
	if f.cloud.Exchanges() != 0 {
		t.Error("the token was exchanged although the pre-flight failed")
	}
}

func TestLoginNeedsAToken(t *testing.T) {
	t.Parallel()
	f := newOIDCFakes(t)
	_, err := f.login(t, nil, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), octoenv.VarAccessToken) {
		t.Fatalf("err = %v, want one naming %s", err, octoenv.VarAccessToken)
	}
}

func TestLoginRejectsBadTokenType(t *testing.T) {
	t.Parallel()
	f := newOIDCFakes(t)
	_, err := f.login(t, []octoenv.Variable{
		{Name: octoenv.VarOIDCToken, Value: "x.y.z", Sensitive: true},
		{Name: step.VarOIDCTokenType, Value: "superuser"},
	}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), step.VarOIDCTokenType) {
		t.Fatalf("err = %v, want one naming %s", err, step.VarOIDCTokenType)
	}
}
