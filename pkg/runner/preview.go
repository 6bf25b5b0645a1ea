package runner

import (
	"context"
)

// Preview shows what an update of stack would do, with a human diff and a
// [Fingerprint] of the planned changes. With [SavePlan] it also saves the
// plan for [Plan].
func (r *Runner) Preview(ctx context.Context, stack string, opts ...OpOption) (*Result, error) {
	o := collect(opts)
	res, err := r.operation(ctx, opPreview, stack, o)
	if res != nil {
		res.Fingerprint = Fingerprint(res.Steps)
		if err == nil {
			res.PlanFile = o.savePlan
		}
	}
	return res, err
}
