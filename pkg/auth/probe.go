package auth

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// DiscoveryCache remembers, per issuer and HTTP client, the issuer's
// discovery document and key set, so that a process fetches each issuer's
// discovery document at most once. The key set is fetched again only when a
// token names a key it does not hold (key rotation). Safe for concurrent
// use; the zero value is not usable, call [NewDiscoveryCache].
type DiscoveryCache struct {
	mu      sync.Mutex
	entries map[discoveryKey]*discoveryEntry
}

type discoveryKey struct {
	issuer string
	client *http.Client
}

type discoveryEntry struct {
	mu       sync.Mutex // held while fetching, so concurrent probes wait
	provider *oidc.Provider
	jwksURI  string
	algs     []string
	keys     *jose.JSONWebKeySet
}

// NewDiscoveryCache returns an empty cache.
func NewDiscoveryCache() *DiscoveryCache {
	return &DiscoveryCache{entries: map[discoveryKey]*discoveryEntry{}}
}

var sharedDiscovery = NewDiscoveryCache()

func (d *DiscoveryCache) entry(issuer string, client *http.Client) *discoveryEntry {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := discoveryKey{issuer, client}
	e, ok := d.entries[k]
	if !ok {
		e = &discoveryEntry{}
		d.entries[k] = e
	}
	return e
}

// signingAlgs are the algorithms go-oidc verifies; used when the discovery
// document lists none.
var signingAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA,
}

// Probe checks the token's issuer from this worker, the way Pulumi Cloud
// will from the internet: OpenID discovery at
// <iss>/.well-known/openid-configuration (the advertised issuer must match
// the token's exactly, trailing slash included), the key set at jwks_uri,
// and the token's signature, verified by go-oidc. Each hop is reported with
// its URL, status and latency. Hosts Pulumi Cloud cannot reach (loopback,
// private, link-local, single-label) and plain http are warned about.
//
// When the issuer cannot be reached from this worker at all, that is a
// warning, not an error: Pulumi Cloud may still reach it.
func (c *Client) Probe(ctx context.Context, token string) *Report {
	r := &Report{CheckedAt: c.o.now(), Probed: true}
	claims, _ := ParseClaims(token)
	r.Claims = claims
	c.probe(ctx, r, token)
	return r
}

// Check runs the pre-flight and, when the token names an issuer, the probe,
// and returns one report: what `octopulumi oidc check` prints.
func (c *Client) Check(ctx context.Context, token, audience string) *Report {
	r := c.Preflight(token, audience)
	if r.Claims.Issuer != "" && !c.o.skipProbe {
		r.Probed = true
		c.probe(ctx, r, token)
	}
	return r
}

func (c *Client) probe(ctx context.Context, r *Report, token string) {
	iss := r.Claims.Issuer
	u, err := url.Parse(iss)
	if iss == "" || err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		r.add("discovery", SeverityError, "cannot probe: the token's issuer %s is not an http(s) URL", quote(iss))
		return
	}
	c.checkReachability(ctx, r, u)

	e := c.o.discovery.entry(iss, c.o.httpClient)
	e.mu.Lock()
	defer e.mu.Unlock()
	wellKnown := strings.TrimSuffix(iss, "/") + "/.well-known/openid-configuration"
	if e.provider != nil {
		r.Hops = append(r.Hops, Hop{Step: "discovery", URL: wellKnown, Cached: true})
	} else {
		rec := &recorder{base: c.o.httpClient, maxBody: c.o.maxBody, userAgent: c.o.userAgent, step: "discovery"}
		start := time.Now()
		p, err := oidc.NewProvider(oidc.ClientContext(ctx, rec.client()), iss)
		hop := rec.last(wellKnown, time.Since(start))
		if err != nil {
			hop.Error = scrub(err, token).Error()
			r.Hops = append(r.Hops, hop)
			c.discoveryFailed(r, err, hop, wellKnown)
			return
		}
		r.Hops = append(r.Hops, hop)
		var meta struct {
			JWKSURI string   `json:"jwks_uri"`
			Algs    []string `json:"id_token_signing_alg_values_supported"`
		}
		if err := p.Claims(&meta); err != nil || meta.JWKSURI == "" {
			r.add("discovery", SeverityError, "the discovery document at %s names no jwks_uri, so nobody can verify the issuer's tokens", wellKnown)
			return
		}
		e.provider, e.jwksURI, e.algs = p, meta.JWKSURI, meta.Algs
	}
	if ju, err := url.Parse(e.jwksURI); err == nil && ju.Scheme != "https" && u.Scheme == "https" {
		r.add("keys", SeverityWarning, "the key set URL %s is not https", quote(e.jwksURI))
	}

	kid := r.Claims.KeyID
	if e.keys == nil || (kid != "" && len(e.keys.Key(kid)) == 0) {
		keys, ok := c.fetchKeys(ctx, r, e.jwksURI, token)
		if !ok {
			return
		}
		e.keys = keys
	} else {
		r.Hops = append(r.Hops, Hop{Step: "keys", URL: e.jwksURI, Cached: true})
	}
	var candidates []jose.JSONWebKey
	if kid != "" {
		candidates = e.keys.Key(kid)
		if len(candidates) == 0 {
			r.add("keys", SeverityError, "the token was signed with key %s, which the issuer does not publish at %s (it publishes %s): the key was rotated out, or the token comes from another issuer", quote(kid), e.jwksURI, quoteList(keyIDs(e.keys)))
			return
		}
	} else {
		candidates = e.keys.Keys
	}
	pubs := make([]crypto.PublicKey, 0, len(candidates))
	for _, k := range candidates {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pubs = append(pubs, k.Public().Key)
	}
	algs := e.algs
	if len(algs) == 0 {
		algs = signingAlgs
	}
	verifier := oidc.NewVerifier(iss, &oidc.StaticKeySet{PublicKeys: pubs}, &oidc.Config{
		SkipClientIDCheck:    true, // the pre-flight checks the audience, with better messages
		SkipExpiryCheck:      true, // likewise the lifetime, with the configured skew
		SupportedSigningAlgs: algs,
		Now:                  c.o.now,
	})
	if _, err := verifier.Verify(ctx, token); err != nil {
		r.add("signature", SeverityError, "the token's signature does not verify with the issuer's published key %s: %s; the token was altered, or signed by a key the issuer does not publish", quote(kid), scrub(err, token).Error())
		return
	}
	r.add("signature", SeverityInfo, "the signature verifies with the issuer's key %s", quote(kid))
}

func keyIDs(ks *jose.JSONWebKeySet) []string {
	ids := make([]string, 0, len(ks.Keys))
	for _, k := range ks.Keys {
		ids = append(ids, k.KeyID)
	}
	return ids
}

func (c *Client) fetchKeys(ctx context.Context, r *Report, jwksURI, token string) (*jose.JSONWebKeySet, bool) {
	rec := &recorder{base: c.o.httpClient, maxBody: c.o.maxBody, userAgent: c.o.userAgent}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURI, nil)
	if err != nil {
		r.add("keys", SeverityError, "the key set URL %s is invalid: %v", quote(jwksURI), err)
		return nil, false
	}
	resp, err := rec.client().Do(req)
	hop := rec.last(jwksURI, time.Since(start))
	hop.Step = "keys"
	if err != nil {
		hop.Error = scrub(err, token).Error()
		r.Hops = append(r.Hops, hop)
		r.add("keys", SeverityError, "could not fetch the issuer's key set from %s: %s", jwksURI, hop.Error)
		return nil, false
	}
	defer resp.Body.Close()
	body, truncated, err := readBounded(resp.Body, c.o.maxBody)
	if err != nil || truncated || resp.StatusCode != http.StatusOK {
		switch {
		case err != nil:
			hop.Error = err.Error()
		case truncated:
			hop.Error = fmt.Sprintf("the key set is larger than %d bytes", c.o.maxBody)
		default:
			hop.Error = fmt.Sprintf("%d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), trimBody(body, false))
		}
		r.Hops = append(r.Hops, hop)
		r.add("keys", SeverityError, "could not fetch the issuer's key set from %s: %s", jwksURI, hop.Error)
		return nil, false
	}
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal(body, &ks); err != nil {
		hop.Error = "not a JSON Web Key Set: " + err.Error()
		r.Hops = append(r.Hops, hop)
		r.add("keys", SeverityError, "the key set at %s is not a JSON Web Key Set: %v", jwksURI, err)
		return nil, false
	}
	r.Hops = append(r.Hops, hop)
	if len(ks.Keys) == 0 {
		r.add("keys", SeverityError, "the key set at %s holds no keys", jwksURI)
		return nil, false
	}
	return &ks, true
}

func (c *Client) discoveryFailed(r *Report, err error, hop Hop, wellKnown string) {
	var mismatch *oidc.IssuerMismatchError
	switch {
	case errors.As(err, &mismatch):
		hint := ""
		if strings.TrimSuffix(mismatch.Provided, "/") == strings.TrimSuffix(mismatch.Discovered, "/") {
			hint = " (they differ only by the trailing slash)"
		}
		r.add("discovery", SeverityError, "the token's issuer %s differs from the issuer %s in %s%s; they must match exactly: make the Octopus Server URI (Configuration > Nodes) the one the discovery document advertises", quote(mismatch.Provided), quote(mismatch.Discovered), wellKnown, hint)
	case hop.Status == 0:
		r.add("discovery", SeverityWarning, "this worker cannot reach %s (%s); Pulumi Cloud fetches it from the internet and may still succeed, but nothing could be verified here", wellKnown, hop.Error)
	default:
		r.add("discovery", SeverityError, "the issuer's discovery document %s answered %d %s; Pulumi Cloud needs it (anonymous, https) to trust the token", wellKnown, hop.Status, http.StatusText(hop.Status))
	}
}

// checkReachability warns about issuers Pulumi Cloud cannot reach from the
// internet, whatever this worker can.
func (c *Client) checkReachability(ctx context.Context, r *Report, u *url.URL) {
	host := u.Hostname()
	why := classifyHost(host)
	if why == "" && net.ParseIP(host) == nil && c.o.lookupHost != nil {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		addrs, err := c.o.lookupHost(lctx, host)
		cancel()
		if err == nil && len(addrs) > 0 && !slices.ContainsFunc(addrs, func(a netip.Addr) bool { return addrClass(a) == "" }) {
			why = fmt.Sprintf("resolves from this worker only to %s (%s)", addrs[0], addrClass(addrs[0]))
		}
	}
	if why != "" {
		r.add("reachability", SeverityWarning, "the issuer host %s %s; reachable from this worker is not reachable by Pulumi Cloud, which fetches the issuer's discovery document and keys from the internet: set the Octopus Server URI to a public https address", quote(host), why)
	}
	if u.Scheme != "https" {
		r.add("reachability", SeverityWarning, "the issuer %s is plain http; Pulumi Cloud fetches issuers over https only", quote(u.String()))
	}
}

// classifyHost says why a host is not public, or "" when it may be.
func classifyHost(host string) string {
	if a, err := netip.ParseAddr(host); err == nil {
		if c := addrClass(a); c != "" {
			return "is a " + c + " address"
		}
		return ""
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case h == "localhost" || strings.HasSuffix(h, ".localhost"):
		return "is loopback"
	case !strings.Contains(h, "."):
		return "is a single-label name, resolvable only inside a private network"
	case strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal") || strings.HasSuffix(h, ".lan") || strings.HasSuffix(h, ".home.arpa"):
		return "is in a private DNS zone"
	}
	return ""
}

func addrClass(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsUnspecified():
		return "unspecified"
	case a.Is4() && netip.MustParsePrefix("100.64.0.0/10").Contains(a):
		return "carrier-grade NAT"
	}
	return ""
}

// recorder is an http.RoundTripper that notes the status and latency of the
// requests it carries, bounds response bodies and sets the User-Agent.
type recorder struct {
	base      *http.Client
	maxBody   int64
	userAgent string
	step      string
	mu        sync.Mutex
	status    int
	err       error
}

func (rec *recorder) client() *http.Client {
	cp := *rec.base
	cp.Transport = rec
	return &cp
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	base := rec.base.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", rec.userAgent)
	resp, err := base.RoundTrip(req)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.err = err
	if resp != nil {
		rec.status = resp.StatusCode
		resp.Body = &boundedBody{rc: resp.Body, left: rec.maxBody}
	}
	return resp, err
}

func (rec *recorder) last(u string, latency time.Duration) Hop {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return Hop{Step: rec.step, URL: u, Status: rec.status, Latency: latency}
}

type boundedBody struct {
	rc interface {
		Read([]byte) (int, error)
		Close() error
	}
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("response body larger than the limit")
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }
