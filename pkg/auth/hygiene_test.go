package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// TestSecretsNeverLeak runs every failure path with known secrets and
// asserts that no secret appears in any error, report, log line or printed
// form (%v, %+v, %#v) of the result.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	const passphrase = "hygiene-passphrase-42"
	type scenario struct {
		name string
		run  func(t *testing.T, f *fakes, c *Client, jwt string) (any, error)
	}
	oidc := func(setup func(f *fakes), opts ...authtest.MintOption) func(*testing.T, *fakes, *Client, string) (any, error) {
		return func(t *testing.T, f *fakes, c *Client, _ string) (any, error) {
			if setup != nil {
				setup(f)
			}
			jwt := f.mint(t, nil, opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return c.LoginOIDC(ctx, jwt, orgRequest, "hygiene")
		}
	}
	scenarios := []scenario{
		{"success", oidc(nil)},
		{"bad signature", oidc(nil, authtest.ForeignKey())},
		{"unknown key", oidc(nil, authtest.UnknownKey())},
		{"expired", oidc(nil, authtest.Lifetime(-time.Hour))},
		{"exchange 500", oidc(func(f *fakes) { f.cloud.Inject(authtest.TokenPath, authtest.Fault{Status: 500, Repeat: true}) })},
		{"exchange echoes the token", oidc(func(f *fakes) {
			f.cloud.Inject(authtest.TokenPath, authtest.Fault{Status: 400, Body: `{"error":"invalid_grant","error_description":"` + f.lastJWT() + `"}`})
		})},
		{"exchange dropped", oidc(func(f *fakes) { f.cloud.Inject(authtest.TokenPath, authtest.Fault{Drop: true, Repeat: true}) })},
		{"user rejects exchanged token", oidc(func(f *fakes) { f.cloud.Inject(authtest.UserPath, authtest.Unauthorized) })},
		{"user 500", oidc(func(f *fakes) { f.cloud.Inject(authtest.UserPath, authtest.Fault{Status: 500, Repeat: true}) })},
		{"discovery unreachable", oidc(func(f *fakes) { f.iss.Inject(authtest.DiscoveryPath, authtest.Fault{Drop: true, Repeat: true}) })},
		{"keys 500", oidc(func(f *fakes) { f.iss.Inject(authtest.JWKSPath, authtest.Fault{Status: 500, Repeat: true}) })},
		{"stored token rejected", func(t *testing.T, f *fakes, c *Client, _ string) (any, error) {
			return c.LoginToken(context.Background(), storedToken, "hygiene")
		}},
		{"stored token echoed by a 403", func(t *testing.T, f *fakes, c *Client, _ string) (any, error) {
			f.cloud.Inject(authtest.UserPath, authtest.Fault{Status: http.StatusForbidden, Body: `{"code":403,"message":"token ` + storedToken + ` is forbidden"}`})
			return c.LoginToken(context.Background(), storedToken, "hygiene")
		}},
		{"raw exchange refused", func(t *testing.T, f *fakes, c *Client, jwt string) (any, error) {
			return c.Exchange(context.Background(), jwt, ExchangeRequest{Organization: "nobody"})
		}},
		{"check report", func(t *testing.T, f *fakes, c *Client, jwt string) (any, error) {
			return c.Check(context.Background(), jwt, Audience("other")), nil
		}},
		{"passphrase file missing", func(t *testing.T, f *fakes, c *Client, _ string) (any, error) {
			return c.SelfManaged("file:///x", func(k string) string {
				return map[string]string{EnvConfigPassphrase: passphrase}[k]
			})
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			c := f.client(t)
			jwt := f.mint(t, nil)
			f.setLastJWT(jwt)
			res, err := sc.run(t, f, c, jwt)
			var out strings.Builder
			fmt.Fprintf(&out, "%v\n%+v\n%#v\n", err, res, res)
			if err != nil {
				fmt.Fprintf(&out, "%+v\n", err)
			}
			out.WriteString(f.log.String())
			if cr, ok := res.(*Credentials); ok && cr != nil {
				slog.New(slog.NewTextHandler(&out, nil)).Info("login", "credentials", cr)
			}
			if r, ok := res.(*Report); ok {
				out.WriteString(r.String())
			}
			secrets := append([]string{jwt, storedToken, passphrase, f.lastJWT()}, *f.tokens...)
			for _, s := range secrets {
				if s != "" && strings.Contains(out.String(), s) {
					t.Fatalf("a secret leaked into the output:\n%s", NewRedactor(secrets...).String(out.String()))
				}
			}
			// The signature segment alone is as good as the token for nobody,
			// but its presence would mean the token was printed in pieces.
			if sig := jwt[strings.LastIndex(jwt, ".")+1:]; strings.Contains(out.String(), sig) {
				t.Fatal("the JWT's signature leaked")
			}
		})
	}
}
