package prcomment

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// RequestError is a request to GitHub that got no usable reply: the
// connection failed on every attempt, or the context ended. Err is the
// last cause; context errors stay detectable with errors.Is.
type RequestError struct {
	Method   string
	URL      string // never carries a query or a secret
	Attempts int
	Err      error
}

// Error names the request, the attempts and the last cause.
func (e *RequestError) Error() string {
	return fmt.Sprintf("prcomment: %s %s: no reply after %d attempt(s): %v", e.Method, e.URL, e.Attempts, e.Err)
}

// Unwrap returns the last cause.
func (e *RequestError) Unwrap() error { return e.Err }

// APIError is a reply from GitHub that refused the request. Message,
// Details and DocumentationURL come from GitHub's error body (REST API
// "Troubleshooting": {message, errors: [{resource, field, code, message}],
// documentation_url}); the error's text adds what to change in the
// workflow.
type APIError struct {
	Method string
	URL    string // never carries a query or a secret
	Status int
	// Message is GitHub's "message", e.g. "Resource not accessible by
	// integration".
	Message string
	// Details are the messages (or codes) of GitHub's "errors", e.g. "Body
	// is too long (maximum is 65536 characters)".
	Details          []string
	DocumentationURL string
	// RateLimited says GitHub refused the request under a primary or
	// secondary rate limit; RetryAfter is how long it asked to wait.
	RateLimited bool
	RetryAfter  time.Duration
	Attempts    int

	hint string
}

// Error names the request, GitHub's answer and what to do about it.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "prcomment: %s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": GitHub says %q", e.Message)
	}
	if len(e.Details) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Details, "; "))
	}
	if e.hint != "" {
		b.WriteString(": ")
		b.WriteString(e.hint)
	}
	return b.String()
}

// messageNoPermission is GitHub's message when the token lacks a
// permission (REST API "Troubleshooting the REST API", "Resource not
// accessible").
const messageNoPermission = "Resource not accessible by integration"

// hintFor says what to change for a refusal, in terms of the workflow.
func hintFor(e *APIError, t Target) string {
	write := e.Method != http.MethodGet
	switch {
	case e.RateLimited:
		wait := "a minute or more"
		if e.RetryAfter > 0 {
			wait = e.RetryAfter.Round(time.Second).String()
		}
		return fmt.Sprintf("GitHub's rate limit refused the request and asks to wait %s, longer than this client waits: re-run the job later, and post fewer comments at once", wait)
	case e.Status == http.StatusUnauthorized:
		return "GitHub rejected the token: give the step a valid one, such as the job's own `${{ secrets.GITHUB_TOKEN }}` (it expires when the job ends) or an unexpired personal access token"
	case e.Status == http.StatusForbidden && e.Method == http.MethodPatch && e.Message != messageNoPermission:
		// A token without write access may edit only its own comments
		// (GitHub's "Repository roles": editing anyone's comments takes
		// Write), and GitHub refuses the others with "Must have admin
		// rights to Repository."; Upsert edits only comments by the login
		// WithAuthor names, so that login is not the token's.
		return "the token may edit only its own comments, and this one is by another login: set prcomment.WithAuthor to the login this token comments as (\"github-actions[bot]\" for the job's GITHUB_TOKEN, \"<app-slug>[bot]\" for a GitHub App's token, the user's login for a personal access token)"
	case e.Status == http.StatusForbidden && write:
		return "the token may not write comments on this pull request: grant the job `permissions: pull-requests: write` (or `issues: write`); a pull request from a fork gets a read-only GITHUB_TOKEN on `pull_request` events, so skip the comment there"
	case e.Status == http.StatusForbidden:
		return "the token may not read this pull request's comments: grant the job `permissions: pull-requests: read` (or `issues: read`)"
	case e.Status == http.StatusNotFound && e.Method == http.MethodPatch:
		return "the comment is gone (deleted meanwhile?): run again to post a new one"
	case e.Status == http.StatusNotFound:
		return fmt.Sprintf("GitHub finds no repository %s or pull request #%d that this token can see (it answers 404, not 403, for a repository the token may not read): check GITHUB_REPOSITORY, the pull-request number and the token's access to the repository", t.Repository, t.Number)
	case e.Status == http.StatusUnprocessableEntity:
		return "GitHub refused the comment: build the body with prcomment.Body, which keeps it under GitHub's size limit and never empty"
	case e.Status >= 500:
		return "GitHub failed to answer: try again later (https://www.githubstatus.com)"
	}
	return ""
}
