package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newDestroyCmd(a *app) *cobra.Command {
	var f stepFlags
	var remove bool
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Delete every resource of the environment's stack; with --remove, the stack too",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.prepare(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.Destroy(cmd.Context(), remove)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.io.Out, "octopulumi: stack %s destroyed (%s)\n", s.Stack, res.Summary)
			return nil
		},
	}
	f.register(cmd, a)
	cmd.Flags().BoolVar(&remove, "remove", false, "remove the stack, its history and config once its resources are gone (review stacks)")
	return cmd
}
