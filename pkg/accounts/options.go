package accounts

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of the options; see the With… functions.
const (
	DefaultMaxAttempts = 4
	DefaultRetryWait   = 200 * time.Millisecond
	DefaultRetryMax    = 5 * time.Second
	DefaultClockSkew   = 2 * time.Minute
	DefaultRunTime     = time.Hour
	DefaultTimeout     = 30 * time.Second
	DefaultSessionName = "octopulumi"
	DefaultUserAgent   = "octopulumi-accounts"
)

// Option configures a [Resolver]. New applies every option and reports
// every invalid one at once.
type Option func(*options) error

type options struct {
	httpClient    *http.Client
	logger        *slog.Logger
	now           func() time.Time
	skew          time.Duration
	runTime       time.Duration
	sessionName   string
	stsEndpoint   string
	environ       Lookup
	verifyKeys    bool
	maxAttempts   int
	retryWait     time.Duration
	retryMax      time.Duration
	onSecret      func(string)
	skipPreflight bool
	userAgent     string
}

func defaultOptions() options {
	return options{
		httpClient:  &http.Client{Timeout: DefaultTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()},
		logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		now:         time.Now,
		skew:        DefaultClockSkew,
		runTime:     DefaultRunTime,
		sessionName: DefaultSessionName,
		maxAttempts: DefaultMaxAttempts,
		retryWait:   DefaultRetryWait,
		retryMax:    DefaultRetryMax,
		userAgent:   DefaultUserAgent,
	}
}

// WithHTTPClient sets the HTTP client of every STS request. The default has
// a 30 s timeout and honours the proxy variables.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("accounts.WithHTTPClient: the client is nil")
		}
		o.httpClient = c
		return nil
	}
}

// WithLogger sets the logger; the default discards everything. Secrets
// never reach it.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("accounts.WithLogger: the logger is nil")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock of the token lifetime checks.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("accounts.WithClock: the clock is nil")
		}
		o.now = now
		return nil
	}
}

// WithClockSkew sets the tolerance of the token lifetime checks (default
// two minutes).
func WithClockSkew(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 || d > time.Hour {
			return fmt.Errorf("accounts.WithClockSkew: %s is outside 0..1h", d)
		}
		o.skew = d
		return nil
	}
}

// WithRunTime says how long the Pulumi run may need the credentials
// (default one hour). A token that the provider presents again later
// (Azure's and Google's OpenID Connect) or an AWS session that ends sooner
// earns a warning: the deployment would fail part way.
func WithRunTime(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 || d > 24*time.Hour {
			return fmt.Errorf("accounts.WithRunTime: %s is outside 0..24h", d)
		}
		o.runTime = d
		return nil
	}
}

// WithSessionName names the AWS role sessions, as CloudTrail shows them;
// make it name the Octopus deployment with [SessionName]. The default is
// "octopulumi".
func WithSessionName(name string) Option {
	return func(o *options) error {
		if !sessionNameRe.MatchString(name) {
			return fmt.Errorf("accounts.WithSessionName: %q is not a session name STS accepts (2 to 64 letters, digits and _+=,.@-); make one with accounts.SessionName", name)
		}
		o.sessionName = name
		return nil
	}
}

// WithSTSEndpoint sends STS requests to endpoint (a fake, a VPC endpoint)
// instead of the region's. It wins over AWS_ENDPOINT_URL_STS.
func WithSTSEndpoint(endpoint string) Option {
	return func(o *options) error {
		if err := checkEndpoint(endpoint); err != nil {
			return fmt.Errorf("accounts.WithSTSEndpoint: %w", err)
		}
		o.stsEndpoint = strings.TrimSuffix(endpoint, "/")
		return nil
	}
}

// WithEnviron sets where AWS_ENDPOINT_URL_STS (and, as the AWS SDKs do,
// AWS_ENDPOINT_URL) are read from: os.LookupEnv, or the step's variables.
// Without it nothing is read from the environment: the machine's AWS
// configuration never applies.
func WithEnviron(environ Lookup) Option {
	return func(o *options) error {
		o.environ = environ
		return nil
	}
}

// VerifyKeys makes Resolve ask STS who AWS access keys belong to
// (sts:GetCallerIdentity), so that a wrong or deactivated key fails before
// Pulumi runs, and the task log names the IAM user.
func VerifyKeys() Option {
	return func(o *options) error {
		o.verifyKeys = true
		return nil
	}
}

// WithRetry bounds the retries of STS requests that fail for a passing
// reason (throttling, 5xx, the issuer unreachable from STS): at most
// attempts requests in all, waiting between minWait and maxWait
// (exponential, with jitter). Tests use short waits.
func WithRetry(attempts int, minWait, maxWait time.Duration) Option {
	return func(o *options) error {
		if attempts < 1 || attempts > 20 {
			return fmt.Errorf("accounts.WithRetry: attempts must be between 1 and 20, not %d", attempts)
		}
		if minWait < 0 || maxWait < minWait {
			return fmt.Errorf("accounts.WithRetry: need 0 <= minWait (%s) <= maxWait (%s)", minWait, maxWait)
		}
		o.maxAttempts, o.retryWait, o.retryMax = attempts, minWait, maxWait
		return nil
	}
}

// WithOnSecret registers a hook called with every secret as soon as it is
// known (keys, tokens, and the session credentials STS returns), before it
// is used: adapters register it with their redactor and emit Octopus's
// mask service message.
func WithOnSecret(f func(secret string)) Option {
	return func(o *options) error {
		o.onSecret = f
		return nil
	}
}

// WithUserAgent adds an application id to the User-Agent of STS requests
// (default octopulumi-accounts); at most 50 characters.
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		if ua = strings.TrimSpace(ua); ua == "" || len(ua) > 50 {
			return errors.New("accounts.WithUserAgent: give 1 to 50 characters")
		}
		o.userAgent = ua
		return nil
	}
}

// SkipPreflight turns off the checks before Resolve asks a cloud. Don't:
// without them an expired token or a wrong audience shows up as the
// cloud's bare refusal, or only when Pulumi runs.
func SkipPreflight() Option {
	return func(o *options) error {
		o.skipPreflight = true
		return nil
	}
}

func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", endpoint)
	}
	if u.User != nil || u.RawQuery != "" {
		return fmt.Errorf("%q must not carry user info or a query", u.Redacted())
	}
	return nil
}

// Resolver turns accounts into what the Pulumi providers read. It is safe
// for concurrent use.
type Resolver struct {
	o options
}

// New returns a Resolver; it reports every invalid option at once.
func New(opts ...Option) (*Resolver, error) {
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
	return &Resolver{o: o}, nil
}
