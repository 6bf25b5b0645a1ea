package runner

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Exit codes of the Pulumi CLI that the Runner tells apart. The CLI documents
// them as a stable contract for automation (pkg/cmd/pulumi/cmd/exit_codes.go).
const (
	exitConfiguration  = 2
	exitAuthentication = 3
	exitResource       = 4
	exitPolicy         = 5
	exitStackNotFound  = 6
	exitNoChanges      = 7
	exitCancelled      = 8
)

// ExitError is a pulumi process that exited non-zero. Stderr is a bounded,
// redacted tail of what it wrote there.
type ExitError struct {
	Args   []string
	Code   int
	Stderr string
}

func (e *ExitError) Error() string {
	msg := lastError(e.Stderr)
	if msg == "" {
		msg = "no error message on stderr"
	}
	op := "pulumi"
	if len(e.Args) > 0 {
		op += " " + e.Args[0]
	}
	return fmt.Sprintf("%s failed (exit code %d): %s", op, e.Code, msg)
}

// lastError picks the CLI's own "error: …" lines from stderr, which say what
// went wrong more plainly than the whole tail.
func lastError(stderr string) string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "error:") {
			lines = append(lines, strings.TrimSpace(strings.TrimPrefix(l, "error:")))
		}
	}
	if len(lines) == 0 {
		return strings.TrimSpace(stderr)
	}
	return strings.Join(lines, "; ")
}

// ErrStackNotFound is returned (wrapped) when an operation names a stack that
// does not exist and was not asked to create it.
var ErrStackNotFound = errors.New("stack not found")

// ErrNoChanges is returned (wrapped) by a preview with [ExpectNoChanges]
// that found changes: drift, or a program that no longer matches its state.
var ErrNoChanges = errors.New("changes were expected to be none")

// StackError is an operation that failed on a stack. Kind says which way;
// Err is the underlying [*ExitError] or context error.
type StackError struct {
	Stack string
	Op    string
	Kind  FailureKind
	// URNs names the resources whose operations failed, when the engine said.
	URNs []string
	Err  error
}

// FailureKind classifies a failed operation.
type FailureKind string

// The kinds of failure a [StackError] can carry.
const (
	FailureProgram        FailureKind = "program"        // the program or its config is wrong
	FailureResource       FailureKind = "resource"       // a provider failed on a resource
	FailureAuthentication FailureKind = "authentication" // the backend refused the credentials
	FailurePolicy         FailureKind = "policy"         // a policy pack refused the change
	FailureCancelled      FailureKind = "cancelled"      // the operation was cancelled
	FailureOther          FailureKind = "other"
)

func (e *StackError) Error() string {
	msg := fmt.Sprintf("%s of stack %s failed", e.Op, e.Stack)
	if len(e.URNs) > 0 {
		msg += " on " + strings.Join(e.URNs, ", ")
	}
	return msg + ": " + e.Err.Error()
}

func (e *StackError) Unwrap() error { return e.Err }

// LockedError is an update refused because another one holds the stack.
type LockedError struct {
	Stack string
	// Holder says who holds the lock, where the CLI says it (a lock file
	// with its user, host and time on self-managed backends).
	Holder string
	Err    error
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("stack %s is locked by another update", e.Stack)
	if e.Holder != "" {
		msg += " (" + e.Holder + ")"
	}
	return msg + "; wait for it to finish, or if it died, run `pulumi cancel` (Pulumi Cloud) or remove the lock file (self-managed backends)"
}

func (e *LockedError) Unwrap() error { return e.Err }

// IsLocked reports whether err is a [*LockedError].
func IsLocked(err error) bool {
	var le *LockedError
	return errors.As(err, &le)
}

var (
	// self-managed backends: "the stack is currently locked by 1 lock(s)…" then
	// one line per lock: "  file://…/<id>.json: created by user@host (pid N) at <time>"
	diyLock     = regexp.MustCompile(`the stack is currently locked`)
	diyLockLine = regexp.MustCompile(`(?m)^\s*\S+\.json: (created by .*)$`)
	// Pulumi Cloud: "[409] Conflict: Another update is currently in progress."
	cloudLock = regexp.MustCompile(`\[409\] Conflict: Another update is currently in progress`)
)

// classify turns a failed run into the most specific error it can.
func classify(stack, op string, err error, urns []string) error {
	var ee *ExitError
	if !errors.As(err, &ee) {
		return &StackError{Stack: stack, Op: op, Kind: FailureCancelled, Err: err}
	}
	if diyLock.MatchString(ee.Stderr) || cloudLock.MatchString(ee.Stderr) {
		le := &LockedError{Stack: stack, Err: ee}
		if m := diyLockLine.FindStringSubmatch(ee.Stderr); m != nil {
			le.Holder = strings.TrimSpace(m[1])
		}
		return le
	}
	se := &StackError{Stack: stack, Op: op, URNs: urns, Err: ee}
	switch ee.Code {
	case exitStackNotFound:
		return fmt.Errorf("%s: %w: %w", stack, ErrStackNotFound, ee)
	case exitNoChanges:
		return fmt.Errorf("%s of stack %s: %w: %w", op, stack, ErrNoChanges, ee)
	case exitConfiguration:
		se.Kind = FailureProgram
	case exitAuthentication:
		se.Kind = FailureAuthentication
	case exitResource:
		se.Kind = FailureResource
	case exitPolicy:
		se.Kind = FailurePolicy
	case exitCancelled:
		se.Kind = FailureCancelled
	default:
		se.Kind = FailureOther
		if len(urns) > 0 {
			se.Kind = FailureResource
		}
	}
	return se
}
