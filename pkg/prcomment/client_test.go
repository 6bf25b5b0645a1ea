package prcomment_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/prcomment"
	"github.com/octopulumi/octopulumi/pkg/prcomment/prcommenttest"
)

const (
	repoName = "acme/infra"
	prNumber = 7
	stack    = "acme/infra/prod"
)

// syncBuffer is a log sink safe for the client's goroutines.
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

type fixture struct {
	srv    *prcommenttest.Server
	target prcomment.Target
	log    *syncBuffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := prcommenttest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddRepo(repoName)
	srv.AddToken(secretToken, prcommenttest.GitHubActions)
	return &fixture{
		srv:    srv,
		target: prcomment.Target{APIURL: srv.URL(), Repository: repoName, Number: prNumber, Token: secretToken},
		log:    &syncBuffer{},
	}
}

// client logs everything, at Debug, into f.log, and retries quickly.
func (f *fixture) client(t *testing.T, opts ...prcomment.Option) *prcomment.Client {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []prcomment.Option{
		prcomment.WithHTTPClient(f.srv.Client()),
		prcomment.WithLogger(logger),
		prcomment.WithRetry(4, time.Millisecond, 5*time.Millisecond),
	}
	c, err := prcomment.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) comments() []prcommenttest.Comment { return f.srv.Comments(repoName, prNumber) }

func (f *fixture) count(method string) int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}

func TestUpsertCreatesThenEdits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	ctx := context.Background()
	steps := []struct {
		summary     string
		wantCreated bool
		wantPatches int
	}{
		{"**prod**: 1 to create", true, 0},
		{"**prod**: 1 to create, 1 to update", false, 1},
		{"**prod**: 1 to create, 1 to update", false, 1}, // unchanged: no edit
	}
	var firstID int64
	for i, s := range steps {
		body := prcomment.Body(stack, s.summary, "+ aws:s3/bucket:Bucket logs create")
		got, err := c.Upsert(ctx, f.target, stack, body)
		if err != nil {
			t.Fatalf("step %d: Upsert: %v", i, err)
		}
		if i == 0 {
			firstID = got.ID
		}
		if got.Created != s.wantCreated || got.ID != firstID {
			t.Errorf("step %d: Upsert = %+v, want Created %v and ID %d", i, got, s.wantCreated, firstID)
		}
		cs := f.comments()
		if len(cs) != 1 || cs[0].Body != body || cs[0].ID != got.ID || cs[0].HTMLURL != got.HTMLURL {
			t.Fatalf("step %d: the pull request holds %+v, want one comment %d with the new body", i, cs, got.ID)
		}
		if cs[0].User.Login != "github-actions[bot]" {
			t.Errorf("step %d: the comment is by %q", i, cs[0].User.Login)
		}
		if n := f.count(http.MethodPatch); n != s.wantPatches {
			t.Errorf("step %d: %d PATCH requests so far, want %d", i, n, s.wantPatches)
		}
	}
	if !strings.HasPrefix(f.comments()[0].HTMLURL, f.srv.WebURL()+"/acme/infra/pull/7#issuecomment-") {
		t.Errorf("html_url %q is not the pull request's comment page", f.comments()[0].HTMLURL)
	}
	if f.count(http.MethodPost) != 1 {
		t.Errorf("%d POST requests, want 1", f.count(http.MethodPost))
	}
}

// TestUpsertSendsGitHubsHeaders checks each request against what GitHub's
// REST API documents: a Bearer token, the JSON media type, the API version,
// a User-Agent, and 100 comments a page.
func TestUpsertSendsGitHubsHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t, prcomment.WithUserAgent("acme-ci/1.0"))
	if _, err := c.Upsert(context.Background(), f.target, stack, prcomment.Body(stack, "s", "")); err != nil {
		t.Fatal(err)
	}
	reqs := f.srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want a GET and a POST", len(reqs))
	}
	for _, r := range reqs {
		for h, want := range map[string]string{
			"Accept":               "application/vnd.github+json",
			"X-Github-Api-Version": "2022-11-28",
			"User-Agent":           "acme-ci/1.0",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s %s: %s = %q, want %q", r.Method, r.Path, h, got, want)
			}
		}
		if r.AuthScheme != "Bearer" || r.User != "github-actions[bot]" {
			t.Errorf("%s %s: Authorization scheme %q as %q, want Bearer as github-actions[bot]", r.Method, r.Path, r.AuthScheme, r.User)
		}
	}
	if reqs[0].Method != http.MethodGet || reqs[0].Path != "/repos/acme/infra/issues/7/comments" || reqs[0].Query != "per_page=100" {
		t.Errorf("first request %s %s?%s, want GET /repos/acme/infra/issues/7/comments?per_page=100", reqs[0].Method, reqs[0].Path, reqs[0].Query)
	}
	if reqs[1].Method != http.MethodPost || reqs[1].Header.Get("Content-Type") != "application/json" || !strings.HasPrefix(reqs[1].Body, `{"body":"\u003c!-- octopulumi:acme/infra/prod --\u003e`) {
		t.Errorf("second request %s with %q: %.80s", reqs[1].Method, reqs[1].Header.Get("Content-Type"), reqs[1].Body)
	}
}

func TestUpsertFindsItsCommentOnPage3(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 230 {
		f.srv.AddComment(repoName, prNumber, prcommenttest.Octocat, fmt.Sprintf("review note %d", i))
	}
	ours := f.srv.AddComment(repoName, prNumber, prcommenttest.GitHubActions, prcomment.Body(stack, "old summary", "- old"))
	for i := range 20 {
		f.srv.AddComment(repoName, prNumber, prcommenttest.Octocat, fmt.Sprintf("later note %d", i))
	}
	before := f.comments()
	body := prcomment.Body(stack, "new summary", "+ new")
	got, err := f.client(t).Upsert(context.Background(), f.target, stack, body)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ours.ID || got.Created {
		t.Errorf("Upsert = %+v, want the existing comment %d", got, ours.ID)
	}
	var gets []string
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodGet {
			gets = append(gets, r.Path+"?"+r.Query)
		}
	}
	if len(gets) != 3 || !strings.HasPrefix(gets[1], "/repositories/") || !strings.HasSuffix(gets[2], "per_page=100&page=3") {
		t.Errorf("pages read %v, want three, the later ones from the Link header", gets)
	}
	if f.count(http.MethodPost) != 0 || f.count(http.MethodPatch) != 1 {
		t.Errorf("%d POST and %d PATCH, want 0 and 1", f.count(http.MethodPost), f.count(http.MethodPatch))
	}
	after := f.comments()
	if len(after) != len(before) {
		t.Fatalf("%d comments after, %d before", len(after), len(before))
	}
	for i := range after {
		want := before[i].Body
		if after[i].ID == ours.ID {
			want = body
		}
		if after[i].Body != want {
			t.Errorf("comment %d: body %.60q, want %.60q", after[i].ID, after[i].Body, want)
		}
	}
}

// TestUpsertLeavesOthersAlone seeds a pull request, upserts, and checks that
// exactly the expected comment changed (or one was added).
func TestUpsertLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	type seed struct {
		user prcommenttest.User
		body string
	}
	bot, human := prcommenttest.GitHubActions, prcommenttest.Octocat
	ours := prcomment.Body(stack, "previous", "- x")
	renovate := prcommenttest.User{Login: "renovate[bot]", ID: 29139614, Type: "Bot", App: "renovate"}
	// An impostor copies our comment, marker and all, under a login that
	// looks like ours but is a person's (no "[bot]").
	lookalike := prcommenttest.User{Login: "github-actions", ID: 1, Type: "User"}
	pat := []prcomment.Option{prcomment.WithAuthor("octocat")}
	tests := []struct {
		name  string
		as    prcommenttest.User // whom the token acts as
		seeds []seed
		opts  []prcomment.Option
		want  int // index of the seed edited; -1: a new comment
	}{
		{"another stack's comment", bot, []seed{{bot, prcomment.Body("acme/infra/dev", "dev", "+ y")}}, nil, -1},
		{"a stack whose name extends ours", bot, []seed{{bot, prcomment.Body(stack+"-eu", "eu", "+ y")}}, nil, -1},
		{"the marker quoted inside a comment", bot, []seed{{bot, "Why does " + prcomment.Marker(stack) + " show up?"}}, nil, -1},
		{"people's and bots' comments", bot, []seed{{human, "lgtm"}, {renovate, "Update dependency"}, {bot, ours}}, nil, 2},
		{"two of ours: the oldest", bot, []seed{{bot, ours}, {human, "hm"}, {bot, ours + "dup"}}, nil, 0},
		{"an impostor's marker is ignored", bot, []seed{{human, ours}}, nil, -1},
		{"an impostor before ours: ours is edited", bot, []seed{{human, ours}, {bot, ours}}, nil, 1},
		{"another App's marker is ignored", bot, []seed{{renovate, ours}}, nil, -1},
		{"a look-alike login is ignored", bot, []seed{{lookalike, ours}}, nil, -1},
		{"WithAuthor names a personal access token's user", human, []seed{{bot, ours}, {human, ours}}, pat, 1},
		{"WithAuthor and none by that user", human, []seed{{bot, ours}}, pat, -1},
		{"WithAuthor names an App's bot", renovate, []seed{{bot, ours}, {renovate, ours}}, []prcomment.Option{prcomment.WithAuthor("renovate[bot]")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tt.as != bot {
				f.target.Token = "ghp_other0123456789abcdefABCDEFGHIJKLMNO"
				f.srv.AddToken(f.target.Token, tt.as)
			}
			var ids []int64
			for _, s := range tt.seeds {
				ids = append(ids, f.srv.AddComment(repoName, prNumber, s.user, s.body).ID)
			}
			body := prcomment.Body(stack, "now", "+ z")
			got, err := f.client(t, tt.opts...).Upsert(context.Background(), f.target, stack, body)
			if err != nil {
				t.Fatal(err)
			}
			after := f.comments()
			if tt.want < 0 {
				if !got.Created || len(after) != len(tt.seeds)+1 || after[len(after)-1].ID != got.ID {
					t.Fatalf("Upsert = %+v; want a new comment after the %d seeded", got, len(tt.seeds))
				}
			} else if got.Created || got.ID != ids[tt.want] || len(after) != len(tt.seeds) {
				t.Fatalf("Upsert = %+v; want seed %d (%d) edited", got, tt.want, ids[tt.want])
			}
			for i, s := range tt.seeds {
				want := s.body
				if i == tt.want {
					want = body
				}
				if after[i].Body != want {
					t.Errorf("seed %d by %s: body %.70q, want %.70q", i, s.user.Login, after[i].Body, want)
				}
			}
			if last := after[len(after)-1]; tt.want < 0 && last.User != tt.as {
				t.Errorf("the new comment is by %s, want %s", last.User.Login, tt.as.Login)
			}
			for _, r := range f.srv.Requests() {
				if r.Status == http.StatusForbidden {
					t.Errorf("%s %s was refused: Upsert tried to edit a comment that is not the token's", r.Method, r.Path)
				}
			}
		})
	}
}

// TestUpsertWarnsOfTheWrongAuthor checks that Upsert says so when the
// author it looks for is not the one GitHub posts as, so a job that would
// add a comment on every run is noticed, and that it names an impostor.
func TestUpsertWarnsOfTheWrongAuthor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(f *fixture)
		want  []string
	}{
		{
			name: "a personal access token without WithAuthor",
			setup: func(f *fixture) {
				f.target.Token = "ghp_octocat0123456789abcdefABCDEFGHIJKL"
				f.srv.AddToken(f.target.Token, prcommenttest.Octocat)
			},
			want: []string{"level=WARN", `GitHub posted the comment as \"octocat\"`, `only comments by \"github-actions[bot]\"`, `prcomment.WithAuthor(\"octocat\")`},
		},
		{
			name: "an impostor's comment",
			setup: func(f *fixture) {
				f.srv.AddComment(repoName, prNumber, prcommenttest.Octocat, prcomment.Body(stack, "fake", ""))
			},
			want: []string{"level=WARN", `ignoring a comment that starts with this stack's marker but is by \"octocat\"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			tt.setup(f)
			if _, err := f.client(t).Upsert(context.Background(), f.target, stack, prcomment.Body(stack, "s", "")); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(f.log.String(), w) {
					t.Errorf("the log does not say %s:\n%s", w, f.log)
				}
			}
		})
	}
	// The right author: no warning.
	f := newFixture(t)
	if _, err := f.client(t).Upsert(context.Background(), f.target, stack, prcomment.Body(stack, "s", "")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(f.log.String(), "level=WARN") {
		t.Errorf("a warning with the right author:\n%s", f.log)
	}
}

func TestUpsertRetries(t *testing.T) {
	t.Parallel()
	list := "/repos/acme/infra/issues/7/comments"
	tests := []struct {
		name        string
		seed        bool // our comment exists already
		method      string
		path        string
		fault       prcommenttest.Fault
		wantMethods map[string]int
		minWait     time.Duration
	}{
		{"502 twice on the listing", false, http.MethodGet, list, prcommenttest.BadGateway(2),
			map[string]int{"GET": 3, "POST": 1}, 0},
		{"502 on the edit", true, http.MethodPatch, "/repos/acme/infra/issues/comments/*", prcommenttest.BadGateway(1),
			map[string]int{"GET": 1, "PATCH": 2}, 0},
		{"502 on the post: list again, post again", false, http.MethodPost, list, prcommenttest.BadGateway(1),
			map[string]int{"GET": 2, "POST": 2}, 0},
		{"502 after GitHub made the comment: no second post", false, http.MethodPost, list,
			prcommenttest.Fault{Status: http.StatusBadGateway, AfterHandling: true},
			map[string]int{"GET": 2, "POST": 1}, 0},
		{"the connection drops after GitHub made the comment", false, http.MethodPost, list,
			prcommenttest.Fault{Drop: true, AfterHandling: true},
			map[string]int{"GET": 2, "POST": 1}, 0},
		{"the connection drops on the listing", false, http.MethodGet, list, prcommenttest.Fault{Drop: true},
			map[string]int{"GET": 2, "POST": 1}, 0},
		{"500 on every try but the last", false, http.MethodGet, list,
			prcommenttest.Fault{Status: http.StatusInternalServerError, Times: 3},
			map[string]int{"GET": 4, "POST": 1}, 0},
		{"secondary rate limit with Retry-After", false, http.MethodPost, list, prcommenttest.SecondaryRateLimit("1"),
			map[string]int{"GET": 1, "POST": 2}, 900 * time.Millisecond},
		{"429 without advice", false, http.MethodGet, list, prcommenttest.Fault{Status: http.StatusTooManyRequests},
			map[string]int{"GET": 2, "POST": 1}, 0},
		{"primary rate limit until a reset just past", false, http.MethodGet, list,
			prcommenttest.Fault{Status: http.StatusForbidden, Header: http.Header{
				"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(time.Now().Unix()-5, 10)}},
				Body: `{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}`},
			map[string]int{"GET": 2, "POST": 1}, 900 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tt.seed {
				f.srv.AddComment(repoName, prNumber, prcommenttest.GitHubActions, prcomment.Body(stack, "old", "- a"))
			}
			f.srv.Inject(tt.method, tt.path, tt.fault)
			body := prcomment.Body(stack, "new", "+ a")
			start := time.Now()
			got, err := f.client(t).Upsert(context.Background(), f.target, stack, body)
			if err != nil {
				t.Fatalf("Upsert: %v", err)
			}
			if waited := time.Since(start); waited < tt.minWait {
				t.Errorf("took %s; GitHub asked to wait %s", waited, tt.minWait)
			}
			cs := f.comments()
			if len(cs) != 1 || cs[0].Body != body || cs[0].ID != got.ID {
				t.Fatalf("the pull request holds %d comments (%+v), want exactly ours", len(cs), cs)
			}
			if got.Created == tt.seed {
				t.Errorf("Created = %v with a comment there before: %v", got.Created, tt.seed)
			}
			for m, n := range tt.wantMethods {
				if c := f.count(m); c != n {
					t.Errorf("%d %s requests, want %d", c, m, n)
				}
			}
		})
	}
}

func TestUpsertFailures(t *testing.T) {
	t.Parallel()
	list := "/repos/acme/infra/issues/7/comments"
	tests := []struct {
		name     string
		setup    func(f *fixture)
		body     string
		opts     []prcomment.Option
		status   int
		limited  bool
		requests int
		want     []string
	}{
		{
			name:     "a wrong token",
			setup:    func(f *fixture) { f.target.Token = "ghp_notTheRightToken0123456789abcdefABCD" },
			status:   401,
			requests: 1,
			want:     []string{`GitHub says "Bad credentials"`, "GitHub rejected the token", "secrets.GITHUB_TOKEN"},
		},
		{
			name: "a read-only token (a fork's pull request)",
			setup: func(f *fixture) {
				f.srv.AddReadOnlyToken("ghs_readOnlyToken0123456789abcdefABCDEFG", prcommenttest.GitHubActions)
				f.target.Token = "ghs_readOnlyToken0123456789abcdefABCDEFG"
			},
			status:   403,
			requests: 2,
			want:     []string{"POST", `"Resource not accessible by integration"`, "permissions: pull-requests: write", "fork", "GitHub accepts a token with issues=write; pull_requests=write"},
		},
		{
			name:     "an unknown repository",
			setup:    func(f *fixture) { f.target.Repository = "acme/nothing" },
			status:   404,
			requests: 1,
			want:     []string{`"Not Found"`, "acme/nothing", "check GITHUB_REPOSITORY"},
		},
		{
			name:     "a body over GitHub's limit",
			body:     prcomment.Marker(stack) + "\n" + strings.Repeat("ü", 70000),
			status:   422,
			requests: 2,
			want:     []string{`"Validation Failed"`, "Body is too long (maximum is 65536 characters)", "prcomment.Body"},
		},
		{
			name: "the comment deleted meanwhile",
			setup: func(f *fixture) {
				f.srv.AddComment(repoName, prNumber, prcommenttest.GitHubActions, prcomment.Body(stack, "old", ""))
				f.srv.Inject(http.MethodPatch, "/repos/acme/infra/issues/comments/*", prcommenttest.Fault{Status: 404,
					Body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/issues/comments#update-an-issue-comment","status":"404"}`})
			},
			status:   404,
			requests: 2,
			want:     []string{"PATCH", "the comment is gone"},
		},
		{
			name: "WithAuthor naming someone else than the token",
			setup: func(f *fixture) {
				f.srv.AddComment(repoName, prNumber, prcommenttest.Octocat, prcomment.Body(stack, "old", ""))
			},
			opts:     []prcomment.Option{prcomment.WithAuthor("octocat")},
			status:   403,
			requests: 2,
			want:     []string{"PATCH", `"Must have admin rights to Repository."`, "set prcomment.WithAuthor", "github-actions[bot]"},
		},
		{
			name:     "GitHub failing throughout",
			setup:    func(f *fixture) { f.srv.Inject(http.MethodGet, list, prcommenttest.BadGateway(10)) },
			status:   502,
			requests: 4,
			want:     []string{"(after 4 attempts)", "GitHub failed to answer"},
		},
		{
			name:     "a rate limit longer than the client waits",
			setup:    func(f *fixture) { f.srv.Inject(http.MethodGet, list, prcommenttest.SecondaryRateLimit("120")) },
			opts:     []prcomment.Option{prcomment.WithRetryAfterMax(time.Second)},
			status:   403,
			limited:  true,
			requests: 1,
			want:     []string{"secondary rate limit", "asks to wait 2m0s", "re-run the job later"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			body := tt.body
			if body == "" {
				body = prcomment.Body(stack, "s", "+ a")
			}
			_, err := f.client(t, tt.opts...).Upsert(context.Background(), f.target, stack, body)
			var ae *prcomment.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("Upsert error %v, want an *APIError", err)
			}
			if ae.Status != tt.status || ae.RateLimited != tt.limited {
				t.Errorf("status %d, rate limited %v; want %d, %v", ae.Status, ae.RateLimited, tt.status, tt.limited)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
			if n := len(f.srv.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			for _, text := range []string{err.Error(), f.log.String()} {
				if strings.Contains(text, f.target.Token) || strings.Contains(text, secretToken) {
					t.Errorf("the token leaked: %s", text)
				}
			}
		})
	}
}

func TestUpsertChecksItsArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*prcomment.Target)
		key  string
		body string
		want string
	}{
		{"no token", func(tg *prcomment.Target) { tg.Token = "" }, stack, prcomment.Body(stack, "s", ""), "the GitHub token is empty"},
		{"no number", func(tg *prcomment.Target) { tg.Number = 0 }, stack, prcomment.Body(stack, "s", ""), "is not a pull-request number"},
		{"a plain-http API URL", func(tg *prcomment.Target) { tg.APIURL = "http://ghe.example.com/api/v3" }, stack, prcomment.Body(stack, "s", ""), "would send the token unencrypted"},
		{"an empty key", nil, "", prcomment.Body("", "s", ""), "the key is empty"},
		{"a body without the marker", nil, stack, "just text", "does not start with the line <!-- octopulumi:acme/infra/prod -->"},
		{"another stack's body", nil, stack, prcomment.Body("acme/infra/dev", "s", ""), "build it with prcomment.Body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			tg := f.target
			if tt.edit != nil {
				tt.edit(&tg)
			}
			_, err := f.client(t).Upsert(context.Background(), tg, tt.key, tt.body)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Upsert error %v, want one saying %q", err, tt.want)
			}
			if n := len(f.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent for a bad call", n)
			}
		})
	}
}

// TestTheFakeAcceptsABodyCutFromFiveMegabytes sends the body of a 5 MB diff
// through the client to the fake, which refuses bodies over GitHub's limit.
func TestTheFakeAcceptsABodyCutFromFiveMegabytes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	body := prcomment.Body(stack, "### prod\n\n1 to create", bigDiff(5<<20))
	checkBody(t, stack, body)
	got, err := f.client(t).Upsert(context.Background(), f.target, stack, body)
	if err != nil {
		t.Fatal(err)
	}
	if cs := f.comments(); len(cs) != 1 || cs[0].Body != body || !got.Created {
		t.Errorf("the fake holds %d comments; want the one posted, unchanged", len(cs))
	}
}

func TestUpsertBoundsTheListing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 250 {
		f.srv.AddComment(repoName, prNumber, prcommenttest.Octocat, "note "+strconv.Itoa(i))
	}
	_, err := f.client(t, prcomment.WithMaxPages(2)).Upsert(context.Background(), f.target, stack, prcomment.Body(stack, "s", ""))
	if err == nil || !strings.Contains(err.Error(), "raise prcomment.WithMaxPages") {
		t.Fatalf("Upsert error %v, want one about the page bound", err)
	}
	if f.count(http.MethodGet) != 2 || f.count(http.MethodPost) != 0 {
		t.Errorf("%d GET and %d POST, want 2 and none", f.count(http.MethodGet), f.count(http.MethodPost))
	}
}

func TestUpsertStopsWithTheContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.Inject(http.MethodGet, "/repos/acme/infra/issues/7/comments", prcommenttest.SecondaryRateLimit("30"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.client(t).Upsert(ctx, f.target, stack, prcomment.Body(stack, "s", ""))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Upsert error %v, want the context's", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Upsert took %s after its context ended", d)
	}
}

// hostile is a server that is not GitHub: it answers every request with
// reply, and counts requests.
func hostile(t *testing.T, reply func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		reply(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestTheTokenStaysHome checks that the token is sent nowhere but the API's
// origin, and that a server echoing it does not get it into an error.
func TestTheTokenStaysHome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply func(elsewhere string) func(w http.ResponseWriter, r *http.Request)
		want  string
	}{
		{
			name: "a next-page link to another host",
			reply: func(elsewhere string) func(w http.ResponseWriter, r *http.Request) {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Link", "<"+elsewhere+"/repositories/1/issues/7/comments?page=2>; rel=\"next\"")
					_, _ = w.Write([]byte("[]"))
				}
			},
			want: "refusing to send the token there",
		},
		{
			name: "a redirect to another host",
			reply: func(elsewhere string) func(w http.ResponseWriter, r *http.Request) {
				return func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, elsewhere+r.URL.Path, http.StatusTemporaryRedirect)
				}
			},
			want: "refused to follow a redirect",
		},
		{
			name: "an error that echoes the Authorization header",
			reply: func(string) func(w http.ResponseWriter, r *http.Request) {
				return func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(http.StatusForbidden)
					fmt.Fprintf(w, `{"message":"%s is not allowed here","documentation_url":"https://docs.github.com/rest/%s"}`,
						r.Header.Get("Authorization"), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
				}
			},
			want: "Bearer [secret] is not allowed here",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			other, reached := hostile(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("[]")) })
			api, _ := hostile(t, tt.reply(other.URL))
			log := &syncBuffer{}
			c, err := prcomment.New(prcomment.WithRetry(1, 0, 0),
				prcomment.WithLogger(slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			if err != nil {
				t.Fatal(err)
			}
			tg := prcomment.Target{APIURL: api.URL, Repository: repoName, Number: prNumber, Token: secretToken}
			_, err = c.Upsert(context.Background(), tg, stack, prcomment.Body(stack, "s", ""))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Upsert error %v, want one saying %q", err, tt.want)
			}
			var ae *prcomment.APIError
			if errors.As(err, &ae) && (strings.Contains(ae.Message, secretToken) || strings.Contains(ae.DocumentationURL, secretToken)) {
				t.Error("the APIError's fields hold the token")
			}
			if strings.Contains(err.Error(), secretToken) || strings.Contains(log.String(), secretToken) {
				t.Error("the token leaked into the error or the log")
			}
			if *reached != 0 {
				t.Errorf("the other host got %d requests", *reached)
			}
		})
	}
}

func TestWithAuthor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		login string
		ok    bool
	}{
		{"github-actions[bot]", true},
		{"my-app[bot]", true},
		{"octocat", true},
		{"Octo-Cat9", true},
		{"", false},
		{" ", false},
		{"octocat ", false},
		{"-octocat", false},
		{"[bot]", false},
		{"app[bot][bot]", false},
		{"octo/cat", false},
		{strings.Repeat("a", 40), false},
	}
	for _, tt := range tests {
		_, err := prcomment.New(prcomment.WithAuthor(tt.login))
		if (err == nil) != tt.ok {
			t.Errorf("WithAuthor(%q): error %v, want ok %v", tt.login, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "is not a GitHub login") {
			t.Errorf("WithAuthor(%q): error %q does not say what is wrong", tt.login, err)
		}
	}
}

func TestNewReportsEveryBadOption(t *testing.T) {
	t.Parallel()
	_, err := prcomment.New(prcomment.WithHTTPClient(nil), prcomment.WithRetry(0, 0, 0), prcomment.WithUserAgent(""),
		prcomment.WithLogger(nil), prcomment.WithMaxPages(0), prcomment.WithAuthor(" "), prcomment.WithRetryAfterMax(-1))
	if err == nil {
		t.Fatal("New accepted bad options")
	}
	for _, w := range []string{"WithHTTPClient", "WithRetry", "WithUserAgent", "WithLogger", "WithMaxPages", "WithAuthor", "WithRetryAfterMax"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error does not name %s: %v", w, err)
		}
	}
}
