package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/internal/redact"
	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// IO is the command's world: its streams and environment.
type IO struct {
	In      io.Reader
	Out     io.Writer
	Err     io.Writer
	Environ []string
}

// app is what every command shares. Every text it prints goes through one
// redactor and report.Defuse (out, errOut), so that no secret and no
// command of Octopus or a CI system that octopulumi did not write itself
// reaches the log; only the reporter (and messages, octoenv's
// service-message writer, which the Octopus reporter writes through)
// writes to the raw standard output.
type app struct {
	io       IO
	redactor *auth.Redactor
	out      *redact.Writer
	errOut   *redact.Writer
	messages *octoenv.Writer
	// console is the defused standard output: the reporter writes its
	// commands through it, so that each starts a line.
	console   io.Writer
	verbose   bool
	report    string // --report: the system to report to, or auto
	reportDir string // --report-dir
	rep       report.Reporter
}

func newApp(stdio IO) *app {
	red := auth.NewRedactor()
	console := report.Defuse(stdio.Out)
	return &app{
		io:       stdio,
		redactor: red,
		out:      red.Writer(console),
		errOut:   red.Writer(report.Defuse(stdio.Err)),
		messages: octoenv.NewWriter(stdio.Out),
		console:  console,
	}
}

// reporter returns the reporter of the system --report names (detected
// from the environment by default, and when the flag names no system:
// the command refuses such a flag, checkReport), made once. A system that
// cannot be set up falls back to plain files in a folder of its own, so a
// failure is still reported.
func (a *app) reporter() report.Reporter {
	if a.rep != nil {
		return a.rep
	}
	rep, err := a.newReporter()
	if err != nil {
		// Never Octopus's messages in another system's log: they carry
		// secrets base64-encoded. Files in a folder of their own instead.
		dir, derr := os.MkdirTemp("", "octopulumi-report-")
		if derr == nil {
			rep, derr = report.New(report.Plain, report.Options{Out: a.console, Environ: a.io.Environ, Dir: dir})
		}
		if derr != nil {
			rep = report.NewOctopus(octoenv.NewWriter(io.Discard))
			fmt.Fprintf(a.errOut, "warning: %v; and no report folder could be made either (%v): nothing is reported but the log\n", err, derr)
		} else {
			fmt.Fprintf(a.errOut, "warning: %v; reporting to plain files in %s instead\n", err, dir)
		}
	}
	a.rep = rep
	return rep
}

// noteOctopusVariables makes an automatic --report choose Octopus when the
// variables octopulumi was given are an Octopus deployment's (handed over as
// JSON, say), and the environment named no CI system.
func (a *app) noteOctopusVariables(vars *octoenv.Variables) {
	if a.rep != nil || !strings.EqualFold(a.report, report.Auto) || a.getenv("JENKINS_URL") != "" || report.Detect(a.io.Environ) != report.Plain {
		return
	}
	for _, v := range vars.All() {
		if strings.HasPrefix(v.Name, "Octopus.") {
			a.report = string(report.Octopus)
			return
		}
	}
}

func (a *app) newReporter() (report.Reporter, error) {
	sys, err := report.ParseSystem(a.report, a.io.Environ)
	if err != nil {
		// The command refuses the flag (checkReport): report that where
		// the environment says the step runs.
		sys = report.Detect(a.io.Environ)
	}
	if sys == report.Octopus {
		return report.NewOctopus(a.messages), nil
	}
	return report.New(sys, report.Options{Out: a.console, Environ: a.io.Environ, Dir: a.reportDir})
}

// checkReport refuses a --report that names no system. The reporter itself
// is made when first used, so that a command that reports nothing writes
// no report file.
func (a *app) checkReport() error {
	if _, err := report.ParseSystem(a.report, a.io.Environ); err != nil {
		return &usageError{fmt.Errorf("--report: %w", err)}
	}
	return nil
}

// stdout and stderr are the command's streams for text.
func (a *app) stdout() io.Writer { return a.out }
func (a *app) stderr() io.Writer { return a.errOut }

func (a *app) logger() *slog.Logger {
	if !a.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(a.errOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fail reports err: on stderr, and as the Octopus result message that the
// step fails with — redacted, with any service message in it defused.
func (a *app) fail(msg string) {
	msg = a.redactor.String(msg)
	fmt.Fprintf(a.errOut, "error: %s\n", msg)
	_ = a.out.Flush()
	_ = a.errOut.Flush()
	_ = a.reporter().Fail(report.DefuseString(msg))
}

func (a *app) getenv(name string) string { return step.Getenv(a.io.Environ, name) }

// Main runs the command with args and returns the process exit code. A
// failure is reported as an Octopus resultMessage, so the task log shows
// why the step failed.
func Main(ctx context.Context, args []string, stdio IO) int {
	a := newApp(stdio)
	defer a.out.Flush()
	defer a.errOut.Flush()
	code := run(ctx, a, args, stdio)
	// The reports some systems read at the end (a dotenv report, report.json).
	if a.rep != nil {
		if err := a.rep.Close(); err != nil {
			fmt.Fprintf(a.errOut, "error: writing the reports: %v\n", a.redactor.Error(err))
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

func run(ctx context.Context, a *app, args []string, stdio IO) int {
	root := newRoot(a)
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var usage *usageError
	if errors.As(err, &usage) {
		// Octopus shows the result message: say what to fix there too.
		a.fail(fmt.Sprintf("%v (see '%s --help')", err, cmd.CommandPath()))
		return 2
	}
	msg := withHint(err).Error()
	if ctx.Err() != nil {
		msg = "cancelled: " + msg
	}
	a.fail(msg)
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
(output variables, artifacts, progress, failure).

In the upstream CI system (GitHub Actions, Azure Pipelines, TeamCity, GitLab,
Jenkins) the same commands need no Octopus variable: the stack comes from
--stack (or, in a pull request's job, is pr-<number>), and the results are
reported in that system's own way (--report, detected from the environment;
plain files where no system is recognised). See docs/ci.md.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log the library's own diagnostics to stderr")
	root.PersistentFlags().StringVar(&a.report, "report", orAuto(a.getenv("OCTOPULUMI_REPORT")), "where to report outputs, secrets to mask, files, progress and summaries: auto (detected from the environment), octopus, github, azure, teamcity, gitlab or plain (or $OCTOPULUMI_REPORT)")
	root.PersistentFlags().StringVar(&a.reportDir, "report-dir", a.getenv("OCTOPULUMI_REPORT_DIR"), "where report files go (summary, dotenv, metrics, JSON) for the systems that read files (default: the system's own, else ./octopulumi-report; or $OCTOPULUMI_REPORT_DIR)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return a.checkReport() }
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newDeployCmd(a),
		newPreviewCmd(a),
		newUpCmd(a),
		newRefreshCmd(a),
		newDestroyCmd(a),
		newCancelCmd(a),
		newAccountsCmd(a),
		newLoginCmd(a),
		newOIDCCmd(a),
		newCacheCmd(a),
		newPackageCmd(a),
		newStepTemplateCmd(a),
		newVersionCmd(a),
	)
	return root
}

func orAuto(s string) string {
	if s == "" {
		return report.Auto
	}
	return s
}
