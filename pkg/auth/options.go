package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the Pulumi Cloud API that a [Client] talks to unless
// [WithBaseURL] says otherwise.
const DefaultBaseURL = "https://api.pulumi.com"

// Defaults of the options; see the With… functions.
const (
	DefaultMaxAttempts   = 5
	DefaultRetryWaitMin  = 500 * time.Millisecond
	DefaultRetryWaitMax  = 15 * time.Second
	DefaultRetryAfterMax = time.Minute
	DefaultClockSkew     = 2 * time.Minute
	DefaultMaxBodyBytes  = 1 << 20
	DefaultTimeout       = 30 * time.Second
)

// Option configures a [Client]. Options are checked when they are applied;
// New reports the first one that is invalid.
type Option func(*options) error

type options struct {
	httpClient      *http.Client
	baseURL         string
	userAgent       string
	logger          *slog.Logger
	now             func() time.Time
	maxAttempts     int
	retryWaitMin    time.Duration
	retryWaitMax    time.Duration
	retryAfterMax   time.Duration
	maxBody         int64
	skew            time.Duration
	skipPreflight   bool
	skipProbe       bool
	allowHTTPIssuer bool
	discovery       *DiscoveryCache
	redactor        *Redactor
	onToken         func(string)
	lookupHost      func(ctx context.Context, host string) ([]netip.Addr, error)
}

func defaultOptions() options {
	return options{
		baseURL:       DefaultBaseURL,
		userAgent:     "octopulumi-auth",
		logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		now:           time.Now,
		maxAttempts:   DefaultMaxAttempts,
		retryWaitMin:  DefaultRetryWaitMin,
		retryWaitMax:  DefaultRetryWaitMax,
		retryAfterMax: DefaultRetryAfterMax,
		maxBody:       DefaultMaxBodyBytes,
		skew:          DefaultClockSkew,
		discovery:     sharedDiscovery,
		lookupHost: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		},
	}
}

// WithHTTPClient sets the HTTP client for every request (Pulumi Cloud and
// the OIDC issuer). The default is a client with a 30 s timeout.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("auth.WithHTTPClient: the client is nil")
		}
		o.httpClient = c
		return nil
	}
}

// WithBaseURL sets the Pulumi Cloud API URL, for self-hosted Pulumi Cloud or
// a fake; it is also the BackendURL of the credentials.
func WithBaseURL(raw string) Option {
	return func(o *options) error {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("auth.WithBaseURL: %q is not an http(s) URL such as %s", raw, DefaultBaseURL)
		}
		if u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("auth.WithBaseURL: %q must not carry a query or user info", u.Redacted())
		}
		o.baseURL = strings.TrimSuffix(u.String(), "/")
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		if strings.TrimSpace(ua) == "" {
			return errors.New("auth.WithUserAgent: the user agent is empty")
		}
		o.userAgent = ua
		return nil
	}
}

// WithLogger sets the logger; the default discards everything. Secrets
// never reach it.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("auth.WithLogger: the logger is nil")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock used for JWT lifetimes and token expiry.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("auth.WithClock: the clock is nil")
		}
		o.now = now
		return nil
	}
}

// WithRetry bounds the retries of Pulumi Cloud requests: at most attempts
// requests in all, waiting between minWait and maxWait (exponential, with
// jitter) unless the server's Retry-After says otherwise. Tests use short
// waits.
func WithRetry(attempts int, minWait, maxWait time.Duration) Option {
	return func(o *options) error {
		if attempts < 1 || attempts > 100 {
			return fmt.Errorf("auth.WithRetry: attempts must be between 1 and 100, not %d", attempts)
		}
		if minWait < 0 || maxWait < minWait {
			return fmt.Errorf("auth.WithRetry: need 0 <= minWait (%s) <= maxWait (%s)", minWait, maxWait)
		}
		o.maxAttempts, o.retryWaitMin, o.retryWaitMax = attempts, minWait, maxWait
		return nil
	}
}

// WithRetryAfterMax caps how long a Retry-After header may make a request
// wait (default one minute); a longer request is treated as this long.
func WithRetryAfterMax(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("auth.WithRetryAfterMax: %s is negative", d)
		}
		o.retryAfterMax = d
		return nil
	}
}

// WithMaxBodyBytes bounds how much of any response body is read (default
// 1 MiB).
func WithMaxBodyBytes(n int64) Option {
	return func(o *options) error {
		if n < 1024 {
			return fmt.Errorf("auth.WithMaxBodyBytes: %d is below the minimum of 1024", n)
		}
		o.maxBody = n
		return nil
	}
}

// WithClockSkew sets the tolerance of the JWT lifetime checks (default two
// minutes).
func WithClockSkew(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 || d > time.Hour {
			return fmt.Errorf("auth.WithClockSkew: %s is outside 0..1h", d)
		}
		o.skew = d
		return nil
	}
}

// WithRedactor makes the client register every secret it handles (stored
// tokens, JWTs, exchanged tokens, passphrases) with r, so the caller's
// RedactWriters scrub them from everything else they pass on.
func WithRedactor(r *Redactor) Option {
	return func(o *options) error {
		if r == nil {
			return errors.New("auth.WithRedactor: the redactor is nil")
		}
		o.redactor = r
		return nil
	}
}

// WithOnToken registers a hook called with every token obtained by an OIDC
// exchange, before it is used. Octopus does not know the exchanged token is
// secret: adapters use the hook to emit the Octopus mask service message
// (write it straight to stdout, not through a RedactWriter, which would
// redact the value to be masked).
func WithOnToken(f func(token string)) Option {
	return func(o *options) error {
		o.onToken = f
		return nil
	}
}

// WithDiscoveryCache sets the cache of issuer discovery documents and key
// sets. By default all clients of a process share one, so an issuer's
// discovery document is fetched at most once per process.
func WithDiscoveryCache(c *DiscoveryCache) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("auth.WithDiscoveryCache: the cache is nil")
		}
		o.discovery = c
		return nil
	}
}

// SkipPreflight turns off the JWT pre-flight before an OIDC exchange. Don't:
// without it a wrong audience or an expired token shows up only as Pulumi
// Cloud's bare refusal.
func SkipPreflight() Option {
	return func(o *options) error {
		o.skipPreflight = true
		return nil
	}
}

// SkipProbe turns off the issuer discovery probe before an OIDC exchange.
// Use it only when this worker cannot reach the issuer at all (the probe
// then merely warns) and the round trip is too slow; it is what explains a
// bad signature, an unknown key or an issuer mismatch.
func SkipProbe() Option {
	return func(o *options) error {
		o.skipProbe = true
		return nil
	}
}

// InsecureAllowHTTPIssuer accepts an issuer whose URL is plain http (a
// warning instead of an error). Pulumi Cloud requires HTTPS issuers; this is
// for tests and private Pulumi Cloud installations only.
func InsecureAllowHTTPIssuer() Option {
	return func(o *options) error {
		o.allowHTTPIssuer = true
		return nil
	}
}

// withLookupHost replaces DNS resolution in tests.
func withLookupHost(f func(ctx context.Context, host string) ([]netip.Addr, error)) Option {
	return func(o *options) error {
		o.lookupHost = f
		return nil
	}
}
