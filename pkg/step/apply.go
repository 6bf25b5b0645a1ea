package step

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/octopulumi/octopulumi/pkg/runner"
)

// ErrNotApproved is matched (errors.Is) by [Session.Apply]'s error when the
// changes a new preview plans are not the approved ones.
var ErrNotApproved = errors.New("the planned changes are not the approved ones")

// Apply applies exactly the changes that were approved: it previews again
// with a saved plan, refuses if that preview's fingerprint is not
// approvedFingerprint (from the Preview step's output variable), and
// otherwise updates the stack with that plan, which refuses anything beyond
// it, and publishes the stack's outputs.
func (s *Session) Apply(ctx context.Context, approvedFingerprint string) (*runner.Result, error) {
	if err := runner.CheckFingerprint(approvedFingerprint); err != nil {
		return nil, fmt.Errorf("step: the approved fingerprint: %w; pass the Preview step's output variable #{Octopus.Action[<Preview step>].Output.%s}", err, OutFingerprint)
	}
	if err := s.applyConfig(ctx); err != nil {
		return nil, err
	}
	// The plan may hold config values: it lives in the run's private
	// folder, removed with it, and goes once applied.
	dir, err := os.MkdirTemp(s.Runner.TempDir(), "plan-")
	if err != nil {
		return nil, fmt.Errorf("step: a folder for the plan: %w", err)
	}
	defer os.RemoveAll(dir)
	// Replacements and a refresh shape the plan; the apply then does
	// exactly what the plan holds.
	pre, err := s.Runner.Preview(ctx, s.Stack, append(s.opOptions(true), runner.SavePlan(filepath.Join(dir, "plan.json")))...)
	if err != nil {
		return pre, err
	}
	if pre.Fingerprint != approvedFingerprint {
		return pre, fmt.Errorf("step: refusing to apply to %s: %w: the approved fingerprint is %s but the stack now plans %s (%s); the program, its config or the stack changed since the preview: preview again and have the new changes approved",
			s.Stack, ErrNotApproved, approvedFingerprint, pre.Fingerprint, counts(pre.Summary))
	}
	res, err := s.Runner.Up(ctx, s.Stack, append(s.opOptions(false), runner.Plan(pre.PlanFile), runner.ExpectedChanges(pre.Summary.Changes()))...)
	if err != nil {
		return res, err
	}
	if err := s.publishURL(ctx, OutUpdateURL, res); err != nil {
		return res, err
	}
	return res, s.publishOutputs(ctx, res.Outputs)
}
