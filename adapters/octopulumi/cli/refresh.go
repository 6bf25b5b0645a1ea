package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/step"
)

func newRefreshCmd(a *app) *cobra.Command {
	var f stepFlags
	var expectNoChanges bool
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Read the real state of the environment's stack's resources into its state",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, a, func(ctx context.Context, s *step.Session) (string, error) {
				res, err := s.Refresh(ctx, expectNoChanges)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("stack %s refreshed (%s)", s.Stack, res.Summary), nil
			})
		},
	}
	f.register(cmd, a)
	cmd.Flags().BoolVar(&expectNoChanges, "expect-no-changes", false, "fail if the refresh finds drift")
	return cmd
}
