// Command deploy-step is the octopulumi deploy step written against the
// library: Octopus variables in, pulumi up, output variables out.
//
// Run it with `make demo`: it deploys an embedded sample program to a file
// backend in a temp folder, printing the Octopus task log with its service
// messages. Octopus variables come from the environment (OCTOPULUMI_VAR_…,
// see pkg/octoenv); the demo supplies a project and environment name.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

//go:embed program
var program embed.FS

func main() {
	work := flag.String("work", filepath.Join(os.TempDir(), "octopulumi-demo"), "folder for the program, its state and PULUMI_HOME")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	messages := octoenv.NewWriter(os.Stdout)
	if err := deploy(ctx, *work, messages); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		_ = messages.ResultMessage(err.Error())
		stop()
		os.Exit(1)
	}
}

func deploy(ctx context.Context, work string, messages *octoenv.Writer) error {
	dir, state := filepath.Join(work, "program"), filepath.Join(work, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		return err
	}
	// A fresh copy of the program each run (CopyFS overwrites nothing).
	sub, _ := fs.Sub(program, "program")
	_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Remove(filepath.Join(dir, p))
		}
		return nil
	})
	if err := os.CopyFS(dir, sub); err != nil {
		return err
	}
	// Demo defaults first; the environment (OCTOPULUMI_VAR_…) wins.
	env, err := octoenv.FromEnviron(os.Environ())
	if err != nil {
		return err
	}
	vars, err := octoenv.Merge(nil, []octoenv.Variable{
		{Name: octoenv.VarProjectName, Value: "Hello Octopus"},
		{Name: octoenv.VarEnvironmentName, Value: "Development"},
		{Name: octoenv.VarConfigPassphrase, Value: "demo-passphrase", Sensitive: true},
	}, env)
	if err != nil {
		return err
	}
	s, err := step.Prepare(ctx, step.Config{
		Program:    dir,
		Vars:       vars,
		Backend:    "file://" + state,
		PulumiHome: filepath.Join(work, "home"),
		Environ:    os.Environ(),
		Log:        os.Stdout,
		Messages:   messages,
	})
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.Deploy(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("deployed %s: %s\n", s.Stack, res.Summary)
	return nil
}
