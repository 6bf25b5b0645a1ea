package accounts_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/accounts/accountstest"
)

// TestNoSecretLeaks runs every account kind through success and failure
// and checks that no secret (key, client secret, key file, token, session
// credentials) appears in an error, a description, a warning, a String,
// GoString or %+v of an account or of the credentials, or in the log.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	key, b64 := googleKey()
	soon := time.Now().Add(5 * time.Minute).Unix()
	scenarios := []struct {
		name  string
		setup func(t *testing.T, b *awsBed) vars
		opts  []accounts.Option
	}{
		{"AWS keys, verified", func(t *testing.T, b *awsBed) vars {
			return awsKeyVars.with(vars{"AWS Prod.SecretKey": b.sts.AddUser(testUserARN, testAccessKey)})
		}, []accounts.Option{accounts.VerifyKeys()}},
		{"AWS keys, wrong secret", func(t *testing.T, b *awsBed) vars { b.sts.AddUser(testUserARN, testAccessKey); return awsKeyVars }, []accounts.Option{accounts.VerifyKeys()}},
		{"AWS keys, temporary", func(t *testing.T, b *awsBed) vars {
			return awsKeyVars.with(vars{"AWS Prod.AccessKey": "ASIAIOSFODNN7EXAMPLE"})
		}, nil},
		{"AWS OIDC and a second role", func(t *testing.T, b *awsBed) vars {
			b.sts.AddRole(accountstest.Role{ARN: secondRoleARN, Principals: []string{accountstest.DefaultRoleARN}, ExternalID: "ext-secretish"})
			return b.oidcVars(b.mint(t, map[string]any{})).with(vars{"Pulumi.AwsAssumeRoleArn": secondRoleARN, "Pulumi.AwsAssumeRoleExternalId": "ext-secretish"})
		}, nil},
		{"AWS OIDC refused", func(t *testing.T, b *awsBed) vars {
			return b.oidcVars(b.mint(t, map[string]any{"sub": "space:x:project:y:environment:z"}))
		}, nil},
		{"AWS OIDC, wrong audience", func(t *testing.T, b *awsBed) vars {
			return b.oidcVars(b.mint(t, map[string]any{"aud": "api://default"}))
		}, nil},
		{"AWS OIDC, second role refused", func(t *testing.T, b *awsBed) vars {
			b.sts.AddRole(accountstest.Role{ARN: secondRoleARN})
			return b.oidcVars(b.mint(t, map[string]any{})).with(vars{"Pulumi.AwsAssumeRoleArn": secondRoleARN})
		}, nil},
		{"AWS OIDC, token not a JWT", func(t *testing.T, b *awsBed) vars {
			return b.oidcVars("not-a-jwt-but-a-secret-" + strings.Repeat("x", 30))
		}, nil},
		{"AWS OIDC, STS unreachable", func(t *testing.T, b *awsBed) vars {
			b.sts.Inject(accountstest.ActionAssumeRoleWithWebIdentity, accountstest.Fault{Drop: true, Repeat: true})
			return b.oidcVars(b.mint(t, map[string]any{}))
		}, nil},
		{"Azure secret", func(t *testing.T, b *awsBed) vars { return azureSecretVars }, nil},
		{"Azure secret and token both", func(t *testing.T, b *awsBed) vars {
			return azureSecretVars.with(vars{"Azure.OpenIdConnect.Jwt": b.mint(t, map[string]any{})})
		}, nil},
		{"Azure OIDC, expiring", func(t *testing.T, b *awsBed) vars {
			return azureOIDCVars.with(vars{"Azure OIDC.OpenIdConnect.Jwt": b.mint(t, map[string]any{"aud": "api://AzureADTokenExchangeUSGov", "exp": soon})})
		}, nil},
		{"Azure OIDC, wrong audience", func(t *testing.T, b *awsBed) vars {
			return azureOIDCVars.with(vars{"Azure OIDC.OpenIdConnect.Jwt": b.mint(t, map[string]any{"aud": "api://default"})})
		}, nil},
		{"Google key", func(t *testing.T, b *awsBed) vars { return googleKeyVars() }, nil},
		{"Google key that is no service account key", func(t *testing.T, b *awsBed) vars {
			bad := strings.Replace(string(key), `"service_account"`, `"authorized_user"`, 1)
			return googleKeyVars().with(vars{"GCP Key.JsonKey": base64.StdEncoding.EncodeToString([]byte(bad))})
		}, nil},
		{"Google key not base64", func(t *testing.T, b *awsBed) vars {
			return googleKeyVars().with(vars{"GCP Key.JsonKey": "%%" + b64[:60]})
		}, nil},
		{"Google OIDC", func(t *testing.T, b *awsBed) vars {
			return googleOIDCVars.with(vars{"GCP.OpenIdConnect.Jwt": b.mint(t, map[string]any{"aud": testWIFAudience})})
		}, nil},
		{"Google OIDC, wrong provider", func(t *testing.T, b *awsBed) vars {
			return googleOIDCVars.with(vars{"GCP.OpenIdConnect.Jwt": b.mint(t, map[string]any{"aud": "api://default"}), "GCP.Audience": "api://default"})
		}, nil},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			b := startAWS(t, append(sc.opts, accounts.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))...)
			v := sc.setup(t, b)
			var texts []string
			accts, err := accounts.Read(v.lookup())
			if err != nil {
				texts = append(texts, err.Error())
			}
			for _, a := range accts {
				texts = append(texts, a.String(), a.GoString(), fmt.Sprintf("%v %+v %#v %s", a, a, a, a))
				slog.New(slog.NewJSONHandler(&logs, nil)).Info("account", "a", a)
			}
			c, err := b.r.Resolve(context.Background(), t.TempDir(), accts...)
			if err != nil {
				texts = append(texts, err.Error(), fmt.Sprintf("%+v %#v", err, err))
			}
			secrets := secretsOf(v)
			if c != nil {
				texts = append(texts, c.Describe(), c.String(), c.GoString(), fmt.Sprintf("%v %+v %#v", c, c, c), strings.Join(c.Warnings, "\n"))
				slog.New(slog.NewJSONHandler(&logs, nil)).Info("credentials", "c", c)
				secrets = append(secrets, c.Secrets...)
			}
			secrets = append(secrets, issued(b)...)
			texts = append(texts, logs.String())
			for _, s := range secrets {
				if len(s) < 8 {
					continue
				}
				for _, text := range texts {
					if strings.Contains(text, s) || strings.Contains(text, url.QueryEscape(s)) {
						t.Errorf("a secret (%d bytes) leaked into:\n%s", len(s), text)
					}
				}
			}
		})
	}
}

// issued returns the secrets of every session the fake STS issued.
func issued(b *awsBed) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.got...)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
