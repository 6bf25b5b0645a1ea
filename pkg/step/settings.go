package step

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Settings are a step's settings, read once from its [Config] and the
// Octopus variables, with every default applied and every conflict
// checked; [ReadSettings] reports all problems at once, in Octopus's terms.
// [Prepare] then only acts on them.
type Settings struct {
	// Program is the absolute program folder.
	Program string
	// Project and Runtime are Pulumi.yaml's name and runtime.
	Project, Runtime string
	// StackConfigDir is where Pulumi.<stack>.yaml lives: the program folder,
	// or its stackConfigDir.
	StackConfigDir string
	// Backend is the state backend URL; SelfManaged says it needs no token.
	Backend     string
	SelfManaged bool
	// Context is the typed Octopus context.
	Context *octoenv.Context
	// Stack is the fully qualified stack name.
	Stack string
	// Install says whether Prepare runs `pulumi install`.
	Install Install
	// Plugins are where plugins are restored from.
	Plugins Plugins
	// Update tunes the updates (targets, replacements, refresh, parallelism).
	Update UpdateOptions
	// Message is every update's message (Config.Message, else
	// Pulumi.UpdateMessage, else one naming the Octopus deployment).
	Message string
	// Environments are the Pulumi ESC environments the stack's config
	// imports; the CLI opens them on Pulumi Cloud.
	Environments []string
	// Accounts are the cloud accounts whose credentials the providers get
	// (see pkg/accounts).
	Accounts []accounts.Account
	// PulumiHome is where plugins are restored to: the configured
	// PULUMI_HOME, else the default of the step's environment.
	PulumiHome string
	// Build is the CI run the step runs in, when it reports to a CI
	// system rather than Octopus (Build.System is then not Octopus).
	Build report.Build

	login   loginPlan
	runtime runtimeSettings
	// packageManager is Pulumi.yaml's packagemanager runtime option.
	packageManager string
}

// ReadSettings reads cfg and its variables into Settings. Every problem is
// reported at once (errors.Join), each naming the Octopus variable, the
// parameter or the file to fix.
func ReadSettings(cfg Config) (*Settings, error) {
	if cfg.Vars == nil {
		return nil, errors.New("step: no Octopus variables given")
	}
	var errs []error
	s := &Settings{Backend: cfg.Backend, Install: cfg.Install, Build: report.ReadBuild(cfg.system(), cfg.environ())}
	if s.Backend == "" {
		s.Backend = DefaultBackend
	}
	if expr, ok := octoenv.Unsubstituted(s.Backend); ok {
		errs = append(errs, fmt.Errorf("the backend is %q: Octopus could not substitute %s; fix the variable it names", auth.RedactURL(s.Backend), expr))
	}
	s.SelfManaged = auth.IsSelfManaged(s.Backend)
	switch s.Install {
	case "":
		s.Install = InstallAuto
	case InstallAuto, InstallAlways, InstallNever:
	default:
		errs = append(errs, fmt.Errorf("install mode %q: use auto, always or never", s.Install))
	}

	proj, err := readProgram(cfg.Program)
	if err != nil {
		errs = append(errs, err)
	} else {
		s.Program, s.Project, s.Runtime = proj.dir, proj.Name, proj.Runtime
		s.StackConfigDir = filepath.Join(proj.dir, proj.StackConfigDir)
		s.packageManager = proj.packageManager()
	}
	// Without Pulumi.yaml the context still reports its own problems.
	octx, err := newContext(cfg.Vars, s.Project, s.SelfManaged, s.Build)
	if err != nil {
		errs = append(errs, err)
	} else {
		s.Context = octx
		if err := s.checkStack(); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, s.checkEnvironments()...)
		if s.login, err = readLogin(s.Backend, octx.Vars, octx.Organization, cfg.Environ, outsideOctopus(s.Build)); err != nil {
			errs = append(errs, err)
		}
		s.Plugins = pluginSources(cfg, octx.Vars)
		errs = append(errs, s.Plugins.check()...)
		if s.Accounts, err = accounts.Read(accountLookup(octx.Vars)); err != nil {
			errs = append(errs, flatten(err)...)
		}
		var rerrs []error
		s.runtime, rerrs = readRuntimeSettings(cfg, octx.Vars, s.packageManager)
		errs = append(errs, rerrs...)
		s.Update, rerrs = readUpdateOptions(cfg, octx.Vars)
		errs = append(errs, rerrs...)
		s.Message = orDefault(cfg.Message, orDefault(octx.Vars.Value(VarUpdateMessage), defaultMessage(octx, s.Build)))
	}
	if s.PulumiHome, err = pulumiHome(cfg); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &SettingsError{Problems: errs}
	}
	return s, nil
}

// flatten lists the problems a joined error holds, one by one.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// SettingsError lists every problem with a step's settings.
type SettingsError struct {
	Problems []error
}

// Error lists the problems, one per line after the first.
func (e *SettingsError) Error() string {
	if len(e.Problems) == 1 {
		return "step: " + e.Problems[0].Error()
	}
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = "- " + p.Error()
	}
	return fmt.Sprintf("step: %d problems with the step's settings:\n%s", len(e.Problems), strings.Join(msgs, "\n"))
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (e *SettingsError) Unwrap() []error { return e.Problems }

// readProgram finds and reads the program's Pulumi.yaml.
func readProgram(program string) (*programInfo, error) {
	if strings.TrimSpace(program) == "" {
		return nil, errors.New("no Pulumi program folder given: set the program folder (--program)")
	}
	if expr, ok := octoenv.Unsubstituted(program); ok {
		return nil, fmt.Errorf("the program folder is %q: Octopus could not substitute %s; for a package, the name in Octopus.Action.Package[<name>] must be one of the step's package references (a step made from a template gets them from its package parameters)", program, expr)
	}
	abs, err := filepath.Abs(program)
	if err != nil {
		return nil, fmt.Errorf("the program folder %q: %w", program, err)
	}
	proj, err := readProject(abs)
	if err != nil {
		return nil, err
	}
	return &programInfo{project: *proj, dir: abs}, nil
}

type programInfo struct {
	project
	dir string
}

// checkStack checks the stack against Pulumi's naming rules and the
// backend, naming the variables that made it.
func (s *Settings) checkStack() error {
	stack := s.Context.Stack
	if stack.Organization == "" && stack.Project == "" && stack.Stack == "" {
		return nil // the context already said why
	}
	if s.SelfManaged && stack.Organization != "" && stack.Organization != selfManagedOrg {
		return fmt.Errorf("the stack %s names the organization %q, but a self-managed backend (%s) has only one, %q: leave %s unset or set it to %q",
			stack, stack.Organization, auth.RedactURL(s.Backend), selfManagedOrg, octoenv.VarOrganization, selfManagedOrg)
	}
	if s.Project != "" && stack.Project != "" && stack.Project != s.Project {
		return fmt.Errorf("the stack's project %q (from %s) is not the program's project %q (Pulumi.yaml): Pulumi requires them to match; set %s to %q or leave it unset",
			stack.Project, octoenv.VarProject, s.Project, octoenv.VarProject, s.Project)
	}
	if err := runner.CheckStackName(stack.String()); err != nil {
		return fmt.Errorf("%w; the stack comes from %s, else %s, else the default template %s", err, octoenv.VarStack, octoenv.VarStackTemplate, octoenv.DefaultStackTemplate)
	}
	s.Stack = stack.String()
	return nil
}

// newContext builds the Octopus context, defaulting the stack's project to
// the program's and, on a self-managed backend, its organization to the
// only one such a backend has.
//
// Outside Octopus (build names a CI system) the stack defaults to the
// build's review stack (pr-<number>, else the branch), and without one the
// error says to give the stack.
func newContext(vars *octoenv.Variables, project string, selfManaged bool, build report.Build) (*octoenv.Context, error) {
	// A script step exports every variable it hands over, set or not: a
	// blank value counts as unset.
	blank := func(name string) bool { return strings.TrimSpace(vars.Value(name)) == "" }
	var defaults []octoenv.Variable
	if blank(octoenv.VarProject) && project != "" {
		defaults = append(defaults, octoenv.Variable{Name: octoenv.VarProject, Value: project})
	}
	if blank(octoenv.VarOrganization) && selfManaged {
		defaults = append(defaults, octoenv.Variable{Name: octoenv.VarOrganization, Value: selfManagedOrg})
	}
	if outsideOctopus(build) && blank(octoenv.VarStack) {
		stack := build.ReviewStack()
		if stack == "" {
			return nil, fmt.Errorf("running in %s outside Octopus, the stack must be given: pass --stack (or set %s); only a pull request's build names one by itself (pr-<number>)", build.System, octoenv.VarStack)
		}
		defaults = append(defaults, octoenv.Variable{Name: octoenv.VarStack, Value: stack})
	}
	if len(defaults) > 0 {
		var err error
		if vars, err = octoenv.Merge(nil, vars.All(), defaults); err != nil {
			return nil, err
		}
	}
	return octoenv.NewContext(vars)
}
