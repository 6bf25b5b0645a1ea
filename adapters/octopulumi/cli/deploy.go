package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/step"
)

func newDeployCmd(a *app) *cobra.Command {
	var f stepFlags
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Create or update the environment's stack and publish its outputs as output variables",
		Long: `deploy selects the stack for the Octopus environment (creating it when
missing), applies config from Pulumi.Config.* variables, runs pulumi up, and
publishes every stack output as an Octopus output variable, read in later
steps as #{Octopus.Action[<Step>].Output.<Name>}.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, a, func(ctx context.Context, s *step.Session) (string, error) {
				res, err := s.Deploy(ctx)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("stack %s deployed (%s) in %s", s.Stack, res.Summary, res.Duration.Round(time.Millisecond)), nil
			})
		},
	}
	f.register(cmd, a)
	return cmd
}
