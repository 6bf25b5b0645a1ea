package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Paths the fake issuer serves, as Octopus Server does.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/.well-known/jwks"
)

// DefaultSubject is the subject of minted tokens unless the claims say
// otherwise; it has the shape of Octopus's default deployment subject.
const DefaultSubject = "space:default:project:web-app:tenant:acme:environment:production"

// Issuer is a fake Octopus Server acting as an OpenID Connect issuer:
// discovery, a key set, key rotation, and minting of signed tokens.
type Issuer struct {
	// URL is the issuer identifier, the "iss" of minted tokens (with a
	// trailing slash when created with [TrailingSlash], as Octopus often has).
	URL string

	srv        server
	faults     *faults
	alg        jose.SignatureAlgorithm
	now        func() time.Time
	mu         sync.Mutex
	keys       []*signingKey // published, in order
	current    *signingKey
	advertised string // issuer in the discovery document, when overridden
	serial     int
}

type signingKey struct {
	kid  string
	priv crypto.Signer
}

type issuerConfig struct {
	tls        bool
	slash      bool
	alg        jose.SignatureAlgorithm
	now        func() time.Time
	advertised string
}

// IssuerOption configures [NewIssuer].
type IssuerOption func(*issuerConfig)

// IssuerTLS serves the issuer over HTTPS, with httptest's certificate.
func IssuerTLS() IssuerOption { return func(c *issuerConfig) { c.tls = true } }

// TrailingSlash makes the issuer identifier end with "/".
func TrailingSlash() IssuerOption { return func(c *issuerConfig) { c.slash = true } }

// SigningAlgorithm selects the key type: jose.RS256 (default), jose.ES256 or
// jose.ES384.
func SigningAlgorithm(alg jose.SignatureAlgorithm) IssuerOption {
	return func(c *issuerConfig) { c.alg = alg }
}

// IssuerClock sets the clock of minted tokens' iat, nbf and exp.
func IssuerClock(now func() time.Time) IssuerOption { return func(c *issuerConfig) { c.now = now } }

// AdvertiseIssuer makes the discovery document claim another issuer than
// the one in the tokens: an issuer mismatch.
func AdvertiseIssuer(iss string) IssuerOption { return func(c *issuerConfig) { c.advertised = iss } }

// NewIssuer starts a fake issuer with one signing key. Close it when done.
func NewIssuer(opts ...IssuerOption) (*Issuer, error) {
	cfg := issuerConfig{alg: jose.RS256, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	switch cfg.alg {
	case jose.RS256, jose.ES256, jose.ES384:
	default:
		return nil, fmt.Errorf("authtest: unsupported signing algorithm %q (use RS256, ES256 or ES384)", cfg.alg)
	}
	iss := &Issuer{faults: newFaults(), alg: cfg.alg, now: cfg.now, advertised: cfg.advertised}
	if _, err := iss.RotateKey(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DiscoveryPath, iss.discovery)
	mux.HandleFunc("GET "+JWKSPath, iss.jwks)
	mux.HandleFunc("GET "+GitHubIDTokenPath, iss.githubIDToken)
	iss.srv = startServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if iss.faults.apply(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	}), cfg.tls)
	iss.URL = iss.srv.srv.URL
	if cfg.slash {
		iss.URL += "/"
	}
	return iss, nil
}

// Close shuts the issuer down.
func (i *Issuer) Close() { i.srv.srv.Close() }

// Client returns an HTTP client that trusts the issuer's certificate.
func (i *Issuer) Client() *http.Client { return i.srv.client() }

// CertPEM returns the issuer's TLS certificate in PEM, or nil without TLS.
func (i *Issuer) CertPEM() []byte { return i.srv.certPEM() }

// Inject queues a fault for requests to path (DiscoveryPath or JWKSPath).
func (i *Issuer) Inject(path string, f Fault) { i.faults.inject(path, f) }

// Requests counts the requests made to path so far.
func (i *Issuer) Requests(path string) int { return i.faults.requests(path) }

func (i *Issuer) newKey() (*signingKey, error) {
	var priv crypto.Signer
	var err error
	switch i.alg {
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.ES384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return nil, fmt.Errorf("authtest: generating a key: %w", err)
	}
	i.serial++
	return &signingKey{kid: fmt.Sprintf("key-%d-%s", i.serial, randomHex(4)), priv: priv}, nil
}

// RotateKey publishes a new key and signs later tokens with it; older keys
// stay published until [Issuer.RetireKey]. It returns the new key's id.
func (i *Issuer) RotateKey() (string, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	k, err := i.newKey()
	if err != nil {
		return "", err
	}
	i.keys = append(i.keys, k)
	i.current = k
	return k.kid, nil
}

// RetireKey stops publishing a key; tokens signed with it no longer verify.
func (i *Issuer) RetireKey(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	kept := i.keys[:0]
	for _, k := range i.keys {
		if k.kid != kid {
			kept = append(kept, k)
		}
	}
	i.keys = kept
}

// KeyIDs returns the ids of the published keys.
func (i *Issuer) KeyIDs() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	ids := make([]string, len(i.keys))
	for n, k := range i.keys {
		ids[n] = k.kid
	}
	return ids
}

// PublicKeys returns the published key set, as the JWKS endpoint serves it.
func (i *Issuer) PublicKeys() jose.JSONWebKeySet {
	i.mu.Lock()
	defer i.mu.Unlock()
	var ks jose.JSONWebKeySet
	for _, k := range i.keys {
		ks.Keys = append(ks.Keys, jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(i.alg), Use: "sig"})
	}
	return ks
}

func (i *Issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	issuer := i.URL
	if i.advertised != "" {
		issuer = i.advertised
	}
	base := strings.TrimSuffix(i.URL, "/")
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"jwks_uri":                              base + JWKSPath,
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{string(i.alg)},
		"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf"},
	})
}

func (i *Issuer) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, i.PublicKeys())
}

type mintConfig struct {
	lifetime time.Duration
	issuedAt time.Time
	kid      string
	unknown  bool
	foreign  bool
	without  []string
}

// MintOption changes how [Issuer.Mint] makes a token.
type MintOption func(*mintConfig)

// Lifetime sets exp - iat (default ten minutes); negative makes an expired
// token.
func Lifetime(d time.Duration) MintOption { return func(c *mintConfig) { c.lifetime = d } }

// IssuedAt sets iat and nbf (default: the issuer's clock).
func IssuedAt(t time.Time) MintOption { return func(c *mintConfig) { c.issuedAt = t } }

// SignWith signs with a published key other than the current one.
func SignWith(kid string) MintOption { return func(c *mintConfig) { c.kid = kid } }

// UnknownKey signs with a fresh key that is not published, under a key id
// the issuer has never published.
func UnknownKey() MintOption { return func(c *mintConfig) { c.unknown = true } }

// ForeignKey signs with a fresh key while naming the current key's id: the
// signature does not verify.
func ForeignKey() MintOption { return func(c *mintConfig) { c.foreign = true } }

// Without leaves the named claims out of the token.
func Without(claims ...string) MintOption {
	return func(c *mintConfig) { c.without = append(c.without, claims...) }
}

// Mint returns a signed token (compact JWS). Defaults, each overridden by
// claims: iss the issuer's URL, sub [DefaultSubject], aud "api://default"
// (Octopus's default), iat and nbf now, exp ten minutes later, a random jti,
// and https://octopus.com/claims/{space,project,environment,tenant}.
func (i *Issuer) Mint(claims map[string]any, opts ...MintOption) (string, error) {
	cfg := mintConfig{lifetime: 10 * time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	now := cfg.issuedAt
	if now.IsZero() {
		now = i.now()
	}
	all := map[string]any{
		"iss":                                    i.URL,
		"sub":                                    DefaultSubject,
		"aud":                                    "api://default",
		"iat":                                    now.Unix(),
		"nbf":                                    now.Unix(),
		"exp":                                    now.Add(cfg.lifetime).Unix(),
		"jti":                                    randomHex(12),
		"https://octopus.com/claims/space":       "default",
		"https://octopus.com/claims/project":     "web-app",
		"https://octopus.com/claims/environment": "production",
		"https://octopus.com/claims/tenant":      "acme",
	}
	maps.Copy(all, claims)
	for _, name := range cfg.without {
		delete(all, name)
	}
	payload, err := json.Marshal(all)
	if err != nil {
		return "", fmt.Errorf("authtest: encoding claims: %w", err)
	}
	i.mu.Lock()
	key := i.current
	if cfg.kid != "" {
		key = nil
		for _, k := range i.keys {
			if k.kid == cfg.kid {
				key = k
			}
		}
	}
	var fresh *signingKey
	if cfg.unknown || cfg.foreign {
		fresh, err = i.newKey()
	}
	i.mu.Unlock()
	if err != nil {
		return "", err
	}
	if key == nil {
		return "", fmt.Errorf("authtest: the issuer publishes no key %q", cfg.kid)
	}
	kid, priv := key.kid, key.priv
	switch {
	case cfg.unknown:
		kid, priv = "unpublished-"+fresh.kid, fresh.priv
	case cfg.foreign:
		priv = fresh.priv
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: i.alg, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("authtest: making a signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("authtest: signing: %w", err)
	}
	return jws.CompactSerialize()
}

// verify checks a token's signature against the published keys and returns
// its claims; the fake Pulumi Cloud uses it as Pulumi Cloud uses the
// issuer's JWKS.
func (i *Issuer) verify(token string) (map[string]any, error) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{i.alg})
	if err != nil {
		return nil, fmt.Errorf("not a signed JWT: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("not exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	ks := i.PublicKeys()
	keys := ks.Key(kid)
	if len(keys) == 0 {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		return nil, errors.New("bad signature")
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("claims are not JSON: %w", err)
	}
	return claims, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
