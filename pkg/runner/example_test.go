package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/pkg/runner"
)

// A deploy: one Up that creates the stack when missing and returns its
// outputs; secret ones print as [secret].
func Example() {
	ctx := context.Background()
	r, err := runner.New("./infra",
		runner.WithBackend("file:///var/lib/pulumi-state"),
		runner.WithLog(os.Stdout),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := r.Up(ctx, "organization/infra/production", runner.CreateStack())
	if err != nil {
		fmt.Println(err)
		return
	}
	for name, out := range res.Outputs {
		fmt.Printf("%s = %s\n", name, out)
	}
}

// Preview, approve, apply exactly what was approved.
func ExampleRunner_Preview() {
	ctx := context.Background()
	r, err := runner.New("./infra")
	if err != nil {
		fmt.Println(err)
		return
	}
	const stack = "organization/infra/production"
	approved, err := r.Preview(ctx, stack)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(approved.Summary, approved.Fingerprint)

	// Later, in the apply step:
	again, err := r.Preview(ctx, stack, runner.SavePlan("/tmp/plan.json"))
	if err != nil || again.Fingerprint != approved.Fingerprint {
		fmt.Println("refusing: the changes are not the approved ones")
		return
	}
	_, err = r.Up(ctx, stack, runner.Plan(again.PlanFile), runner.ExpectedChanges(again.Summary.Changes()))
	if errors.Is(err, runner.ErrChangedSinceApproval) {
		fmt.Println(err)
	}
}

// Errors are typed: who holds a lock, which resource failed.
func ExampleLockedError() {
	err := fmt.Errorf("deploy: %w", &runner.LockedError{Stack: "org/infra/prod", Holder: "created by octo@worker-3 (pid 812)"})
	var le *runner.LockedError
	if errors.As(err, &le) {
		fmt.Println(le.Stack, "is held:", le.Holder)
	}
	// Output: org/infra/prod is held: created by octo@worker-3 (pid 812)
}

// Fingerprints do not depend on the order the engine took its steps in.
func ExampleFingerprint() {
	a := []runner.Step{
		{URN: "urn:pulumi:dev::p::t:m:R::a", Op: apitype.OpUpdate, Diffs: []string{"size"}},
		{URN: "urn:pulumi:dev::p::t:m:R::b", Op: apitype.OpSame},
	}
	b := []runner.Step{a[1], a[0]}
	fmt.Println(runner.Fingerprint(a) == runner.Fingerprint(b), len(runner.Fingerprint(a)))
	// Output: true 19
}

// A secret output is safe to print.
func ExampleOutput() {
	out := runner.Output{Value: "hunter22", Secret: true}
	fmt.Printf("password = %s\n", out)
	// Output: password = [secret]
}

// Summaries count resources by operation.
func ExampleSummary() {
	s := runner.Summary{apitype.OpCreate: 2, apitype.OpSame: 5}
	fmt.Println(s, "—", s.Changes(), "changes")
	// Output: create=2 same=5 — 2 changes
}
