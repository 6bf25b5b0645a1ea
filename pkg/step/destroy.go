package step

import (
	"context"

	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Destroy deletes the stack's resources and, with remove, the stack itself
// (its history and config), as a review stack wants when it is done.
func (s *Session) Destroy(ctx context.Context, remove bool) (*runner.Result, error) {
	var opts []runner.OpOption
	if remove {
		opts = append(opts, runner.RemoveStack())
	}
	return s.Runner.Destroy(ctx, s.Stack, opts...)
}

// Refresh reads the real state of the stack's resources into its state;
// with expectNoChanges it fails with runner.ErrNoChanges on drift.
func (s *Session) Refresh(ctx context.Context, expectNoChanges bool) (*runner.Result, error) {
	var opts []runner.OpOption
	if expectNoChanges {
		opts = append(opts, runner.ExpectNoChanges())
	}
	return s.Runner.Refresh(ctx, s.Stack, opts...)
}
