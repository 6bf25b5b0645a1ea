package prcomment

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Defaults of the options; see the With… functions.
const (
	DefaultUserAgent     = "octopulumi-prcomment"
	DefaultAttempts      = 5
	DefaultRetryWaitMin  = time.Second
	DefaultRetryWaitMax  = 30 * time.Second
	DefaultRetryAfterMax = 2 * time.Minute
	DefaultMaxPages      = 100
	DefaultTimeout       = 30 * time.Second
	// DefaultAuthor is who comments with a GitHub Actions job's
	// GITHUB_TOKEN: the GitHub Actions App's bot user.
	DefaultAuthor = "github-actions[bot]"
)

// Bounds of the replies read.
const (
	// maxPageBytes bounds one page of comments: 100 comments of up to
	// 262,144 bytes each, with room for JSON escaping.
	maxPageBytes = 64 << 20
	// maxCommentBytes bounds the reply to a POST or PATCH: one comment.
	maxCommentBytes = 4 << 20
	// maxErrorBytes bounds an error reply.
	maxErrorBytes = 64 << 10
)

// Option configures a [Client]. New reports every invalid option at once.
type Option func(*options) error

type options struct {
	httpClient    *http.Client
	userAgent     string
	logger        *slog.Logger
	attempts      int
	retryWaitMin  time.Duration
	retryWaitMax  time.Duration
	retryAfterMax time.Duration
	maxPages      int
	author        string
	now           func() time.Time
}

func defaultOptions() options {
	return options{
		userAgent:     DefaultUserAgent,
		logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		attempts:      DefaultAttempts,
		retryWaitMin:  DefaultRetryWaitMin,
		retryWaitMax:  DefaultRetryWaitMax,
		retryAfterMax: DefaultRetryAfterMax,
		maxPages:      DefaultMaxPages,
		author:        DefaultAuthor,
		now:           time.Now,
	}
}

// WithHTTPClient sets the HTTP client. The default has a 30 s timeout.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("prcomment.WithHTTPClient: the client is nil")
		}
		o.httpClient = c
		return nil
	}
}

// WithUserAgent sets the User-Agent header, which GitHub requires of every
// request (REST API "Getting started": "User-Agent required"); the default
// is [DefaultUserAgent].
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		if strings.TrimSpace(ua) == "" || strings.ContainsAny(ua, "\r\n") {
			return errors.New("prcomment.WithUserAgent: the user agent is empty or spans lines")
		}
		o.userAgent = ua
		return nil
	}
}

// WithLogger sets the logger; the default discards everything. Requests are
// logged at Debug (method and URL, never a header or a query), the comment
// posted or edited at Info. The token never reaches it.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("prcomment.WithLogger: the logger is nil")
		}
		o.logger = l
		return nil
	}
}

// WithRetry bounds retries: at most attempts requests for each call, waiting
// between minWait and maxWait (exponential, with jitter) unless GitHub's
// Retry-After or X-RateLimit-Reset says otherwise. Tests use short waits.
func WithRetry(attempts int, minWait, maxWait time.Duration) Option {
	return func(o *options) error {
		if attempts < 1 || attempts > 20 {
			return fmt.Errorf("prcomment.WithRetry: attempts must be between 1 and 20, not %d", attempts)
		}
		if minWait < 0 || maxWait < minWait {
			return fmt.Errorf("prcomment.WithRetry: need 0 <= minWait (%s) <= maxWait (%s)", minWait, maxWait)
		}
		o.attempts, o.retryWaitMin, o.retryWaitMax = attempts, minWait, maxWait
		return nil
	}
}

// WithRetryAfterMax caps how long a rate limit may make a request wait
// (default two minutes). When GitHub asks for a longer wait, the request
// fails at once with an [APIError] saying so, rather than retrying early:
// GitHub may ban an integration that keeps asking while it is limited
// (REST API "Rate limits", "Exceeding the rate limit").
func WithRetryAfterMax(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("prcomment.WithRetryAfterMax: %s is negative", d)
		}
		o.retryAfterMax = d
		return nil
	}
}

// WithMaxPages bounds how many pages of 100 comments Upsert reads looking
// for its comment (default 100: 10,000 comments); past that it fails
// rather than post a duplicate.
func WithMaxPages(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("prcomment.WithMaxPages: %d is not a positive number of pages", n)
		}
		o.maxPages = n
		return nil
	}
}

// WithAuthor sets whose comments [Client.Upsert] may take for the stack's
// comment: only a comment written by this GitHub login (and starting with
// the stack's [Marker]) is edited. The default is [DefaultAuthor], the
// author of comments made with a GitHub Actions job's GITHUB_TOKEN. Set it
// to the login the token comments as:
//
//   - the job's GITHUB_TOKEN: "github-actions[bot]", the default;
//   - a GitHub App's installation token (e.g. from
//     actions/create-github-app-token): "<app-slug>[bot]", the App's bot
//     user (that action's README configures git as
//     "${{ steps.app-token.outputs.app-slug }}[bot]");
//   - a personal access token: the login of the user who owns it.
//
// The login is asked of the caller, not of GitHub: GET /user refuses a
// GITHUB_TOKEN (403 "Resource not accessible by integration", see
// actions/create-github-app-token#258), and a comment's
// performed_via_github_app names an App but never a personal access token.
// Matching on the author is what keeps the comment ours: the marker is
// hidden, not secret, and anyone who may comment on the pull request can
// type it. A "[bot]" login cannot be taken by a person, since a user name
// is letters, digits and hyphens only (dead-claudia/github-limits,
// "Usernames").
//
// When the login is wrong for the token, every run posts a new comment;
// Upsert then logs a warning naming the login GitHub reported.
func WithAuthor(login string) Option {
	return func(o *options) error {
		// A user name follows the rule for owners; an App's bot user is its
		// slug followed by "[bot]".
		if !ownerRE.MatchString(strings.TrimSuffix(login, "[bot]")) {
			return fmt.Errorf("prcomment.WithAuthor: %q is not a GitHub login: give a user name such as \"octocat\" or an App's bot such as \"my-app[bot]\"", login)
		}
		o.author = login
		return nil
	}
}
