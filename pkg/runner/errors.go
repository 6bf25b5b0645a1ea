package runner

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
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
	// Args are the command's arguments (without the binary), redacted.
	Args []string
	// Code is the process's exit code.
	Code int
	// Stderr is the last few KiB of its stderr, redacted.
	Stderr string
}

// Error names the command, the exit code and the CLI's own error lines.
func (e *ExitError) Error() string {
	msg := lastError(e.Stderr)
	if msg == "" {
		msg = "pulumi gave no error message: see the log above"
	}
	op := "pulumi"
	if len(e.Args) > 0 {
		op += " " + e.Args[0]
	}
	return fmt.Sprintf("%s failed (exit code %d): %s", op, e.Code, msg)
}

// lastError picks the CLI's own "error: …" lines from stderr, with the
// indented lines that continue them ("2 errors occurred:" and its
// "* …" items), which say what went wrong more plainly than the whole tail.
// It is bounded, and free of terminal control sequences.
func lastError(stderr string) string {
	var parts []string
	in := false
	for _, l := range strings.Split(stripControl(stderr), "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "error:"):
			parts, in = append(parts, strings.TrimSpace(strings.TrimPrefix(t, "error:"))), true
		case in && t != "" && (l[0] == ' ' || l[0] == '\t'):
			parts[len(parts)-1] += " " + t
		default:
			in = false
		}
	}
	msg := strings.Join(parts, "; ")
	if len(parts) == 0 {
		msg = strings.TrimSpace(stripControl(stderr))
	}
	if len(msg) > maxErrorText {
		msg = "…" + msg[len(msg)-maxErrorText:]
	}
	return msg
}

// maxErrorText bounds the CLI's text in an error: a result message is read
// by a person, and the whole log is above it.
const maxErrorText = 4 << 10

// KilledError is an operation whose pulumi process did not stop within the
// grace period after it was asked to cancel (SIGINT), and was killed: the
// update may have left its stack locked, and operations in flight may be
// pending in its state. It unwraps to the context's error.
type KilledError struct {
	// Command is the pulumi command that was killed (up, preview…).
	Command string
	// Grace is how long it had to stop.
	Grace time.Duration
	// Err is the context's error.
	Err error
}

// Error says what happened and how to recover.
func (e *KilledError) Error() string {
	return fmt.Sprintf("pulumi %s did not stop within %s of being asked to cancel and was killed: the stack may still be locked by this update, and resources it was changing may be pending in its state; once you are sure no other update is running on it, unlock it with 'octopulumi cancel' (or 'pulumi cancel'), then run 'pulumi refresh' to settle pending operations (cause: %v)", e.Command, e.Grace, e.Err)
}

// Unwrap returns the context's error.
func (e *KilledError) Unwrap() error { return e.Err }

// ErrStackNotFound is returned (wrapped) when an operation names a stack that
// does not exist and was not asked to create it.
var ErrStackNotFound = errors.New("stack not found")

// ErrNoChanges is returned (wrapped) by a preview with [ExpectNoChanges]
// that found changes: drift, or a program that no longer matches its state.
var ErrNoChanges = errors.New("changes were expected to be none")

// ErrChangedSinceApproval is matched (errors.Is) by the error of an update
// applied with [Plan] when the program, its config or the stack's state no
// longer give the changes the plan recorded: the world changed since the
// preview was approved, so nothing beyond the plan was done.
var ErrChangedSinceApproval = errors.New("the program, its config or the stack's state changed since the plan was approved")

// StackError is an operation that failed on a stack. Kind says which way;
// Err is the underlying [*ExitError] or context error.
type StackError struct {
	// Stack is the fully qualified stack name.
	Stack string
	// Op names the operation: "update", "preview", "refresh", "destroy"…
	Op string
	// Kind says which way it failed.
	Kind FailureKind
	// URNs names the resources whose operations failed, when the engine said.
	URNs []string
	// Diagnostics are the engine's error messages (redacted), with their
	// resources; they say more than the exit code.
	Diagnostics []Diagnostic
	// Err is the underlying [*ExitError], or a context error.
	Err error
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
	FailurePlan           FailureKind = "plan"           // the update would leave its approved plan (see ErrChangedSinceApproval)
	FailureOther          FailureKind = "other"
)

// Error says what failed, where, and the engine's own words.
func (e *StackError) Error() string {
	var msg string
	if e.Kind == FailurePlan {
		msg = fmt.Sprintf("%s of stack %s refused: %s; nothing outside the plan was changed: preview again and have the new changes approved", e.Op, e.Stack, ErrChangedSinceApproval)
	} else {
		msg = fmt.Sprintf("%s of stack %s failed", e.Op, e.Stack)
	}
	if len(e.URNs) > 0 {
		msg += " on " + strings.Join(e.URNs, ", ")
	}
	var reasons []string
	for _, d := range e.Diagnostics {
		if d.URN != "" {
			reasons = append(reasons, lastName(d.URN)+": "+d.Message)
		} else {
			reasons = append(reasons, d.Message)
		}
	}
	if len(reasons) > 0 {
		return msg + ": " + strings.Join(reasons, "; ")
	}
	if e.Err == nil {
		return msg
	}
	return msg + ": " + e.Err.Error()
}

// lastName is the name part of a URN.
func lastName(urn string) string {
	// urn:pulumi:<stack>::<project>::<type>::<name>, where only the name may
	// hold "::" (a program names its resources freely).
	if parts := strings.SplitN(urn, "::", 4); len(parts) == 4 {
		return parts[3]
	}
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// Unwrap returns the underlying error.
func (e *StackError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, [ErrChangedSinceApproval]) true for a refused plan.
func (e *StackError) Is(target error) bool {
	return target == ErrChangedSinceApproval && e.Kind == FailurePlan
}

// LockedError is an update refused because another one holds the stack.
type LockedError struct {
	// Stack is the fully qualified stack name.
	Stack string
	// Holder says who holds the lock, where the CLI says it (a lock file
	// with its user, host and time on self-managed backends).
	Holder string
	// Err is the underlying [*ExitError].
	Err error
}

// Error names the stack, the holder when known, and what to do.
func (e *LockedError) Error() string {
	msg := fmt.Sprintf("stack %s is locked by another update", e.Stack)
	if e.Holder != "" {
		msg += " (" + e.Holder + ")"
	}
	return msg + "; wait for it to finish, or if it died, run `pulumi cancel` (Pulumi Cloud) or remove the lock file (self-managed backends)"
}

// Unwrap returns the underlying error.
func (e *LockedError) Unwrap() error { return e.Err }

// IsLocked reports whether err is a [*LockedError].
func IsLocked(err error) bool {
	var le *LockedError
	return errors.As(err, &le)
}

var (
	// self-managed backends: "the stack is currently locked by 1 lock(s)…" then
	// one line per lock:
	// "  file://…/<id>.json?no_tmp_dir=true: created by user@host (pid N) at <time>"
	diyLock     = regexp.MustCompile(`the stack is currently locked`)
	diyLockLine = regexp.MustCompile(`(?m)^\s*\S+\.json(?:\?\S*)?: (created by .*)$`)
	// an update with a plan that the program no longer matches:
	// "resource urn:… violates plan: properties changed: …"
	planViolation = regexp.MustCompile(`violates plan`)
	// Pulumi Cloud: "[409] Conflict: Another update is currently in progress."
	cloudLock = regexp.MustCompile(`\[409\] Conflict: Another update is currently in progress`)
)

// failure is what the engine said about a failed operation, from its events.
type failure struct {
	urns        []string
	diagnostics []Diagnostic
	// stderr is the last of what the program wrote to stderr.
	stderr []Diagnostic
}

// errors are the error diagnostics; the stack's closing "update failed"
// is left out when a resource said more. Without any, what the program
// wrote to stderr is the cause.
func (f failure) errors() []Diagnostic {
	var out, stack []Diagnostic
	for _, d := range f.diagnostics {
		switch {
		case d.Severity != "error":
		case d.URN != "" && !isStackURN(d.URN):
			out = append(out, d)
		default:
			stack = append(stack, d)
		}
	}
	if len(out) == 0 && len(stack) == 0 {
		return f.stderrCause()
	}
	if len(out) == 0 {
		return stack
	}
	return out
}

// stderrCause picks from what the program wrote to stderr the lines that
// say why it failed: from its last "Error:" line on (with the lines that
// locate it, such as "on Pulumi.yaml line 5:"), else its last lines;
// repeated lines (retries) once.
func (f failure) stderrCause() []Diagnostic {
	from := max(len(f.stderr)-3, 0)
	for i, d := range f.stderr {
		if m := strings.ToLower(d.Message); strings.HasPrefix(m, "error:") || strings.HasPrefix(m, "error ") {
			from = i
		}
	}
	var out []Diagnostic
	seen := map[string]bool{}
	for _, d := range f.stderr[from:] {
		if !seen[d.Message] {
			seen[d.Message] = true
			out = append(out, d)
		}
	}
	return out
}

// programError is an error that no resource owns: the program or its
// language host failed.
func (f failure) programError() bool {
	for _, d := range f.diagnostics {
		if d.Severity == "error" && (d.URN == "" || isStackURN(d.URN)) {
			return true
		}
	}
	return false
}

func (f failure) planViolated() bool {
	for _, d := range f.diagnostics {
		if d.Severity == "error" && planViolation.MatchString(d.Message) {
			return true
		}
	}
	return false
}

// classify turns a failed run into the most specific error it can.
func classify(stack, op string, err error, f failure) error {
	var ee *ExitError
	if !errors.As(err, &ee) {
		kind := FailureOther
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			kind = FailureCancelled
		}
		return &StackError{Stack: stack, Op: op, Kind: kind, URNs: f.urns, Diagnostics: f.errors(), Err: err}
	}
	if diyLock.MatchString(ee.Stderr) || cloudLock.MatchString(ee.Stderr) {
		le := &LockedError{Stack: stack, Err: ee}
		if m := diyLockLine.FindStringSubmatch(ee.Stderr); m != nil {
			le.Holder = strings.TrimSpace(m[1])
		}
		return le
	}
	se := &StackError{Stack: stack, Op: op, URNs: f.urns, Diagnostics: f.errors(), Err: ee}
	switch {
	case f.planViolated() || planViolation.MatchString(ee.Stderr):
		se.Kind = FailurePlan
		return se
	case ee.Code == exitStackNotFound:
		return fmt.Errorf("%s: %w: %w", stack, ErrStackNotFound, ee)
	case ee.Code == exitNoChanges:
		return fmt.Errorf("%s of stack %s: %w: %w", op, stack, ErrNoChanges, ee)
	case ee.Code == exitConfiguration:
		se.Kind = FailureProgram
	case ee.Code == exitAuthentication:
		se.Kind = FailureAuthentication
	case ee.Code == exitResource:
		se.Kind = FailureResource
	case ee.Code == exitPolicy:
		se.Kind = FailurePolicy
	case ee.Code == exitCancelled:
		se.Kind = FailureCancelled
	case len(f.urns) > 0:
		se.Kind = FailureResource
	case f.programError():
		se.Kind = FailureProgram
	default:
		se.Kind = FailureOther
	}
	return se
}
