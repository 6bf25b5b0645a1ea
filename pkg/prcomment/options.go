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

// WithAuthor makes Upsert consider only comments written by this GitHub
// login, such as "github-actions[bot]" for the job's GITHUB_TOKEN or the
// user a personal access token belongs to. By default any comment whose
// first line is the marker is the stack's comment: the token's own login
// cannot be asked of GitHub with a GITHUB_TOKEN (GET /user answers it 403
// "Resource not accessible by integration", see
// actions/create-github-app-token#258), a comment's performed_via_github_app
// names an app only when an app's token wrote it, not a personal access
// token, and the marker is hidden, so no one writes it by chance.
func WithAuthor(login string) Option {
	return func(o *options) error {
		if strings.TrimSpace(login) == "" {
			return errors.New("prcomment.WithAuthor: the login is empty")
		}
		o.author = login
		return nil
	}
}
