package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

func newLoginCmd(a *app) *cobra.Command {
	var f varFlags
	var backend string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Check that the step can log in to the Pulumi backend, and say as whom",
		Long: `login logs in the way deploy would — a stored token (Pulumi.AccessToken), an
Octopus OIDC token exchanged for a Pulumi token, or a self-managed backend's
passphrase — and prints who it is logged in as. Nothing is kept: every other
command logs in again within its own process, so no token is left on the
worker.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			vars, err := f.load(cmd.Context(), a)
			if err != nil {
				return err
			}
			creds, err := step.Login(cmd.Context(), step.LoginConfig{
				Backend: backend, Vars: vars, Organization: vars.Value(octoenv.VarOrganization),
				Environ: a.io.Environ, Reporter: a.reporter(), Logger: a.logger(), Redactor: a.redactor,
			})
			var ce *auth.CheckError
			if errors.As(err, &ce) && ce.Report != nil {
				_, _ = ce.Report.WriteTo(a.out)
			}
			if err != nil {
				return err
			}
			if creds.Report != nil {
				_, _ = creds.Report.WriteTo(a.out)
			}
			for _, w := range creds.Warnings {
				fmt.Fprintf(a.out, "warning: %s\n", w)
			}
			fmt.Fprintln(a.out, "octopulumi: "+creds.Describe())
			return nil
		},
	}
	f.register(cmd)
	registerBackend(cmd, a, &backend)
	return cmd
}
