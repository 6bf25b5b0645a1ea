package step

import (
	"context"
	"errors"
	"fmt"

	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Destroy deletes the stack's resources and, with remove, the stack itself
// (its history and config), as a review stack wants when it is done. A
// stack that does not exist has nothing to destroy: that is success, so a
// teardown can run twice.
func (s *Session) Destroy(ctx context.Context, remove bool) (*runner.Result, error) {
	opts := append(s.opOptions(false), runner.MayBeMissing())
	if remove || s.Settings.Update.RemoveStack {
		opts = append(opts, runner.RemoveStack())
	}
	res, err := s.Runner.Destroy(ctx, s.Stack, opts...)
	if errors.Is(err, runner.ErrStackNotFound) {
		fmt.Fprintf(s.log, "octopulumi: stack %s does not exist: nothing to destroy\n", s.Stack)
		return &runner.Result{Stack: s.Stack, Summary: runner.Summary{}, Succeeded: true}, nil
	}
	if err == nil {
		err = s.publishURL(ctx, OutUpdateURL, res)
	}
	return res, err
}

// Refresh reads the real state of the stack's resources into its state;
// with expectNoChanges it fails with runner.ErrNoChanges on drift.
func (s *Session) Refresh(ctx context.Context, expectNoChanges bool) (*runner.Result, error) {
	opts := s.opOptions(false)
	if expectNoChanges || s.Settings.Update.ExpectNoChanges {
		opts = append(opts, runner.ExpectNoChanges())
	}
	res, err := s.Runner.Refresh(ctx, s.Stack, opts...)
	if err == nil {
		err = s.publishURL(ctx, OutUpdateURL, res)
	}
	return res, err
}

// Cancel ends the update in progress on the stack and unlocks it (`pulumi
// cancel`), for an update whose step was killed (see runner.KilledError);
// it reports false when there was none to cancel. Never while another step
// still updates the stack.
func (s *Session) Cancel(ctx context.Context) (bool, error) {
	err := s.Runner.Cancel(ctx, s.Stack)
	if errors.Is(err, runner.ErrNothingToCancel) {
		return false, nil
	}
	return err == nil, err
}
