package cli

import (
	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/adapters/steptemplate"
)

func newStepTemplateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "step-template",
		Short: "Print octopulumi's Octopus step template (JSON), to import under Library > Step Templates",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			t, err := steptemplate.New()
			if err != nil {
				return err
			}
			b, err := t.JSON()
			if err != nil {
				return err
			}
			_, err = a.out.Write(b)
			return err
		},
	}
}
