package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

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
fingerprint, and applies exactly that plan; given but empty, it refuses.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd, a, func(ctx context.Context, s *step.Session) (string, error) {
				// Given but empty is no approval: only the flag's absence
				// means a plain update.
				apply := s.Deploy
				if cmd.Flags().Changed("approved-fingerprint") {
					apply = func(ctx context.Context) (*step.Result, error) { return s.Apply(ctx, approved) }
				}
				res, err := apply(ctx)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("stack %s updated (%s) in %s", s.Stack, res.Summary, res.Duration.Round(time.Millisecond)), nil
			})
		},
	}
	f.register(cmd, a)
	cmd.Flags().StringVar(&approved, "approved-fingerprint", "", "apply only if the planned changes have this fingerprint (from octopulumi preview)")
	return cmd
}
