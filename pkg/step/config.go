package step

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// DefaultBackend is where stacks live unless the step says otherwise.
const DefaultBackend = "https://api.pulumi.com"

// selfManagedOrg is the only organization a self-managed backend knows.
const selfManagedOrg = "organization"

// Config is what one step needs besides the Octopus variables.
type Config struct {
	// Program is the Pulumi project folder (holding Pulumi.yaml).
	Program string
	// Vars are the Octopus variables (see octoenv.Load).
	Vars *octoenv.Variables
	// Backend is the state backend: a Pulumi Cloud API URL (default
	// [DefaultBackend]) or file://, s3://, azblob://, gs://.
	Backend string
	// Pulumi is the CLI binary; empty means the one on PATH.
	Pulumi string
	// PulumiHome is PULUMI_HOME, where plugins live; empty means ~/.pulumi.
	PulumiHome string
	// Environ is the environment the step runs in (os.Environ()); pulumi
	// inherits from it what runner.DefaultInherit allows. Nil means this
	// process's environment.
	Environ []string
	// Log receives Pulumi's human log and the step's own lines, redacted
	// and with every service message defused (octoenv.Defuse): the Octopus
	// task log.
	Log io.Writer
	// Messages receives the Octopus service messages when Reporter is nil.
	Messages *octoenv.Writer
	// Reporter is where the step reports outputs, secrets to mask, files,
	// progress and the preview's summary: Octopus (service messages on
	// Messages) when nil, or a CI system's reporter (see pkg/report).
	// Outside Octopus the stack may come from the CI build (pr-<number> in
	// a pull request's job), the update's metadata names the CI build, a
	// deploy's outputs are Pulumi.Output.<name>, and no Octopus variable is
	// required.
	Reporter report.Reporter
	// Redactor is shared by everything the step runs: the secrets it learns
	// (sensitive variables, tokens, secret config and outputs) are scrubbed
	// from whatever else the caller prints through it. Nil makes one.
	Redactor *auth.Redactor
	// TempDir is where the step's private run folder is made, and where it
	// looks for folders left by runs that died; empty means os.TempDir().
	TempDir string
	// Logger gets the library's own diagnostics; nil discards them.
	Logger *slog.Logger
	// Auth adds options for the Pulumi Cloud client (base URL, HTTP client).
	Auth []auth.Option
	// Accounts adds options for resolving cloud accounts (an STS endpoint,
	// an HTTP client, key verification); see pkg/accounts.
	Accounts []accounts.Option
	// Runner adds options for the runner (grace period, extra environment).
	Runner []runner.Option
	// Plugins are restored into PulumiHome before Pulumi runs; empty
	// fields fall back to the Pulumi.PluginBundle and Pulumi.PluginCache
	// variables.
	Plugins Plugins
	// Update tunes the updates: targets, replacements, a refresh first,
	// parallelism (else the Pulumi.Targets … variables).
	Update UpdateOptions
	// Message is every update's message in the stack's history; empty
	// means one that names the Octopus project, release, environment and
	// tenant with a link to the deployment.
	Message string
	// Install says when to run `pulumi install` (the program's language
	// dependencies and plugins) before the operation; default InstallAuto.
	Install Install
	// Dependencies are where a Node.js program's node_modules come from
	// when its folder lacks them; empty fields fall back to the
	// Pulumi.DependencyBundle and Pulumi.DependencyCache variables.
	Dependencies Dependencies
	// TranspileOnly runs a TypeScript program without checking its types
	// (else the Pulumi.TranspileOnly variable decides): check them in CI.
	TranspileOnly bool
}

// Install says when [Prepare] runs `pulumi install`.
type Install string

// Install modes.
const (
	// InstallAuto installs for every runtime but YAML, whose programs
	// have no dependencies to install (their plugins download on demand
	// or come from a bundle).
	InstallAuto   Install = "auto"
	InstallAlways Install = "always"
	InstallNever  Install = "never"
)

// Result is what an operation did: the engine's summary, the steps, the
// outputs, for a preview the diff and fingerprint (see pkg/runner).
type Result = runner.Result

// reporter is the step's Reporter: Config.Reporter, else Octopus service
// messages on Messages (or nowhere).
func (cfg Config) reporter() report.Reporter {
	if cfg.Reporter != nil {
		return cfg.Reporter
	}
	if cfg.Messages == nil {
		return report.NewOctopus(octoenv.NewWriter(io.Discard))
	}
	return report.NewOctopus(cfg.Messages)
}

// system is the system the step reports to.
func (cfg Config) system() report.System {
	if cfg.Reporter == nil {
		return report.Octopus
	}
	return cfg.Reporter.System()
}

// maskWith returns a function asking r to mask a secret; a refusal (a
// value the system's masking command cannot carry) is a warning in log,
// which never names the value.
func maskWith(r report.Reporter, log io.Writer) func(string) {
	return func(secret string) {
		if err := r.Mask(secret); err != nil {
			fmt.Fprintf(log, "warning: %s could not be asked to hide a secret in its log (octopulumi redacts its own output): %v\n", r.System(), err)
		}
	}
}

// environ is the step's environment: Config.Environ, else this process's.
func (cfg Config) environ() []string {
	if cfg.Environ == nil {
		return os.Environ()
	}
	return cfg.Environ
}
