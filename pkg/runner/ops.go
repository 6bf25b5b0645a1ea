package runner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// The engine operations, as they are named in errors and results.
const (
	opUpdate  = "update"
	opPreview = "preview"
	opRefresh = "refresh"
	opDestroy = "destroy"
)

// checkStack rejects a stack name that pulumi would misread: every
// operation checks its stack here before it builds arguments.
func checkStack(op, stack string) error {
	if err := CheckStackName(stack); err != nil {
		return fmt.Errorf("runner: %s: %w", op, err)
	}
	return nil
}

// CheckStackName reports whether stack is a stack name Pulumi accepts:
// "stack", "project/stack" or "org/project/stack", each part by Pulumi's
// own rules (letters, digits, '-', '_', '.', at most 100 characters). It
// also refuses "." and ".." as a part, which Pulumi's rules allow but which
// a file backend takes as folders: a stack named ".." is shared by every
// project of the backend, so deploying one project deletes another's
// resources. A part starting with '-' would be read as a flag.
func CheckStackName(stack string) error {
	parts := strings.Split(stack, "/")
	if strings.TrimSpace(stack) == "" || len(parts) > 3 {
		return fmt.Errorf("stack name %q is not a stack name: use stack, project/stack or org/project/stack", stack)
	}
	what := [][]string{{"stack"}, {"project", "stack"}, {"organization", "project", "stack"}}[len(parts)-1]
	for i, part := range parts {
		var err error
		switch {
		case part == "." || part == "..":
			err = errors.New("it is a path element, which a file backend would turn into a folder outside the project's")
		case strings.HasPrefix(part, "-"):
			err = errors.New("it starts with '-', which pulumi would read as a flag")
		case what[i] == "stack":
			_, err = tokens.ParseStackName(part)
		default:
			err = tokens.ValidateProjectName(part)
			if err != nil {
				err = errors.New(strings.Replace(err.Error(), "project names", what[i]+" names", 1))
			}
		}
		if err != nil {
			return fmt.Errorf("stack name %q: the %s part %q is not valid: %w", stack, what[i], part, err)
		}
	}
	return nil
}

// engineInvocation builds the one pulumi process of an engine operation:
// its arguments and the variables it needs beyond the Runner's. It does no
// I/O, so tests assert on it directly.
func engineInvocation(op, stack string, o opOptions) (invocation, error) {
	if err := checkStack(op, stack); err != nil {
		return invocation{}, err
	}
	// --event-log is only offered when debug commands are on.
	env := map[string]string{"PULUMI_DEBUG_COMMANDS": "true"}
	var args []string
	switch op {
	case opUpdate:
		// No preview phase: it would run the program twice. With a plan
		// the engine checks every step against the plan as it goes, so a
		// preview adds nothing there either.
		args = []string{"up", "--yes", "--skip-preview", "--stack", stack}
		if o.plan != "" {
			// `up --plan` is hidden behind the experimental switch.
			args = append(args, "--plan", o.plan)
			env["PULUMI_EXPERIMENTAL"] = "true"
		}
	case opPreview:
		args = []string{"preview", "--diff", "--stack", stack}
		if o.savePlan != "" {
			args = append(args, "--save-plan", o.savePlan)
			env["PULUMI_EXPERIMENTAL"] = "true"
		}
	case opRefresh:
		args = []string{"refresh", "--yes", "--skip-preview", "--stack", stack}
	case opDestroy:
		args = []string{"destroy", "--yes", "--skip-preview", "--stack", stack}
		if o.removeStack {
			args = append(args, "--remove")
		}
	default:
		return invocation{}, fmt.Errorf("runner: unknown operation %q", op)
	}
	if o.plan != "" && op != opUpdate {
		return invocation{}, fmt.Errorf("runner: %s: Plan applies only to Up", op)
	}
	if o.savePlan != "" && op != opPreview {
		return invocation{}, fmt.Errorf("runner: %s: SavePlan applies only to Preview", op)
	}
	if o.expectNoChanges {
		args = append(args, "--expect-no-changes")
	}
	if o.refresh && op != opRefresh && op != opDestroy {
		args = append(args, "--refresh")
	}
	for _, t := range o.targets {
		args = append(args, "--target", t)
	}
	if len(o.replace) > 0 && op != opUpdate && op != opPreview {
		return invocation{}, fmt.Errorf("runner: %s: Replace applies only to Up and Preview", op)
	}
	for _, u := range o.replace {
		args = append(args, "--replace", u)
	}
	if o.parallel < 0 {
		return invocation{}, fmt.Errorf("runner: %s: Parallel(%d): want a positive number, or 0 for the CLI's default", op, o.parallel)
	}
	if o.parallel > 0 {
		args = append(args, "--parallel", strconv.Itoa(o.parallel))
	}
	if o.message != "" && op != opPreview {
		args = append(args, "--message", o.message)
	}
	return invocation{args: args, env: env, events: true, capture: op == opPreview, dropPlanAdvice: o.savePlan != ""}, nil
}
