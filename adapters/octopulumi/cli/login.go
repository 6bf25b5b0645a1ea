package cli

import (
	"errors"
	"fmt"
	"strings"

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
			if backend == "" {
				backend = step.DefaultBackend
			}
			creds, err := step.Login(cmd.Context(), step.LoginConfig{
				Backend: backend, Vars: vars, Organization: vars.Value(octoenv.VarOrganization),
				Environ: a.io.Environ, Messages: a.messages, Logger: a.logger(),
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
			fmt.Fprintln(a.out, describe(creds))
			return nil
		},
	}
	f.register(cmd)
	registerBackend(cmd, a, &backend)
	return cmd
}

func describe(c *auth.Credentials) string {
	if c.Account == nil {
		return fmt.Sprintf("octopulumi: %s is a self-managed backend; no Pulumi token is needed", c.BackendURL)
	}
	who := c.Account.UserName
	if c.Account.TokenOrganization != "" {
		who = "a token of organization " + c.Account.TokenOrganization
		if c.Account.TokenTeam != "" {
			who += ", team " + c.Account.TokenTeam
		}
	}
	msg := fmt.Sprintf("octopulumi: logged in to %s as %s", c.BackendURL, who)
	if len(c.Account.Organizations) > 0 {
		msg += " (organizations: " + strings.Join(c.Account.Organizations, ", ") + ")"
	}
	if !c.Expiry.IsZero() {
		msg += ", token valid until " + c.Expiry.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return msg
}
