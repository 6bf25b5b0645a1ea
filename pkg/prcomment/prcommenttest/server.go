package prcommenttest

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// apiPrefix is where the fake serves the API, as GitHub Enterprise Server
// does (https://HOST/api/v3).
const apiPrefix = "/api/v3"

// MaxBodyChars is the longest comment body the fake accepts, in code
// points: the limit GitHub's 422 states.
const MaxBodyChars = 65536

// MessageNotYours is the message of the 403 the fake answers to a PATCH of
// a comment by another user than the token's. GitHub lets a token edit
// anyone's comments only with write access to the repository
// ("Repository roles for an organization": "Edit and delete anyone's
// comments on commits, pull requests, and issues" is Write and up), and
// refuses a token without it with 403 "Must have admin rights to
// Repository." (recorded for PATCH and DELETE of another token's issue
// comment in a field note on shader-slang/slang#12051). The fake is
// stricter than GitHub: it refuses every token, so that a client which
// edits a comment it did not write fails its tests.
const MessageNotYours = "Must have admin rights to Repository."

// Documentation URLs GitHub puts in the errors of these endpoints.
const (
	docList   = "https://docs.github.com/rest/issues/comments#list-issue-comments"
	docCreate = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
	docUpdate = "https://docs.github.com/rest/issues/comments#update-an-issue-comment"
	docREST   = "https://docs.github.com/rest"
)

// User is a GitHub account that writes comments.
type User struct {
	Login string
	ID    int64
	// Type is "User" or "Bot".
	Type string
	// App is the slug of the GitHub App a bot acts for, given as the
	// comment's performed_via_github_app; empty for none.
	App string
}

// Well-known users.
var (
	// GitHubActions is who comments with a job's GITHUB_TOKEN.
	GitHubActions = User{Login: "github-actions[bot]", ID: 41898282, Type: "Bot", App: "github-actions"}
	// Octocat is a person.
	Octocat = User{Login: "octocat", ID: 583231, Type: "User"}
)

// Comment is a comment as the fake stores it.
type Comment struct {
	ID        int64
	Body      string
	User      User
	HTMLURL   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Request is one request the fake answered.
type Request struct {
	Method string
	// Path is below the API root, e.g. /repos/acme/web/issues/7/comments.
	Path  string
	Query string
	// Status is the status answered; 0 when the connection was dropped.
	Status int
	// User is the login of the token's user; empty when the token was
	// missing or unknown.
	User string
	// AuthScheme is the Authorization header's scheme ("Bearer", "token");
	// the token itself is not kept.
	AuthScheme string
	// Header is the request's headers without Authorization.
	Header http.Header
	// Body is the request's body.
	Body string
}

type token struct {
	user     User
	readOnly bool
}

type repo struct {
	id       int64
	full     string
	comments map[int][]*Comment
}

// Server is the fake. Create it with [NewServer]; it is safe for concurrent
// use.
type Server struct {
	srv *httptest.Server
	now func() time.Time

	mu      sync.Mutex
	nextID  int64
	repoID  int64
	repos   map[string]*repo // by lower-case owner/name
	byID    map[int64]*repo
	tokens  map[string]token
	faults  []*queuedFault
	log     []Request
	appIDs  map[string]int64
	calls   int
	resetAt time.Time
}

// Option configures a [Server].
type Option func(*Server)

// WithClock sets the clock for created_at and updated_at.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// NewServer starts a fake; Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		now:    time.Now,
		nextID: 1_000_000_001,
		repoID: 500_000_001,
		repos:  map[string]*repo{},
		byID:   map[int64]*repo{},
		tokens: map[string]token{},
		appIDs: map[string]int64{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	s.resetAt = s.now().Add(time.Hour)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the API root, to use as the API URL (like https://api.github.com).
func (s *Server) URL() string { return s.srv.URL + apiPrefix }

// WebURL is the web root, where comments' html_url point.
func (s *Server) WebURL() string { return s.srv.URL }

// Client returns an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close stops the fake.
func (s *Server) Close() { s.srv.Close() }

// AddRepo makes a repository, "owner/name", known; requests for others
// get 404.
func (s *Server) AddRepo(fullName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(fullName)
	if _, ok := s.repos[key]; ok {
		return
	}
	r := &repo{id: s.repoID, full: fullName, comments: map[int][]*Comment{}}
	s.repoID++
	s.repos[key] = r
	s.byID[r.id] = r
}

// AddToken accepts token as u, allowed to read comments, post them, and
// edit u's own.
func (s *Server) AddToken(tok string, u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = token{user: u}
}

// AddReadOnlyToken accepts token as u for reading only, as GitHub gives a
// pull request from a fork: writes get 403 "Resource not accessible by
// integration".
func (s *Server) AddReadOnlyToken(tok string, u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = token{user: u, readOnly: true}
}

// AddComment posts a comment as u directly, without a request, for tests
// that need other people's comments on a pull request. It panics when the
// repository is unknown.
func (s *Server) AddComment(fullName string, number int, u User, body string) Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[strings.ToLower(fullName)]
	if !ok {
		panic(fmt.Sprintf("prcommenttest.AddComment: unknown repository %q: AddRepo it first", fullName))
	}
	return *s.addLocked(r, number, u, body)
}

// Comments returns a pull request's comments, oldest first.
func (s *Server) Comments(fullName string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[strings.ToLower(fullName)]
	if !ok {
		return nil
	}
	out := make([]Comment, 0, len(r.comments[number]))
	for _, c := range r.comments[number] {
		out = append(out, *c)
	}
	return out
}

// Requests returns the requests answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

func (s *Server) addLocked(r *repo, number int, u User, body string) *Comment {
	now := s.now().UTC().Truncate(time.Second)
	c := &Comment{
		ID:        s.nextID,
		Body:      body,
		User:      u,
		HTMLURL:   fmt.Sprintf("%s/%s/pull/%d#issuecomment-%d", s.srv.URL, r.full, number, s.nextID),
		CreatedAt: now,
		UpdatedAt: now,
	}
	s.nextID++
	r.comments[number] = append(r.comments[number], c)
	return c
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Hijack lets a Drop fault close the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("prcommenttest: the connection cannot be hijacked")
	}
	return hj.Hijack()
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	p, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	entry := Request{Method: r.Method, Path: p, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body)}
	entry.Header.Del("Authorization")
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	entry.AuthScheme = scheme
	s.mu.Lock()
	if t, ok := s.tokens[strings.TrimSpace(tok)]; ok && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) {
		entry.User = t.user.Login
	}
	s.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		entry.Status = sw.status
		s.mu.Lock()
		s.log = append(s.log, entry)
		s.mu.Unlock()
	}()
	f, faulty := s.takeFault(r.Method, p)
	switch {
	case faulty && f.AfterHandling:
		s.route(httptest.NewRecorder(), r, p, body)
		writeFault(sw, f)
	case faulty:
		writeFault(sw, f)
	default:
		s.route(sw, r, p, body)
	}
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, p string, body []byte) {
	doc := docREST
	segs := strings.Split(strings.Trim(p, "/"), "/")
	var (
		rp     *repo
		number int
		id     int64
		op     string
	)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(segs) == 6 && segs[0] == "repos" && segs[3] == "issues" && segs[4] == "comments" && r.Method == http.MethodPatch:
		doc, op = docUpdate, "update"
		rp = s.repos[strings.ToLower(segs[1]+"/"+segs[2])]
		id, _ = strconv.ParseInt(segs[5], 10, 64)
	case len(segs) == 6 && segs[0] == "repos" && segs[3] == "issues" && segs[5] == "comments" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		doc, op = docList, "list"
		if r.Method == http.MethodPost {
			doc, op = docCreate, "create"
		}
		rp = s.repos[strings.ToLower(segs[1]+"/"+segs[2])]
		number, _ = strconv.Atoi(segs[4])
	case len(segs) == 5 && segs[0] == "repositories" && segs[2] == "issues" && segs[4] == "comments" && r.Method == http.MethodGet:
		doc, op = docList, "list"
		rid, _ := strconv.ParseInt(segs[1], 10, 64)
		rp = s.byID[rid]
		number, _ = strconv.Atoi(segs[3])
	}

	// GitHub refuses a request without User-Agent before anything else
	// (REST API "Getting started": "User-Agent required").
	if r.Header.Get("User-Agent") == "" {
		s.fail(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.", doc)
		return
	}
	tok, ok := s.authLocked(w, r, doc)
	if !ok {
		return
	}
	if op == "" || rp == nil || (op != "update" && number <= 0) || (op == "update" && id <= 0) {
		s.fail(w, http.StatusNotFound, "Not Found", doc)
		return
	}
	// The permissions the endpoint accepts (REST API "Troubleshooting the
	// REST API", X-Accepted-GitHub-Permissions; the endpoints' pages list
	// Issues or Pull requests, read to list and write to post or edit).
	if op == "list" {
		w.Header().Set("X-Accepted-GitHub-Permissions", "issues=read; pull_requests=read")
	} else {
		w.Header().Set("X-Accepted-GitHub-Permissions", "issues=write; pull_requests=write")
	}
	switch op {
	case "list":
		s.listLocked(w, r, rp, number)
	case "create", "update":
		if tok.readOnly {
			s.fail(w, http.StatusForbidden, "Resource not accessible by integration", doc)
			return
		}
		var (
			n int
			c *Comment
		)
		if op == "update" {
			if n, c = findComment(rp, id); c == nil {
				s.fail(w, http.StatusNotFound, "Not Found", doc)
				return
			}
			// A token edits only its own user's comments; see
			// MessageNotYours.
			if !strings.EqualFold(c.User.Login, tok.user.Login) {
				s.fail(w, http.StatusForbidden, MessageNotYours, doc)
				return
			}
		}
		text, ok := s.commentBody(w, body, doc)
		if !ok {
			return
		}
		if op == "create" {
			c := s.addLocked(rp, number, tok.user, text)
			s.headersLocked(w)
			w.Header().Set("Location", s.apiCommentURL(rp, c.ID))
			s.writeJSON(w, http.StatusCreated, s.commentJSON(rp, number, c))
			return
		}
		c.Body = text
		c.UpdatedAt = s.now().UTC().Truncate(time.Second)
		s.headersLocked(w)
		s.writeJSON(w, http.StatusOK, s.commentJSON(rp, n, c))
	}
}

// authLocked checks the Authorization header ("Bearer <token>" or "token
// <token>", REST API "Authenticating to the REST API").
func (s *Server) authLocked(w http.ResponseWriter, r *http.Request, doc string) (token, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		s.fail(w, http.StatusUnauthorized, "Requires authentication", doc)
		return token{}, false
	}
	scheme, tok, _ := strings.Cut(h, " ")
	t, ok := s.tokens[strings.TrimSpace(tok)]
	if !ok || !(strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) {
		s.fail(w, http.StatusUnauthorized, "Bad credentials", docREST)
		return token{}, false
	}
	s.calls++
	return t, true
}

func findComment(rp *repo, id int64) (int, *Comment) {
	for n, cs := range rp.comments {
		for _, c := range cs {
			if c.ID == id {
				return n, c
			}
		}
	}
	return 0, nil
}

// commentBody validates {"body": "…"} as GitHub does (REST API
// "Troubleshooting the REST API"): JSON that does not parse is 400 "Problems
// parsing JSON", JSON that is not an object 400 "Body should be a JSON
// object"; a missing or non-string body is 422 "Invalid request."; a blank
// or too long one 422 "Validation Failed".
func (s *Server) commentBody(w http.ResponseWriter, body []byte, doc string) (string, bool) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		s.fail(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return "", false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		s.fail(w, http.StatusBadRequest, "Body should be a JSON object", doc)
		return "", false
	}
	raw, ok := m["body"]
	if !ok {
		s.fail(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"body\" wasn't supplied.", doc)
		return "", false
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil || string(raw) == "null" {
		shown := string(raw)
		if shown == "null" {
			shown = "nil"
		}
		s.fail(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid request.\n\nFor 'properties/body', %s is not a string.", shown), doc)
		return "", false
	}
	switch {
	case strings.TrimSpace(text) == "":
		s.validation(w, "Body cannot be blank", doc)
		return "", false
	case utf8.RuneCountInString(text) > MaxBodyChars:
		s.validation(w, fmt.Sprintf("Body is too long (maximum is %d characters)", MaxBodyChars), doc)
		return "", false
	}
	return text, true
}

// listLocked answers a page of comments with GitHub's pagination (REST API
// "Using pagination in the REST API").
func (s *Server) listLocked(w http.ResponseWriter, r *http.Request, rp *repo, number int) {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		per = 30
	}
	per = min(per, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	all := rp.comments[number]
	last := max((len(all)+per-1)/per, 1)
	out := []any{}
	for i := (page - 1) * per; i >= 0 && i < len(all) && i < page*per; i++ {
		out = append(out, s.commentJSON(rp, number, all[i]))
	}
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<%s%s/repositories/%d/issues/%d/comments?per_page=%d&page=%d>; rel="%s"`, s.srv.URL, apiPrefix, rp.id, number, per, p, rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	s.headersLocked(w)
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	s.writeJSON(w, http.StatusOK, out)
}

// headersLocked sets the headers GitHub sends with every reply.
func (s *Server) headersLocked(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(5000-s.calls, 1)))
	h.Set("X-RateLimit-Used", strconv.Itoa(min(s.calls, 4999)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.resetAt.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

func (s *Server) apiCommentURL(rp *repo, id int64) string {
	return fmt.Sprintf("%s%s/repos/%s/issues/comments/%d", s.srv.URL, apiPrefix, rp.full, id)
}

type userJSON struct {
	Login      string `json:"login"`
	ID         int64  `json:"id"`
	NodeID     string `json:"node_id"`
	AvatarURL  string `json:"avatar_url"`
	GravatarID string `json:"gravatar_id"`
	URL        string `json:"url"`
	HTMLURL    string `json:"html_url"`
	Type       string `json:"type"`
	SiteAdmin  bool   `json:"site_admin"`
}

type appJSON struct {
	ID     int64  `json:"id"`
	Slug   string `json:"slug"`
	NodeID string `json:"node_id"`
	Name   string `json:"name"`
}

type reactionsJSON struct {
	URL        string `json:"url"`
	TotalCount int    `json:"total_count"`
	PlusOne    int    `json:"+1"`
	MinusOne   int    `json:"-1"`
	Laugh      int    `json:"laugh"`
	Hooray     int    `json:"hooray"`
	Confused   int    `json:"confused"`
	Heart      int    `json:"heart"`
	Rocket     int    `json:"rocket"`
	Eyes       int    `json:"eyes"`
}

// commentJSON is rest-api-description's issue-comment schema.
type commentJSON struct {
	URL                   string        `json:"url"`
	HTMLURL               string        `json:"html_url"`
	IssueURL              string        `json:"issue_url"`
	ID                    int64         `json:"id"`
	NodeID                string        `json:"node_id"`
	User                  userJSON      `json:"user"`
	CreatedAt             string        `json:"created_at"`
	UpdatedAt             string        `json:"updated_at"`
	Body                  string        `json:"body"`
	AuthorAssociation     string        `json:"author_association"`
	Reactions             reactionsJSON `json:"reactions"`
	PerformedViaGitHubApp *appJSON      `json:"performed_via_github_app"`
}

func nodeID(prefix string, id int64) string {
	return prefix + base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

func (s *Server) commentJSON(rp *repo, number int, c *Comment) commentJSON {
	api := s.srv.URL + apiPrefix
	u := c.User
	profile := s.srv.URL + "/" + url.PathEscape(u.Login)
	if u.App != "" {
		profile = s.srv.URL + "/apps/" + url.PathEscape(u.App)
	}
	cj := commentJSON{
		URL:      s.apiCommentURL(rp, c.ID),
		HTMLURL:  c.HTMLURL,
		IssueURL: fmt.Sprintf("%s/repos/%s/issues/%d", api, rp.full, number),
		ID:       c.ID,
		NodeID:   nodeID("IC_", c.ID),
		User: userJSON{
			Login:     u.Login,
			ID:        u.ID,
			NodeID:    nodeID("U_", u.ID),
			AvatarURL: fmt.Sprintf("%s/u/%d?v=4", s.srv.URL, u.ID),
			URL:       api + "/users/" + url.PathEscape(u.Login),
			HTMLURL:   profile,
			Type:      u.Type,
		},
		CreatedAt:         c.CreatedAt.Format(time.RFC3339),
		UpdatedAt:         c.UpdatedAt.Format(time.RFC3339),
		Body:              c.Body,
		AuthorAssociation: "NONE",
		Reactions:         reactionsJSON{URL: s.apiCommentURL(rp, c.ID) + "/reactions"},
	}
	if u.App != "" {
		id, ok := s.appIDs[u.App]
		if !ok {
			id = int64(10_000 + len(s.appIDs))
			s.appIDs[u.App] = id
		}
		cj.PerformedViaGitHubApp = &appJSON{ID: id, Slug: u.App, NodeID: nodeID("A_", id), Name: u.App}
	}
	return cj
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func errorJSON(status int, message, doc string) string {
	data, _ := json.Marshal(struct {
		Message          string `json:"message"`
		DocumentationURL string `json:"documentation_url"`
		Status           string `json:"status"`
	}{message, doc, strconv.Itoa(status)})
	return string(data)
}

func (s *Server) fail(w http.ResponseWriter, status int, message, doc string) {
	s.headersLocked(w)
	body := errorJSON(status, message, doc)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// validation answers GitHub's "Validation Failed" for a comment body, as
// github.com answers it today (resource IssueComment, code unprocessable,
// field data).
func (s *Server) validation(w http.ResponseWriter, message, doc string) {
	type fieldError struct {
		Resource string `json:"resource"`
		Code     string `json:"code"`
		Field    string `json:"field"`
		Message  string `json:"message"`
	}
	s.headersLocked(w)
	s.writeJSON(w, http.StatusUnprocessableEntity, struct {
		Message          string       `json:"message"`
		Errors           []fieldError `json:"errors"`
		DocumentationURL string       `json:"documentation_url"`
		Status           string       `json:"status"`
	}{"Validation Failed", []fieldError{{"IssueComment", "unprocessable", "data", message}}, doc, "422"})
}
