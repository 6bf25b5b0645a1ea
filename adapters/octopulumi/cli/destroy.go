package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/step"
)

func newDestroyCmd(a *app) *cobra.Command {
	var f stepFlags
	var remove bool
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Delete every resource of the environment's stack; with --remove, the stack too",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, a, func(ctx context.Context, s *step.Session) (string, error) {
				res, err := s.Destroy(ctx, remove)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("stack %s destroyed (%s)", s.Stack, res.Summary), nil
			})
		},
	}
	f.register(cmd, a)
	cmd.Flags().BoolVar(&remove, "remove", false, "remove the stack, its history and config once its resources are gone (review stacks)")
	return cmd
}
