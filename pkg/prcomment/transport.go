package prcomment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// apiVersion is the REST API version asked for (REST API "API Versions").
const apiVersion = "2022-11-28"

// send performs one request with retries and returns the last reply for the
// caller to judge, with the number of attempts. Connection errors and 5xx
// replies are retried when the request is idempotent; rate-limited replies
// always, since GitHub refused them before doing anything.
func (c *Client) send(ctx context.Context, t Target, method, u string, body []byte, idempotent bool) (*http.Response, int, error) {
	var rb any
	if body != nil {
		rb = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, rb)
	if err != nil {
		return nil, 0, fmt.Errorf("prcomment: building the request %s %s: %w", method, redactedURL(u), err)
	}
	// Headers as GitHub's REST API documents them ("Authenticating to the
	// REST API", "Media types", "API versions").
	req.Header.Set("Authorization", "Bearer "+t.Token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", apiVersion)
	req.Header.Set("User-Agent", c.o.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	base, err := url.Parse(t.apiURL())
	if err != nil {
		return nil, 0, fmt.Errorf("prcomment: the API URL: %w", err)
	}
	attempts := 0
	var lastWait time.Duration
	var refused *url.URL
	hc := *c.o.httpClient
	inner := c.o.httpClient.CheckRedirect
	hc.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		// Go keeps Authorization on a redirect to the same host even from
		// https to http; the token may only follow redirects within the
		// API's origin.
		if !sameOrigin(next.URL, base) {
			refused = next.URL
			return http.ErrUseLastResponse
		}
		if inner != nil {
			return inner(next, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	rc := &retryablehttp.Client{
		HTTPClient:   &hc,
		RetryWaitMin: c.o.retryWaitMin,
		RetryWaitMax: c.o.retryWaitMax,
		RetryMax:     c.o.attempts - 1,
		RequestLogHook: func(_ retryablehttp.Logger, r *http.Request, i int) {
			attempts = i + 1
			c.o.logger.DebugContext(ctx, "prcomment: request", "method", r.Method, "url", stripQuery(r.URL), "attempt", attempts)
		},
		ResponseLogHook: func(_ retryablehttp.Logger, r *http.Response) {
			c.o.logger.DebugContext(ctx, "prcomment: reply", "method", r.Request.Method, "url", stripQuery(r.Request.URL), "status", r.StatusCode)
		},
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			retry, wait := c.checkRetry(ctx, resp, err, idempotent)
			lastWait = wait
			return retry, nil
		},
		Backoff: func(minWait, maxWait time.Duration, attempt int, _ *http.Response) time.Duration {
			if lastWait > 0 {
				return lastWait
			}
			return jitter(minWait, maxWait, attempt)
		},
		// Keep the last reply, so the caller can report GitHub's answer.
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			if resp != nil {
				return resp, nil
			}
			return nil, err
		},
	}
	resp, err := rc.Do(req)
	attempts = max(attempts, 1)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, attempts, &RequestError{Method: method, URL: redactedURL(u), Attempts: attempts, Err: err}
	}
	if refused != nil {
		resp.Body.Close()
		return nil, attempts, &RequestError{Method: method, URL: redactedURL(u), Attempts: attempts, Err: fmt.Errorf(
			"refused to follow a redirect to %s://%s: the request carries the token, which must not leave %s; set the API URL to GitHub's final address", refused.Scheme, refused.Host, stripQuery(base))}
	}
	return resp, attempts, nil
}

// checkRetry decides whether to send a request again, and how long to wait
// first when GitHub says (0: back off as usual).
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error, idempotent bool) (bool, time.Duration) {
	if ctx.Err() != nil {
		return false, 0
	}
	if err != nil {
		if !idempotent {
			return false, 0
		}
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		return retry, 0
	}
	switch s := resp.StatusCode; {
	case s == http.StatusForbidden || s == http.StatusTooManyRequests:
		msg, doc := peekError(resp)
		rl := rateLimit(s, resp.Header, msg, doc, c.o.now())
		if !rl.limited || rl.wait > c.o.retryAfterMax {
			return false, 0
		}
		return true, rl.wait
	case s >= 500 && s != http.StatusNotImplemented:
		return idempotent, 0
	}
	return false, 0
}

// secondaryRE is how octokit/plugin-throttling.js (src/index.ts) recognises
// a secondary rate limit in GitHub's message: "You have exceeded a
// secondary rate limit. Please wait a few minutes before you try again…".
var secondaryRE = regexp.MustCompile(`(?i)\bsecondary rate\b`)

type limit struct {
	limited bool
	wait    time.Duration // 0: no advice, back off as usual
}

// rateLimit reads a 403 or 429 as GitHub's REST API documents it ("Rate
// limits for the REST API", "Exceeding the rate limit"): a primary limit
// has x-ratelimit-remaining 0 (wait until x-ratelimit-reset); a secondary
// one says so in its message or documentation_url (go-github's
// CheckResponse: "secondary-rate-limits" or "#abuse-rate-limits"), and the
// wait is retry-after when present, else until x-ratelimit-reset when
// remaining is 0, else at least a minute. A 429 is a rate limit in any case.
// Any other 403 is a permission problem.
func rateLimit(status int, h http.Header, message, docURL string, now time.Time) limit {
	if status != http.StatusForbidden && status != http.StatusTooManyRequests {
		return limit{}
	}
	primary := h.Get("X-RateLimit-Remaining") == "0"
	secondary := secondaryRE.MatchString(message) ||
		strings.HasSuffix(docURL, "secondary-rate-limits") || strings.HasSuffix(docURL, "#abuse-rate-limits")
	if !primary && !secondary && status != http.StatusTooManyRequests {
		return limit{}
	}
	if d, ok := retryAfter(h.Get("Retry-After"), now); ok {
		return limit{limited: true, wait: d}
	}
	if primary {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// One second past the reset, as octokit/plugin-throttling.js does.
			return limit{limited: true, wait: max(time.Unix(reset, 0).Sub(now)+time.Second, time.Second)}
		}
	}
	if secondary {
		return limit{limited: true, wait: time.Minute}
	}
	return limit{limited: true}
}

// retryAfter reads Retry-After: seconds (what GitHub sends) or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// peekError reads a bounded error body for its message and documentation
// URL, and puts it back for the caller.
func peekError(resp *http.Response) (message, docURL string) {
	data, _ := readAll(resp.Body, maxErrorBytes)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	var body struct {
		Message          string `json:"message"`
		DocumentationURL string `json:"documentation_url"`
	}
	_ = json.Unmarshal(data, &body)
	return body.Message, body.DocumentationURL
}

// jitter backs off exponentially from minWait to maxWait with "equal
// jitter" (between half and all of the step), so clients do not retry in
// step.
func jitter(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := minWait << min(attempt, 30)
	if d > maxWait || d <= 0 {
		d = maxWait
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

func (c *Client) backoffWait(attempt int) time.Duration {
	return jitter(c.o.retryWaitMin, c.o.retryWaitMax, attempt)
}

// readAll reads at most limit bytes of r.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, limit))
}

// countingReader stops after limit bytes and remembers that it did.
type countingReader struct {
	r     io.Reader
	limit int64
	n     int64
	hit   bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		c.hit = true
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > c.limit-c.n {
		p = p[:c.limit-c.n]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// redactedURL returns u without its query, for errors and logs.
func redactedURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(an invalid URL)"
	}
	return stripQuery(p)
}
