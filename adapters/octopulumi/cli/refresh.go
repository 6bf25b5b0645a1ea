package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRefreshCmd(a *app) *cobra.Command {
	var f stepFlags
	var expectNoChanges bool
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Read the real state of the environment's stack's resources into its state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.prepare(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.Refresh(cmd.Context(), expectNoChanges)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "octopulumi: stack %s refreshed (%s)\n", s.Stack, res.Summary)
			return nil
		},
	}
	f.register(cmd, a)
	cmd.Flags().BoolVar(&expectNoChanges, "expect-no-changes", false, "fail if the refresh finds drift")
	return cmd
}
