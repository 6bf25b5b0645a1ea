// Command drift-runbook checks every stack of a project for drift, as the
// step of a scheduled Octopus runbook: for each stack named in -stacks, a
// preview that expects no changes (after a refresh with -refresh), then one
// summary: Drift.Count, Drift.Stacks and Drift.SummaryMarkdown as output
// variables, and a resultMessage and exit status 1 when a stack drifted
// or could not be checked. Octopus variables come from the environment
// (OCTOPULUMI_VAR_…, see pkg/octoenv); each stack gets them all, with
// Pulumi.Stack set to its name.
//
//	drift-runbook -program ./infra -stacks staging,production -refresh
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/runner"
	"github.com/octopulumi/octopulumi/pkg/step"
)

func main() {
	program := flag.String("program", ".", "the Pulumi program's folder")
	stacks := flag.String("stacks", "", "the stacks to check, comma-separated, e.g. staging,production")
	backend := flag.String("backend", os.Getenv("PULUMI_BACKEND_URL"), "the state backend (default $PULUMI_BACKEND_URL, else Pulumi Cloud)")
	home := flag.String("pulumi-home", os.Getenv("PULUMI_HOME"), "PULUMI_HOME (default $PULUMI_HOME)")
	refresh := flag.Bool("refresh", false, "refresh each stack from the real resources before the preview")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	messages := octoenv.NewWriter(os.Stdout)
	if err := run(ctx, *program, *backend, *home, strings.Split(*stacks, ","), *refresh, messages); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		_ = messages.ResultMessage(err.Error())
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, program, backend, home string, stacks []string, refresh bool, messages *octoenv.Writer) error {
	env, err := octoenv.FromEnviron(os.Environ())
	if err != nil {
		return err
	}
	var drifted, failed []string
	var md strings.Builder
	for _, stack := range stacks {
		if stack = strings.TrimSpace(stack); stack == "" {
			continue
		}
		res, err := check(ctx, program, backend, home, env, stack, refresh)
		switch {
		case errors.Is(err, runner.ErrNoChanges):
			drifted = append(drifted, stack)
			fmt.Printf("drift-runbook: %s: DRIFT (%s)\n", stack, res.Summary)
			md.WriteString(step.Markdown(stack, res) + "\n")
		case err != nil:
			failed = append(failed, stack)
			fmt.Printf("drift-runbook: %s: not checked: %v\n", stack, err)
		default:
			fmt.Printf("drift-runbook: %s: no drift (%s)\n", stack, res.Summary)
		}
	}
	for name, value := range map[string]string{
		"Drift.Count": strconv.Itoa(len(drifted)), "Drift.Stacks": strings.Join(drifted, ","), "Drift.SummaryMarkdown": md.String(),
	} {
		if err := messages.SetVariable(name, value, false); err != nil {
			return err
		}
	}
	var problems []string
	if len(drifted) > 0 {
		problems = append(problems, "drift in "+strings.Join(drifted, ", "))
	}
	if len(failed) > 0 {
		problems = append(problems, "not checked: "+strings.Join(failed, ", "))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// check previews one stack, expecting no changes. Its own output variables
// (Pulumi.Preview.*) are not published: one stack's would overwrite
// another's, and the summary says it all.
func check(ctx context.Context, program, backend, home string, env []octoenv.Variable, stack string, refresh bool) (*runner.Result, error) {
	extra := []octoenv.Variable{{Name: octoenv.VarStack, Value: stack}, {Name: step.VarRefresh, Value: strconv.FormatBool(refresh)}}
	vars, err := octoenv.Merge(nil, env, extra)
	if err != nil {
		return nil, err
	}
	s, err := step.Prepare(ctx, step.Config{Program: program, Vars: vars, Backend: backend, PulumiHome: home,
		Environ: os.Environ(), Log: os.Stdout, Messages: octoenv.NewWriter(io.Discard)})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Preview(ctx, step.PreviewOptions{ExpectNoChanges: true})
}
