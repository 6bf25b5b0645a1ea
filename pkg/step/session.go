package step

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/octopulumi/octopulumi/internal/runfolder"
	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Session is a prepared step: the context, the stack, credentials and a
// runner. Close it to remove the run's private folder.
type Session struct {
	// Settings are the step's settings, as read once by [ReadSettings].
	Settings *Settings
	// Context is the typed Octopus deployment context.
	Context *octoenv.Context
	// Stack is the fully qualified stack name the step works on.
	Stack string
	// Runner runs Pulumi on the step's program, for operations the
	// session's own methods do not cover.
	Runner *runner.Runner
	// Credentials are the backend credentials.
	Credentials *auth.Credentials

	reporter report.Reporter
	environ  []string
	log      io.Writer
	logger   *slog.Logger
	redactor *auth.Redactor
	deps     *dependencyWork
	// message is every update's message (Config.Message, else one naming
	// the Octopus deployment).
	message string
}

// Prepare reads the step's settings (every problem reported at once),
// removes what runs that died left behind, logs in to the backend, makes
// the runner, restores plugins and installs the program's dependencies.
func Prepare(ctx context.Context, cfg Config) (*Session, error) {
	settings, err := ReadSettings(cfg)
	if err != nil {
		return nil, err
	}
	cfg.Runner = append(settings.runtime.runnerOptions(), cfg.Runner...)
	cfg.Reporter = cfg.reporter()
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	cfg.Log = report.Defuse(cfg.Log)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Redactor == nil {
		cfg.Redactor = auth.NewRedactor()
	}
	cfg.Redactor.Add(settings.Context.Vars.SensitiveValues()...)
	sweepDeadRuns(cfg)
	if len(settings.Environments) > 0 {
		fmt.Fprintf(cfg.Log, "octopulumi: the stack imports Pulumi ESC environments: %s (the CLI opens them on Pulumi Cloud)\n", strings.Join(settings.Environments, ", "))
	}

	mask := maskWith(cfg.Reporter, cfg.Log)
	creds, err := settings.login.login(ctx, mask, cfg.Logger, cfg.Redactor, cfg.Auth)
	if err != nil {
		return nil, err
	}
	for _, w := range creds.Warnings {
		fmt.Fprintf(cfg.Log, "warning: %s\n", w)
	}
	r, err := newRunner(cfg, settings, creds)
	if err != nil {
		return nil, err
	}
	onSecret := func(secret string) {
		cfg.Redactor.Add(secret)
		mask(secret)
	}
	if err := useAccounts(ctx, cfg, settings, r, onSecret); err != nil {
		r.Close()
		return nil, err
	}
	if err := restorePlugins(ctx, cfg.Log, settings); err != nil {
		r.Close()
		return nil, err
	}
	deps, err := prepareDependencies(ctx, cfg, settings, r)
	if err != nil {
		r.Close()
		return nil, err
	}
	return &Session{
		Settings:    settings,
		Context:     settings.Context,
		Stack:       settings.Stack,
		Runner:      r,
		Credentials: creds,
		reporter:    cfg.Reporter,
		environ:     cfg.environ(),
		log:         cfg.Log,
		logger:      cfg.Logger,
		redactor:    cfg.Redactor,
		deps:        deps,
		message:     settings.Message,
	}, nil
}

// sweepDeadRuns removes what runs that died (a killed step, a lost worker)
// left in the temp folder, and says so in the task log.
func sweepDeadRuns(cfg Config) {
	swept, err := runfolder.Sweep(cfg.TempDir)
	for _, s := range swept {
		fmt.Fprintf(cfg.Log, "octopulumi: %s\n", s)
	}
	if err != nil {
		fmt.Fprintf(cfg.Log, "warning: cleaning up after runs that died: %v\n", err)
	}
}

// Close removes the run's private folder: the credentials Pulumi stored,
// the per-run copy of the stack's config, saved plans. It is safe to call
// more than once.
func (s *Session) Close() error {
	if s == nil || s.Runner == nil {
		return nil
	}
	s.deps.finish(s.log)
	return s.Runner.Close()
}

func newRunner(cfg Config, s *Settings, creds *auth.Credentials) (*runner.Runner, error) {
	opts := []runner.Option{
		runner.WithBackend(creds.BackendURL),
		runner.WithLog(cfg.Log),
		runner.WithLogger(cfg.Logger),
		runner.WithRedactor(cfg.Redactor),
		runner.WithStackConfigFrom(s.StackConfigDir, s.Stack),
		runner.WithProgress(func(p runner.Progress) {
			if pct := p.Percent(); pct >= 0 {
				_ = cfg.Reporter.Progress(pct, fmt.Sprintf("%d of %d resource changes", p.Done, p.Total))
			}
		}),
	}
	if cfg.TempDir != "" {
		opts = append(opts, runner.WithTempDir(cfg.TempDir))
	}
	if creds.Token != "" {
		opts = append(opts, runner.WithAccessToken(creds.Token))
	}
	if cfg.Environ != nil {
		opts = append(opts, runner.WithParentEnv(cfg.Environ))
	}
	if cfg.Pulumi != "" {
		opts = append(opts, runner.WithPulumi(cfg.Pulumi))
	}
	// The home plugins were restored to, so pulumi finds them.
	if s.PulumiHome != "" {
		opts = append(opts, runner.WithPulumiHome(s.PulumiHome))
	}
	env := ciEnv(s.Context, s.Build)
	if pass, ok := s.Context.Vars.Get(octoenv.VarConfigPassphrase); ok && pass != "" {
		env[auth.EnvConfigPassphrase] = pass
	}
	opts = append(opts, runner.WithEnv(env))
	r, err := runner.New(s.Program, append(opts, cfg.Runner...)...)
	if err != nil {
		return nil, fmt.Errorf("step: %w", err)
	}
	return r, nil
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
