package auth

import (
	"bytes"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

const testOrg = "acme"

// fakes is an issuer (TLS) and a Pulumi Cloud that trusts it for testOrg,
// with a client that trusts both, short retries and its own discovery cache.
type fakes struct {
	iss   *authtest.Issuer
	cloud *authtest.Cloud
	log   *syncBuffer
	// tokens receives the tokens given to the OnToken hook.
	tokens *[]string
	jwtMu  sync.Mutex
	jwt    string // the last JWT a scenario minted, for faults that echo it
}

func (f *fakes) setLastJWT(s string) {
	f.jwtMu.Lock()
	defer f.jwtMu.Unlock()
	f.jwt = s
}

func (f *fakes) lastJWT() string {
	f.jwtMu.Lock()
	defer f.jwtMu.Unlock()
	return f.jwt
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newFakes(t testing.TB, issOpts ...authtest.IssuerOption) *fakes {
	t.Helper()
	return newFakesWith(t, false, nil, issOpts...)
}

// newFakesWith also lets the issuer serve plain HTTP and the cloud trust it
// with the given policies.
func newFakesWith(t testing.TB, plain bool, policies []authtest.Policy, issOpts ...authtest.IssuerOption) *fakes {
	t.Helper()
	// ECDSA keys are generated in microseconds, RSA ones in a good part of
	// a second; tests that care about RSA ask for it.
	issOpts = append([]authtest.IssuerOption{authtest.SigningAlgorithm(jose.ES256)}, issOpts...)
	if !plain {
		issOpts = append(issOpts, authtest.IssuerTLS())
	}
	iss, err := authtest.NewIssuer(append(issOpts, authtest.TrailingSlash())...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	cloud := authtest.NewCloud()
	t.Cleanup(cloud.Close)
	cloud.TrustIssuer(testOrg, iss, policies...)
	return &fakes{iss: iss, cloud: cloud, log: &syncBuffer{}, tokens: new([]string)}
}

// client returns a Client for the fakes; extra options come last.
func (f *fakes) client(t testing.TB, extra ...Option) *Client {
	t.Helper()
	var mu sync.Mutex
	opts := []Option{
		WithHTTPClient(authtest.NewClient(f.iss.CertPEM())),
		WithBaseURL(f.cloud.URL),
		WithRetry(3, time.Millisecond, 5*time.Millisecond),
		WithDiscoveryCache(NewDiscoveryCache()),
		WithLogger(slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithOnToken(func(tok string) {
			mu.Lock()
			defer mu.Unlock()
			*f.tokens = append(*f.tokens, tok)
		}),
	}
	c, err := New(append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mint returns a token for testOrg's audience unless claims say otherwise.
func (f *fakes) mint(t testing.TB, claims map[string]any, opts ...authtest.MintOption) string {
	t.Helper()
	all := map[string]any{"aud": Audience(testOrg)}
	for k, v := range claims {
		all[k] = v
	}
	tok, err := f.iss.Mint(all, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustParseURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
