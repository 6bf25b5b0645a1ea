// Package prcommenttest is a fake of GitHub's REST API for issue comments
// (every pull request is an issue), started with net/http/httptest, for
// tests of package prcomment and of anything else that comments on pull
// requests.
//
// It serves, under the API root [Server.URL] (".../api/v3", as GitHub
// Enterprise Server does, so a client's path prefix is exercised):
//
//	GET   /repos/{owner}/{repo}/issues/{number}/comments   list, oldest first; ?per_page= (30, at most 100) &page=
//	GET   /repositories/{id}/issues/{number}/comments      the same, where the Link header's pages point
//	POST  /repos/{owner}/{repo}/issues/{number}/comments   {"body": …} → 201 with the comment, Location
//	PATCH /repos/{owner}/{repo}/issues/comments/{id}       {"body": …} → 200 with the comment
//
// The shapes are GitHub's: comments as rest-api-description's issue-comment
// schema (id, node_id, url, html_url, issue_url, body, user as a simple-user,
// created_at, updated_at, author_association, reactions,
// performed_via_github_app); a Link header with rel="prev", "next", "last"
// and "first" in that order, pointing at /repositories/{id}/… (as recorded
// in octokit/fixtures, scenarios/api.github.com/paginate-issues) and left
// out when everything fits on one page; X-Accepted-GitHub-Permissions on
// the replies ("issues=write; pull_requests=write" to post or edit); errors
// as {message, documentation_url, status} and, for validation, errors:
// [{resource, code, field, message}]:
//
//	401 "Bad credentials" (an unknown token), "Requires authentication" (none)
//	403 "Resource not accessible by integration" (a read-only token writing)
//	403 "Must have admin rights to Repository." (editing another user's comment; [MessageNotYours])
//	403 "Request forbidden by administrative rules…" (no User-Agent)
//	404 "Not Found" (an unknown repository or comment)
//	400 "Problems parsing JSON", "Body should be a JSON object"
//	422 "Invalid request.\n\n\"body\" wasn't supplied." and the like
//	422 "Validation Failed": "Body cannot be blank", "Body is too long (maximum is 65536 characters)"
//
// (The 422 replies are as github.com sends them: "Body is too long" quoted
// in easybuilders/easybuild-easyconfigs#24647 and jmikedupont2/ai-ticket#51;
// "Body cannot be blank" and the "Invalid request." texts asserted by a
// test suite that runs against github.com, found by code search.) The 400
// texts are from REST API "Troubleshooting the REST API". The fake refuses
// a body over
// 65,536 code points, the limit GitHub's message states; github.com has
// been measured to accept up to 262,144 UTF-8 bytes instead
// (objectstack-ai/objectstack#18826), so the fake is the stricter of the
// two.
//
// Tokens are added with the user they act as ([Server.AddToken],
// [Server.AddReadOnlyToken]; "Authorization: Bearer <token>" or "token
// <token>"); repositories with [Server.AddRepo]; other people's comments
// with [Server.AddComment]. [Server.Inject] queues faults for the next
// requests to a path (a 502, or a 403 secondary rate limit with
// Retry-After, [SecondaryRateLimit], or a dropped connection), optionally
// after carrying the request out, as a gateway that times out after GitHub
// did the work. Every
// request is logged ([Server.Requests]), without its token.
//
// A token edits only comments by its own user. GitHub also lets a token
// with write access to the repository edit anyone's comments; the fake
// does not, so a client that edits a comment it did not write fails.
//
// Not modelled: issue existence (every number of a known repository is a
// pull request), the X-GitHub-Api-Version check, conditional requests,
// reactions beyond zero counts, author association (always "NONE"), and
// primary rate limits (the X-RateLimit-* headers never reach 0 unless a
// fault says so). Ids and node ids are the fake's own.
package prcommenttest
