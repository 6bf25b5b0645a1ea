package runner

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/octopulumi/octopulumi/internal/pulumicmd"
	"github.com/octopulumi/octopulumi/internal/redact"
)

// Option configures a [Runner].
type Option func(*options) error

type options struct {
	pulumi    string
	home      string
	backend   string
	token     string
	extraEnv  map[string]string
	inherit   []string
	noInherit bool
	log       io.Writer
	secrets   []string
	logger    *slog.Logger
	grace     time.Duration
	progress  func(Progress)
	lookPath  func(string) (string, error)
	// eventDrain bounds the wait for the end of the event log once pulumi
	// has exited (see defaultEventDrain).
	eventDrain time.Duration
	// eventFile tails a regular file for the event log even where named
	// pipes exist (tests of the portable reader).
	eventFile bool
	// configFile is the stack config file every process uses, if set.
	configFile string
	// stackConfig asks for a per-run copy of a stack's config file.
	stackConfig *stackConfigSource
	// redactor is shared with the caller, when given.
	redactor *redact.Redactor
	// tempDir is where the run folder is made; empty means os.TempDir().
	tempDir string
	// parentEnv is the environment inherited from (os.Environ); a field so
	// tests see what would be inherited without touching the real one.
	parentEnv func() []string
}

// WithPulumi sets the path of the pulumi binary. By default it is looked up
// on PATH when the Runner is made.
func WithPulumi(path string) Option {
	return func(o *options) error {
		if path == "" {
			return errors.New("runner: WithPulumi: empty path")
		}
		o.pulumi = path
		return nil
	}
}

// WithPulumiHome sets PULUMI_HOME, where plugins live. By default the
// child's PULUMI_HOME is unset, so Pulumi uses ~/.pulumi.
func WithPulumiHome(dir string) Option {
	return func(o *options) error { o.home = dir; return nil }
}

// WithBackend sets PULUMI_BACKEND_URL: file://…, s3://…, or a Pulumi Cloud
// URL such as https://api.pulumi.com.
func WithBackend(url string) Option {
	return func(o *options) error { o.backend = url; return nil }
}

// WithAccessToken sets PULUMI_ACCESS_TOKEN for the child, and redacts the
// token from everything the Runner writes or returns.
func WithAccessToken(token string) Option {
	return func(o *options) error {
		o.token = token
		o.secrets = append(o.secrets, token)
		return nil
	}
}

// WithEnv adds environment variables for the child. Setting a variable the
// Runner owns (see [OwnedEnv]) is an [*OwnedEnvError]: use the matching
// option instead.
func WithEnv(env map[string]string) Option {
	return func(o *options) error {
		if err := (pulumicmd.Env{Set: env}).Check(); err != nil {
			if owned := (*pulumicmd.OwnedError)(nil); errors.As(err, &owned) {
				return &OwnedEnvError{Name: owned.Name}
			}
			return fmt.Errorf("runner: WithEnv: %w", err)
		}
		for k, v := range env {
			if o.extraEnv == nil {
				o.extraEnv = map[string]string{}
			}
			o.extraEnv[k] = v
		}
		return nil
	}
}

// WithInheritEnv passes more variables from this process's environment to
// the child, beyond [DefaultInherit]. A pattern ending in "*" matches a
// prefix. Owned variables are never inherited.
func WithInheritEnv(patterns ...string) Option {
	return func(o *options) error { o.inherit = append(o.inherit, patterns...); return nil }
}

// WithParentEnv makes the child inherit from environ (os.Environ-style
// "NAME=value" pairs) instead of this process's environment, for a caller
// that holds the step's environment as data. The same rules apply:
// [DefaultInherit] and [WithInheritEnv] choose what passes, and owned
// variables never do.
func WithParentEnv(environ []string) Option {
	return func(o *options) error {
		env := append([]string(nil), environ...)
		o.parentEnv = func() []string { return env }
		return nil
	}
}

// WithConfigFile makes every pulumi process read and write the stack's
// config in path (`--config-file`) instead of Pulumi.<stack>.yaml in the
// project folder, so that setting config leaves the project folder as it
// was: give a per-run copy of the stack's config file.
func WithConfigFile(path string) Option {
	return func(o *options) error {
		if !filepath.IsAbs(path) {
			return fmt.Errorf("runner: WithConfigFile: %q is not an absolute path", path)
		}
		o.configFile = path
		return nil
	}
}

// WithStackConfigFrom makes every pulumi process use a per-run copy of the
// stack's config file, Pulumi.<stack>.yaml in dir (the program folder, or
// its stackConfigDir), made in the Runner's run folder when the Runner is
// made (an empty file when there is none). Config set on the stack then
// never lingers in the program folder for a later run to pick up, and the
// program folder stays as it was. stack may be org/project/stack.
func WithStackConfigFrom(dir, stack string) Option {
	return func(o *options) error {
		if err := CheckStackName(stack); err != nil {
			return fmt.Errorf("runner: WithStackConfigFrom: %w", err)
		}
		o.stackConfig = &stackConfigSource{dir: dir, stack: stack}
		return nil
	}
}

type stackConfigSource struct{ dir, stack string }

// WithRedactor shares r: the Runner registers the secrets it learns (secret
// config values and outputs, the passphrase) with it and scrubs its log and
// errors with it, so a caller that prints other text through the same
// redactor scrubs the secrets the Runner learned too. By default the Runner
// has a redactor of its own.
func WithRedactor(r *redact.Redactor) Option {
	return func(o *options) error {
		if r == nil {
			return errors.New("runner: WithRedactor: nil redactor")
		}
		o.redactor = r
		return nil
	}
}

// WithTempDir makes the Runner's run folder in dir instead of os.TempDir().
func WithTempDir(dir string) Option {
	return func(o *options) error { o.tempDir = dir; return nil }
}

// WithoutInheritedEnv passes nothing from this process's environment to the
// child, not even [DefaultInherit]: the child gets only what options set.
func WithoutInheritedEnv() Option {
	return func(o *options) error { o.noInherit = true; return nil }
}

// WithLog streams Pulumi's human-readable log (no colour, non-interactive)
// to w, with secrets redacted. By default the log is discarded.
func WithLog(w io.Writer) Option {
	return func(o *options) error { o.log = w; return nil }
}

// WithSecrets names values to redact from the log and from errors, such as
// a passphrase or secret config values.
func WithSecrets(values ...string) Option {
	return func(o *options) error { o.secrets = append(o.secrets, values...); return nil }
}

// WithLogger sets a logger for the Runner's own diagnostics (which commands
// run, how long they take). By default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error { o.logger = l; return nil }
}

// WithGracePeriod sets how long a cancelled operation may take to stop after
// SIGINT before it is killed (default 30 s). Pulumi uses that time to finish
// in-flight resource operations and save the stack's state.
func WithGracePeriod(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("runner: WithGracePeriod: negative duration %s", d)
		}
		o.grace = d
		return nil
	}
}

// WithProgress calls fn as resources complete; see [Progress].
func WithProgress(fn func(Progress)) Option {
	return func(o *options) error { o.progress = fn; return nil }
}

func newOptions(opts []Option) (*options, error) {
	o := &options{
		log:        io.Discard,
		logger:     slog.New(slog.DiscardHandler),
		grace:      30 * time.Second,
		eventDrain: defaultEventDrain,
		lookPath:   exec.LookPath,
		parentEnv:  os.Environ,
	}
	var errs []error
	for _, opt := range opts {
		if err := opt(o); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if o.configFile != "" && o.stackConfig != nil {
		return nil, errors.New("runner: WithConfigFile and WithStackConfigFrom both name the stack config file: give one")
	}
	if o.pulumi == "" {
		p, err := o.lookPath("pulumi")
		if err != nil {
			return nil, fmt.Errorf("runner: no pulumi binary on PATH (install the Pulumi CLI or use WithPulumi): %w", err)
		}
		o.pulumi = p
	}
	return o, nil
}
