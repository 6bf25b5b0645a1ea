package runner

import (
	"fmt"
	"strings"
)

// The engine operations, as they are named in errors and results.
const (
	opUpdate  = "update"
	opPreview = "preview"
	opRefresh = "refresh"
	opDestroy = "destroy"
)

// checkStack rejects a stack name that pulumi would misread: every
// operation checks its stack here before it builds arguments, since a name
// that starts with a dash would be taken for a flag.
func checkStack(op, stack string) error {
	if strings.TrimSpace(stack) == "" {
		return fmt.Errorf("runner: %s: empty stack name (want org/project/stack)", op)
	}
	if strings.HasPrefix(stack, "-") {
		return fmt.Errorf("runner: %s: stack name %q starts with a dash; a stack name is org/project/stack", op, stack)
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
	if o.message != "" && op != opPreview {
		args = append(args, "--message", o.message)
	}
	return invocation{args: args, env: env, events: true, capture: op == opPreview}, nil
}
