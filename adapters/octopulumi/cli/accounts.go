package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/step"
)

func newAccountsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "accounts",
		Short: "Cloud accounts (AWS, Azure, Google Cloud) for the Pulumi providers",
		Args:  noArgs,
	}
	cmd.AddCommand(newAccountsCheckCmd(a))
	return cmd
}

func newAccountsCheckCmd(a *app) *cobra.Command {
	var f varFlags
	var verify bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the step's cloud accounts as a deploy would, without running Pulumi",
		Long: `check reads the cloud accounts the step would use (` + accounts.VarAWSAccount + `,
` + accounts.VarAzureAccount + `, ` + accounts.VarGoogleAccount + `, or a step template's account
parameters) and checks them as a deploy would: the token's audience and
lifetime, the key's shape, and for AWS OpenID Connect the STS exchange (with
--verify also sts:GetCallerIdentity for access keys). It says which account
is used as whom, never a secret: run it from a runbook before the first
deploy.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			vars, err := f.load(cmd.Context(), a)
			if err != nil {
				return err
			}
			var opts []accounts.Option
			if verify {
				opts = append(opts, accounts.VerifyKeys())
			}
			descriptions, warnings, err := step.CheckAccounts(cmd.Context(), vars, a.io.Environ, opts...)
			for _, d := range descriptions {
				fmt.Fprintf(a.out, "octopulumi: cloud account: %s\n", d)
			}
			for _, w := range warnings {
				fmt.Fprintf(a.out, "warning: %s\n", w)
			}
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&verify, "verify", false, "also verify access keys with sts:GetCallerIdentity (AWS)")
	return cmd
}
