package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

const storedToken = "pul-0123456789abcdef0123456789abcdef01234567"

func TestLoginToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		token   string
		fault   *authtest.Fault
		wantErr error
		wantIn  string
		warn    bool
	}{
		{name: "valid", token: storedToken},
		{name: "odd shape warns", token: "custom-token-value", warn: true},
		{name: "unknown token", token: "pul-ffffffffffffffffffffffffffffffffffffffff", wantErr: ErrTokenRejected, wantIn: "was rejected"},
		{name: "forbidden", token: storedToken, fault: &authtest.Forbidden, wantErr: ErrTokenRejected, wantIn: "is not allowed"},
		{name: "empty", token: "  ", wantErr: ErrNoToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			f.cloud.AddToken(storedToken, authtest.User{Login: "ann", Organizations: []string{"acme"}, TokenName: "ci"})
			f.cloud.AddToken("custom-token-value", authtest.User{Login: "bob"})
			if tt.fault != nil {
				f.cloud.Inject(authtest.UserPath, *tt.fault)
			}
			cr, err := f.client(t).LoginToken(context.Background(), tt.token, "the Pulumi.AccessToken parameter")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantIn) || !strings.Contains(err.Error(), "the Pulumi.AccessToken parameter") {
					t.Fatalf("error %v, want %v containing %q and the source", err, tt.wantErr, tt.wantIn)
				}
				if strings.TrimSpace(tt.token) != "" && strings.Contains(err.Error(), tt.token) {
					t.Fatal("the error shows the token")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer cr.Close()
			if cr.Token != tt.token || cr.Account.UserName == "" || !cr.Expiry.IsZero() {
				t.Fatalf("credentials %v account %+v", cr, cr.Account)
			}
			if got := len(cr.Warnings) > 0; got != tt.warn {
				t.Fatalf("warnings %q", cr.Warnings)
			}
			if tt.warn && !strings.Contains(f.log.String(), "does not look like a Pulumi access token") {
				t.Fatal("the warning was not logged")
			}
		})
	}
}

func TestCredentialsApply(t *testing.T) {
	t.Parallel()
	parent := []string{"PATH=/bin", "PULUMI_ACCESS_TOKEN=pul-stray", "pulumi_backend_url=file:///x", "HOME=/root", "PULUMI_CREDENTIALS_PATH=/root/.pulumi"}
	oidc := &Credentials{Token: "pul-new", BackendURL: "https://api.example.com", dir: "/tmp/c1"}
	got := oidc.Apply(parent)
	want := []string{"HOME=/root", "PATH=/bin", "PULUMI_ACCESS_TOKEN=pul-new", "PULUMI_BACKEND_URL=https://api.example.com", "PULUMI_CREDENTIALS_PATH=/tmp/c1"}
	if !slices.Equal(got, want) {
		t.Fatalf("Apply = %q, want %q", got, want)
	}
	diy := &Credentials{BackendURL: "file:///state", dir: "/tmp/c2"}
	for _, kv := range diy.Apply(parent) {
		if strings.HasPrefix(kv, "PULUMI_ACCESS_TOKEN") {
			t.Fatalf("a stray token leaked: %s", kv)
		}
	}
	if s := oidc.String(); strings.Contains(s, "pul-new") {
		t.Fatalf("String shows the token: %s", s)
	}
}

func TestSelfManaged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	passFile := filepath.Join(dir, "pass")
	if err := os.WriteFile(passFile, []byte("file-passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		url     string
		env     map[string]string
		bad     string
		warn    bool
		secrets string
	}{
		{name: "file with passphrase", url: "file://" + dir, env: map[string]string{EnvConfigPassphrase: "env-passphrase"}, secrets: "env-passphrase"},
		{name: "s3 with passphrase file", url: "s3://bucket/prefix?region=eu-west-1", env: map[string]string{EnvConfigPassphraseFile: passFile}, secrets: "file-passphrase"},
		{name: "gs without passphrase", url: "gs://bucket", warn: true},
		{name: "azblob", url: "azblob://container", env: map[string]string{EnvConfigPassphrase: "x1234"}},
		{name: "missing passphrase file", url: "file:///x", env: map[string]string{EnvConfigPassphraseFile: filepath.Join(dir, "nope")}, bad: "reading the passphrase file"},
		{name: "empty passphrase file", url: "file:///x", env: map[string]string{EnvConfigPassphraseFile: empty}, bad: "is empty"},
		{name: "cloud url", url: "https://api.pulumi.com", bad: "not a self-managed backend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			red := NewRedactor()
			c, err := New(WithRedactor(red), WithTempDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			cr, err := c.SelfManaged(tt.url, func(k string) string { return tt.env[k] })
			if tt.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("error %v, want %q", err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer cr.Close()
			env := cr.Env()
			if _, ok := env[EnvAccessToken]; ok || env[EnvBackendURL] != tt.url || env[EnvCredentialsPath] == "" {
				t.Fatalf("env %v", env)
			}
			if (len(cr.Warnings) > 0) != tt.warn {
				t.Fatalf("warnings %q", cr.Warnings)
			}
			if tt.secrets != "" && red.String("x "+tt.secrets+" y") != "x [secret] y" {
				t.Fatal("the passphrase was not registered with the redactor")
			}
		})
	}
}

// A self-managed backend URL may carry keys (user info, a SAS token in the
// query); the credentials' printed forms drop them, Env keeps them.
func TestCredentialsPrintNoURLSecrets(t *testing.T) {
	t.Parallel()
	c, err := New(WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	const url = "azblob://user:hunter2-key@container?sig=sas-signature-secret"
	cr, err := c.SelfManaged(url, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	defer cr.Close()
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("login", "credentials", cr)
	for _, s := range []string{cr.String(), fmt.Sprintf("%#v", cr), fmt.Sprint(cr), logged.String()} {
		if strings.Contains(s, "hunter2-key") || strings.Contains(s, "sas-signature-secret") {
			t.Errorf("printed credentials show the URL's secret: %s", s)
		}
	}
	if cr.Env()[EnvBackendURL] != url {
		t.Fatalf("Env changed the backend URL: %q", cr.Env()[EnvBackendURL])
	}
}
