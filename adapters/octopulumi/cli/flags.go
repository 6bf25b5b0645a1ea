package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// varFlags say where the Octopus variables come from.
type varFlags struct {
	varsJSON    string
	secretsJSON string
	vars        []string
	sensitive   []string
	org         string
	project     string
	environment string
	stack       string
}

// stepFlags are the flags of every command that runs a step: the
// variables, and where the program and the state are.
type stepFlags struct {
	varFlags
	program    string
	backend    string
	pulumi     string
	pulumiHome string
	plugins    step.Plugins
	install    string
	deps       step.Dependencies
	transpile  bool
	update     step.UpdateOptions
	message    string
}

func (f *stepFlags) register(cmd *cobra.Command, a *app) {
	fl := cmd.Flags()
	fl.StringVar(&f.program, "program", ".", "the Pulumi program's folder (holding Pulumi.yaml)")
	registerBackend(cmd, a, &f.backend)
	fl.StringVar(&f.pulumi, "pulumi", "", "the pulumi binary (default: the one on PATH)")
	fl.StringVar(&f.pulumiHome, "pulumi-home", a.getenv("PULUMI_HOME"), "PULUMI_HOME for pulumi, where plugins live (default $PULUMI_HOME, else ~/.pulumi)")
	fl.StringVar(&f.plugins.Bundle, "plugin-bundle", "", "restore plugins from this bundle (archive or extracted Octopus package) before Pulumi runs (or "+step.VarPluginBundle+")")
	fl.StringVar(&f.plugins.Shared, "plugin-cache", "", "a worker-shared plugin cache folder to restore from, filled from the bundle (or "+step.VarPluginCache+")")
	fl.StringVar(&f.install, "install", string(step.InstallAuto), "when to run pulumi install first: auto (every runtime but YAML; for Node.js only when the dependencies are neither installed nor restored), always or never")
	fl.StringVar(&f.deps.Bundle, "dependency-bundle", "", "restore a Node.js program's node_modules from this dependencies bundle (archive or extracted Octopus package) when its lockfile's are not installed (or "+step.VarDependencyBundle+")")
	fl.StringVar(&f.deps.Shared, "dependency-cache", "", "a worker-shared dependencies cache folder: filled by the first install or the bundle, then each deployment gets a copy of its own (or "+step.VarDependencyCache+")")
	fl.BoolVar(&f.transpile, "transpile-only", false, "run a TypeScript program without checking its types, about twice as fast to start: check the types in CI (tsc --noEmit) (or "+step.VarTranspileOnly+")")
	fl.StringArrayVar(&f.update.Targets, "target", nil, "update only this resource URN and what it depends on (repeatable; or "+step.VarTargets+", one per line)")
	fl.StringArrayVar(&f.update.Replace, "replace", nil, "replace this resource URN even if nothing about it changed (repeatable; or "+step.VarReplace+")")
	fl.BoolVar(&f.update.Refresh, "refresh", false, "refresh the stack's state from the real resources before a deploy or preview (or "+step.VarRefresh+")")
	fl.IntVar(&f.update.Parallel, "parallel", 0, "how many resource operations may run at once (default: the CLI's; or "+step.VarParallel+")")
	fl.StringVar(&f.message, "message", "", "the update's message in the stack's history (or "+step.VarUpdateMessage+"; default: one naming the Octopus project, release, environment and tenant)")
	f.varFlags.register(cmd)
}

func registerBackend(cmd *cobra.Command, a *app, backend *string) {
	cmd.Flags().StringVar(backend, "backend", a.getenv("PULUMI_BACKEND_URL"), "state backend: a Pulumi Cloud URL, or file://, s3://, azblob://, gs:// (default $PULUMI_BACKEND_URL, else "+step.DefaultBackend+")")
}

func (f *varFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.varsJSON, "variables-json", "", "a JSON object of Octopus variables, from a file or - for stdin (e.g. $OctopusParameters | ConvertTo-Json)")
	fl.StringVar(&f.secretsJSON, "sensitive-json", "", "a JSON object of sensitive Octopus variables, from a file or - for stdin")
	fl.StringArrayVar(&f.vars, "var", nil, "an Octopus variable as Name=Value (repeatable; wins over JSON and the environment)")
	fl.StringArrayVar(&f.sensitive, "sensitive", nil, "the name of a sensitive variable (repeatable)")
	fl.StringVar(&f.org, "org", "", "the Pulumi organization (sets "+octoenv.VarOrganization+")")
	fl.StringVar(&f.project, "octopus-project", "", "the Octopus project name (sets "+octoenv.VarProjectName+")")
	fl.StringVar(&f.environment, "environment", "", "the Octopus environment name (sets "+octoenv.VarEnvironmentName+")")
	fl.StringVar(&f.stack, "stack", "", "the stack, overriding the template (sets "+octoenv.VarStack+")")
}

// load reads the variables from JSON, the environment and the flags, in
// that precedence.
func (f *varFlags) load(ctx context.Context, a *app) (*octoenv.Variables, error) {
	if f.varsJSON == "-" && f.secretsJSON == "-" {
		return nil, &usageError{errors.New("--variables-json and --sensitive-json cannot both read stdin (-): give one of them a file")}
	}
	opts := []octoenv.Option{octoenv.WithEnviron(a.io.Environ), octoenv.WithSensitiveNames(f.sensitive...)}
	for _, src := range []struct {
		path, flag string
		sensitive  bool
	}{{f.varsJSON, "--variables-json", false}, {f.secretsJSON, "--sensitive-json", true}} {
		if src.path == "" {
			continue
		}
		r := a.io.In
		name := fmt.Sprintf("stdin (%s -)", src.flag)
		if src.path != "-" {
			file, err := os.Open(src.path)
			if err != nil {
				return nil, fmt.Errorf("reading the variables JSON named by %s: %w", src.flag, err)
			}
			defer file.Close()
			r, name = file, fmt.Sprintf("the file %s (%s)", src.path, src.flag)
		}
		if src.sensitive {
			opts = append(opts, octoenv.WithSensitiveJSONNamed(name, r))
		} else {
			opts = append(opts, octoenv.WithJSONNamed(name, r))
		}
	}
	explicit, err := octoenv.ParsePairs(f.vars, false)
	if err != nil {
		return nil, &usageError{err}
	}
	for name, value := range map[string]string{
		octoenv.VarOrganization:    f.org,
		octoenv.VarProjectName:     f.project,
		octoenv.VarEnvironmentName: f.environment,
		octoenv.VarStack:           f.stack,
	} {
		if value != "" {
			explicit = append(explicit, octoenv.Variable{Name: name, Value: value})
		}
	}
	opts = append(opts, octoenv.WithVariables(explicit...))
	vars, err := octoenv.Load(ctx, opts...)
	if err == nil {
		a.noteOctopusVariables(vars)
	}
	return vars, err
}

// run prepares the step's session, calls do on it, prints the line do
// returns, and closes the session: its Close removes the per-run
// credentials folder, so a failure to do that is reported too.
func (f *stepFlags) run(cmd *cobra.Command, a *app, do func(context.Context, *step.Session) (string, error)) (err error) {
	ctx := cmd.Context()
	s, err := f.prepare(ctx, a)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("removing the per-run folders (credentials, stack config): %w", cerr)
		}
	}()
	line, err := do(ctx, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "octopulumi: %s\n", line)
	return nil
}

// prepare loads the variables and prepares the step's session.
func (f *stepFlags) prepare(ctx context.Context, a *app) (*step.Session, error) {
	vars, err := f.load(ctx, a)
	if err != nil {
		return nil, err
	}
	return step.Prepare(ctx, step.Config{
		Program:       f.program,
		Vars:          vars,
		Backend:       f.backend,
		Pulumi:        f.pulumi,
		PulumiHome:    f.pulumiHome,
		Environ:       a.io.Environ,
		Log:           a.out,
		Redactor:      a.redactor,
		Reporter:      a.reporter(),
		Logger:        a.logger(),
		Plugins:       f.plugins,
		Install:       step.Install(f.install),
		Dependencies:  f.deps,
		TranspileOnly: f.transpile,
		Update:        f.update,
		Message:       f.message,
	})
}
