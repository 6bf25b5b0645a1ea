package step_test

import (
	"context"
	"fmt"
	"os"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/runner"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// A deploy step: variables in, the stack updated, its outputs out as
// Octopus output variables.
func Example() {
	ctx := context.Background()
	vars, err := octoenv.Load(ctx, octoenv.WithEnviron(os.Environ()))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := step.Prepare(ctx, step.Config{
		Program:  "./infra",
		Vars:     vars,
		Backend:  "file:///var/lib/pulumi-state",
		Environ:  os.Environ(),
		Log:      os.Stdout,
		Messages: octoenv.NewWriter(os.Stdout),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	if _, err := s.Deploy(ctx); err != nil {
		fmt.Println(err)
	}
}

// The summary a reviewer reads in a Manual Intervention: counts, the
// resources that change with the properties that change, and the
// fingerprint the apply step must match.
func ExampleMarkdown() {
	res := &runner.Result{
		Summary: runner.Summary{"create": 1, "update": 1, "same": 3},
		Steps: []runner.Step{
			{URN: "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::assets", Type: "aws:s3/bucket:Bucket", Op: "update", Diffs: []string{"tags", "acl"}},
			{URN: "urn:pulumi:prod::shop::aws:sqs/queue:Queue::orders", Type: "aws:sqs/queue:Queue", Op: "create"},
			{URN: "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod", Type: "pulumi:pulumi:Stack", Op: "same"},
		},
		Fingerprint: "v1-3f2a9c0d1e4b5a67",
	}
	fmt.Print(step.Markdown("acme/shop/prod", res))
	// Output:
	// **Pulumi preview of `acme/shop/prod`**: 1 to create, 1 to update, 3 unchanged
	//
	// | Resource | Type | Change | Properties |
	// |---|---|---|---|
	// | assets | aws:s3/bucket:Bucket | update | acl, tags |
	// | orders | aws:sqs/queue:Queue | create |  |
	//
	// Fingerprint: `v1-3f2a9c0d1e4b5a67`
}

func ExampleGetenv() {
	environ := []string{"HOME=/home/octopus", "EMPTY=", "PULUMI_HOME=/opt/pulumi"}
	fmt.Printf("%q %q %q\n", step.Getenv(environ, "PULUMI_HOME"), step.Getenv(environ, "EMPTY"), step.Getenv(environ, "MISSING"))
	// Output: "/opt/pulumi" "" ""
}
