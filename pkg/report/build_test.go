package report

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  []string
		want System
	}{
		{nil, Plain},
		{[]string{"TentacleHome=/etc/octopus/Tentacle", "TentacleJournal=/etc/octopus/DeploymentJournal.xml"}, Octopus},
		{[]string{"OCTOPULUMI_VAR_Octopus__Environment__Name=Production"}, Octopus},
		{[]string{"CIRCLECI=true", "PULUMI_ACCESS_TOKEN=x"}, Plain},
		{[]string{"GITHUB_ACTIONS=true"}, GitHub},
		{[]string{"TF_BUILD=True"}, Azure},
		{[]string{"TEAMCITY_VERSION=2025.07 (build 197242)"}, TeamCity},
		{[]string{"GITLAB_CI=true"}, GitLab},
		{[]string{"JENKINS_URL=https://ci.example/"}, Plain},
		{[]string{"GITHUB_ACTIONS=false"}, Plain},
		// A self-hosted runner inside another system's agent: the job's own
		// system's variable comes first in the order.
		{[]string{"JENKINS_URL=x", "GITHUB_ACTIONS=true"}, GitHub},
		// A CI system's variables in a Tentacle's environment: the CI system
		// wins; the step template passes --report octopus.
		{[]string{"TentacleHome=/t", "TF_BUILD=True"}, Azure},
	} {
		if got := Detect(tc.env); got != tc.want {
			t.Errorf("Detect(%q) = %s, want %s", tc.env, got, tc.want)
		}
	}
}

func TestParseSystem(t *testing.T) {
	t.Parallel()
	for _, s := range Systems() {
		got, err := ParseSystem(" "+string(s)+" ", nil)
		if err != nil || got != s {
			t.Errorf("ParseSystem(%q) = %s, %v", s, got, err)
		}
	}
	if got, err := ParseSystem("AUTO", []string{"GITLAB_CI=true"}); err != nil || got != GitLab {
		t.Errorf("auto = %s, %v; want gitlab", got, err)
	}
	if _, err := ParseSystem("jenkins", nil); err == nil {
		t.Error("jenkins: no error; want one listing the systems (Jenkins is plain)")
	}
}

func TestReadBuild(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		system System
		env    []string
		want   Build
		review string
	}{
		{"github pull request", GitHub, []string{
			"GITHUB_REPOSITORY=octo-org/infra", "GITHUB_REF=refs/pull/42/merge", "GITHUB_HEAD_REF=feature/vpc",
			"GITHUB_REF_NAME=42/merge", "GITHUB_SHA=abc123", "GITHUB_RUN_ID=900", "GITHUB_RUN_NUMBER=17",
			"GITHUB_SERVER_URL=https://github.com",
		}, Build{System: GitHub, Repository: "octo-org/infra", Branch: "feature/vpc", PullRequest: 42, Commit: "abc123",
			ID: "900", Number: "17", URL: "https://github.com/octo-org/infra/actions/runs/900"}, "pr-42"},
		{"github push", GitHub, []string{"GITHUB_REF=refs/heads/main", "GITHUB_REF_NAME=main"},
			Build{System: GitHub, Branch: "main"}, ""},
		{"azure pull request", Azure, []string{
			"BUILD_REPOSITORY_NAME=infra", "BUILD_SOURCEBRANCH=refs/pull/7/merge", "SYSTEM_PULLREQUEST_SOURCEBRANCH=refs/heads/feature/x",
			"SYSTEM_PULLREQUEST_PULLREQUESTID=7", "BUILD_BUILDID=55", "BUILD_BUILDNUMBER=20261127.3",
			"SYSTEM_COLLECTIONURI=https://dev.azure.com/octo/", "SYSTEM_TEAMPROJECT=Infra", "BUILD_SOURCEVERSION=def",
			"SYSTEM_PULLREQUEST_SOURCECOMMITID=abc",
		}, Build{System: Azure, Repository: "infra", Branch: "feature/x", PullRequest: 7, Commit: "def", Head: "abc", ID: "55",
			Number: "20261127.3", URL: "https://dev.azure.com/octo/Infra/_build/results?buildId=55"}, "pr-7"},
		{"gitlab merge request", GitLab, []string{
			"CI_PROJECT_PATH=octo/infra", "CI_MERGE_REQUEST_IID=3", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=fix/dns",
			"CI_COMMIT_REF_NAME=fix/dns", "CI_COMMIT_SHA=f00", "CI_PIPELINE_ID=1000", "CI_PIPELINE_IID=12",
			"CI_PIPELINE_URL=https://gitlab.example/octo/infra/-/pipelines/1000",
		}, Build{System: GitLab, Repository: "octo/infra", Branch: "fix/dns", PullRequest: 3, Commit: "f00", ID: "1000",
			Number: "12", URL: "https://gitlab.example/octo/infra/-/pipelines/1000"}, "pr-3"},
		{"jenkins branch", Plain, []string{"BRANCH_NAME=release/2026.11", "BUILD_NUMBER=8", "BUILD_TAG=jenkins-infra-8",
			"BUILD_URL=https://jenkins.example/job/infra/8/", "GIT_COMMIT=c0ffee"},
			Build{System: Plain, Branch: "release/2026.11", Commit: "c0ffee", ID: "jenkins-infra-8", Number: "8",
				URL: "https://jenkins.example/job/infra/8/"}, ""},
		{"teamcity", TeamCity, []string{"BUILD_NUMBER=31", "BUILD_VCS_NUMBER=beef"},
			Build{System: TeamCity, Commit: "beef", Number: "31"}, ""},
		{"octopus reads no CI variable", Octopus, []string{"GITHUB_REF=refs/pull/1/merge"}, Build{System: Octopus}, ""},
		{"hostile branch", GitLab, []string{"CI_COMMIT_BRANCH=../../etc/passwd;$(x)"},
			Build{System: GitLab, Branch: "../../etc/passwd;$(x)"}, ""},
	} {
		got := ReadBuild(tc.system, tc.env)
		if got != tc.want {
			t.Errorf("%s: ReadBuild =\n%+v, want\n%+v", tc.name, got, tc.want)
		}
		if r := got.ReviewStack(); r != tc.review {
			t.Errorf("%s: ReviewStack = %q, want %q", tc.name, r, tc.review)
		}
	}
}

// A pull request's head commit comes from the event payload GitHub Actions
// writes; an unreadable payload only leaves it out.
func TestReadBuildGitHubHead(t *testing.T) {
	t.Parallel()
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"number":42,"pull_request":{"number":42,"head":{"sha":"feedface"},"base":{"sha":"0ld"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	pr := []string{"GITHUB_REF=refs/pull/42/merge", "GITHUB_SHA=merge0"}
	for _, tc := range []struct {
		path, want string
	}{{event, "feedface"}, {filepath.Join(t.TempDir(), "missing.json"), ""}, {t.TempDir(), ""}} {
		b := ReadBuild(GitHub, append(pr, "GITHUB_EVENT_PATH="+tc.path))
		if b.Head != tc.want || b.Commit != "merge0" {
			t.Errorf("%s: Head %q, Commit %q; want %q and the merge commit", tc.path, b.Head, b.Commit, tc.want)
		}
	}
}
