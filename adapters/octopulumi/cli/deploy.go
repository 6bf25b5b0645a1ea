package cli

import (
	"fmt"

	"github.com/spf13/cobra"
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
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.prepare(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.Deploy(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "octopulumi: stack %s deployed (%s) in %s\n", s.Stack, res.Summary, res.Duration.Round(1e7))
			return nil
		},
	}
	f.register(cmd, a)
	return cmd
}
