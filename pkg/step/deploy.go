package step

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Deploy applies the stack's config from the variables, creates or updates
// the stack, and publishes its outputs as Octopus output variables.
func (s *Session) Deploy(ctx context.Context) (*runner.Result, error) {
	if err := s.applyConfig(ctx); err != nil {
		return nil, err
	}
	res, err := s.Runner.Up(ctx, s.Stack, append(s.opOptions(true), runner.CreateStack())...)
	if err != nil {
		return res, err
	}
	if err := s.publishURL(ctx, OutUpdateURL, res); err != nil {
		return res, err
	}
	if err := s.publishOutputs(ctx, res.Outputs); err != nil {
		return res, err
	}
	return res, nil
}

// applyConfig sets the Pulumi.Config.* variables on the stack, creating it
// first when it does not exist yet.
func (s *Session) applyConfig(ctx context.Context) error {
	if len(s.Context.Config) == 0 {
		return nil
	}
	values := make([]runner.ConfigValue, len(s.Context.Config))
	for i, c := range s.Context.Config {
		values[i] = runner.ConfigValue{Key: c.Key, Value: c.Value, Secret: c.Secret, Path: c.Path}
	}
	err := s.Runner.SetConfig(ctx, s.Stack, values)
	if errors.Is(err, runner.ErrStackNotFound) {
		if err = s.Runner.CreateStack(ctx, s.Stack); err == nil {
			err = s.Runner.SetConfig(ctx, s.Stack, values)
		}
	}
	return err
}

// OutOutputPrefix precedes a stack output's name outside Octopus
// (Pulumi.Output.vpcId): TeamCity's build parameters and a GitLab dotenv
// report are one namespace with the build's settings and environment, where
// a program's output named env.PATH or PATH would change what later steps
// run. In Octopus an output variable is the step's own, under its name.
const OutOutputPrefix = "Pulumi.Output."

// publishOutputs writes every stack output as an output variable. Secret
// values are not in the update's events: they are read once more, only
// when the stack has any.
func (s *Session) publishOutputs(ctx context.Context, outs runner.Outputs) error {
	for _, o := range outs {
		if o.Secret {
			var err error
			if outs, err = s.Runner.Outputs(ctx, s.Stack); err != nil {
				return err
			}
			break
		}
	}
	names := make([]string, 0, len(outs))
	for name := range outs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		o := outs[name]
		text := o.Text()
		sensitive := o.Secret
		// A plain output that holds a known secret (a secret config value
		// concatenated into it) is published whole, since later steps need
		// its value, but as a sensitive variable, so Octopus masks it.
		holdsSecret := !sensitive && s.redactor.String(text) != text
		sensitive = sensitive || holdsSecret
		if s.Settings != nil && outsideOctopus(s.Settings.Build) {
			name = OutOutputPrefix + name
		}
		published, err := s.publish(name, text, sensitive)
		if err != nil {
			return err
		}
		if published && holdsSecret {
			fmt.Fprintf(s.log, "octopulumi: the output %s holds a secret value: published as a sensitive output variable\n", name)
		}
	}
	return nil
}

// publish sets an output (a secret one when secret) with the step's
// reporter. A value the system cannot hold (a secret where it cannot keep
// one, a multi-line value in a dotenv report) is left out with a warning
// in the log that says why: the step's other outputs still reach it.
func (s *Session) publish(name, value string, secret bool) (published bool, err error) {
	set := s.reporter.SetOutput
	if secret {
		set = s.reporter.SetSecretOutput
	}
	err = set(name, value)
	if report.IsUnsupported(err) {
		fmt.Fprintf(s.log, "warning: the output %s is not published: %v\n", name, err)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("step: publishing the output %s: %w", name, err)
	}
	return true, nil
}
