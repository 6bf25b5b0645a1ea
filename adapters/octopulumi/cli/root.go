package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// IO is the command's world: its streams and environment.
type IO struct {
	In      io.Reader
	Out     io.Writer
	Err     io.Writer
	Environ []string
}

// app is what every command shares.
type app struct {
	io       IO
	messages *octoenv.Writer
	verbose  bool
}

func (a *app) logger() *slog.Logger {
	if !a.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(a.io.Err, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (a *app) getenv(name string) string { return step.Getenv(a.io.Environ, name) }

// Main runs the command with args and returns the process exit code. A
// failure is reported as an Octopus resultMessage, so the task log shows
// why the step failed.
func Main(ctx context.Context, args []string, stdio IO) int {
	a := &app{io: stdio, messages: octoenv.NewWriter(stdio.Out)}
	root := newRoot(a)
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintf(stdio.Err, "error: %v\n", err)
		return 2
	}
	msg := withHint(err).Error()
	if ctx.Err() != nil {
		msg = "cancelled: " + msg
	}
	fmt.Fprintf(stdio.Err, "error: %s\n", msg)
	_ = a.messages.ResultMessage(msg)
	return 1
}

// noArgs refuses positional arguments as a usage error, pointing at
// --program when the command has it (the usual slip: deploy ./infra).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	err := fmt.Errorf("%s takes no arguments, but was given %q", cmd.CommandPath(), args[0])
	if cmd.Flags().Lookup("program") != nil {
		err = fmt.Errorf("%w: did you mean --program %s?", err, args[0])
	}
	return &usageError{err}
}

// withHint adds to an invalid-variables error where the variables come
// from, for the person reading the task log.
func withHint(err error) error {
	var ve *octoenv.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	return fmt.Errorf("%w (Octopus variables reach octopulumi through the environment, as OCTOPULUMI_VAR_<name> with '.' written as __ — e.g. OCTOPULUMI_VAR_Octopus__Environment__Name — or as a JSON object with --variables-json, or as --var Name=Value; see 'octopulumi step-template' for a script that passes them)", err)
}

// usageError is a command line that cannot be run as given.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "octopulumi",
		Short: "Run Pulumi as a step of an Octopus Deploy deployment",
		Long: `octopulumi runs Pulumi in an Octopus Deploy step: it reads the Octopus
variables, logs in to the Pulumi backend, selects or creates the stack for the
environment, runs Pulumi, and reports back with Octopus service messages
(output variables, artifacts, progress, failure).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log the library's own diagnostics to stderr")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newDeployCmd(a),
		newPreviewCmd(a),
		newUpCmd(a),
		newRefreshCmd(a),
		newDestroyCmd(a),
		newLoginCmd(a),
		newOIDCCmd(a),
		newCacheCmd(a),
		newStepTemplateCmd(a),
	)
	return root
}
