package prcommenttest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/prcomment/prcommenttest"
)

const (
	tok     = "ghs_fakeToken0123456789abcdefABCDEFGHIJ"
	roTok   = "ghs_readOnly0123456789abcdefABCDEFGHIJK"
	userTok = "ghp_octocat0123456789abcdefABCDEFGHIJKL"
)

func start(t *testing.T, opts ...prcommenttest.Option) *prcommenttest.Server {
	t.Helper()
	s := prcommenttest.NewServer(opts...)
	t.Cleanup(s.Close)
	s.AddRepo("acme/infra")
	s.AddToken(tok, prcommenttest.GitHubActions)
	s.AddReadOnlyToken(roTok, prcommenttest.GitHubActions)
	s.AddToken(userTok, prcommenttest.Octocat)
	return s
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("reply %d is not a JSON object: %v: %s", r.status, err, r.body)
	}
	return m
}

func (r reply) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("reply %d is not a JSON list: %v: %s", r.status, err, r.body)
	}
	return l
}

// call sends a request as a client would; auth is the whole Authorization
// header ("" for none), ua the User-Agent ("" for none).
func call(t *testing.T, s *prcommenttest.Server, method, u, auth, ua, body string) reply {
	t.Helper()
	if strings.HasPrefix(u, "/") {
		u = s.URL() + u
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("User-Agent", ua) // an empty value makes Go send none
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, data}
}

func TestErrorsHaveGitHubsShape(t *testing.T) {
	t.Parallel()
	const (
		list    = "/repos/acme/infra/issues/7/comments"
		docList = "https://docs.github.com/rest/issues/comments#list-issue-comments"
		docPost = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
		docEdit = "https://docs.github.com/rest/issues/comments#update-an-issue-comment"
	)
	bearer, ua := "Bearer "+tok, "test"
	tests := []struct {
		name, method, path, auth, ua, body string
		status                             int
		message, doc, detail               string
	}{
		{"no token", "GET", list, "", ua, "", 401, "Requires authentication", docList, ""},
		{"an unknown token", "GET", list, "Bearer ghs_other", ua, "", 401, "Bad credentials", "https://docs.github.com/rest", ""},
		{"no User-Agent", "GET", list, bearer, "", "", 403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header", docList, ""},
		{"an unknown repository", "GET", "/repos/acme/other/issues/7/comments", bearer, ua, "", 404, "Not Found", docList, ""},
		{"an unknown repository id", "GET", "/repositories/1/issues/7/comments", bearer, ua, "", 404, "Not Found", docList, ""},
		{"an unknown comment", "PATCH", "/repos/acme/infra/issues/comments/99", bearer, ua, `{"body":"x"}`, 404, "Not Found", docEdit, ""},
		{"a method not served", "DELETE", "/repos/acme/infra/issues/comments/99", bearer, ua, "", 404, "Not Found", "https://docs.github.com/rest", ""},
		{"a read-only token posting", "POST", list, "Bearer " + roTok, ua, `{"body":"x"}`, 403, "Resource not accessible by integration", docPost, ""},
		{"editing another user's comment", "PATCH", "/repos/acme/infra/issues/comments/1000000001", "Bearer " + userTok, ua, `{"body":"x"}`, 403, "Must have admin rights to Repository.", docEdit, ""},
		{"a long edit of another user's comment", "PATCH", "/repos/acme/infra/issues/comments/1000000001", "token " + userTok, ua, `{"body":"` + strings.Repeat("a", 65537) + `"}`, 403, "Must have admin rights to Repository.", docEdit, ""},
		{"JSON that does not parse", "POST", list, bearer, ua, `{"body":`, 400, "Problems parsing JSON", docPost, ""},
		{"JSON that is not an object", "POST", list, bearer, ua, `["x"]`, 400, "Body should be a JSON object", docPost, ""},
		{"no body", "POST", list, bearer, ua, `{}`, 422, "Invalid request.\n\n\"body\" wasn't supplied.", docPost, ""},
		{"a null body", "POST", list, bearer, ua, `{"body":null}`, 422, "Invalid request.\n\nFor 'properties/body', nil is not a string.", docPost, ""},
		{"a blank body", "POST", list, bearer, ua, `{"body":" \n"}`, 422, "Validation Failed", docPost, "Body cannot be blank"},
		{"a body one over the limit", "POST", list, bearer, ua, `{"body":"` + strings.Repeat("🌈", 65536) + `a"}`, 422, "Validation Failed", docPost, "Body is too long (maximum is 65536 characters)"},
		{"a long edit", "PATCH", "/repos/acme/infra/issues/comments/1000000001", bearer, ua, `{"body":"` + strings.Repeat("a", 65537) + `"}`, 422, "Validation Failed", docEdit, "Body is too long (maximum is 65536 characters)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t)
			s.AddComment("acme/infra", 7, prcommenttest.GitHubActions, "existing") // id 1000000001
			r := call(t, s, tt.method, tt.path, tt.auth, tt.ua, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			m := r.object(t)
			if msg, _ := m["message"].(string); !strings.HasPrefix(msg, tt.message) {
				t.Errorf("message %q, want %q", msg, tt.message)
			}
			if m["documentation_url"] != tt.doc || m["status"] != strconv.Itoa(tt.status) {
				t.Errorf("documentation_url %v, status %v; want %s, %q", m["documentation_url"], m["status"], tt.doc, strconv.Itoa(tt.status))
			}
			if tt.detail != "" {
				errs, _ := m["errors"].([]any)
				want := map[string]any{"resource": "IssueComment", "code": "unprocessable", "field": "data", "message": tt.detail}
				if len(errs) != 1 || fmt.Sprint(errs[0]) != fmt.Sprint(want) {
					t.Errorf("errors %v, want [%v]", errs, want)
				}
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
			if got := s.Comments("acme/infra", 7); len(got) != 1 || got[0].Body != "existing" {
				t.Errorf("a refused request changed the comments: %+v", got)
			}
		})
	}
}

// TestEditsOnlyItsOwnComments checks that a token may edit its own user's
// comments and no one else's, whichever kind of user it acts as.
func TestEditsOnlyItsOwnComments(t *testing.T) {
	t.Parallel()
	renovate := prcommenttest.User{Login: "renovate[bot]", ID: 29139614, Type: "Bot", App: "renovate"}
	tests := []struct {
		name   string
		author prcommenttest.User
		token  string
		status int
	}{
		{"the job's token edits its own", prcommenttest.GitHubActions, tok, http.StatusOK},
		{"a person's token edits its own", prcommenttest.Octocat, userTok, http.StatusOK},
		{"the job's token and a person's comment", prcommenttest.Octocat, tok, http.StatusForbidden},
		{"a person's token and the job's comment", prcommenttest.GitHubActions, userTok, http.StatusForbidden},
		{"the job's token and another App's comment", renovate, tok, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t)
			c := s.AddComment("acme/infra", 7, tt.author, "before")
			r := call(t, s, "PATCH", fmt.Sprintf("/repos/acme/infra/issues/comments/%d", c.ID), "Bearer "+tt.token, "test", `{"body":"after"}`)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			want := "after"
			if tt.status != http.StatusOK {
				want = "before"
				m := r.object(t)
				if m["message"] != prcommenttest.MessageNotYours || m["status"] != "403" {
					t.Errorf("reply %v, want GitHub's 403 %q", m, prcommenttest.MessageNotYours)
				}
			}
			got := s.Comments("acme/infra", 7)
			if len(got) != 1 || got[0].Body != want || got[0].User != tt.author {
				t.Errorf("the comment is %+v, want %q by %s", got, want, tt.author.Login)
			}
		})
	}
}

func TestTheLimitIsCodePoints(t *testing.T) {
	t.Parallel()
	s := start(t)
	// 65,536 four-byte characters: at GitHub's limit on either reading.
	r := call(t, s, "POST", "/repos/acme/infra/issues/7/comments", "token "+tok, "test", `{"body":"`+strings.Repeat("🌈", 65536)+`"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("status %d for a body at the limit: %.200s", r.status, r.body)
	}
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	s := start(t)
	for i := range 7 {
		s.AddComment("acme/infra", 7, prcommenttest.Octocat, "c"+strconv.Itoa(i))
	}
	for i := range 35 {
		s.AddComment("acme/infra", 8, prcommenttest.Octocat, "d"+strconv.Itoa(i))
	}
	var repoID string
	{
		r := call(t, s, "GET", "/repos/acme/infra/issues/7/comments?per_page=3", "Bearer "+tok, "test", "")
		_, after, _ := strings.Cut(r.header.Get("Link"), "/repositories/")
		repoID, _, _ = strings.Cut(after, "/")
	}
	page := func(n int) string {
		return fmt.Sprintf("<%s/repositories/%s/issues/7/comments?per_page=3&page=%d>", s.URL(), repoID, n)
	}
	tests := []struct {
		name, path string
		bodies     []string
		link       string
	}{
		{"first page", "/repos/acme/infra/issues/7/comments?per_page=3", []string{"c0", "c1", "c2"},
			page(2) + `; rel="next", ` + page(3) + `; rel="last"`},
		{"middle page, by the repository's id", "/repositories/" + repoID + "/issues/7/comments?per_page=3&page=2", []string{"c3", "c4", "c5"},
			page(1) + `; rel="prev", ` + page(3) + `; rel="next", ` + page(3) + `; rel="last", ` + page(1) + `; rel="first"`},
		{"last page", "/repos/acme/infra/issues/7/comments?per_page=3&page=3", []string{"c6"},
			page(2) + `; rel="prev", ` + page(1) + `; rel="first"`},
		{"one page holds all: no Link", "/repos/acme/infra/issues/7/comments?per_page=500", []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6"}, ""},
		{"an empty pull request", "/repos/acme/infra/issues/9/comments", []string{}, ""},
	}
	for _, tt := range tests {
		r := call(t, s, "GET", tt.path, "Bearer "+tok, "test", "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tt.name, r.status, r.body)
		}
		var bodies []string
		var last float64
		for _, c := range r.list(t) {
			bodies = append(bodies, c["body"].(string))
			if id := c["id"].(float64); id <= last {
				t.Errorf("%s: ids not ascending", tt.name)
			} else {
				last = id
			}
		}
		if strings.Join(bodies, ",") != strings.Join(tt.bodies, ",") {
			t.Errorf("%s: bodies %v, want %v", tt.name, bodies, tt.bodies)
		}
		if got := r.header.Get("Link"); got != tt.link {
			t.Errorf("%s: Link\n %s\nwant\n %s", tt.name, got, tt.link)
		}
	}
	if r := call(t, s, "GET", "/repos/acme/infra/issues/8/comments", "Bearer "+tok, "test", ""); len(r.list(t)) != 30 {
		t.Errorf("the default page holds %d comments, want 30", len(r.list(t)))
	}
	if r := call(t, s, "GET", "/repos/acme/infra/issues/8/comments?per_page=100", "Bearer "+tok, "test", ""); len(r.list(t)) != 35 {
		t.Errorf("per_page=100 gave %d comments, want all 35", len(r.list(t)))
	}
}

func TestCommentShape(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	s := start(t, prcommenttest.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	created := call(t, s, "POST", "/repos/acme/infra/issues/7/comments", "Bearer "+tok, "test", `{"body":"hello"}`)
	if created.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", created.status, created.body)
	}
	c := created.object(t)
	// rest-api-description, components/schemas/issue-comment: required.
	for _, k := range []string{"id", "node_id", "html_url", "issue_url", "author_association", "user", "url", "created_at", "updated_at"} {
		if _, ok := c[k]; !ok {
			t.Errorf("the comment lacks %q", k)
		}
	}
	id := int64(c["id"].(float64))
	wantURL := fmt.Sprintf("%s/repos/acme/infra/issues/comments/%d", s.URL(), id)
	if c["url"] != wantURL || created.header.Get("Location") != wantURL {
		t.Errorf("url %v, Location %q; want %s", c["url"], created.header.Get("Location"), wantURL)
	}
	if c["html_url"] != fmt.Sprintf("%s/acme/infra/pull/7#issuecomment-%d", s.WebURL(), id) || c["issue_url"] != s.URL()+"/repos/acme/infra/issues/7" {
		t.Errorf("html_url %v, issue_url %v", c["html_url"], c["issue_url"])
	}
	user := c["user"].(map[string]any)
	if user["login"] != "github-actions[bot]" || user["type"] != "Bot" {
		t.Errorf("user %v", user)
	}
	if app, _ := c["performed_via_github_app"].(map[string]any); app["slug"] != "github-actions" {
		t.Errorf("performed_via_github_app %v", c["performed_via_github_app"])
	}
	if c["created_at"] != "2026-11-27T09:00:00Z" || c["updated_at"] != "2026-11-27T09:00:00Z" {
		t.Errorf("times %v, %v", c["created_at"], c["updated_at"])
	}

	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	edited := call(t, s, "PATCH", fmt.Sprintf("/repos/acme/infra/issues/comments/%d", id), "Bearer "+tok, "test", `{"body":"bye"}`)
	if edited.status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", edited.status, edited.body)
	}
	e := edited.object(t)
	if e["body"] != "bye" || e["created_at"] != "2026-11-27T09:00:00Z" || e["updated_at"] != "2026-11-27T10:00:00Z" || e["id"] != c["id"] {
		t.Errorf("edited comment %v", e)
	}

	person := s.AddComment("acme/infra", 7, prcommenttest.Octocat, "lgtm")
	l := call(t, s, "GET", "/repos/acme/infra/issues/7/comments", "Bearer "+tok, "test", "").list(t)
	if len(l) != 2 || l[1]["performed_via_github_app"] != nil || l[1]["id"] != float64(person.ID) {
		t.Errorf("a person's comment: %v", l[1])
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := start(t)
	list := "/repos/acme/infra/issues/7/comments"
	s.Inject("GET", list, prcommenttest.BadGateway(2))
	s.Inject("POST", "/repos/*/*/issues/*/comments", prcommenttest.Fault{Status: http.StatusGatewayTimeout, AfterHandling: true})
	s.Inject("", "/repos/acme/infra/issues/comments/*", prcommenttest.SecondaryRateLimit("7"))
	steps := []struct {
		method, path, body string
		status             int
	}{
		{"GET", list, "", 502},
		{"GET", list, "", 502},
		{"GET", list, "", 200},
		{"POST", list, `{"body":"made anyway"}`, 504},
		{"POST", list, `{"body":"second"}`, 201},
		{"PATCH", "/repos/acme/infra/issues/comments/1000000001", `{"body":"x"}`, 403},
		{"PATCH", "/repos/acme/infra/issues/comments/1000000001", `{"body":"x"}`, 200},
	}
	for i, st := range steps {
		r := call(t, s, st.method, st.path, "Bearer "+tok, "test", st.body)
		if r.status != st.status {
			t.Errorf("step %d, %s %s: status %d, want %d", i, st.method, st.path, r.status, st.status)
		}
		if st.status == 403 {
			if r.header.Get("Retry-After") != "7" || !strings.Contains(r.object(t)["message"].(string), "secondary rate limit") {
				t.Errorf("step %d: not a secondary rate limit: %v %s", i, r.header, r.body)
			}
		}
	}
	var bodies []string
	for _, c := range s.Comments("acme/infra", 7) {
		bodies = append(bodies, c.Body)
	}
	if strings.Join(bodies, "|") != "x|second" {
		t.Errorf("comments %v: the 504 after handling should have made the first", bodies)
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	s := start(t)
	call(t, s, "GET", "/repos/acme/infra/issues/7/comments?per_page=100", "token "+tok, "acme-ci", "")
	call(t, s, "POST", "/repos/acme/infra/issues/7/comments", "Bearer "+tok, "acme-ci", `{"body":"hi"}`)
	call(t, s, "GET", "/repos/acme/infra/issues/7/comments", "Bearer wrong", "acme-ci", "")
	want := []prcommenttest.Request{
		{Method: "GET", Path: "/repos/acme/infra/issues/7/comments", Query: "per_page=100", Status: 200, User: "github-actions[bot]", AuthScheme: "token"},
		{Method: "POST", Path: "/repos/acme/infra/issues/7/comments", Status: 201, User: "github-actions[bot]", AuthScheme: "Bearer", Body: `{"body":"hi"}`},
		{Method: "GET", Path: "/repos/acme/infra/issues/7/comments", Status: 401, AuthScheme: "Bearer"},
	}
	got := s.Requests()
	if len(got) != len(want) {
		t.Fatalf("%d requests logged, want %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		if g.Header.Get("User-Agent") != "acme-ci" || g.Header.Get("Authorization") != "" {
			t.Errorf("request %d headers %v: want the User-Agent and no Authorization", i, g.Header)
		}
		g.Header = nil
		if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", want[i]) {
			t.Errorf("request %d:\n %+v\nwant\n %+v", i, g, want[i])
		}
		if strings.Contains(fmt.Sprintf("%+v", got[i]), tok) {
			t.Errorf("request %d keeps the token", i)
		}
	}
}
