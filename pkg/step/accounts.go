package step

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// accountLookup reads the cloud accounts' variables. A script step exports
// every variable it hands over, set or not: a blank value counts as unset
// here as everywhere in the step, so an empty region means "no region" (the
// stack's own provider configuration applies).
func accountLookup(vars *octoenv.Variables) accounts.Lookup {
	return func(name string) (string, bool) {
		v, ok := vars.Get(name)
		if !ok || strings.TrimSpace(v) == "" {
			return "", false
		}
		return v, true
	}
}

// environLookup reads the step's environment (for AWS_ENDPOINT_URL_STS).
func environLookup(environ []string) accounts.Lookup {
	return func(name string) (string, bool) {
		for i := len(environ) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(environ[i], "="); ok && k == name {
				return v, true
			}
		}
		return "", false
	}
}

// newResolver makes the accounts' resolver for a step: its AWS sessions are
// named after the Octopus deployment (or runbook run) and step, so that
// CloudTrail shows where they came from, and every secret it handles is
// redacted and masked in Octopus.
func newResolver(cfg Config, vars *octoenv.Variables, onSecret func(string)) (*accounts.Resolver, error) {
	run := vars.Value(octoenv.VarDeploymentID)
	if run == "" {
		run = vars.Value(octoenv.VarRunbookRunID)
	}
	opts := []accounts.Option{
		accounts.WithSessionName(accounts.SessionName("octopus", run, vars.Value(octoenv.VarStepName))),
		accounts.WithEnviron(environLookup(cfg.Environ)),
		accounts.WithOnSecret(onSecret),
	}
	if cfg.Logger != nil {
		opts = append(opts, accounts.WithLogger(cfg.Logger))
	}
	return accounts.New(append(opts, cfg.Accounts...)...)
}

// useAccounts resolves the step's cloud accounts (the AWS STS exchange, the
// Google credential files in the run's private folder) and gives them to
// the runner, saying in the task log which account is used as whom.
func useAccounts(ctx context.Context, cfg Config, s *Settings, r *runner.Runner, onSecret func(string)) error {
	if len(s.Accounts) == 0 {
		return nil
	}
	res, err := newResolver(cfg, s.Context.Vars, onSecret)
	if err != nil {
		return fmt.Errorf("step: cloud accounts: %w", err)
	}
	// Key and workload identity files live in the run's private folder,
	// removed with it.
	dir := filepath.Join(r.TempDir(), "cloud")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("step: cloud accounts: %w", err)
	}
	creds, err := res.Resolve(ctx, dir, s.Accounts...)
	if err != nil {
		return fmt.Errorf("step: cloud accounts: %w", err)
	}
	logAccounts(cfg.Log, creds.Descriptions, creds.Warnings)
	r.AddSecrets(creds.Secrets...)
	return r.UseCloudCredentials(creds.Env, creds.Supersedes)
}

func logAccounts(log io.Writer, descriptions, warnings []string) {
	for _, d := range descriptions {
		fmt.Fprintf(log, "octopulumi: cloud account: %s\n", d)
	}
	for _, w := range warnings {
		fmt.Fprintf(log, "warning: %s\n", w)
	}
}

// CheckAccounts reads the variables' cloud accounts and checks them as a
// deploy would, without running Pulumi: the pre-flight, then the AWS STS
// exchange (and, with accounts.VerifyKeys among opts, sts:GetCallerIdentity
// for keys). It returns a line per account saying which account is used as
// whom, and warnings; never a secret. For a runbook that tests an account
// before the first deploy.
// Checking an account involves no stack: the deployment's variables need
// not name one.
func CheckAccounts(ctx context.Context, vars *octoenv.Variables, environ []string, opts ...accounts.Option) (descriptions, warnings []string, err error) {
	accts, err := accounts.Read(accountLookup(vars))
	if err != nil {
		return nil, nil, fmt.Errorf("step: %w", err)
	}
	if len(accts) == 0 {
		return nil, nil, fmt.Errorf("step: no cloud account given: set %s, %s or %s to the name of an Octopus account variable (or use the step template's account parameters)", accounts.VarAWSAccount, accounts.VarAzureAccount, accounts.VarGoogleAccount)
	}
	res, err := newResolver(Config{Environ: environ, Accounts: opts}, vars, func(string) {})
	if err != nil {
		return nil, nil, fmt.Errorf("step: cloud accounts: %w", err)
	}
	descriptions, warnings, err = res.Check(ctx, accts...)
	if err != nil {
		return descriptions, warnings, fmt.Errorf("step: cloud accounts: %w", err)
	}
	return descriptions, warnings, nil
}
