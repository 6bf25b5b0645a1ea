package authtest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths the fake Pulumi Cloud serves.
const (
	TokenPath = "/api/oauth/token"
	UserPath  = "/api/user"
)

// Policy is an authorization policy of an OIDC issuer registered in an
// organization: a token whose aud and sub match gets a token of one of the
// allowed types. Empty fields take defaults.
type Policy struct {
	// Audience must be in the token's aud; default urn:pulumi:org:<org>.
	Audience string
	// Subject is a path.Match pattern for sub ("*" matches any run of
	// characters except '/'); default: any subject.
	Subject string
	// TokenTypes lists the allowed token types (organization, team,
	// personal, runner); default all.
	TokenTypes []string
}

// User is who a token belongs to, as /api/user tells.
type User struct {
	Login         string
	Name          string
	Organizations []string
	TokenName     string
	TokenOrg      string
	TokenTeam     string
}

// Cloud is a fake Pulumi Cloud API: the OIDC token exchange, /api/user, and
// the stack service the pulumi CLI uses as its backend (stacks, updates and
// their locks, checkpoints, engine events, service-managed secrets); see
// the package doc for what it implements and what it refuses.
type Cloud struct {
	// URL is the API's base URL (the backend URL for pulumi login).
	URL string

	srv    server
	faults *faults
	now    func() time.Time
	mu     sync.Mutex
	trusts map[string][]trust // by organization
	tokens map[string]issued
	// Exchanges counts successful exchanges.
	exchanges int
	// st is the stack service's state (stacks.go, updates.go).
	st stackState
	// escs are the ESC environments and open sessions (esc.go).
	escs *escState
}

type trust struct {
	issuer   *Issuer
	policies []Policy
}

type issued struct {
	user   User
	expiry time.Time // zero: never
}

type cloudConfig struct {
	tls bool
	now func() time.Time
}

// CloudOption configures [NewCloud].
type CloudOption func(*cloudConfig)

// CloudTLS serves the API over HTTPS, with httptest's certificate.
func CloudTLS() CloudOption { return func(c *cloudConfig) { c.tls = true } }

// CloudClock sets the clock used for token lifetimes.
func CloudClock(now func() time.Time) CloudOption { return func(c *cloudConfig) { c.now = now } }

// NewCloud starts a fake Pulumi Cloud API. Close it when done.
func NewCloud(opts ...CloudOption) *Cloud {
	cfg := cloudConfig{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	c := &Cloud{faults: newFaults(), now: cfg.now, trusts: map[string][]trust{}, tokens: map[string]issued{}, st: newStackState(), escs: newESCState()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TokenPath, c.exchange)
	mux.HandleFunc("GET "+UserPath, c.user)
	c.routeStacks(mux)
	c.routeESC(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if c.console(w, r) {
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "message": "Not found: " + r.URL.Path})
	})
	c.srv = startServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.faults.apply(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	}), cfg.tls)
	c.URL = c.srv.srv.URL
	return c
}

// Close shuts the fake down.
func (c *Cloud) Close() { c.srv.srv.Close() }

// Client returns an HTTP client that trusts the fake's certificate.
func (c *Cloud) Client() *http.Client { return c.srv.client() }

// CertPEM returns the fake's TLS certificate in PEM, or nil without TLS.
func (c *Cloud) CertPEM() []byte { return c.srv.certPEM() }

// Inject queues a fault for requests to path (TokenPath, UserPath, a stack
// service path, or a [path.Match] pattern of them).
func (c *Cloud) Inject(path string, f Fault) { c.faults.inject(path, f) }

// Requests counts the requests made to path (or a pattern's paths) so far.
func (c *Cloud) Requests(path string) int { return c.faults.requests(path) }

// Exchanges counts the successful token exchanges.
func (c *Cloud) Exchanges() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exchanges
}

// TrustIssuer registers iss as an OIDC issuer of org with the given
// policies (none: one default policy). Like Pulumi Cloud, the fake checks
// tokens against the issuer's published keys.
func (c *Cloud) TrustIssuer(org string, iss *Issuer, policies ...Policy) {
	if len(policies) == 0 {
		policies = []Policy{{}}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trusts[org] = append(c.trusts[org], trust{issuer: iss, policies: policies})
}

// AddToken makes /api/user accept token as u's.
func (c *Cloud) AddToken(token string, u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens[token] = issued{user: u}
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func pulumiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "message": msg})
}

// exchange answers the token-exchange grant. Malformed requests get RFC 6749
// errors (400); tokens that fail verification get Pulumi's bare 401, and
// tokens no policy admits a 403, as terse as the real service's refusals.
func (c *Cloud) exchange(w http.ResponseWriter, r *http.Request) {
	form, err := readForm(r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if g := form["grant_type"]; g != "urn:ietf:params:oauth:grant-type:token-exchange" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be urn:ietf:params:oauth:grant-type:token-exchange")
		return
	}
	if form["subject_token_type"] != "urn:ietf:params:oauth:token-type:id_token" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "subject_token_type must be urn:ietf:params:oauth:token-type:id_token")
		return
	}
	org, ok := strings.CutPrefix(form["audience"], "urn:pulumi:org:")
	if !ok || org == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "audience must be urn:pulumi:org:<org>")
		return
	}
	typ, ok := strings.CutPrefix(form["requested_token_type"], "urn:pulumi:token-type:access_token:")
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_request", "requested_token_type must be urn:pulumi:token-type:access_token:<type>")
		return
	}
	scope := form["scope"]
	subject, ok := scopeFor(typ, scope)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_scope", fmt.Sprintf("scope %q does not fit token type %q", scope, typ))
		return
	}
	lifetime := 2 * time.Hour
	if e := form["expiration"]; e != "" {
		secs, err := strconv.Atoi(e)
		if err != nil || secs <= 0 || secs > 31*24*3600 {
			oauthError(w, http.StatusBadRequest, "invalid_request", "expiration must be a positive number of seconds")
			return
		}
		lifetime = time.Duration(secs) * time.Second
	}
	claims, ok := c.admit(org, typ, form["subject_token"])
	if !ok {
		pulumiError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	if claims == nil {
		pulumiError(w, http.StatusForbidden, "Forbidden")
		return
	}
	token := "pul-" + randomHex(20)
	u := User{Login: org, Organizations: []string{org}, TokenName: "oidc-exchange", TokenOrg: org}
	switch typ {
	case "team":
		u.TokenTeam = subject
	case "personal":
		u.Login, u.TokenOrg = subject, ""
	case "runner":
		u.TokenName = "runner-" + subject
	}
	c.mu.Lock()
	c.tokens[token] = issued{user: u, expiry: c.now().Add(lifetime)}
	c.exchanges++
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":      token,
		"issued_token_type": "urn:pulumi:token-type:access_token:" + typ,
		"token_type":        "token",
		"expires_in":        int64(lifetime / time.Second),
		"scope":             scope,
	})
}

func scopeFor(typ, scope string) (string, bool) {
	switch typ {
	case "organization":
		return "", scope == "" || scope == "admin"
	case "team", "personal", "runner":
		prefix := map[string]string{"team": "team:", "personal": "user:", "runner": "runner:"}[typ]
		name, ok := strings.CutPrefix(scope, prefix)
		return name, ok && name != ""
	}
	return "", false
}

// admit verifies the token against the organization's issuers; ok is false
// when no trusted issuer's key verifies it or it is out of its lifetime, and
// claims is nil when it verifies but no policy admits it.
func (c *Cloud) admit(org, typ, token string) (map[string]any, bool) {
	c.mu.Lock()
	trusts := slices.Clone(c.trusts[org])
	c.mu.Unlock()
	now := c.now()
	for _, t := range trusts {
		claims, err := t.issuer.verify(token)
		if err != nil || claims["iss"] != t.issuer.URL {
			continue
		}
		exp, _ := claims["exp"].(float64)
		if now.After(time.Unix(int64(exp), 0).Add(time.Minute)) {
			return nil, false
		}
		if nbf, ok := claims["nbf"].(float64); ok && now.Add(time.Minute).Before(time.Unix(int64(nbf), 0)) {
			return nil, false
		}
		sub, _ := claims["sub"].(string)
		aud := audiences(claims["aud"])
		for _, p := range t.policies {
			want := p.Audience
			if want == "" {
				want = "urn:pulumi:org:" + org
			}
			pattern := p.Subject
			if pattern == "" {
				pattern = "*"
			}
			matched, _ := path.Match(pattern, sub)
			if (pattern == "*" || matched) && slices.Contains(aud, want) && (len(p.TokenTypes) == 0 || slices.Contains(p.TokenTypes, typ)) {
				return claims, true
			}
		}
		return nil, true
	}
	return nil, false
}

func audiences(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, s := range a {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

// readForm accepts the form encoding the CLI uses, and JSON.
func readForm(r *http.Request) (map[string]string, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	out := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, fmt.Errorf("body is not JSON: %v", err)
		}
		for k, v := range m {
			out[k] = fmt.Sprint(v)
		}
		return out, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("body is not a form: %v", err)
	}
	for k := range r.PostForm {
		out[k] = r.PostForm.Get(k)
	}
	return out, nil
}

// caller returns the user of the request's API token, if it is known and
// unexpired.
func (c *Cloud) caller(r *http.Request) (User, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "token ")
	c.mu.Lock()
	is, known := c.tokens[tok]
	c.mu.Unlock()
	if !ok || !known || (!is.expiry.IsZero() && c.now().After(is.expiry)) {
		return User{}, false
	}
	return is.user, true
}

// unauthorized is the service's answer to a missing or rejected token.
func unauthorized(w http.ResponseWriter) {
	pulumiError(w, http.StatusUnauthorized, "Unauthorized: No credentials provided or are invalid.")
}

// user answers GET /api/user for a known, unexpired token.
func (c *Cloud) user(w http.ResponseWriter, r *http.Request) {
	u, ok := c.caller(r)
	if !ok {
		unauthorized(w)
		return
	}
	orgs := make([]map[string]string, len(u.Organizations))
	for i, o := range u.Organizations {
		orgs[i] = map[string]string{"githubLogin": o, "name": o}
	}
	body := map[string]any{
		"id": "user-" + u.Login, "githubLogin": u.Login, "name": u.Name, "email": u.Login + "@example.com",
		"avatarUrl": "", "organizations": orgs, "identities": []string{},
	}
	if u.TokenName != "" {
		body["tokenInfo"] = map[string]string{"name": u.TokenName, "organization": u.TokenOrg, "team": u.TokenTeam}
	}
	writeJSON(w, http.StatusOK, body)
}

// NewClient returns an HTTP client that trusts the given PEM certificates
// (nil entries are skipped), for talking to TLS fakes. httptest's servers
// share one certificate, so the PEM of either fake lets a client reach both.
func NewClient(pems ...[]byte) *http.Client {
	pool := x509.NewCertPool()
	for _, p := range pems {
		if p != nil {
			pool.AppendCertsFromPEM(p)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
