package report

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// Build describes the CI run a step runs in, read from the variables its
// system sets: where the code comes from (branch, pull request, commit) and
// where the run is shown. Empty fields were not available.
type Build struct {
	System System
	// Repository is the repository's name as the system gives it
	// (GitHub: owner/name).
	Repository string
	// Branch is the branch built; for a pull request, its source branch.
	Branch string
	// PullRequest is the pull (merge) request's number, when the run is
	// for one.
	PullRequest int
	// Commit is the commit built (for a pull request on GitHub, the merge
	// commit GitHub made); Head is a pull request's head commit, where the
	// system names it.
	Commit, Head string
	// ID and Number identify the run; URL is its page.
	ID, Number, URL string
}

// ReadBuild reads the build the step runs in from environ, as system sets
// it (each system's documented predefined variables). For Octopus it is
// empty: the deployment is read from the Octopus variables instead.
func ReadBuild(system System, environ []string) Build {
	get := func(name string) string { return strings.TrimSpace(getenv(environ, name)) }
	b := Build{System: system}
	switch system {
	case GitHub:
		// GitHub docs "Variables reference" (Default environment variables).
		b.Repository, b.Commit, b.ID, b.Number = get("GITHUB_REPOSITORY"), get("GITHUB_SHA"), get("GITHUB_RUN_ID"), get("GITHUB_RUN_NUMBER")
		b.Branch = first(get("GITHUB_HEAD_REF"), get("GITHUB_REF_NAME"))
		if m := githubPullRef.FindStringSubmatch(get("GITHUB_REF")); m != nil {
			b.PullRequest, _ = strconv.Atoi(m[1])
			if get("GITHUB_HEAD_REF") == "" {
				b.Branch = ""
			}
		}
		if b.PullRequest > 0 {
			b.Head = githubHead(get("GITHUB_EVENT_PATH"))
		}
		if server := get("GITHUB_SERVER_URL"); server != "" && b.Repository != "" && b.ID != "" {
			b.URL = strings.TrimRight(server, "/") + "/" + b.Repository + "/actions/runs/" + b.ID
		}
	case Azure:
		// Azure Pipelines docs "Predefined variables" (as environment variables).
		b.Repository, b.Commit, b.ID, b.Number = get("BUILD_REPOSITORY_NAME"), get("BUILD_SOURCEVERSION"), get("BUILD_BUILDID"), get("BUILD_BUILDNUMBER")
		b.Branch = strings.TrimPrefix(first(get("SYSTEM_PULLREQUEST_SOURCEBRANCH"), get("BUILD_SOURCEBRANCH")), "refs/heads/")
		b.PullRequest, _ = strconv.Atoi(first(get("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"), get("SYSTEM_PULLREQUEST_PULLREQUESTID")))
		b.Head = get("SYSTEM_PULLREQUEST_SOURCECOMMITID")
		if uri, project := get("SYSTEM_COLLECTIONURI"), get("SYSTEM_TEAMPROJECT"); uri != "" && project != "" && b.ID != "" {
			b.URL = strings.TrimRight(uri, "/") + "/" + project + "/_build/results?buildId=" + b.ID
		}
	case TeamCity:
		// TeamCity passes few build parameters to the environment by
		// default: BUILD_NUMBER and BUILD_VCS_NUMBER (docs "Predefined
		// build parameters"); a branch reaches the build only as
		// env.* parameters the configuration defines (pass --stack).
		b.Commit, b.Number = get("BUILD_VCS_NUMBER"), get("BUILD_NUMBER")
	case GitLab:
		// GitLab docs "Predefined CI/CD variables reference".
		b.Repository, b.Commit, b.ID, b.Number, b.URL = get("CI_PROJECT_PATH"), get("CI_COMMIT_SHA"), get("CI_PIPELINE_ID"), get("CI_PIPELINE_IID"), get("CI_PIPELINE_URL")
		b.Branch = first(get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"), get("CI_COMMIT_BRANCH"), get("CI_COMMIT_REF_NAME"))
		b.PullRequest, _ = strconv.Atoi(get("CI_MERGE_REQUEST_IID"))
	case Plain:
		// Jenkins docs "Building a software project" (env-vars.html) and
		// the Branch API's CHANGE_* variables for a multibranch pipeline.
		b.Commit, b.ID, b.Number, b.URL = get("GIT_COMMIT"), get("BUILD_TAG"), get("BUILD_NUMBER"), get("BUILD_URL")
		b.Branch = first(get("CHANGE_BRANCH"), get("BRANCH_NAME"), strings.TrimPrefix(get("GIT_BRANCH"), "origin/"))
		b.PullRequest, _ = strconv.Atoi(get("CHANGE_ID"))
	}
	if b.PullRequest < 0 {
		b.PullRequest = 0
	}
	return b
}

var githubPullRef = regexp.MustCompile(`^refs/pull/([0-9]+)/(?:merge|head)$`)

// maxEventBytes bounds the GitHub event payload read for a pull request's
// head (GitHub caps webhook payloads at 25 MB).
const maxEventBytes = 32 << 20

// githubHead reads a pull request's head commit from the event payload
// GitHub Actions writes for the job (pull_request.head.sha, GitHub docs
// "Webhook events and payloads"), or "" when it cannot.
func githubHead(path string) string {
	if path == "" {
		return ""
	}
	data, err := safefile.ReadFile(path, maxEventBytes)
	if err != nil {
		return ""
	}
	var event struct {
		PullRequest struct {
			Head struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if json.Unmarshal(data, &event) != nil {
		return ""
	}
	return event.PullRequest.Head.SHA
}

// ReviewStack names the stack of a pull request's review environment:
// pr-<number>. It is empty for a build of no pull request: a branch or a
// tag names no stack by itself (a push to main must not deploy or destroy
// a stack called "main").
func (b Build) ReviewStack() string {
	if b.PullRequest > 0 {
		return "pr-" + strconv.Itoa(b.PullRequest)
	}
	return ""
}

func first(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
