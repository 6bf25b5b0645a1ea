package accounts_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/accounts/accountstest"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

const (
	testSessionName = "octopus-Deployments-42"
	testUserARN     = "arn:aws:iam::123456789012:user/deployer"
)

// awsBed is an Octopus issuer, a fake STS that trusts it, and a Resolver
// that talks to the fake with short retries.
type awsBed struct {
	iss *authtest.Issuer
	sts *accountstest.STS
	r   *accounts.Resolver
	mu  sync.Mutex
	got []string // what the secret hook saw
}

func startAWS(t *testing.T, opts ...accounts.Option) *awsBed {
	t.Helper()
	b := &awsBed{}
	b.iss, b.sts = accountstest.Start(t)
	var err error
	b.r, err = accounts.New(append([]accounts.Option{
		accounts.WithSTSEndpoint(b.sts.URL),
		accounts.WithSessionName(testSessionName),
		accounts.WithRetry(3, time.Millisecond, 5*time.Millisecond),
		accounts.WithOnSecret(func(s string) { b.mu.Lock(); b.got = append(b.got, s); b.mu.Unlock() }),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *awsBed) mint(t *testing.T, claims map[string]any, opts ...authtest.MintOption) string {
	t.Helper()
	if _, ok := claims["aud"]; !ok {
		claims["aud"] = accounts.AWSAudience
	}
	jwt, err := b.iss.Mint(claims, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

func (b *awsBed) oidcVars(jwt string) vars {
	return vars{
		"Pulumi.AwsAccount":          "AWS OIDC",
		"AWS OIDC.RoleArn":           accountstest.DefaultRoleARN,
		"AWS OIDC.SessionDuration":   "3600",
		"AWS OIDC.OpenIdConnect.Jwt": jwt,
		"Pulumi.AwsRegion":           "eu-west-1",
	}
}

func (b *awsBed) resolve(t *testing.T, v vars) (*accounts.Credentials, error) {
	t.Helper()
	accts, err := accounts.Read(v.lookup())
	if err != nil {
		t.Fatal(err)
	}
	return b.r.Resolve(context.Background(), t.TempDir(), accts...)
}

// TestResolveAWSOIDC exchanges an Octopus token for a role's session: an
// unsigned AssumeRoleWithWebIdentity naming the deployment's session, and
// the session's credentials in the environment.
func TestResolveAWSOIDC(t *testing.T) {
	t.Parallel()
	b := startAWS(t)
	jwt := b.mint(t, map[string]any{})
	c, err := b.resolve(t, b.oidcVars(jwt))
	if err != nil {
		t.Fatal(err)
	}
	reqs := b.sts.Requests(accountstest.ActionAssumeRoleWithWebIdentity)
	if len(reqs) != 1 {
		t.Fatalf("%d AssumeRoleWithWebIdentity requests, want 1", len(reqs))
	}
	want := url.Values{"RoleArn": {accountstest.DefaultRoleARN}, "RoleSessionName": {testSessionName}, "DurationSeconds": {"3600"}, "WebIdentityToken": {jwt}}
	for k, v := range want {
		if got := reqs[0].Form[k]; !slices.Equal(got, v) {
			t.Errorf("request %s = %q, want %q", k, got, v)
		}
	}
	if reqs[0].AccessKeyID != "" {
		t.Errorf("AssumeRoleWithWebIdentity was signed with %s; it must be anonymous", reqs[0].AccessKeyID)
	}
	if !slices.Equal(c.Names(), []string{"AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
		t.Errorf("env names %v", c.Names())
	}
	if !slices.Contains(b.sts.Sessions(), c.Env["AWS_ACCESS_KEY_ID"]) || c.Env["AWS_REGION"] != "eu-west-1" || c.Env["AWS_DEFAULT_REGION"] != "eu-west-1" {
		t.Errorf("env %v does not hold an issued session in eu-west-1", c.Names())
	}
	if !slices.Equal(c.Supersedes, []string{"AWS_*"}) {
		t.Errorf("Supersedes = %q", c.Supersedes)
	}
	if d := time.Until(c.Expiry); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("Expiry in %s, want about an hour", d)
	}
	mustContain(t, "the description", c.Describe(), `AWS: the AWS account variable "AWS OIDC", OpenID Connect as role `+accountstest.DefaultRoleARN, `session "`+testSessionName+`"`, "valid until", "region eu-west-1")
	for _, s := range []string{jwt, c.Env["AWS_ACCESS_KEY_ID"], c.Env["AWS_SECRET_ACCESS_KEY"], c.Env["AWS_SESSION_TOKEN"]} {
		if !slices.Contains(c.Secrets, s) || !slices.Contains(b.got, s) {
			t.Errorf("a secret is missing from Secrets or from the hook")
		}
	}
}

// TestResolveAWSSecondRole takes a second role with the first session's
// credentials (signed with them, verified by the fake), or with keys.
func TestResolveAWSSecondRole(t *testing.T) {
	t.Parallel()
	b := startAWS(t)
	b.sts.AddRole(accountstest.Role{ARN: secondRoleARN, Principals: []string{accountstest.DefaultRoleARN, testUserARN}, ExternalID: "octopus-ext-1"})
	secret := b.sts.AddUser(testUserARN, testAccessKey)
	hop := vars{"Pulumi.AwsAssumeRoleArn": secondRoleARN, "Pulumi.AwsAssumeRoleExternalId": "octopus-ext-1", "Pulumi.AwsAssumeRoleSessionName": "octopus-hop", "Pulumi.AwsAssumeRoleDuration": "1800"}
	for _, tc := range []struct {
		name   string
		vars   vars
		signer func(first string) bool
	}{
		{"after OpenID Connect", b.oidcVars(b.mint(t, map[string]any{})).with(hop), func(k string) bool { return strings.HasPrefix(k, "ASIA") }},
		{"after access keys", awsKeyVars.with(vars{"AWS Prod.SecretKey": secret}).with(hop), func(k string) bool { return k == testAccessKey }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(b.sts.Requests(accountstest.ActionAssumeRole))
			c, err := b.resolve(t, tc.vars)
			if err != nil {
				t.Fatal(err)
			}
			reqs := b.sts.Requests(accountstest.ActionAssumeRole)[before:]
			if len(reqs) != 1 || !tc.signer(reqs[0].AccessKeyID) {
				t.Fatalf("AssumeRole requests %+v", reqs)
			}
			f := reqs[0].Form
			if f.Get("RoleSessionName") != "octopus-hop" || f.Get("ExternalId") != "octopus-ext-1" || f.Get("DurationSeconds") != "1800" {
				t.Errorf("AssumeRole form %v", f)
			}
			if c.Env["AWS_ACCESS_KEY_ID"] == reqs[0].AccessKeyID || c.Env["AWS_SESSION_TOKEN"] == "" {
				t.Errorf("the environment holds the first credentials, not the second role's")
			}
			mustContain(t, "the description", c.Describe(), "then role "+secondRoleARN+", with an external id")
		})
	}
}

// TestResolveAWSKeys puts keys in the environment as they are, verified
// with GetCallerIdentity when asked to.
func TestResolveAWSKeys(t *testing.T) {
	t.Parallel()
	b := startAWS(t, accounts.VerifyKeys())
	secret := b.sts.AddUser(testUserARN, testAccessKey)
	c, err := b.resolve(t, awsKeyVars.with(vars{"AWS Prod.SecretKey": secret}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Env) != 2 || c.Env["AWS_ACCESS_KEY_ID"] != testAccessKey || c.Env["AWS_SECRET_ACCESS_KEY"] != secret {
		t.Errorf("env names %v", c.Names())
	}
	reqs := b.sts.Requests(accountstest.ActionGetCallerIdentity)
	if len(reqs) != 1 || reqs[0].AccessKeyID != testAccessKey {
		t.Errorf("GetCallerIdentity requests %+v", reqs)
	}
	mustContain(t, "the description", c.Describe(), `AWS: the AWS account variable "AWS Prod", access keys of `+testUserARN)
	if !c.Expiry.IsZero() {
		t.Errorf("keys do not expire, yet Expiry = %s", c.Expiry)
	}
}

// TestResolveAWSNoAmbientCredentials makes sure the machine's AWS
// configuration never reaches the SDK: not its keys, profile, config
// files, region or endpoint.
func TestResolveAWSNoAmbientCredentials(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte("[profile ambient]\naws_access_key_id = AKIAAMBIENTAMBIENT12\naws_secret_access_key = ambient\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAAMBIENTAMBIENT34", "AWS_SECRET_ACCESS_KEY": "ambient", "AWS_SESSION_TOKEN": "ambient-token",
		"AWS_PROFILE": "ambient", "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": config,
		"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_REGION": "us-west-2",
	} {
		t.Setenv(k, v)
	}
	b := startAWS(t)
	b.sts.AddRole(accountstest.Role{ARN: secondRoleARN, Principals: []string{accountstest.DefaultRoleARN}})
	c, err := b.resolve(t, b.oidcVars(b.mint(t, map[string]any{})).with(vars{"Pulumi.AwsAssumeRoleArn": secondRoleARN}))
	if err != nil {
		t.Fatal(err)
	}
	if r := b.sts.Requests(accountstest.ActionAssumeRoleWithWebIdentity); r[0].AccessKeyID != "" {
		t.Errorf("the exchange was signed with %s", r[0].AccessKeyID)
	}
	if r := b.sts.Requests(accountstest.ActionAssumeRole); !slices.Contains(b.sts.Sessions(), r[0].AccessKeyID) {
		t.Errorf("the second hop was signed with %s, not the first session", r[0].AccessKeyID)
	}
	if strings.Contains(c.Env["AWS_ACCESS_KEY_ID"], "AMBIENT") || c.Env["AWS_REGION"] != "eu-west-1" {
		t.Errorf("ambient values leaked into the environment")
	}

	// The endpoint comes from the environment given, not this process's.
	r, err := accounts.New(accounts.WithEnviron(vars{"AWS_ENDPOINT_URL_STS": b.sts.URL}.lookup()))
	if err != nil {
		t.Fatal(err)
	}
	accts, _ := accounts.Read(b.oidcVars(b.mint(t, map[string]any{})).lookup())
	if _, err := r.Resolve(context.Background(), t.TempDir(), accts...); err != nil {
		t.Fatalf("with AWS_ENDPOINT_URL_STS from WithEnviron: %v", err)
	}
}

// TestResolveAWSRefusals translates each STS refusal into what to change,
// naming the Octopus variable.
func TestResolveAWSRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(t *testing.T, b *awsBed) vars
		opts     []accounts.Option
		code     string
		variable string
		want     []string
	}{
		{"no identity provider for the issuer", func(t *testing.T, b *awsBed) vars {
			other, err := authtest.NewIssuer(authtest.IssuerTLS())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(other.Close)
			jwt, _ := other.Mint(map[string]any{"aud": accounts.AWSAudience})
			return b.oidcVars(jwt)
		}, nil, "InvalidIdentityToken", "AWS OIDC.RoleArn", []string{"No OpenIDConnect provider found", "AWS account 123456789012 has no IAM OpenID Connect identity provider for the token's issuer", "Add provider"}},
		{"audience the provider does not list", func(t *testing.T, b *awsBed) vars {
			u, _ := url.Parse(b.iss.URL)
			return b.oidcVars(b.mint(t, map[string]any{"aud": u.Host}))
		}, nil, "InvalidIdentityToken", "AWS OIDC.RoleArn", []string{"Incorrect token audience", "does not list the token's audience", "add it to the provider's audiences"}},
		{"subject the trust policy does not admit", func(t *testing.T, b *awsBed) vars {
			return b.oidcVars(b.mint(t, map[string]any{"sub": "space:other:project:api:environment:test"}))
		}, nil, "AccessDenied", "AWS OIDC.RoleArn", []string{"(403 Forbidden)", "Not authorized to perform sts:AssumeRoleWithWebIdentity", "the trust policy of role " + accountstest.DefaultRoleARN, `{"Federated": "arn:aws:iam::123456789012:oidc-provider/127.0.0.1:`, `:sub": "space:other:project:api:*"`, `(the token's subject is "space:other:project:api:environment:test")`}},
		{"token expired by the time STS sees it", func(t *testing.T, b *awsBed) vars {
			return b.oidcVars(b.mint(t, map[string]any{}, authtest.IssuedAt(time.Now().Add(-time.Hour)), authtest.Lifetime(10*time.Minute)))
		}, []accounts.Option{accounts.SkipPreflight()}, "ExpiredTokenException", "AWS OIDC.OpenIdConnect.Jwt", []string{"Token expired", "the Octopus token expired at", "run the step again"}},
		{"token signed with a key the issuer never published", func(t *testing.T, b *awsBed) vars {
			return b.oidcVars(b.mint(t, map[string]any{}, authtest.ForeignKey()))
		}, nil, "InvalidIdentityToken", "AWS OIDC.RoleArn", []string{"could not be validated", "AWS could not validate the token", "/.well-known/openid-configuration"}},
		{"issuer unreachable from STS", func(t *testing.T, b *awsBed) vars {
			b.iss.Inject(authtest.DiscoveryPath, authtest.Fault{Status: 503, Repeat: true})
			return b.oidcVars(b.mint(t, map[string]any{}))
		}, nil, "IDPCommunicationError", "AWS OIDC.RoleArn", []string{"could not reach the issuer", "reachable from the internet"}},
		{"session longer than the role allows", func(t *testing.T, b *awsBed) vars {
			b.sts.AddRole(accountstest.Role{ARN: "arn:aws:iam::123456789012:role/short", Federated: b.iss.URL})
			return b.oidcVars(b.mint(t, map[string]any{})).with(vars{"AWS OIDC.RoleArn": "arn:aws:iam::123456789012:role/short", "AWS OIDC.SessionDuration": "7200"})
		}, nil, "ValidationError", "AWS OIDC.SessionDuration", []string{"MaxSessionDuration", "the requested session of 2h0m0s is longer than the role allows", "raise the role's Maximum session duration"}},
		{"STS not active in the region", func(t *testing.T, b *awsBed) vars {
			b.sts.Inject(accountstest.ActionAssumeRoleWithWebIdentity, accountstest.RegionDisabled)
			return b.oidcVars(b.mint(t, map[string]any{}))
		}, nil, "RegionDisabledException", "Pulumi.AwsRegion", []string{"STS is not active in region eu-west-1"}},
		{"second role does not trust the first", func(t *testing.T, b *awsBed) vars {
			b.sts.AddRole(accountstest.Role{ARN: secondRoleARN})
			return b.oidcVars(b.mint(t, map[string]any{})).with(vars{"Pulumi.AwsAssumeRoleArn": secondRoleARN})
		}, nil, "AccessDenied", "Pulumi.AwsAssumeRoleArn", []string{"is not authorized to perform: sts:AssumeRole", "role " + secondRoleARN + " does not let " + accountstest.DefaultRoleARN + " assume it", `{"AWS": "` + accountstest.DefaultRoleARN + `"}`}},
		{"second role does not trust the access keys", func(t *testing.T, b *awsBed) vars {
			secret := b.sts.AddUser(testUserARN, testAccessKey)
			b.sts.AddRole(accountstest.Role{ARN: secondRoleARN, Principals: []string{accountstest.DefaultRoleARN}})
			return awsKeyVars.with(vars{"AWS Prod.SecretKey": secret, "Pulumi.AwsAssumeRoleArn": secondRoleARN})
		}, nil, "AccessDenied", "Pulumi.AwsAssumeRoleArn", []string{"role " + secondRoleARN + " does not let " + testUserARN + " assume it", `{"AWS": "` + testUserARN + `"}`}},
		{"second role wants another external id", func(t *testing.T, b *awsBed) vars {
			b.sts.AddRole(accountstest.Role{ARN: secondRoleARN, Principals: []string{accountstest.DefaultRoleARN}, ExternalID: "the-right-one"})
			return b.oidcVars(b.mint(t, map[string]any{})).with(vars{"Pulumi.AwsAssumeRoleArn": secondRoleARN, "Pulumi.AwsAssumeRoleExternalId": "a-wrong-one"})
		}, nil, "AccessDenied", "Pulumi.AwsAssumeRoleArn", []string{`"sts:ExternalId" set to the external id in Pulumi.AwsAssumeRoleExternalId`}},
		{"unknown access key", func(t *testing.T, b *awsBed) vars {
			return awsKeyVars
		}, []accounts.Option{accounts.VerifyKeys()}, "InvalidClientTokenId", "AWS Prod.AccessKey", []string{"The security token included in the request is invalid", "AWS does not know this access key ID"}},
		{"wrong secret key", func(t *testing.T, b *awsBed) vars {
			b.sts.AddUser(testUserARN, testAccessKey)
			return awsKeyVars
		}, []accounts.Option{accounts.VerifyKeys()}, "SignatureDoesNotMatch", "AWS Prod.SecretKey", []string{"the secret key does not belong to the access key ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := startAWS(t, tt.opts...)
			v := tt.setup(t, b)
			c, err := b.resolve(t, v)
			if err == nil {
				t.Fatalf("Resolve succeeded: %v", c)
			}
			var se *accounts.STSError
			if !errors.As(err, &se) || !errors.Is(err, accounts.ErrRefused) {
				t.Fatalf("Resolve returned %T %v, want an *STSError", err, err)
			}
			if se.Code != tt.code || se.Variable != tt.variable {
				t.Errorf("code %s naming %s, want %s naming %s: %v", se.Code, se.Variable, tt.code, tt.variable, err)
			}
			mustContain(t, "the error", err.Error(), append([]string{"AWS STS refused", "[request "}, tt.want...)...)
			for _, s := range secretsOf(v) {
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error contains a secret of %v", v)
				}
			}
		})
	}
}

// TestResolveAWSRetries retries what passes (throttling, 503) and gives up
// on a dead endpoint with a RequestError; a cancelled context ends it.
func TestResolveAWSRetries(t *testing.T) {
	t.Parallel()
	b := startAWS(t)
	v := b.oidcVars(b.mint(t, map[string]any{}))
	b.sts.Inject(accountstest.ActionAssumeRoleWithWebIdentity, accountstest.Throttling)
	b.sts.Inject(accountstest.ActionAssumeRoleWithWebIdentity, accountstest.ServiceUnavailable)
	if _, err := b.resolve(t, v); err != nil {
		t.Fatalf("after a throttle and a 503: %v", err)
	}
	if n := b.sts.Calls(accountstest.ActionAssumeRoleWithWebIdentity); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}

	dead := startAWS(t)
	dead.sts.Inject(accountstest.ActionAssumeRoleWithWebIdentity, accountstest.Fault{Drop: true, Repeat: true})
	_, err := dead.resolve(t, dead.oidcVars(dead.mint(t, map[string]any{})))
	var re *accounts.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("got %T %v, want a *RequestError", err, err)
	}
	if n := dead.sts.Calls(accountstest.ActionAssumeRoleWithWebIdentity); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	mustContain(t, "the error", err.Error(), "AWS STS AssumeRoleWithWebIdentity at http://127.0.0.1:", "no reply")

	slow := startAWS(t)
	slow.sts.Inject(accountstest.ActionAssumeRoleWithWebIdentity, accountstest.Fault{Delay: time.Minute})
	accts, _ := accounts.Read(slow.oidcVars(slow.mint(t, map[string]any{})).lookup())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = slow.r.Resolve(ctx, t.TempDir(), accts...)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's deadline", err)
	}
}

// secretsOf lists the secret values among variables.
func secretsOf(v vars) []string {
	var out []string
	for k, x := range v {
		for _, suffix := range []string{".SecretKey", ".Password", ".OpenIdConnect.Jwt", ".JsonKey", ".AccessKey"} {
			if strings.HasSuffix(k, suffix) && x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}
