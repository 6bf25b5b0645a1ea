package accounts_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/accounts"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func newResolver(t *testing.T, opts ...accounts.Option) *accounts.Resolver {
	t.Helper()
	r, err := accounts.New(append([]accounts.Option{accounts.WithClock(func() time.Time { return now })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readOne(t *testing.T, v vars) accounts.Account {
	t.Helper()
	got, err := accounts.Read(v.lookup())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("read %d accounts, want 1", len(got))
	}
	return got[0]
}

// TestPreflight checks each problem the pre-flight catches, with the
// message a user sees and the variable it names.
func TestPreflight(t *testing.T) {
	t.Parallel()
	awsJWT := func(more map[string]any) vars {
		return awsOIDCVars.with(vars{"AWS OIDC.OpenIdConnect.Jwt": unsigned(claims("sts.amazonaws.com", now, more)), "Pulumi.AwsAssumeRoleArn": "\x00", "Pulumi.AwsAssumeRoleExternalId": "\x00"})
	}
	azureJWT := func(aud string, more map[string]any) vars {
		return azureOIDCVars.with(vars{"Azure OIDC.OpenIdConnect.Jwt": unsigned(claims(aud, now, more)), "Azure OIDC.AzureEnvironment": "AzureCloud"})
	}
	googleJWT := func(aud string, more map[string]any) vars {
		return googleOIDCVars.with(vars{"GCP.OpenIdConnect.Jwt": unsigned(claims(testWIFAudience, now, more)), "GCP.Audience": aud})
	}
	key, _ := googleKey()
	keyWith := func(from, to string) vars {
		return vars{"Pulumi.GoogleAccount": "GCP Key", "GCP Key.JsonKey": base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(key), from, to, 1)))}
	}
	tests := []struct {
		name     string
		vars     vars
		variable string   // the variable the problem names; "" for none
		want     []string // parts of the message
		warn     []string // parts of a warning
	}{
		{"AWS token fine", awsJWT(nil), "", nil, nil},
		{"AWS token for the Octopus host", awsJWT(map[string]any{"aud": "octopus.example.com"}), "", nil, nil},
		{"not a JWT", awsOIDCVars.with(vars{"AWS OIDC.OpenIdConnect.Jwt": "not-a-token"}), "AWS OIDC.OpenIdConnect.Jwt",
			[]string{"token: is not a JWT: it has 1 dot-separated parts where a JWT has 3", "#{<account>.OpenIdConnect.Jwt}"}, nil},
		{"JWT with a garbled payload", awsOIDCVars.with(vars{"AWS OIDC.OpenIdConnect.Jwt": "eyJhbGciOiJSUzI1NiJ9.!!!.c2ln"}), "AWS OIDC.OpenIdConnect.Jwt",
			[]string{"is not a JWT: its payload is not base64url"}, nil},
		{"expired", awsJWT(map[string]any{"exp": now.Add(-10 * time.Minute).Unix()}), "AWS OIDC.OpenIdConnect.Jwt",
			[]string{"expiry: expired at 2026-11-27T08:50:00Z, 10m0s ago", "run the step again"}, nil},
		{"expiring within the skew", awsJWT(map[string]any{"exp": now.Add(30 * time.Second).Unix()}), "", nil,
			[]string{"the token expires at 2026-11-27T09:00:30Z, in 30s"}},
		{"no expiry", awsJWT(map[string]any{"exp": nil}), "AWS OIDC.OpenIdConnect.Jwt", []string{`has no expiry ("exp")`}, nil},
		{"not yet valid", awsJWT(map[string]any{"nbf": now.Add(time.Hour).Unix()}), "AWS OIDC.OpenIdConnect.Jwt", []string{"not valid before 2026-11-27T10:00:00Z", "clocks"}, nil},
		{"unsigned", awsOIDCVars.with(vars{"AWS OIDC.OpenIdConnect.Jwt": base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + strings.Split(unsigned(claims("sts.amazonaws.com", now, nil)), ".")[1] + "."}),
			"AWS OIDC.OpenIdConnect.Jwt", []string{`is not signed (alg "none")`}, nil},
		{"http issuer", awsJWT(map[string]any{"iss": "http://octopus.internal/"}), "AWS OIDC.OpenIdConnect.Jwt",
			[]string{`issuer: has the issuer "http://octopus.internal/", which is not an https URL`, "Server URI"}, nil},
		{"no subject", awsJWT(map[string]any{"sub": nil}), "AWS OIDC.OpenIdConnect.Jwt", []string{`has no subject ("sub")`}, nil},
		{"Octopus's default audience for AWS", awsJWT(map[string]any{"aud": "api://default"}), "AWS OIDC.OpenIdConnect.Jwt",
			[]string{`audience: the token's audience is Octopus's default "api://default", which no cloud accepts`, `give the Octopus account the audience "sts.amazonaws.com"`, "Pulumi.AwsAudience"}, nil},
		{"another audience for AWS", awsJWT(map[string]any{"aud": "urn:pulumi:org:acme"}), "AWS OIDC.OpenIdConnect.Jwt",
			[]string{`the token's audience ["urn:pulumi:org:acme"] is not one of "sts.amazonaws.com", "octopus.example.com"`}, nil},
		{"configured AWS audience not met", awsJWT(nil).with(vars{"Pulumi.AwsAudience": "my-idp-client"}), "Pulumi.AwsAudience",
			[]string{`is not "my-idp-client"`, "set Pulumi.AwsAudience to the audience the IAM identity provider lists"}, nil},
		{"short AWS session", awsJWT(nil).with(vars{"AWS OIDC.SessionDuration": "900"}), "", nil,
			[]string{"the AWS session lasts 15m0s, less than the 1h0m0s the run may take", "AWS OIDC.SessionDuration"}},
		{"role chaining past an hour", awsJWT(nil).with(vars{"Pulumi.AwsAssumeRoleArn": secondRoleARN, "Pulumi.AwsAssumeRoleDuration": "2h"}), "Pulumi.AwsAssumeRoleDuration",
			[]string{"asks for 2h0m0s, but AWS grants a role assumed with another role's temporary credentials at most 1h0m0s (role chaining)"}, nil},
		{"temporary access key", awsKeyVars.with(vars{"AWS Prod.AccessKey": "ASIAIOSFODNN7EXAMPLE"}), "AWS Prod.AccessKey",
			[]string{"key: is a temporary access key ID (ASIA…)", "long-term key (AKIA…)"}, nil},
		{"Azure token fine", azureJWT("api://AzureADTokenExchange", map[string]any{"exp": now.Add(2 * time.Hour).Unix()}), "", nil, nil},
		{"Azure token for the US government cloud", azureJWT("api://AzureADTokenExchangeUSGov", map[string]any{"exp": now.Add(2 * time.Hour).Unix()}).with(vars{"Azure OIDC.AzureEnvironment": "AzureUSGovernment"}), "", nil, nil},
		{"Azure token with the default audience", azureJWT("api://default", map[string]any{"exp": now.Add(2 * time.Hour).Unix()}), "Azure OIDC.OpenIdConnect.Jwt",
			[]string{`Octopus's default "api://default"`, `set the Azure account's Audience to "api://AzureADTokenExchange"`}, nil},
		{"Azure audience named by Pulumi.AzureAudience", azureJWT("api://custom", map[string]any{"exp": now.Add(2 * time.Hour).Unix()}).with(vars{"Pulumi.AzureAudience": "api://custom"}), "", nil, nil},
		{"Azure token expiring before the run ends", azureJWT("api://AzureADTokenExchange", nil), "", nil,
			[]string{"the token expires at 2026-11-27T09:10:00Z, in 10m0s; the provider presents it again"}},
		{"Google token fine", googleJWT(testWIFAudience, map[string]any{"exp": now.Add(2 * time.Hour).Unix()}), "", nil, nil},
		{"Google audience in the // form", googleJWT(strings.TrimPrefix(testWIFAudience, "https:"), map[string]any{"exp": now.Add(2 * time.Hour).Unix()}), "", nil, nil},
		{"Google audience with a project ID", googleJWT(strings.Replace(testWIFAudience, "123456789012", "example-project", 1), nil), "GCP.Audience",
			[]string{`names the project "example-project"`, "by its number"}, nil},
		{"Google audience that is no provider", googleJWT("api://default", nil), "GCP.Audience",
			[]string{`"api://default" is not a workload identity provider`}, nil},
		{"Google token for another provider", googleJWT(strings.Replace(testWIFAudience, "octopus-server", "other", 1), map[string]any{"exp": now.Add(2 * time.Hour).Unix()}), "GCP.Audience",
			[]string{"the token was not minted for the workload identity provider"}, nil},
		{"Google key fine", googleKeyVars(), "", nil, nil},
		{"Google credentials that are no service account key", keyWith(`"service_account"`, `"authorized_user"`), "GCP Key.JsonKey",
			[]string{`key: is a "authorized_user" credentials file, not a service account key`, "Keys > Add key"}, nil},
		{"Google key without a private key", keyWith(`"private_key":`, `"private_key_gone":`), "GCP Key.JsonKey",
			[]string{`without "client_email" or "private_key"`}, nil},
		{"Google key with a broken private key", keyWith(`-----BEGIN PRIVATE KEY-----\n`, `-----BEGIN PRIVATE KEY-----\nAAAA`), "GCP Key.JsonKey",
			[]string{`"private_key" that is not an RSA private key`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := readOne(t, tt.vars)
			warnings, err := newResolver(t).Preflight(a)
			if tt.variable == "" && err != nil {
				t.Fatalf("Preflight: %v", err)
			}
			if tt.variable != "" {
				var ce *accounts.CheckError
				if !errors.As(err, &ce) || !errors.Is(err, accounts.ErrCheckFailed) {
					t.Fatalf("Preflight returned %v, want a *CheckError", err)
				}
				if ce.Variable != tt.variable {
					t.Errorf("the problem names %s, want %s: %v", ce.Variable, tt.variable, err)
				}
				mustContain(t, "the message", err.Error(), append([]string{tt.variable + " (" + a.Source() + "): "}, tt.want...)...)
			}
			mustContain(t, "the warnings", strings.Join(warnings, "\n"), tt.warn...)
			if len(tt.warn) == 0 && len(warnings) > 0 {
				t.Errorf("unexpected warnings: %q", warnings)
			}
		})
	}
}
