package accounts

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinels for expected outcomes; test with errors.Is.
var (
	// ErrInvalidAccount matches a [*VariableError]: the Octopus variables
	// do not describe a usable account.
	ErrInvalidAccount = errors.New("cloud account variables are invalid")
	// ErrCheckFailed matches a [*CheckError]: the pre-flight found a
	// problem the cloud would refuse.
	ErrCheckFailed = errors.New("cloud account check failed")
	// ErrRefused matches a [*STSError]: AWS STS refused the account.
	ErrRefused = errors.New("the cloud refused the account")
)

// VariableError is one problem with the Octopus variables of an account:
// a missing or malformed property, an account variable of the wrong type.
// Read joins every problem it finds with errors.Join. Values of sensitive
// variables never appear in it.
type VariableError struct {
	// Variable is the Octopus variable to fix.
	Variable string
	Cloud    Cloud
	// Problem says what is wrong and how to fix it.
	Problem string
	// Expected says what kind of account was expected, when the problem is
	// the account itself.
	Expected string
}

// Error names the variable, the problem and the account expected.
func (e *VariableError) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Variable, e.Problem)
	if e.Expected != "" {
		msg += "; expected " + e.Expected
	}
	return msg
}

// Is makes errors.Is(err, ErrInvalidAccount) true.
func (e *VariableError) Is(target error) bool { return target == ErrInvalidAccount }

// CheckError is one problem the pre-flight found before the cloud was
// asked: a token that has expired or was minted for another audience, a key
// that is not a service account key.
type CheckError struct {
	// Account is the account's Source.
	Account string
	// Variable is the Octopus variable to change.
	Variable string
	// Check names what was checked: token, audience, expiry, issuer, key, …
	Check   string
	Message string
}

// Error names the variable and what to change.
func (e *CheckError) Error() string {
	return fmt.Sprintf("%s (%s): %s: %s", e.Variable, e.Account, e.Check, e.Message)
}

// Is makes errors.Is(err, ErrCheckFailed) true.
func (e *CheckError) Is(target error) bool { return target == ErrCheckFailed }

// STSError is AWS STS refusing a request, with what to change. Code and
// Message are STS's (InvalidIdentityToken, AccessDenied,
// ExpiredTokenException, …); Hint translates them into the trust policy,
// identity provider or account setting to change.
type STSError struct {
	// Op is the STS action: AssumeRoleWithWebIdentity, AssumeRole or
	// GetCallerIdentity.
	Op         string
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	RoleARN    string
	// Variable is the Octopus variable the hint is about.
	Variable string
	Hint     string
}

// Error says what STS refused, why, and what to change.
func (e *STSError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "AWS STS refused %s", e.Op)
	if e.RoleARN != "" {
		fmt.Fprintf(&b, " of role %s", e.RoleARN)
	}
	if e.Variable != "" {
		fmt.Fprintf(&b, " for the account in %s", e.Variable)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (%d %s)", e.StatusCode, http.StatusText(e.StatusCode))
	}
	switch {
	case e.Code != "" && e.Message != "":
		fmt.Fprintf(&b, ": %s: %s", e.Code, e.Message)
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *STSError) Is(target error) bool { return target == ErrRefused }

// RequestError is a request that got no usable reply from STS: the
// connection failed on every attempt, or the context ended. Err is the
// cause; context errors stay detectable with errors.Is.
type RequestError struct {
	Op       string
	Endpoint string // never carries a query or a secret
	Err      error
}

// Error names the request and the cause.
func (e *RequestError) Error() string {
	return fmt.Sprintf("AWS STS %s at %s: no reply: %v", e.Op, e.Endpoint, e.Err)
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// problems collects VariableErrors and CheckErrors, for errors.Join.
type problems []error

func (p *problems) variable(c Cloud, variable, expected, format string, args ...any) {
	*p = append(*p, &VariableError{Variable: variable, Cloud: c, Problem: fmt.Sprintf(format, args...), Expected: expected})
}

// check records a pre-flight problem with the field of a; the error names
// the Octopus variable the field was read from.
func (p *problems) check(a Account, field, check, format string, args ...any) {
	p.checkVar(a, a.src(field), check, format, args...)
}

func (p *problems) checkVar(a Account, variable, check, format string, args ...any) {
	*p = append(*p, &CheckError{Account: a.Source(), Variable: variable, Check: check, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error { return errors.Join(p...) }
