package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinels for expected outcomes; test with errors.Is.
var (
	// ErrTokenRejected matches a [TokenRejectedError]: Pulumi Cloud answered
	// 401 or 403 to a token.
	ErrTokenRejected = errors.New("Pulumi Cloud rejected the access token")
	// ErrNoToken is returned when a stored token is empty.
	ErrNoToken = errors.New("no Pulumi access token was given")
	// ErrCheckFailed matches a [CheckError]: the JWT pre-flight or the issuer
	// probe found a problem that Pulumi Cloud would refuse.
	ErrCheckFailed = errors.New("OIDC token check failed")
)

// RequestError is a request that got no usable HTTP reply: the connection
// failed on every attempt, or the context ended. Err is the last cause;
// context errors stay detectable with errors.Is.
type RequestError struct {
	Method   string
	URL      string // never carries a query or a secret
	Attempts int
	Err      error
}

// Error names the request, the attempts and the last cause.
func (e *RequestError) Error() string {
	return fmt.Sprintf("%s %s: no reply after %d attempt(s): %v", e.Method, e.URL, e.Attempts, e.Err)
}

// Unwrap returns the last cause, so context errors stay detectable.
func (e *RequestError) Unwrap() error { return e.Err }

// APIError is an unexpected reply from Pulumi Cloud. Code and Message come
// from either error shape Pulumi Cloud uses (RFC 6749 {error,
// error_description} or Pulumi's {code, message}); when the body fits
// neither, Body holds a bounded excerpt of it.
type APIError struct {
	Op         string // what was attempted, e.g. "token exchange"
	Method     string
	URL        string
	StatusCode int
	Code       string
	Message    string
	Body       string
	Attempts   int
}

// Error names the operation, the request, the status and Pulumi Cloud's
// explanation.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s answered %d %s", e.Op, e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (gave up after %d attempts)", e.Attempts)
	}
	switch {
	case e.Code != "" && e.Message != "":
		fmt.Fprintf(&b, ": %s: %s", e.Code, e.Message)
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", e.Message)
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
	case e.Body != "":
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	return b.String()
}

// Retryable reports whether the failure was of a kind that was retried
// (429 or 5xx) until the attempts ran out.
func (e *APIError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500 && e.StatusCode != http.StatusNotImplemented
}

// TokenRejectedError says that Pulumi Cloud refused a token (401 or 403).
// Source names where the token came from, as given by the caller; the token
// itself is never part of the error.
type TokenRejectedError struct {
	Source     string
	URL        string
	StatusCode int
	Message    string // Pulumi Cloud's explanation, when it gave one
}

// Error says which token was rejected, by whom, and how to fix it; never
// the token.
func (e *TokenRejectedError) Error() string {
	what := "was rejected"
	hint := "create a new access token in Pulumi Cloud and update " + orDefault(e.Source, "its source")
	if e.StatusCode == http.StatusForbidden {
		what = "is not allowed to read the account"
		hint = "use a token of a user, organization or team with access, and update " + orDefault(e.Source, "its source")
	}
	msg := fmt.Sprintf("the Pulumi access token from %s %s by %s (%d %s)", orDefault(e.Source, "the caller"), what, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg + "; " + hint
}

// Is makes errors.Is(err, ErrTokenRejected) true.
func (e *TokenRejectedError) Is(target error) bool { return target == ErrTokenRejected }

// CheckError carries a [Report] with at least one error-level finding.
type CheckError struct {
	Report *Report
}

// Error lists the report's error-level findings.
func (e *CheckError) Error() string {
	var msgs []string
	for _, f := range e.Report.Findings {
		if f.Severity == SeverityError {
			msgs = append(msgs, f.Check+": "+f.Message)
		}
	}
	return fmt.Sprintf("OIDC token check failed with %d problem(s): %s", len(msgs), strings.Join(msgs, "; "))
}

// Is makes errors.Is(err, ErrCheckFailed) true.
func (e *CheckError) Is(target error) bool { return target == ErrCheckFailed }

// ExchangeError is Pulumi Cloud refusing an OIDC token exchange. It adds to
// the API error what the request asked for and what the token claimed, which
// is what Pulumi Cloud's issuer policies match, and the warnings of the
// checks that ran before.
type ExchangeError struct {
	*APIError
	Organization string
	TokenType    TokenType
	Issuer       string
	Subject      string
	Audience     []string
	Warnings     []string // warning-level findings of the pre-flight and probe
}

// Error adds to the API error what Pulumi Cloud policies match and the
// warnings of the checks.
func (e *ExchangeError) Error() string {
	var b strings.Builder
	b.WriteString(e.APIError.Error())
	if e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusTooManyRequests {
		fmt.Fprintf(&b, "; Pulumi Cloud refused to issue a token of type %q for organization %q: check that issuer %q is registered under the organization's OIDC issuers and that one of its policies allows token type %q for subject %q and audience %q",
			orDefault(string(e.TokenType), string(OrganizationToken)), e.Organization, e.Issuer, orDefault(string(e.TokenType), string(OrganizationToken)), e.Subject, strings.Join(e.Audience, ","))
	}
	for _, w := range e.Warnings {
		b.WriteString("; note: " + w)
	}
	return b.String()
}

// Unwrap returns the API error.
func (e *ExchangeError) Unwrap() error { return e.APIError }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
