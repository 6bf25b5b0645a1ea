package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
			c, err := New(WithRedactor(red))
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
			if cr.Token != "" || cr.Account != nil || !cr.Expiry.IsZero() || cr.BackendURL != tt.url {
				t.Fatalf("self-managed credentials %#v", cr)
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

// Printed credentials (String, GoString, %v, slog) never show the token
// nor the keys a self-managed backend URL may carry (user info, a SAS token
// in the query); the BackendURL field keeps them for the runner.
func TestCredentialsPrintNoSecrets(t *testing.T) {
	t.Parallel()
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	const url = "azblob://user:hunter2-key@container?sig=sas-signature-secret"
	diy, err := c.SelfManaged(url, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if diy.BackendURL != url {
		t.Fatalf("SelfManaged changed the backend URL: %q", diy.BackendURL)
	}
	tests := []struct {
		name    string
		cr      *Credentials
		secrets []string
	}{
		{"token", &Credentials{Token: storedToken, BackendURL: "https://api.example.com", Source: "test"}, []string{storedToken}},
		{"url keys", diy, []string{"hunter2-key", "sas-signature-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logged strings.Builder
			slog.New(slog.NewTextHandler(&logged, nil)).Info("login", "credentials", tt.cr)
			for _, s := range []string{tt.cr.String(), fmt.Sprintf("%#v", tt.cr), fmt.Sprint(tt.cr), fmt.Sprintf("%+v", tt.cr), logged.String()} {
				for _, secret := range tt.secrets {
					if strings.Contains(s, secret) {
						t.Errorf("printed credentials show a secret: %s", s)
					}
				}
			}
		})
	}
}
