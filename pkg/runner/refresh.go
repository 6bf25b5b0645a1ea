package runner

import "context"

// Refresh reads the real state of stack's resources into its state. With
// [ExpectNoChanges] it fails with [ErrNoChanges] on drift.
func (r *Runner) Refresh(ctx context.Context, stack string, opts ...OpOption) (*Result, error) {
	return r.operation(ctx, opRefresh, stack, collect(opts))
}
