package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/step"
)

func newCancelCmd(a *app) *cobra.Command {
	var f stepFlags
	cmd := &cobra.Command{
		Use:   "cancel",
		Short: "Unlock the environment's stack after an update whose step was killed",
		Long: `cancel ends the update in progress on the environment's stack (pulumi
cancel): on Pulumi Cloud it ends the update; on a self-managed backend it
removes the stack's lock. Use it only when the step that ran the update is
gone — killed after its grace period, or on a worker that was lost — never
while an update is still running. Then run a refresh, since resources the
killed update was changing may be pending in the stack's state.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, a, func(ctx context.Context, s *step.Session) (string, error) {
				cancelled, err := s.Cancel(ctx)
				if err != nil {
					return "", err
				}
				if !cancelled {
					return fmt.Sprintf("stack %s: no update is in progress: nothing to cancel", s.Stack), nil
				}
				return fmt.Sprintf("stack %s: the update in progress was cancelled and the stack unlocked; run octopulumi refresh to settle operations it left pending", s.Stack), nil
			})
		},
	}
	f.register(cmd, a)
	return cmd
}
