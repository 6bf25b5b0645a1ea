package prcomment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/internal/redact"
)

// Client posts and edits pull-request comments through GitHub's REST API.
// It is safe for concurrent use. Create it with [New].
type Client struct {
	o options
}

// Comment is the comment Upsert left on the pull request.
type Comment struct {
	// ID is GitHub's id of the comment.
	ID int64
	// HTMLURL is the comment's page, e.g.
	// https://github.com/acme/web/pull/7#issuecomment-123.
	HTMLURL string
	// Created says the comment did not exist before this Upsert.
	Created bool
}

// New returns a Client configured by opts.
func New(opts ...Option) (*Client, error) {
	o := defaultOptions()
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if o.httpClient == nil {
		o.httpClient = &http.Client{Timeout: DefaultTimeout}
	}
	return &Client{o: o}, nil
}

// Upsert leaves body as the pull request's comment for key: it lists the
// pull request's comments (GET /repos/{owner}/{repo}/issues/{number}/comments,
// oldest first, 100 a page, following the Link header's rel="next"), takes
// the first whose first line is [Marker](key) and whose author is the
// token's login ([WithAuthor], by default [DefaultAuthor]), and edits it (PATCH
// /repos/{owner}/{repo}/issues/comments/{id}); without one it posts a new
// comment (POST /repos/{owner}/{repo}/issues/{number}/comments). A comment
// that already holds body is left as it is. Other comments, other stacks'
// included, are never touched, nor is a comment someone else wrote with
// the marker: anyone who may comment can type it.
//
// body must start with Marker(key), as [Body] makes it, or the comment
// could not be found again and each run would add one.
//
// Listing and editing are retried on connection errors and 5xx replies. A
// POST that fails that way is not sent again blindly, since GitHub may
// have made the comment before failing: Upsert lists again and edits what
// it finds. A rate-limited request (403 or 429 with GitHub's rate-limit
// headers or message) waits as GitHub asks, up to [WithRetryAfterMax].
// Failures are an [*APIError] (GitHub refused: the text says what to change
// in the workflow) or a [*RequestError] (no reply).
func (c *Client) Upsert(ctx context.Context, t Target, key, body string) (*Comment, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, errors.New("prcomment: the key is empty: pass the stack's name, so each stack keeps its own comment")
	}
	marker := Marker(key)
	if !hasMarker(body, marker) {
		return nil, fmt.Errorf("prcomment: the body does not start with the line %s, so the comment could not be found again: build it with prcomment.Body", marker)
	}
	red := redact.New(t.Token)
	cm, err := c.upsert(ctx, t, marker, body, red)
	return cm, red.Error(err)
}

func (c *Client) upsert(ctx context.Context, t Target, marker, body string, red *redact.Redactor) (*Comment, error) {
	firstLook := true
	existed := false
	for attempt := 1; ; attempt++ {
		found, err := c.find(ctx, t, marker, red)
		if err != nil {
			return nil, err
		}
		if firstLook {
			existed = found != nil
			firstLook = false
		}
		if found != nil {
			if found.Body != body {
				if found, err = c.update(ctx, t, found.ID, body, red); err != nil {
					return nil, err
				}
				c.o.logger.InfoContext(ctx, "prcomment: edited the pull-request comment", "url", found.HTMLURL, "id", found.ID)
			} else {
				c.o.logger.InfoContext(ctx, "prcomment: the pull-request comment is up to date", "url", found.HTMLURL, "id", found.ID)
			}
			return &Comment{ID: found.ID, HTMLURL: found.HTMLURL, Created: !existed}, nil
		}
		made, err := c.create(ctx, t, body, red)
		if err == nil {
			c.o.logger.InfoContext(ctx, "prcomment: posted the pull-request comment", "url", made.HTMLURL, "id", made.ID)
			c.checkAuthor(ctx, made)
			return &Comment{ID: made.ID, HTMLURL: made.HTMLURL, Created: true}, nil
		}
		if !ambiguous(err) || attempt >= c.o.attempts {
			return nil, err
		}
		// GitHub may have made the comment before the reply failed: look
		// again rather than post a second one.
		wait := c.backoffWait(attempt - 1)
		c.o.logger.DebugContext(ctx, "prcomment: posting failed; listing again before another try", "attempt", attempt, "wait", wait, "error", red.Error(err))
		if err := sleep(ctx, wait); err != nil {
			return nil, &RequestError{Method: http.MethodPost, URL: c.commentsURL(t), Attempts: attempt, Err: err}
		}
	}
}

// checkAuthor warns when GitHub says the comment just posted is by another
// login than the one Upsert looks for: the next run would not find it, and
// would post another.
func (c *Client) checkAuthor(ctx context.Context, made *issueComment) {
	if made.User == nil || made.User.Login == "" || c.byAuthor(made) {
		return
	}
	c.o.logger.WarnContext(ctx, fmt.Sprintf("prcomment: GitHub posted the comment as %q, but only comments by %q are taken for the stack's, so the next run will post another: set prcomment.WithAuthor(%q)", made.User.Login, c.o.author, made.User.Login),
		"url", made.HTMLURL, "author", made.User.Login, "want_author", c.o.author)
}

// byAuthor reports whether ic was written by the author Upsert looks for;
// GitHub logins are not case-sensitive.
func (c *Client) byAuthor(ic *issueComment) bool {
	return ic.User != nil && strings.EqualFold(ic.User.Login, c.o.author)
}

// ambiguous reports whether a failed POST may have been carried out: no
// reply, or a 5xx. GitHub ends a request it takes more than 10 seconds over
// with a timeout and a "Server Error" (REST API "Troubleshooting the REST
// API", "Timeouts"), which says nothing of what was done by then.
func ambiguous(err error) bool {
	var re *RequestError
	if errors.As(err, &re) {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	var ae *APIError
	return errors.As(err, &ae) && ae.Status >= 500 && ae.Status != http.StatusNotImplemented
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// issueComment is the part of GitHub's issue-comment object read here
// (rest-api-description components/schemas/issue-comment: id, body,
// html_url, user: simple-user with login).
type issueComment struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	HTMLURL string `json:"html_url"`
	User    *struct {
		Login string `json:"login"`
	} `json:"user"`
}

func (c *Client) repoURL(t Target) string {
	owner, name, _ := splitRepository(t.Repository)
	return t.apiURL() + "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)
}

func (c *Client) commentsURL(t Target) string {
	return c.repoURL(t) + "/issues/" + strconv.Itoa(t.Number) + "/comments"
}

// find returns the oldest comment that starts with marker and is by the
// author, or nil. Comments with the marker by anyone else are skipped, and
// logged.
func (c *Client) find(ctx context.Context, t Target, marker string, red *redact.Redactor) (*issueComment, error) {
	// "Issue comments are ordered by ascending ID", 30 a page unless
	// per_page says otherwise, 100 at most (REST API "List issue comments").
	next := c.commentsURL(t) + "?per_page=100"
	base, err := url.Parse(t.apiURL())
	if err != nil {
		return nil, fmt.Errorf("prcomment: the API URL %q: %w", t.APIURL, err)
	}
	for page := 1; next != ""; page++ {
		if page > c.o.maxPages {
			return nil, fmt.Errorf("prcomment: %s has more than %d pages of comments and none of the first ones is this stack's: raise prcomment.WithMaxPages", t, c.o.maxPages)
		}
		var found *issueComment
		link, err := c.getPage(ctx, t, next, red, func(ic *issueComment) bool {
			if !hasMarker(ic.Body, marker) {
				return false
			}
			if !c.byAuthor(ic) {
				by := "nobody"
				if ic.User != nil {
					by = ic.User.Login
				}
				c.o.logger.WarnContext(ctx, fmt.Sprintf("prcomment: ignoring a comment that starts with this stack's marker but is by %q, not %q; if %q is this token's login, set prcomment.WithAuthor", by, c.o.author, by),
					"url", ic.HTMLURL, "id", ic.ID, "author", by)
				return false
			}
			found = ic
			return true
		})
		if err != nil || found != nil {
			return found, err
		}
		if next, err = nextPage(link, base); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// getPage reads one page of comments, calling match on each until it
// returns true, and returns the reply's Link header.
func (c *Client) getPage(ctx context.Context, t Target, u string, red *redact.Redactor, match func(*issueComment) bool) (string, error) {
	resp, attempts, err := c.send(ctx, t, http.MethodGet, u, nil, true)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", c.apiError(resp, attempts, t, red)
	}
	cr := &countingReader{r: resp.Body, limit: maxPageBytes}
	dec := json.NewDecoder(cr)
	if err := expectDelim(dec, '['); err != nil {
		return "", c.badReply(resp, cr, err)
	}
	for dec.More() {
		var ic issueComment
		if err := dec.Decode(&ic); err != nil {
			return "", c.badReply(resp, cr, err)
		}
		if match(&ic) {
			return "", nil
		}
	}
	if err := expectDelim(dec, ']'); err != nil {
		return "", c.badReply(resp, cr, err)
	}
	return resp.Header.Get("Link"), nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

func (c *Client) badReply(resp *http.Response, cr *countingReader, err error) error {
	u := stripQuery(resp.Request.URL)
	if cr.hit {
		return fmt.Errorf("prcomment: GET %s: the reply is larger than %d MiB", u, maxPageBytes>>20)
	}
	return fmt.Errorf("prcomment: GET %s: the reply is not a list of comments: %w", u, err)
}

// nextPage returns the rel="next" URL of a Link header (REST API "Using
// pagination": `<url>; rel="next", <url>; rel="last"`), or "" on the last
// page. The URL must be on the API's own origin: it will carry the token.
func nextPage(link string, base *url.URL) (string, error) {
	for part := range strings.SplitSeq(link, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok {
			continue
		}
		isNext := false
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "rel") && strings.Contains(" "+strings.Trim(v, `"`)+" ", " next ") {
				isNext = true
			}
		}
		target = strings.TrimSpace(target)
		if !isNext || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		u, err := base.Parse(target[1 : len(target)-1])
		if err != nil {
			return "", fmt.Errorf("prcomment: GitHub's next-page link %q is not a URL: %w", stripQuery(base), err)
		}
		if !sameOrigin(u, base) {
			return "", fmt.Errorf("prcomment: GitHub's next-page link points to %s://%s, not to the API at %s; refusing to send the token there", u.Scheme, u.Host, stripQuery(base))
		}
		return u.String(), nil
	}
	return "", nil
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// update edits comment id (REST API "Update an issue comment": PATCH
// /repos/{owner}/{repo}/issues/comments/{comment_id} with {"body": …},
// 200 with the comment).
func (c *Client) update(ctx context.Context, t Target, id int64, body string, red *redact.Redactor) (*issueComment, error) {
	u := c.repoURL(t) + "/issues/comments/" + strconv.FormatInt(id, 10)
	return c.write(ctx, t, http.MethodPatch, u, body, http.StatusOK, true, red)
}

// create posts a comment (REST API "Create an issue comment": POST
// /repos/{owner}/{repo}/issues/{issue_number}/comments with {"body": …},
// 201 with the comment).
func (c *Client) create(ctx context.Context, t Target, body string, red *redact.Redactor) (*issueComment, error) {
	return c.write(ctx, t, http.MethodPost, c.commentsURL(t), body, http.StatusCreated, false, red)
}

func (c *Client) write(ctx context.Context, t Target, method, u, body string, want int, idempotent bool, red *redact.Redactor) (*issueComment, error) {
	payload, err := json.Marshal(struct {
		Body string `json:"body"`
	}{body})
	if err != nil {
		return nil, fmt.Errorf("prcomment: encoding the comment: %w", err)
	}
	resp, attempts, err := c.send(ctx, t, method, u, payload, idempotent)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return nil, c.apiError(resp, attempts, t, red)
	}
	cr := &countingReader{r: resp.Body, limit: maxCommentBytes}
	var ic issueComment
	if err := json.NewDecoder(cr).Decode(&ic); err != nil || ic.ID == 0 {
		if err == nil {
			err = errors.New("it has no id")
		}
		return nil, fmt.Errorf("prcomment: %s %s: the reply is not a comment: %w", method, stripQuery(resp.Request.URL), err)
	}
	return &ic, nil
}

// apiError reads GitHub's error body (REST API "Troubleshooting"; e.g.
// {"message":"Validation Failed","errors":[{"resource":"IssueComment",
// "code":"unprocessable","field":"data","message":"Body is too long
// (maximum is 65536 characters)"}],"documentation_url":…}) into an
// APIError, scrubbed of the token.
func (c *Client) apiError(resp *http.Response, attempts int, t Target, red *redact.Redactor) *APIError {
	data, _ := readAll(resp.Body, maxErrorBytes)
	var body struct {
		Message string `json:"message"`
		Errors  []struct {
			Message string `json:"message"`
			Code    string `json:"code"`
			Field   string `json:"field"`
		} `json:"errors"`
		DocumentationURL string `json:"documentation_url"`
	}
	_ = json.Unmarshal(data, &body)
	e := &APIError{
		Method:           resp.Request.Method,
		URL:              stripQuery(resp.Request.URL),
		Status:           resp.StatusCode,
		Message:          printable(red.String(body.Message)),
		DocumentationURL: printable(red.String(body.DocumentationURL)),
		Attempts:         attempts,
	}
	for _, d := range body.Errors {
		msg := d.Message
		if msg == "" {
			msg = strings.TrimSpace(d.Code + " " + d.Field)
		}
		if msg = printable(red.String(msg)); msg != "" {
			e.Details = append(e.Details, msg)
		}
	}
	if rl := rateLimit(resp.StatusCode, resp.Header, body.Message, body.DocumentationURL, c.o.now()); rl.limited {
		e.RateLimited, e.RetryAfter = true, rl.wait
	}
	e.hint = hintFor(e, t)
	// The permissions the endpoint accepts, "issues=write; pull_requests=write"
	// (REST API "Troubleshooting the REST API", "Resource not accessible").
	if p := printable(resp.Header.Get("X-Accepted-GitHub-Permissions")); p != "" && resp.StatusCode == http.StatusForbidden && !e.RateLimited {
		e.hint += " (GitHub accepts a token with " + p + ")"
	}
	return e
}

// printable flattens a message to one bounded line.
func printable(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	if len(s) > 512 {
		s = strings.ToValidUTF8(s[:512], "") + " …"
	}
	return s
}

func stripQuery(u *url.URL) string {
	v := *u
	v.RawQuery, v.ForceQuery, v.Fragment, v.User = "", false, "", nil
	return v.String()
}
