package runner

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// OpOption configures one operation.
type OpOption func(*opOptions)

type opOptions struct {
	create          bool
	savePlan        string
	plan            string
	expectNoChanges bool
	refresh         bool
	targets         []string
	replace         []string
	parallel        int
	expectedChanges int
	message         string
	removeStack     bool
	lockWait        time.Duration
	mayBeMissing    bool
}

// CreateStack creates the stack when it does not exist yet. Selecting an
// existing stack costs no extra process; a missing one costs two (stack
// init, then the operation again).
func CreateStack() OpOption { return func(o *opOptions) { o.create = true } }

// SavePlan makes a preview save its update plan to path, for [Plan].
func SavePlan(path string) OpOption { return func(o *opOptions) { o.savePlan = path } }

// Plan makes an update apply exactly the plan a preview saved at path, and
// fail if the program now wants anything else.
func Plan(path string) OpOption { return func(o *opOptions) { o.plan = path } }

// ExpectNoChanges makes a preview or update fail with [ErrNoChanges] if
// it finds any change; use it to detect drift.
func ExpectNoChanges() OpOption { return func(o *opOptions) { o.expectNoChanges = true } }

// Replace makes an update (or preview) replace the given resource URNs even
// when nothing about them changed (`--replace`).
func Replace(urns ...string) OpOption {
	return func(o *opOptions) { o.replace = append(o.replace, urns...) }
}

// Parallel bounds how many resource operations run at once (`--parallel`);
// 0 leaves the CLI's default.
func Parallel(n int) OpOption { return func(o *opOptions) { o.parallel = n } }

// RefreshFirst refreshes the stack's state from the real resources before
// previewing or updating.
func RefreshFirst() OpOption { return func(o *opOptions) { o.refresh = true } }

// Targets limits the operation to the given resource URNs.
func Targets(urns ...string) OpOption {
	return func(o *opOptions) { o.targets = append(o.targets, urns...) }
}

// ExpectedChanges is how many resource changes the operation should make
// (a preview's Summary.Changes()), so that [Progress] can report a total.
func ExpectedChanges(n int) OpOption { return func(o *opOptions) { o.expectedChanges = n } }

// Message sets the update's message, shown in the stack's history.
func Message(msg string) OpOption { return func(o *opOptions) { o.message = msg } }

// RemoveStack makes [Runner.Destroy] remove the stack itself, its history
// and its Pulumi.<stack>.yaml once its resources are gone, as a review stack
// wants; in the same process (`destroy --remove`).
func RemoveStack() OpOption { return func(o *opOptions) { o.removeStack = true } }

// MayBeMissing says the caller expects the stack may not exist and handles
// [ErrStackNotFound] itself (a teardown of a review stack already removed):
// the CLI's "no stack named" error then stays out of the log.
func MayBeMissing() OpOption { return func(o *opOptions) { o.mayBeMissing = true } }

// WaitForLock makes an operation that finds its stack locked by another
// update try again, with backoff (0.25 s doubling up to 5 s, with jitter),
// until it gets the stack or d has passed since it began; then it returns
// the last [*LockedError]. Cancelling the context stops the wait at once.
func WaitForLock(d time.Duration) OpOption { return func(o *opOptions) { o.lockWait = d } }

func collect(opts []OpOption) opOptions {
	var o opOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// operation runs one engine operation with its events parsed, creating the
// stack first when asked and it is missing.
func (r *Runner) operation(ctx context.Context, op, stack string, o opOptions) (*Result, error) {
	inv, err := engineInvocation(op, stack, o)
	if err != nil {
		return nil, err
	}
	inv.mayBeMissing = o.create || o.mayBeMissing
	res, err := r.lockAware(ctx, op, stack, inv, o)
	inv.mayBeMissing = o.mayBeMissing
	if o.create && errors.Is(err, ErrStackNotFound) {
		if err := r.CreateStack(ctx, stack); err != nil {
			return nil, err
		}
		res, err = r.lockAware(ctx, op, stack, inv, o)
	}
	return res, err
}

// Lock waits back off from 0.25 s up to 5 s.
const (
	lockBackoffMin = 250 * time.Millisecond
	lockBackoffMax = 5 * time.Second
)

// lockAware runs the operation once, or with [WaitForLock] again while the
// stack is locked, until the deadline.
func (r *Runner) lockAware(ctx context.Context, op, stack string, inv invocation, o opOptions) (*Result, error) {
	deadline := time.Now().Add(o.lockWait)
	backoff := lockBackoffMin
	for attempt := 1; ; attempt++ {
		res, err := r.once(ctx, op, stack, inv, o)
		if o.lockWait <= 0 || !IsLocked(err) {
			return res, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return res, fmt.Errorf("runner: stack %s still locked after waiting %s (%d attempts): %w", stack, o.lockWait, attempt, err)
		}
		// Full jitter keeps two waiting steps from retrying in step.
		wait := min(backoff/2+rand.N(backoff/2+1), left)
		r.opts.logger.InfoContext(ctx, "stack locked; waiting", "stack", stack, "wait", wait, "attempt", attempt)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, &StackError{Stack: stack, Op: op, Kind: FailureCancelled, Err: fmt.Errorf("waiting for the lock: %w", ctx.Err())}
		case <-t.C:
		}
		backoff = min(backoff*2, lockBackoffMax)
	}
}

func (r *Runner) once(ctx context.Context, op, stack string, inv invocation, o opOptions) (*Result, error) {
	res := &Result{Stack: stack}
	c := newCollector(res, o.expectedChanges, r.opts.progress, r.redact.String)
	c.preview = op == opPreview
	start := time.Now()
	out, err := r.run(ctx, inv, c.event)
	res.Duration = time.Since(start)
	if inv.capture {
		res.Diff = out.stdout
	}
	res.URL = out.link
	if errors.Is(err, errEventLogHeld) && c.summary {
		// pulumi wrote every event, its summary included; only the end of
		// the pipe was late.
		r.opts.logger.WarnContext(ctx, "pulumi exited but a process it started still held the event log open", "stack", stack, "op", op)
		err = nil
	}
	if err != nil {
		// An update applied with a plan may exit non-zero although the
		// engine reports success (seen on some CLI versions): trust the
		// engine's own summary then.
		var ee *ExitError
		if o.plan != "" && c.summary && res.Succeeded && errors.As(err, &ee) {
			r.opts.logger.WarnContext(ctx, "pulumi exited non-zero after a successful update with a plan; trusting the engine's summary", "exit", ee.Code)
			return res, nil
		}
		return res, classify(stack, op, err, c.failure())
	}
	if !c.summary {
		// Without the summary the steps and outputs may be incomplete:
		// calling that a success would publish a partial result.
		return res, &StackError{Stack: stack, Op: op, Kind: FailureOther, Err: fmt.Errorf("pulumi %s exited with code 0 but its engine event log ended without a summary, so what it did is unknown; check the log above, and that %s is a Pulumi CLI that supports --event-log", inv.args[0], r.opts.pulumi)}
	}
	if !res.Succeeded {
		f := c.failure()
		return res, &StackError{Stack: stack, Op: op, Kind: FailureOther, URNs: f.urns, Diagnostics: f.errors(), Err: errors.New("the engine reported the operation failed")}
	}
	return res, nil
}
