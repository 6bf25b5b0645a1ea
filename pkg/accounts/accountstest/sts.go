package accountstest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The actions the fake serves.
const (
	ActionAssumeRoleWithWebIdentity = "AssumeRoleWithWebIdentity"
	ActionAssumeRole                = "AssumeRole"
	ActionGetCallerIdentity         = "GetCallerIdentity"
)

// Version is the STS API version of the Query API.
const Version = "2011-06-15"

// Request is one request the fake received, for tests to inspect: its
// form (which holds the token of AssumeRoleWithWebIdentity) and, when it
// was signed, the access key it was signed with.
type Request struct {
	Action      string
	Form        url.Values
	AccessKeyID string
}

// STS is a fake AWS Security Token Service speaking the real Query API:
// form-encoded POSTs with Action and Version, XML replies with STS's
// element names, STS's error document and codes. It verifies web identity
// tokens against IAM OpenID Connect identity providers (discovery and keys
// fetched from the issuer, signatures checked with go-oidc) and role trust
// policies; it verifies Signature Version 4 on signed actions with the
// secret of the access key (a user's, or a session it issued).
type STS struct {
	// URL is the endpoint, for AWS_ENDPOINT_URL_STS.
	URL string

	srv      *httptest.Server
	faults   *faults
	now      func() time.Time
	mu       sync.Mutex
	idps     map[string]IdentityProvider // by issuer URL
	roles    map[string]Role             // by ARN
	keys     map[string]principal        // access key id → owner
	requests []Request
}

// principal is the owner of an access key: a user's long-term key or a
// session's temporary one.
type principal struct {
	secret  string
	token   string // session token; empty for a user's key
	arn     string // user ARN, or assumed-role session ARN
	role    string // the role ARN of a session
	userID  string
	expiry  time.Time
	session bool
}

type stsConfig struct {
	tls bool
	now func() time.Time
}

// STSOption configures [NewSTS].
type STSOption func(*stsConfig)

// STSTLS serves over HTTPS, with httptest's certificate.
func STSTLS() STSOption { return func(c *stsConfig) { c.tls = true } }

// STSClock sets the clock of token and session expiry.
func STSClock(now func() time.Time) STSOption { return func(c *stsConfig) { c.now = now } }

// NewSTS starts a fake STS. Close it when done.
func NewSTS(opts ...STSOption) *STS {
	cfg := stsConfig{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	s := &STS{faults: newFaults(), now: cfg.now, idps: map[string]IdentityProvider{}, roles: map[string]Role{}, keys: map[string]principal{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if cfg.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	s.srv, s.URL = srv, srv.URL
	return s
}

// Close shuts the fake down.
func (s *STS) Close() { s.srv.Close() }

// Client returns an HTTP client that reaches the fake (and trusts its
// certificate when it serves TLS).
func (s *STS) Client() *http.Client { return s.srv.Client() }

// AddIdentityProvider registers an IAM OpenID Connect identity provider.
func (s *STS) AddIdentityProvider(p IdentityProvider) {
	if len(p.Audiences) == 0 {
		p.Audiences = []string{"sts.amazonaws.com"}
	}
	if p.Client == nil {
		p.Client = http.DefaultClient
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idps[p.URL] = p
}

// AddRole registers a role with its trust policy.
func (s *STS) AddRole(r Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles[r.ARN] = r
}

// AddUser registers an IAM user's access key, for AssumeRole and
// GetCallerIdentity signed with it; it returns the key's secret.
func (s *STS) AddUser(userARN, accessKeyID string) (secret string) {
	secret = randomString(40)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[accessKeyID] = principal{secret: secret, arn: userARN, userID: "AIDA" + randomUpper(17)}
	return secret
}

// Inject queues a fault for requests of action.
func (s *STS) Inject(action string, f Fault) { s.faults.inject(action, f) }

// Calls counts the requests of action so far, faulted ones included.
func (s *STS) Calls(action string) int { return s.faults.calls(action) }

// Requests returns the requests of action received so far.
func (s *STS) Requests(action string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// Sessions returns the access key ids of the sessions issued so far.
func (s *STS) Sessions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, p := range s.keys {
		if p.session {
			out = append(out, id)
		}
	}
	return out
}

// serve reads a Query API request and dispatches it by Action.
func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "could not read the request")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || (r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")) {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "the request must be a form-encoded POST")
		return
	}
	action := form.Get("Action")
	if s.faults.apply(w, r, action) {
		return
	}
	req := Request{Action: action, Form: form}
	if auth := r.Header.Get("Authorization"); auth != "" {
		if sig, err := parseSigV4(auth); err == nil {
			req.AccessKeyID = sig.accessKeyID
		}
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	if v := form.Get("Version"); v != Version {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Version %q is not %s", v, Version))
		return
	}
	switch action {
	case ActionAssumeRoleWithWebIdentity:
		s.webIdentity(w, r, form)
	case ActionAssumeRole:
		s.assumeRole(w, r, form, body)
	case ActionGetCallerIdentity:
		s.callerIdentity(w, r, body)
	default:
		writeError(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, Version))
	}
}

// authenticate checks a signed request as STS does and returns the key's
// owner; on failure it has answered.
func (s *STS) authenticate(w http.ResponseWriter, r *http.Request, body []byte) (principal, bool) {
	sig, err := parseSigV4(r.Header.Get("Authorization"))
	if err != nil {
		writeError(w, http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
		return principal{}, false
	}
	s.mu.Lock()
	p, ok := s.keys[sig.accessKeyID]
	s.mu.Unlock()
	if !ok || p.token != r.Header.Get("X-Amz-Security-Token") {
		writeError(w, http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		return principal{}, false
	}
	if !sig.verify(r, body, p.secret) {
		writeError(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
		return principal{}, false
	}
	if p.session && s.now().After(p.expiry) {
		writeError(w, http.StatusBadRequest, "ExpiredToken", "The security token included in the request is expired")
		return principal{}, false
	}
	return p, true
}

// issue makes a session of role for sessionName.
func (s *STS) issue(role, sessionName string, d time.Duration) (credentialsXML, assumedRoleUserXML) {
	partition, account := arnAccount(role)
	roleID := "AROA" + randomUpper(17)
	p := principal{
		secret:  randomString(40),
		token:   randomString(356),
		arn:     fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", partition, account, roleName(role), sessionName),
		role:    role,
		userID:  roleID + ":" + sessionName,
		expiry:  s.now().Add(d).UTC().Truncate(time.Second),
		session: true,
	}
	id := "ASIA" + randomUpper(16)
	s.mu.Lock()
	s.keys[id] = p
	s.mu.Unlock()
	return credentialsXML{AccessKeyID: id, SecretAccessKey: p.secret, SessionToken: p.token, Expiration: p.expiry.Format(time.RFC3339)},
		assumedRoleUserXML{Arn: p.arn, AssumedRoleID: p.userID}
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)[:n]
}

func randomUpper(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
