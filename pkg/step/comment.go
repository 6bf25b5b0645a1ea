package step

import (
	"context"
	"errors"
	"fmt"

	"github.com/octopulumi/octopulumi/pkg/prcomment"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// PullRequestComment asks [Session.Preview] to keep the preview as a
// comment on the GitHub pull request the job runs for: posted by the first
// run, edited in place by the next ones (one comment per stack).
type PullRequestComment struct {
	// Token is the job's GitHub token (GITHUB_TOKEN), with the permission
	// pull-requests: write. It is a secret.
	Token string
	// Options tune the GitHub client (an HTTP client, retries).
	Options []prcomment.Option
}

// comment upserts the preview's comment on the job's pull request. A job
// that runs for no pull request (a push) gets a line in the log instead.
func (s *Session) comment(ctx context.Context, c *PullRequestComment, summary string, res *runner.Result) error {
	s.redactor.Add(c.Token)
	target, err := prcomment.TargetFromEnv(s.environ, c.Token)
	if errors.Is(err, prcomment.ErrNoPullRequest) {
		fmt.Fprintf(s.log, "octopulumi: no pull-request comment: %v\n", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("step: the pull-request comment: %w", err)
	}
	client, err := prcomment.New(append([]prcomment.Option{prcomment.WithLogger(s.logger)}, c.Options...)...)
	if err != nil {
		return fmt.Errorf("step: the pull-request comment: %w", err)
	}
	body := prcomment.Body(s.Stack, summary, s.redactor.String(res.Diff), prcomment.WithFullDiffURL(target.RunURL))
	got, err := client.Upsert(ctx, target, s.Stack, body)
	if err != nil {
		return fmt.Errorf("step: the pull-request comment: %w", err)
	}
	verb := "updated"
	if got.Created {
		verb = "posted"
	}
	fmt.Fprintf(s.log, "octopulumi: %s the preview's comment on pull request #%d: %s\n", verb, target.Number, got.HTMLURL)
	return nil
}
