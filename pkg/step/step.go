package step

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
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
	// Log receives Pulumi's human log, redacted: the Octopus task log.
	Log io.Writer
	// Messages receives the Octopus service messages.
	Messages *octoenv.Writer
	// Logger gets the library's own diagnostics; nil discards them.
	Logger *slog.Logger
	// Auth adds options for the Pulumi Cloud client (base URL, HTTP client).
	Auth []auth.Option
	// Runner adds options for the runner (grace period, extra environment).
	Runner []runner.Option
	// Plugins are restored into PulumiHome before Pulumi runs; empty
	// fields fall back to the Pulumi.PluginBundle and Pulumi.PluginCache
	// variables.
	Plugins Plugins
	// Install says when to run `pulumi install` (the program's language
	// dependencies and plugins) before the operation; default InstallAuto.
	Install Install
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

// Session is a prepared step: the context, the stack, credentials and a
// runner. Close it to remove the per-run credentials folder.
type Session struct {
	// Context is the typed Octopus deployment context.
	Context *octoenv.Context
	// Stack is the fully qualified stack name the step works on.
	Stack string
	// Runner runs Pulumi on the step's program, for operations the
	// session's own methods do not cover.
	Runner *runner.Runner
	// Credentials are the backend credentials; [Session.Close] removes
	// their per-run folder.
	Credentials *auth.Credentials

	// configDir holds the per-run copy of the stack's config file.
	configDir string
	messages  *octoenv.Writer
	log       io.Writer
	logger    *slog.Logger
}

// Prepare reads the variables into a context, logs in to the backend and
// makes the runner. Every problem with the variables is reported at once.
func Prepare(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.Vars == nil {
		return nil, errors.New("step: no Octopus variables given")
	}
	if cfg.Messages == nil {
		cfg.Messages = octoenv.NewWriter(io.Discard)
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Backend == "" {
		cfg.Backend = DefaultBackend
	}
	switch cfg.Install {
	case "":
		cfg.Install = InstallAuto
	case InstallAuto, InstallAlways, InstallNever:
	default:
		return nil, fmt.Errorf("step: install mode %q: use auto, always or never", cfg.Install)
	}
	proj, err := readProject(cfg.Program)
	if err != nil {
		return nil, err
	}
	project, runtime := proj.Name, proj.Runtime
	octx, err := newContext(cfg, project)
	if err != nil {
		return nil, err
	}
	stack := octx.Stack
	if auth.IsSelfManaged(cfg.Backend) && stack.Organization != "" && stack.Organization != selfManagedOrg {
		return nil, fmt.Errorf("step: the stack %s names the organization %q, but a self-managed backend (%s) has only one, %q: leave %s unset or set it to %q",
			stack, stack.Organization, auth.RedactURL(cfg.Backend), selfManagedOrg, octoenv.VarOrganization, selfManagedOrg)
	}
	if stack.Project != "" && stack.Project != project {
		return nil, fmt.Errorf("step: the stack's project %q (from %s) is not the program's project %q (Pulumi.yaml): Pulumi requires them to match; set %s to %q or leave it unset",
			stack.Project, octoenv.VarProject, project, octoenv.VarProject, project)
	}

	creds, err := Login(ctx, LoginConfig{
		Backend: cfg.Backend, Vars: octx.Vars, Organization: octx.Organization, Environ: cfg.Environ,
		Messages: cfg.Messages, Logger: cfg.Logger, Auth: cfg.Auth,
	})
	if err != nil {
		return nil, err
	}
	for _, w := range creds.Warnings {
		fmt.Fprintf(cfg.Log, "warning: %s\n", w)
	}
	configDir, configFile, err := stackConfigCopy(filepath.Join(cfg.Program, proj.StackConfigDir), stack.Stack)
	if err != nil {
		creds.Close()
		return nil, err
	}
	cleanup := func() {
		creds.Close()
		os.RemoveAll(configDir)
	}
	cfg.Runner = append([]runner.Option{runner.WithConfigFile(configFile)}, cfg.Runner...)
	r, err := newRunner(cfg, creds)
	if err != nil {
		cleanup()
		return nil, err
	}
	if err := restorePlugins(ctx, cfg, octx.Vars); err != nil {
		cleanup()
		return nil, err
	}
	if cfg.Install == InstallAlways || cfg.Install == InstallAuto && runtime != "yaml" {
		if err := r.Install(ctx); err != nil {
			cleanup()
			return nil, fmt.Errorf("step: installing the %s program's dependencies (pulumi install): %w", runtime, err)
		}
	}
	return &Session{
		Context:     octx,
		Stack:       stack.String(),
		Runner:      r,
		Credentials: creds,
		configDir:   configDir,
		messages:    cfg.Messages,
		log:         cfg.Log,
		logger:      cfg.Logger,
	}, nil
}

// Close removes the per-run credentials folder and the per-run copy of the
// stack's config. It is safe to call more than once.
func (s *Session) Close() error {
	if s == nil {
		return nil
	}
	var errs []error
	if s.configDir != "" {
		errs = append(errs, os.RemoveAll(s.configDir))
	}
	if s.Credentials != nil {
		errs = append(errs, s.Credentials.Close())
	}
	return errors.Join(errs...)
}

// stackConfigCopy makes a per-run copy of the stack's config file
// (Pulumi.<stack>.yaml in dir — the program folder, or its stackConfigDir —
// when there is one) in a new temporary folder. Config from Octopus
// variables is set there, so it never lingers in the program folder for a
// later run to pick up, and the program folder stays as it was.
func stackConfigCopy(dir, stack string) (tmp, file string, err error) {
	tmp, err = os.MkdirTemp("", "octopulumi-config-")
	if err != nil {
		return "", "", fmt.Errorf("step: a folder for the stack config: %w", err)
	}
	file = filepath.Join(tmp, "Pulumi."+stack+".yaml")
	for _, name := range []string{"Pulumi." + stack + ".yaml", "Pulumi." + stack + ".yml"} {
		src := filepath.Join(dir, name)
		raw, err := os.ReadFile(src)
		if errors.Is(err, fs.ErrNotExist) {
			if _, lerr := os.Lstat(src); lerr == nil {
				err = fmt.Errorf("it is a symbolic link to a file that does not exist")
			} else {
				continue
			}
		}
		if err == nil {
			err = os.WriteFile(file, raw, 0o600)
		}
		if err != nil {
			os.RemoveAll(tmp)
			return "", "", fmt.Errorf("step: copying the stack config %s: %w", src, err)
		}
		break
	}
	return tmp, file, nil
}

// project is what the step needs of Pulumi.yaml; the CLI validates the
// rest itself.
type project struct {
	Name string `yaml:"name"`
	// Runtime is the language runtime's name.
	Runtime string `yaml:"-"`
	// StackConfigDir is where the Pulumi.<stack>.yaml files are, relative
	// to the program folder; empty means the program folder.
	StackConfigDir string    `yaml:"stackConfigDir"`
	RawRuntime     yaml.Node `yaml:"runtime"`
}

// readProject reads Pulumi.yaml in dir.
func readProject(dir string) (*project, error) {
	if dir == "" {
		return nil, errors.New("step: no Pulumi program folder given")
	}
	for _, file := range []string{"Pulumi.yaml", "Pulumi.yml"} {
		path := filepath.Join(dir, file)
		raw, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("step: reading %s: %w", path, err)
		}
		var proj project
		if err := yaml.Unmarshal(raw, &proj); err != nil {
			return nil, fmt.Errorf("step: %s is not valid YAML: %w", path, err)
		}
		if proj.Name == "" {
			return nil, fmt.Errorf("step: %s has no project name (name:)", path)
		}
		// runtime: nodejs, or runtime: {name: nodejs, options: …}
		proj.Runtime = proj.RawRuntime.Value
		if proj.RawRuntime.Kind == yaml.MappingNode {
			var r struct {
				Name string `yaml:"name"`
			}
			if err := proj.RawRuntime.Decode(&r); err == nil {
				proj.Runtime = r.Name
			}
		}
		return &proj, nil
	}
	return nil, fmt.Errorf("step: %s holds no Pulumi.yaml: point the step at the Pulumi program's folder", dir)
}

// newContext builds the Octopus context, defaulting the stack's project to
// the program's and, on a self-managed backend, its organization to the
// only one such a backend has.
func newContext(cfg Config, project string) (*octoenv.Context, error) {
	// A script step exports every variable it hands over, set or not: a
	// blank value counts as unset.
	blank := func(name string) bool { return strings.TrimSpace(cfg.Vars.Value(name)) == "" }
	var defaults []octoenv.Variable
	if blank(octoenv.VarProject) {
		defaults = append(defaults, octoenv.Variable{Name: octoenv.VarProject, Value: project})
	}
	if blank(octoenv.VarOrganization) && auth.IsSelfManaged(cfg.Backend) {
		defaults = append(defaults, octoenv.Variable{Name: octoenv.VarOrganization, Value: selfManagedOrg})
	}
	vars := cfg.Vars
	if len(defaults) > 0 {
		var err error
		if vars, err = octoenv.Merge(nil, cfg.Vars.All(), defaults); err != nil {
			return nil, err
		}
	}
	return octoenv.NewContext(vars)
}

func newRunner(cfg Config, creds *auth.Credentials) (*runner.Runner, error) {
	opts := []runner.Option{
		runner.WithBackend(creds.BackendURL),
		runner.WithCredentialsPath(creds.CredentialsDir()),
		runner.WithLog(cfg.Log),
		runner.WithLogger(cfg.Logger),
		runner.WithSecrets(cfg.Vars.SensitiveValues()...),
		runner.WithProgress(func(p runner.Progress) {
			if pct := p.Percent(); pct >= 0 {
				_ = cfg.Messages.Progress(pct, fmt.Sprintf("%d of %d resources", p.Done, p.Total))
			}
		}),
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
	if cfg.PulumiHome != "" {
		opts = append(opts, runner.WithPulumiHome(cfg.PulumiHome))
	}
	if pass, ok := cfg.Vars.Get(octoenv.VarConfigPassphrase); ok && pass != "" {
		opts = append(opts, runner.WithEnv(map[string]string{auth.EnvConfigPassphrase: pass}))
	}
	return runner.New(cfg.Program, append(opts, cfg.Runner...)...)
}

// Deploy applies the stack's config from the variables, creates or updates
// the stack, and publishes its outputs as Octopus output variables.
func (s *Session) Deploy(ctx context.Context) (*runner.Result, error) {
	if err := s.applyConfig(ctx); err != nil {
		return nil, err
	}
	res, err := s.Runner.Up(ctx, s.Stack, runner.CreateStack())
	if err != nil {
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
		if err := s.messages.SetVariable(name, o.Text(), o.Secret); err != nil {
			return fmt.Errorf("step: publishing output %q: %w", name, err)
		}
	}
	return nil
}
