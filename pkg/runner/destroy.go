package runner

import "context"

// Destroy deletes every resource of stack, and with [RemoveStack] the stack
// itself, in one process.
func (r *Runner) Destroy(ctx context.Context, stack string, opts ...OpOption) (*Result, error) {
	o := collect(opts)
	o.create = false
	return r.operation(ctx, opDestroy, stack, o)
}
