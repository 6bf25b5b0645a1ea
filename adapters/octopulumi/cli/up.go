package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/runner"
	"github.com/octopulumi/octopulumi/pkg/step"
)

func newUpCmd(a *app) *cobra.Command {
	var f stepFlags
	var approved string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Update the environment's stack; with --approved-fingerprint, only with the approved changes",
		Long: `up applies config from Pulumi.Config.* variables and updates the environment's
stack, publishing its outputs as output variables. With --approved-fingerprint
(the preview step's ` + step.OutFingerprint + ` output variable) it previews
again with a saved plan, refuses unless the planned changes have that
fingerprint, and applies exactly that plan.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.prepare(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			var res *runner.Result
			if approved != "" {
				res, err = s.Apply(cmd.Context(), approved)
			} else {
				res, err = s.Deploy(cmd.Context())
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "octopulumi: stack %s updated (%s) in %s\n", s.Stack, res.Summary, res.Duration.Round(1e7))
			return nil
		},
	}
	f.register(cmd, a)
	cmd.Flags().StringVar(&approved, "approved-fingerprint", "", "apply only if the planned changes have this fingerprint (from octopulumi preview)")
	return cmd
}
