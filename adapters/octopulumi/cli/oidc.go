package cli

import (
	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/step"
)

func newOIDCCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "oidc",
		Short: "Octopus OIDC tokens for Pulumi Cloud",
		Args:  noArgs,
	}
	cmd.AddCommand(newOIDCCheckCmd(a))
	return cmd
}

func newOIDCCheckCmd(a *app) *cobra.Command {
	var f varFlags
	var audience string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Explain whether an Octopus OIDC token will be accepted, without exchanging it",
		Long: `check reads the step's Octopus OIDC token (or the one of the account named by
Pulumi.OidcAccount) and reports, for a person reading the task log: its
audience, lifetime, issuer, subject and Octopus claims; whether the issuer's
discovery document and signing keys are reachable from this worker; and
whether the signature verifies. It exits non-zero when Pulumi Cloud would
refuse the token.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			vars, err := f.load(cmd.Context(), a)
			if err != nil {
				return err
			}
			report, err := step.CheckOIDC(cmd.Context(), vars, audience, a.logger())
			if err != nil {
				return err
			}
			if _, err := report.WriteTo(a.out); err != nil {
				return err
			}
			return report.Err()
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&audience, "audience", "", "the audience the token must carry (default urn:pulumi:org:<org>)")
	return cmd
}
