package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Install runs `pulumi install`: the program's dependencies and plugins.
func (r *Runner) Install(ctx context.Context) error {
	_, err := r.run(ctx, invocation{args: []string{"install"}}, nil)
	return err
}

// CreateStack creates stack (org/project/stack), or does nothing if it
// exists.
func (r *Runner) CreateStack(ctx context.Context, stack string) error {
	if err := checkStack("stack init", stack); err != nil {
		return err
	}
	_, err := r.run(ctx, invocation{args: []string{"stack", "init", stack, "--no-select"}}, nil)
	var ee *ExitError
	// The CLI has no exit code for this case: its stderr is all there is.
	if errors.As(err, &ee) && strings.Contains(ee.Stderr, "already exists") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating stack %s: %w", stack, err)
	}
	return nil
}

// Cancel cancels the update running on stack (`pulumi cancel`): on Pulumi
// Cloud it ends the update; on a self-managed backend it removes the stack's
// lock. Only for an update whose process died: a running one is cancelled by
// cancelling the context of its call.
func (r *Runner) Cancel(ctx context.Context, stack string) error {
	if err := checkStack("cancel", stack); err != nil {
		return err
	}
	_, err := r.run(ctx, invocation{args: []string{"cancel", "--yes", "--stack", stack}}, nil)
	var ee *ExitError
	// Pulumi Cloud answers 409 when no update runs; the CLI has no exit
	// code for it, its stderr is all there is.
	if errors.As(err, &ee) && (strings.Contains(ee.Stderr, "already completed") || strings.Contains(ee.Stderr, "has never been updated")) {
		return fmt.Errorf("%s: %w", stack, ErrNothingToCancel)
	}
	if err != nil {
		return classify(stack, "cancel", err, failure{})
	}
	return nil
}

// ErrNothingToCancel is returned (wrapped) by [Runner.Cancel] when no update
// is in progress on the stack (Pulumi Cloud says so; a self-managed backend
// removes its lock, if any, and succeeds).
var ErrNothingToCancel = errors.New("no update is in progress on the stack: nothing to cancel")
