// Package prcomment keeps one comment per stack on a GitHub pull request up
// to date: the first run posts it, later runs edit it in place, so a pull
// request that is pushed to ten times still carries one preview per stack.
//
// Three pieces, each usable on its own:
//
//   - [TargetFromEnv] reads where to comment from what GitHub Actions sets
//     (GITHUB_API_URL, GITHUB_REPOSITORY, the event payload at
//     GITHUB_EVENT_PATH, GITHUB_REF); [ErrNoPullRequest] says the job is not
//     running for a pull request, so a caller can skip the comment.
//   - [Body] builds the comment: a hidden marker naming the stack
//     ([Marker]), the Markdown summary, and the diff collapsed in a
//     <details> block, cut down safely to stay under GitHub's size limit.
//   - [Client.Upsert] finds the comment that starts with the stack's marker
//     and was written by the token's login, and edits it, or posts a new
//     one, through GitHub's REST API for issue comments (every pull request
//     is an issue), with retries for GitHub's 5xx replies and rate limits.
//     The login is [DefaultAuthor], "github-actions[bot]", for a job's
//     GITHUB_TOKEN; name another with [WithAuthor] ("<app-slug>[bot]" for a
//     GitHub App's token, the user's login for a personal access token).
//     The marker alone proves nothing: anyone who may comment can type it.
//
// A CI step wires them as:
//
//	t, err := prcomment.TargetFromEnv(os.Environ(), token)
//	if errors.Is(err, prcomment.ErrNoPullRequest) { return nil } // a push build
//	c, err := prcomment.New(prcomment.WithLogger(log))
//	body := prcomment.Body(stack, summaryMarkdown, diff, prcomment.WithFullDiffURL(t.RunURL))
//	comment, err := c.Upsert(ctx, t, stack, body)
//
// The job needs `permissions: pull-requests: write` (or `issues: write`)
// for its GITHUB_TOKEN. The token never reaches a log line or an error, and
// travels only over https (plain http is accepted for a loopback host, as a
// local fake serves).
//
// Package prcommenttest is a fake of the GitHub endpoints used here, over
// real HTTP, for tests.
package prcomment
