package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Client logs in to Pulumi Cloud and checks OIDC tokens and issuers. It is
// safe for concurrent use. Create it with [New].
type Client struct {
	o options
}

// defaultHTTPClient is shared by Clients without WithHTTPClient, so that
// they share the process's discovery cache too (it is keyed by client).
var defaultHTTPClient = &http.Client{Timeout: DefaultTimeout}

// New returns a Client configured by opts.
func New(opts ...Option) (*Client, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.httpClient == nil {
		o.httpClient = defaultHTTPClient
	}
	return &Client{o: o}, nil
}

// BaseURL returns the Pulumi Cloud API URL the client talks to.
func (c *Client) BaseURL() string { return c.o.baseURL }

// response is a read, bounded HTTP response.
type response struct {
	status    int
	header    http.Header
	body      []byte
	truncated bool
	attempts  int
	url       string
}

// send performs a request to Pulumi Cloud with retries: connection errors,
// 429 and 5xx (except 501) are retried with backoff and jitter, at most
// maxAttempts requests in all, honouring Retry-After; the wait ends when ctx
// does. Other statuses are returned as they are, for the caller to judge.
func (c *Client) send(ctx context.Context, method, path string, header http.Header, body []byte) (*response, error) {
	return c.sendURL(ctx, method, c.o.baseURL+path, header, body)
}

// sendURL is send to an absolute URL.
func (c *Client) sendURL(ctx context.Context, method, u string, header http.Header, body []byte) (*response, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("building the request %s %s: %w", method, u, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.o.userAgent)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}

	attempts := 0
	var refused *url.URL
	hc := *c.o.httpClient
	hc.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if !sameOrigin(via[0].URL, next.URL) {
			refused = next.URL
			return http.ErrUseLastResponse
		}
		if c.o.httpClient.CheckRedirect != nil {
			return c.o.httpClient.CheckRedirect(next, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	rc := &retryablehttp.Client{
		HTTPClient:   &hc,
		Logger:       slogLeveled{c.o.logger},
		RetryWaitMin: c.o.retryWaitMin,
		RetryWaitMax: c.o.retryWaitMax,
		RetryMax:     c.o.maxAttempts - 1,
		RequestLogHook: func(_ retryablehttp.Logger, _ *http.Request, i int) {
			attempts = i + 1
		},
		CheckRetry: retryablehttp.DefaultRetryPolicy,
		Backoff:    c.backoff,
		// Keep the last response so the caller can report its status and body.
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			if resp != nil {
				return resp, nil
			}
			return resp, err
		},
	}
	resp, err := rc.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, &RequestError{Method: method, URL: u, Attempts: max(attempts, 1), Err: err}
	}
	defer resp.Body.Close()
	if refused != nil {
		return nil, &RequestError{Method: method, URL: u, Attempts: max(attempts, 1), Err: fmt.Errorf(
			"refused to follow a redirect to %s://%s: the request carries a token, which must not leave %s; set the base URL to the API's final address", refused.Scheme, refused.Host, c.o.baseURL)}
	}
	data, truncated, err := readBounded(resp.Body, c.o.maxBody)
	if err != nil {
		return nil, &RequestError{Method: method, URL: u, Attempts: max(attempts, 1), Err: fmt.Errorf("reading the response: %w", err)}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data, truncated: truncated, attempts: max(attempts, 1), url: u}, nil
}

// sameOrigin reports whether b has a's scheme and host (port included):
// Go's client keeps the Authorization header on an https-to-http redirect
// to the same host, and re-sends a POST body (the OIDC token) on a 307 or
// 308 to any host, so the token may only follow redirects within its origin.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// readBounded reads at most limit bytes of r and reports whether more
// followed.
func readBounded(r io.Reader, limit int64) ([]byte, bool, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return data[:limit], true, nil
	}
	return data, false, nil
}

// backoff waits as a 429 or 503 reply's Retry-After asks (capped), and
// otherwise exponentially from min to max with "equal jitter" (between half
// and all of the exponential step), so that clients do not retry in step.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		// A Retry-After of zero or in the past gives no advice: back off as
		// usual rather than retry at once, attempt after attempt.
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.o.now()); ok && d > 0 {
			return min(d, c.o.retryAfterMax)
		}
	}
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

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// slogLeveled lets go-retryablehttp log through our slog.Logger. Its
// messages carry only the method and the URL without query.
type slogLeveled struct{ l *slog.Logger }

func (s slogLeveled) Error(msg string, kv ...any) { s.l.Debug("http: "+msg, kv...) }
func (s slogLeveled) Info(msg string, kv ...any)  { s.l.Debug("http: "+msg, kv...) }
func (s slogLeveled) Debug(msg string, kv ...any) { s.l.Debug("http: "+msg, kv...) }
func (s slogLeveled) Warn(msg string, kv ...any)  { s.l.Debug("http: "+msg, kv...) }

// registerSecret makes the configured redactor aware of a secret.
func (c *Client) registerSecret(secrets ...string) {
	c.o.redactor.Add(secrets...)
}

// scrub redacts secrets from an error before it leaves the package.
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return NewRedactor(secrets...).Error(err)
}

// trimBody returns a bounded, printable excerpt of a body for an error.
func trimBody(b []byte, truncated bool) string {
	const maxShown = 512
	s := string(bytes.ToValidUTF8(b, []byte("?")))
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxShown {
		s, truncated = s[:maxShown], true
	}
	if truncated {
		s += " …(truncated)"
	}
	return defang(s)
}
