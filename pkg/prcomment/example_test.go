package prcomment_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/octopulumi/octopulumi/pkg/prcomment"
	"github.com/octopulumi/octopulumi/pkg/prcomment/prcommenttest"
)

// A pull request is pushed to twice; its comment for the stack is posted,
// then edited in place.
func Example() {
	gh := prcommenttest.NewServer() // a fake of GitHub's API
	defer gh.Close()
	gh.AddRepo("acme/infra")
	gh.AddToken("ghs_exampleToken0123456789", prcommenttest.GitHubActions)

	c, err := prcomment.New(prcomment.WithHTTPClient(gh.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	target := prcomment.Target{APIURL: gh.URL(), Repository: "acme/infra", Number: 7, Token: "ghs_exampleToken0123456789"}
	for _, summary := range []string{"1 to create", "1 to create, 1 to update"} {
		body := prcomment.Body("acme/infra/prod", "**acme/infra/prod**: "+summary, "+ aws:s3/bucket:Bucket logs create")
		comment, err := c.Upsert(context.Background(), target, "acme/infra/prod", body)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("created:", comment.Created)
	}
	comments := gh.Comments("acme/infra", 7)
	fmt.Println(len(comments), "comment, by", comments[0].User.Login)
	// Output:
	// created: true
	// created: false
	// 1 comment, by github-actions[bot]
}

func ExampleBody() {
	fmt.Print(prcomment.Body("acme/infra/prod", "**acme/infra/prod**: 1 to create", "+ aws:s3/bucket:Bucket logs create"))
	// Output:
	// <!-- octopulumi:acme/infra/prod -->
	//
	// **acme/infra/prod**: 1 to create
	//
	// <details><summary>Diff</summary>
	//
	// ```diff
	// + aws:s3/bucket:Bucket logs create
	// ```
	//
	// </details>
}

func ExampleTargetFromEnv() {
	env := []string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_REF=refs/pull/7/merge", "GITHUB_RUN_ID=42"}
	t, err := prcomment.TargetFromEnv(env, "ghs_exampleToken0123456789")
	fmt.Println(t, err)
	fmt.Println(t.RunURL)

	// A push build has no pull request to comment on.
	_, err = prcomment.TargetFromEnv([]string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_REF=refs/heads/main"}, "ghs_exampleToken0123456789")
	fmt.Println(errors.Is(err, prcomment.ErrNoPullRequest))
	// Output:
	// acme/infra#7 at https://api.github.com <nil>
	// https://github.com/acme/infra/actions/runs/42
	// true
}
