package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/step"
)

func newPreviewCmd(a *app) *cobra.Command {
	var f stepFlags
	var opts step.PreviewOptions
	var comment bool
	var author string
	cmd := &cobra.Command{
		Use:   "preview",
		Short: "Preview the environment's stack and publish the changes for review",
		Long: `preview applies config from Pulumi.Config.* variables and previews an update
of the environment's stack. It publishes the change counts, a Markdown summary
(` + step.OutSummaryMarkdown + `) for Manual Intervention instructions and a
fingerprint of the planned changes (` + step.OutFingerprint + `) as output
variables, and the human diff as an artifact. Pass the fingerprint to
"octopulumi up --approved-fingerprint" in the apply step.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if comment {
				if sys := a.reporter().System(); sys != report.GitHub {
					return &usageError{fmt.Errorf("--pr-comment comments on a GitHub pull request, from a GitHub Actions job; this step reports to %s, which shows the summary itself", sys)}
				}
				token := a.getenv("GITHUB_TOKEN")
				if token == "" {
					return &usageError{errors.New("--pr-comment needs the job's GitHub token in GITHUB_TOKEN: add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` to the step, and `permissions: pull-requests: write` to the job")}
				}
				opts.Comment = &step.PullRequestComment{Token: token, Author: author}
			}
			return f.run(cmd, a, func(ctx context.Context, s *step.Session) (string, error) {
				res, err := s.Preview(ctx, opts)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("stack %s preview: %s (fingerprint %s)", s.Stack, res.Summary, res.Fingerprint), nil
			})
		},
	}
	f.register(cmd, a)
	cmd.Flags().BoolVar(&opts.ExpectNoChanges, "expect-no-changes", false, "fail if the preview finds any change (a drift check)")
	cmd.Flags().BoolVar(&comment, "pr-comment", false, "in GitHub Actions, keep the preview as a comment on the pull request, edited in place on each push (needs GITHUB_TOKEN)")
	cmd.Flags().StringVar(&author, "pr-comment-author", "", "the login GITHUB_TOKEN comments as, whose comment alone is edited (default github-actions[bot]; a personal access token's user, or <app-slug>[bot])")
	cmd.Flags().StringVar(&opts.ArtifactDir, "artifact-dir", "", "where to write the diff artifact; it must outlive the step (default: the system temp folder; in GitHub Actions and Azure Pipelines the job's temp folder)")
	return cmd
}
