package runner

import "context"

// Up updates stack and returns what it did, with the stack's outputs taken
// from the same process's engine events (secret values are not in events:
// see [Runner.Outputs]). With [Plan] it applies exactly a saved plan and
// fails with [ErrChangedSinceApproval] if the program now wants anything
// else.
func (r *Runner) Up(ctx context.Context, stack string, opts ...OpOption) (*Result, error) {
	return r.operation(ctx, opUpdate, stack, collect(opts))
}
