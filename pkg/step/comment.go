package step

import (
	"context"
	"fmt"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/prcomment"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// PullRequestComment asks [Session.Preview] to keep the preview as a
// comment on the GitHub pull request the job runs for: posted by the first
// run, edited in place by the next ones (one comment per project and stack).
type PullRequestComment struct {
	// Token is the job's GitHub token (GITHUB_TOKEN), with the permission
	// pull-requests: write. It is a secret.
	Token string
	// Author is the login the token comments as, the only author whose
	// comment is edited: empty means prcomment.DefaultAuthor, the login of
	// GitHub Actions' GITHUB_TOKEN; a personal access token's user, or
	// <app-slug>[bot] for a GitHub App's token.
	Author string
	// Options tune the GitHub client (an HTTP client, retries).
	Options []prcomment.Option
}

// comment upserts the preview's comment on the job's pull request. The
// comment is a courtesy to reviewers: when it cannot be posted (a pull
// request from a fork gets a read-only token; a push has no pull request)
// the log says why, and the preview, which succeeded, still does.
func (s *Session) comment(ctx context.Context, c *PullRequestComment, summary string, res *runner.Result) {
	s.redactor.Add(c.Token)
	if err := s.upsertComment(ctx, c, summary, res); err != nil {
		fmt.Fprintf(s.log, "warning: no pull-request comment: %v\n", s.redactor.Error(err))
	}
}

func (s *Session) upsertComment(ctx context.Context, c *PullRequestComment, summary string, res *runner.Result) error {
	target, err := prcomment.TargetFromEnv(s.environ, c.Token)
	if err != nil {
		return err
	}
	opts := []prcomment.Option{prcomment.WithLogger(s.logger)}
	if c.Author != "" {
		opts = append(opts, prcomment.WithAuthor(c.Author))
	}
	client, err := prcomment.New(append(opts, c.Options...)...)
	if err != nil {
		return err
	}
	// One comment per program and stack: two programs of a repository
	// may both have a stack "dev".
	key := s.Stack
	if !strings.Contains(key, "/") && s.Settings != nil {
		key = s.Settings.Project + "/" + key
	}
	body := prcomment.Body(key, summary, s.redactor.String(res.Diff), prcomment.WithFullDiffURL(target.RunURL))
	got, err := client.Upsert(ctx, target, key, body)
	if err != nil {
		return err
	}
	verb := "updated"
	if got.Created {
		verb = "posted"
	}
	fmt.Fprintf(s.log, "octopulumi: %s the preview's comment on pull request #%d: %s\n", verb, target.Number, got.HTMLURL)
	return nil
}
