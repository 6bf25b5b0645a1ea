package accounts_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/accounts"
)

// TestResolveAzure sets the variables the Azure providers read: a client
// secret or OpenID Connect, never both.
func TestResolveAzure(t *testing.T) {
	t.Parallel()
	jwt := unsigned(claims("api://AzureADTokenExchange", time.Now(), map[string]any{"exp": time.Now().Add(2 * time.Hour).Unix()}))
	base := map[string]string{"ARM_CLIENT_ID": testClient, "ARM_TENANT_ID": testTenant, "ARM_SUBSCRIPTION_ID": testSubscription}
	tests := []struct {
		name string
		vars vars
		want map[string]string
		desc string
	}{
		{"client secret", azureSecretVars, with(base, "ARM_ENVIRONMENT", "public", "ARM_CLIENT_SECRET", testAzureSecret),
			`Azure: the Azure account variable "Azure", client secret as client ` + testClient + " in tenant " + testTenant + ", subscription " + testSubscription + ", cloud public"},
		{"OpenID Connect", azureOIDCVars.with(vars{"Azure OIDC.OpenIdConnect.Jwt": jwt, "Azure OIDC.AzureEnvironment": "AzureChinaCloud", "Azure OIDC.Audience": "\x00", "Pulumi.AzureAudience": "api://AzureADTokenExchange"}),
			with(base, "ARM_ENVIRONMENT", "china", "ARM_USE_OIDC", "true", "ARM_OIDC_TOKEN", jwt),
			`Azure: the Azure account variable "Azure OIDC", OpenID Connect as client ` + testClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := readOne(t, tt.vars)
			c, err := newResolver(t, accounts.WithClock(time.Now)).Resolve(context.Background(), t.TempDir(), a)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(c.Env, tt.want) {
				t.Errorf("env names %v, want %v", c.Names(), slices.Sorted(maps.Keys(tt.want)))
			}
			if !slices.Equal(c.Supersedes, []string{"ARM_*", "AZURE_*"}) {
				t.Errorf("Supersedes = %q", c.Supersedes)
			}
			mustContain(t, "the description", c.Describe(), tt.desc)
		})
	}
}

func with(m map[string]string, kv ...string) map[string]string {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestResolveGoogleKey writes the key into the folder (mode 0600) and names
// it in the variables pulumi-gcp and Application Default Credentials read.
func TestResolveGoogleKey(t *testing.T) {
	t.Parallel()
	key, _ := googleKey()
	dir := t.TempDir()
	a := readOne(t, googleKeyVars().with(vars{"Pulumi.GoogleRegion": "europe-west1", "Pulumi.GoogleServiceAccount": "ci@other-project.iam.gserviceaccount.com"}))
	c, err := newResolver(t).Resolve(context.Background(), dir, a)
	if err != nil {
		t.Fatal(err)
	}
	path := c.Env["GOOGLE_CREDENTIALS"]
	if len(c.Files) != 1 || c.Files[0] != path || c.Env["GOOGLE_APPLICATION_CREDENTIALS"] != path || filepath.Dir(path) != dir {
		t.Fatalf("files %q, env %v", c.Files, c.Names())
	}
	checkPrivateFile(t, path, key)
	want := map[string]string{"GOOGLE_CREDENTIALS": path, "GOOGLE_APPLICATION_CREDENTIALS": path, "GOOGLE_PROJECT": "example-project",
		"GOOGLE_REGION": "europe-west1", "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT": "ci@other-project.iam.gserviceaccount.com"}
	if !maps.Equal(c.Env, want) {
		t.Errorf("env %v", c.Env)
	}
	if !slices.Equal(c.Supersedes, []string{"GOOGLE_*", "GCLOUD_*", "CLOUDSDK_*"}) {
		t.Errorf("Supersedes = %q", c.Supersedes)
	}
	mustContain(t, "the description", c.Describe(), `Google Cloud: the Google Cloud account variable "GCP Key", service account key of `+testSA+", impersonating ci@other-project.iam.gserviceaccount.com, project example-project, region europe-west1")
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Remove left %s", path)
	}
}

// TestResolveGoogleOIDC writes the token to a file and a workload identity
// federation configuration (type external_account) that reads it.
func TestResolveGoogleOIDC(t *testing.T) {
	t.Parallel()
	jwt := unsigned(claims(testWIFAudience, time.Now(), map[string]any{"exp": time.Now().Add(2 * time.Hour).Unix()}))
	dir := t.TempDir()
	a := readOne(t, googleOIDCVars.with(vars{"GCP.OpenIdConnect.Jwt": jwt}))
	c, err := newResolver(t, accounts.WithClock(time.Now)).Resolve(context.Background(), dir, a)
	if err != nil {
		t.Fatal(err)
	}
	path := c.Env["GOOGLE_CREDENTIALS"]
	if len(c.Files) != 2 || c.Env["GOOGLE_APPLICATION_CREDENTIALS"] != path || c.Env["GOOGLE_IMPERSONATE_SERVICE_ACCOUNT"] != "" {
		t.Fatalf("files %q, env %v", c.Files, c.Env)
	}
	var cfg struct {
		Type             string `json:"type"`
		Audience         string `json:"audience"`
		SubjectTokenType string `json:"subject_token_type"`
		TokenURL         string `json:"token_url"`
		CredentialSource struct {
			File   string `json:"file"`
			Format struct {
				Type string `json:"type"`
			} `json:"format"`
		} `json:"credential_source"`
		ServiceAccountImpersonationURL string `json:"service_account_impersonation_url"`
		ServiceAccountImpersonation    struct {
			TokenLifetimeSeconds int `json:"token_lifetime_seconds"`
		} `json:"service_account_impersonation"`
	}
	raw := checkPrivateFile(t, path, nil)
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Type != "external_account" || cfg.Audience != strings.TrimPrefix(testWIFAudience, "https:") ||
		cfg.SubjectTokenType != "urn:ietf:params:oauth:token-type:jwt" || cfg.TokenURL != "https://sts.googleapis.com/v1/token" ||
		cfg.CredentialSource.Format.Type != "text" || filepath.Dir(cfg.CredentialSource.File) != dir ||
		cfg.ServiceAccountImpersonationURL != "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"+testSA+":generateAccessToken" ||
		cfg.ServiceAccountImpersonation.TokenLifetimeSeconds != 1800 {
		t.Errorf("configuration:\n%s\nread as %+v", raw, cfg)
	}
	checkPrivateFile(t, cfg.CredentialSource.File, []byte(jwt))
	if c.Env["GOOGLE_PROJECT"] != "example-project" || c.Env["GOOGLE_ZONE"] != "europe-west1-b" {
		t.Errorf("env %v", c.Env)
	}
	mustContain(t, "the description", c.Describe(), "workload identity federation with //iam.googleapis.com/projects/123456789012/", "impersonating "+testSA)
}

// checkPrivateFile checks a file is its owner's only and holds want (when
// given); it returns the contents.
func checkPrivateFile(t *testing.T, path string, want []byte) []byte {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want != nil && string(got) != string(want) {
		t.Errorf("%s does not hold what it should", path)
	}
	return got
}

// TestResolveEveryCloud resolves one account of each cloud at once.
func TestResolveEveryCloud(t *testing.T) {
	t.Parallel()
	b := startAWS(t)
	v := azureSecretVars.with(googleKeyVars()).with(b.oidcVars(b.mint(t, map[string]any{})))
	c, err := b.resolve(t, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Descriptions) != 3 || !strings.HasPrefix(c.Descriptions[0], "AWS:") || !strings.HasPrefix(c.Descriptions[1], "Azure:") || !strings.HasPrefix(c.Descriptions[2], "Google Cloud:") {
		t.Errorf("descriptions %q", c.Descriptions)
	}
	if !slices.Equal(c.Supersedes, []string{"AWS_*", "ARM_*", "AZURE_*", "GOOGLE_*", "GCLOUD_*", "CLOUDSDK_*"}) {
		t.Errorf("Supersedes = %q", c.Supersedes)
	}
}

// TestResolveCleansUp removes the files it wrote when a later account
// fails, and refuses two accounts of one cloud or a missing folder.
func TestResolveCleansUp(t *testing.T) {
	t.Parallel()
	b := startAWS(t)
	key := readOne(t, googleKeyVars())
	refused := readOne(t, b.oidcVars(b.mint(t, map[string]any{"sub": "space:other:project:x:environment:y"})))
	dir := t.TempDir()
	if _, err := b.r.Resolve(context.Background(), dir, key, refused); err == nil {
		t.Fatal("Resolve succeeded")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Resolve left %d files behind", len(left))
	}
	_, err := b.r.Resolve(context.Background(), dir, refused, refused)
	mustContain(t, "the error", err.Error(), "two AWS accounts")
	_, err = b.r.Resolve(context.Background(), filepath.Join(dir, "missing"), key)
	mustContain(t, "the error", err.Error(), "is not a directory")
	_, err = b.r.Resolve(context.Background(), dir, nil)
	mustContain(t, "the error", err.Error(), "a nil account")
}

// TestNewOptions reports every invalid option at once.
func TestNewOptions(t *testing.T) {
	t.Parallel()
	_, err := accounts.New(accounts.WithHTTPClient(nil), accounts.WithSessionName("has spaces"), accounts.WithSTSEndpoint("ftp://x"),
		accounts.WithRetry(0, 0, 0), accounts.WithRunTime(0), accounts.WithClockSkew(-1), accounts.WithUserAgent(""), accounts.WithClock(nil), accounts.WithLogger(nil))
	for _, part := range []string{"WithHTTPClient", "WithSessionName", "accounts.SessionName", "WithSTSEndpoint", "WithRetry", "WithRunTime", "WithClockSkew", "WithUserAgent", "WithClock", "WithLogger"} {
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("the error does not mention %s: %v", part, err)
		}
	}
}

// TestCheck resolves for a person testing an account: descriptions and
// warnings, no secret, nothing left behind.
func TestCheck(t *testing.T) {
	t.Parallel()
	b := startAWS(t, accounts.VerifyKeys())
	secret := b.sts.AddUser(testUserARN, testAccessKey)
	accts, err := accounts.Read(awsKeyVars.with(vars{"AWS Prod.SecretKey": secret}).with(googleKeyVars()).lookup())
	if err != nil {
		t.Fatal(err)
	}
	desc, warnings, err := b.r.Check(context.Background(), accts...)
	if err != nil || len(desc) != 2 || len(warnings) != 0 {
		t.Fatalf("Check = %q, %q, %v", desc, warnings, err)
	}
	mustContain(t, "the descriptions", strings.Join(desc, "\n"), "access keys of "+testUserARN, "service account key of "+testSA)
	_, _, err = b.r.Check(context.Background(), readOne(t, b.oidcVars(b.mint(t, map[string]any{"aud": "api://default"}))))
	mustContain(t, "the error", err.Error(), "Octopus's default")
}

// TestResolveTokenExpiry reports when an OpenID Connect token that the
// provider presents again expires.
func TestResolveTokenExpiry(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(90 * time.Minute).Truncate(time.Second)
	jwt := unsigned(claims("api://AzureADTokenExchange", time.Now(), map[string]any{"exp": exp.Unix()}))
	a := readOne(t, azureOIDCVars.with(vars{"Azure OIDC.OpenIdConnect.Jwt": jwt, "Azure OIDC.AzureEnvironment": "AzureCloud"}))
	c, err := newResolver(t, accounts.WithClock(time.Now)).Resolve(context.Background(), t.TempDir(), a)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Expiry.Equal(exp) {
		t.Errorf("Expiry = %s, want %s", c.Expiry, exp)
	}
}
