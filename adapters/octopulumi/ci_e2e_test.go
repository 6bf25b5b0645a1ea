//go:build unix

package main_test

// The jobs of docs/ci.md, each run as its CI system runs it: the octopulumi
// command lines are read from the page, run in a checkout with the
// variables that system sets, against a fake Pulumi Cloud (with the real
// Pulumi CLI, YAML host and provider), and what they wrote is read back
// with a parser of that system's format written from its documentation
// (pkg/report/reporttest), not with octopulumi's own code. The program,
// testdata/programs/infra, carries every system's commands in its resource
// names, inputs and outputs: none may act.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
	"github.com/octopulumi/octopulumi/pkg/prcomment/prcommenttest"
	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

const ciDoc = "../../docs/ci.md"

// ciJob is one system's section of docs/ci.md and how its system runs it.
type ciJob struct {
	heading string
	system  string
	// env is what the system sets in a pull request's job (the preview);
	// work is the checkout.
	env func(work string) []string
	// expand replaces the system's own expressions in a command line.
	expand map[string]string
	// version is the package version the job's command line gives.
	version string
	check   func(t *testing.T, c *ciRun)
}

// ciRun is one job's run: its checkout and the preview's result.
type ciRun struct {
	job     ciJob
	work    string
	section string
	preview run
	cloud   *authtest.Cloud
	github  *prcommenttest.Server
	env     []string
}

var ciJobs = []ciJob{
	{
		heading: "GitHub Actions", system: "github",
		env: func(work string) []string {
			return []string{
				"GITHUB_ACTIONS=true", "CI=true",
				"GITHUB_OUTPUT=" + filepath.Join(work, ".runner", "output"),
				"GITHUB_STEP_SUMMARY=" + filepath.Join(work, ".runner", "summary"),
				"GITHUB_REPOSITORY=octo-org/infra", "GITHUB_REF=refs/pull/7/merge", "GITHUB_HEAD_REF=feature/vpc",
				"GITHUB_REF_NAME=7/merge", "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
				"GITHUB_RUN_ID=900", "GITHUB_RUN_NUMBER=17", "GITHUB_SERVER_URL=https://github.com",
				"GITHUB_EVENT_NAME=pull_request", "RUNNER_TEMP=" + filepath.Join(work, ".runner"),
				"GITHUB_EVENT_PATH=" + filepath.Join(work, ".runner", "event.json"),
			}
		},
		expand:  map[string]string{"${{ github.run_number }}": "17", "${{ runner.temp }}": ".runner"},
		version: "1.0.17",
		check:   checkGitHubJob,
	},
	{
		heading: "Azure Pipelines", system: "azure",
		env: func(work string) []string {
			return []string{
				"TF_BUILD=True", "BUILD_BUILDID=55", "BUILD_BUILDNUMBER=20261127.3", "BUILD_REASON=PullRequest",
				"BUILD_SOURCEBRANCH=refs/pull/7/merge", "SYSTEM_PULLREQUEST_PULLREQUESTID=7",
				"SYSTEM_PULLREQUEST_SOURCEBRANCH=refs/heads/feature/vpc", "BUILD_SOURCEVERSION=0123456789abcdef",
				"SYSTEM_COLLECTIONURI=https://dev.azure.com/octo/", "SYSTEM_TEAMPROJECT=Infra",
				"AGENT_TEMPDIRECTORY=" + filepath.Join(work, ".agent"),
			}
		},
		expand:  map[string]string{"$(Build.BuildId)": "55", "$(Build.ArtifactStagingDirectory)": "staging"},
		version: "1.0.55",
		check:   checkAzureJob,
	},
	{
		heading: "TeamCity", system: "teamcity",
		env: func(work string) []string {
			return []string{"TEAMCITY_VERSION=2025.07 (build 197242)", "BUILD_NUMBER=31", "BUILD_VCS_NUMBER=0123456789abcdef",
				"TMPDIR=" + filepath.Join(work, ".buildTmp")}
		},
		expand:  map[string]string{"%build.counter%": "31"},
		version: "1.0.31",
		check:   checkTeamCityJob,
	},
	{
		heading: "GitLab CI/CD", system: "gitlab",
		env: func(work string) []string {
			return []string{"GITLAB_CI=true", "CI=true", "CI_PROJECT_DIR=" + work, "CI_PIPELINE_SOURCE=merge_request_event", "CI_PIPELINE_ID=1000",
				"CI_PIPELINE_IID=12", "CI_MERGE_REQUEST_IID=3", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature/vpc",
				"CI_COMMIT_SHA=0123456789abcdef", "CI_PROJECT_PATH=octo/infra",
				"CI_PIPELINE_URL=https://gitlab.example/octo/infra/-/pipelines/1000"}
		},
		expand:  map[string]string{"$CI_PIPELINE_IID": "12"},
		version: "1.0.12",
		check:   checkGitLabJob,
	},
	{
		heading: "Jenkins", system: "plain",
		env: func(work string) []string {
			return []string{"JENKINS_URL=https://jenkins.example/", "WORKSPACE=" + work, "BUILD_NUMBER=8", "BUILD_TAG=jenkins-infra-PR-5-8",
				"BUILD_URL=https://jenkins.example/job/infra/PR-5/8/", "CHANGE_ID=5", "CHANGE_BRANCH=feature/vpc", "BRANCH_NAME=PR-5"}
		},
		expand:  map[string]string{"$BUILD_NUMBER": "8"},
		version: "1.0.8",
		check:   checkPlainJob,
	},
}

// TestCIJobs runs each system's job from docs/ci.md: the pull request's
// preview, then the merge's packages.
func TestCIJobs(t *testing.T) {
	t.Parallel()
	sections := docSections(t)
	for _, job := range ciJobs {
		t.Run(job.system, func(t *testing.T) {
			t.Parallel()
			section, ok := sections[job.heading]
			if !ok {
				t.Fatalf("docs/ci.md has no section %q", job.heading)
			}
			lines := commandLines(t, section, job.expand)
			preview, pkg := lines["preview"], lines["package"]
			if preview == nil || pkg == nil {
				t.Fatalf("the %s job in docs/ci.md lacks an octopulumi preview or package command: %q", job.heading, lines)
			}
			c := newCIRun(t, job, section)
			c.preview = c.run(t, job, preview)
			if c.preview.code != 0 {
				t.Fatalf("%q exited %d\nstdout:\n%s\nstderr:\n%s", preview, c.preview.code, c.preview.stdout, c.preview.stderr)
			}
			checkNoCommandActs(t, c.preview)
			job.check(t, c)

			r := c.run(t, job, pkg)
			if r.code != 0 {
				t.Fatalf("%q exited %d\nstdout:\n%s\nstderr:\n%s", pkg, r.code, r.stdout, r.stderr)
			}
			out := pkg[flagIndex(t, pkg, "--out")+1]
			for _, name := range []string{"WebShop.Infra." + job.version + ".zip", "SHA256SUMS"} {
				if _, err := os.Stat(filepath.Join(c.work, out, name)); err != nil {
					t.Errorf("%q wrote no %s: %v\n%s", pkg, name, err, r.stdout)
				}
			}
		})
	}
}

func newCIRun(t *testing.T, job ciJob, section string) *ciRun {
	t.Helper()
	bed := testbed.New(t)
	work := t.TempDir()
	bed.WriteProgram(t, "infra", filepath.Join(work, "infra"), testbed.ProgramData{OutDir: filepath.Join(work, "out")})
	for _, d := range []string{".runner", ".agent", ".buildTmp"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The runner makes the step's command files before the step runs, and
	// writes the event's payload (the pull request's, abridged).
	for f, data := range map[string]string{"output": "", "summary": "", "event.json": githubEvent} {
		if err := os.WriteFile(filepath.Join(work, ".runner", f), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cloud, token := authtest.StartCloud(t, testbed.CloudOrg)
	c := &ciRun{job: job, work: work, section: section, cloud: cloud}
	env := append([]string{
		"PATH=" + bed.Tools.Bin + ":/usr/bin:/bin", "HOME=" + bed.Dir, "PULUMI_HOME=" + bed.Home,
		// The job's secret, and the backend the page's jobs use (Pulumi Cloud).
		"PULUMI_ACCESS_TOKEN=" + token, "PULUMI_BACKEND_URL=" + cloud.URL, "PULUMI_CONSOLE_DOMAIN=" + cloud.ConsoleDomain(),
	}, job.env(work)...)
	if job.system == "github" {
		c.github = prcommenttest.NewServer()
		t.Cleanup(c.github.Close)
		c.github.AddRepo("octo-org/infra")
		c.github.AddToken(githubToken, prcommenttest.User{Login: "github-actions[bot]", Type: "Bot"})
		env = append(env, "GITHUB_API_URL="+c.github.URL(), "GITHUB_TOKEN="+githubToken)
	}
	c.env = env
	return c
}

// githubEvent is the pull_request event's payload, abridged to what is read.
const githubEvent = `{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"ref":"feature/vpc","sha":"` + githubHeadSHA + `"},"base":{"ref":"main"}}}`

// githubHeadSHA is the pull request's head commit.
const githubHeadSHA = "5e1ec7ed00000000000000000000000000000007"

// githubToken is the job's GITHUB_TOKEN on the fake GitHub.
const githubToken = "ghs_0123456789abcdefghijklmnopqrstuvwxyzAB"

// run runs a command line of the job in its checkout.
func (c *ciRun) run(t *testing.T, job ciJob, line []string) run {
	t.Helper()
	cmd := exec.Command(octopulumi(t), line[1:]...)
	cmd.Dir = c.work
	cmd.Env = c.env
	r := runCmd(t, cmd)
	for _, secret := range []string{githubToken, envValue(cmd.Env, "PULUMI_ACCESS_TOKEN")} {
		if secret != "" && strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("%s: %q printed a secret (%.8s…)", job.system, line, secret)
		}
	}
	return r
}

// checkNoCommandActs checks that no system acts on a command of the
// program's text in the job's log (octopulumi's own commands may carry
// the program's text as data: a variable's value is not a command).
func checkNoCommandActs(t *testing.T, r run) {
	t.Helper()
	// The program's commands set a variable Hacked, or carry the data
	// "hacked"; octopulumi's own error carries the program's text inside.
	hacked := func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "hacked") }
	for _, stream := range []string{r.stdout, r.stderr} {
		for _, mode := range []reporttest.Mode{reporttest.Exact, reporttest.ICU} {
			for _, c := range reporttest.GitHubCommands(stream, mode) {
				switch {
				case c.Name == "set-output", c.Name == "stop-commands", c.Name == "resume", c.Name == "add-path", c.Name == "set-env",
					c.Name == "error" && c.Properties["title"] != "octopulumi", c.Name == "add-mask" && c.Value == "hello":
					t.Errorf("GitHub Actions acts on a command of the program's text: %+v", c)
				}
			}
			for _, c := range reporttest.AzureCommands(stream, true, mode) {
				if hacked(c.Properties["variable"]) || c.Event == "complete" || c.Event == "prependpath" || c.Event == "logissue" && hacked(c.Data) {
					t.Errorf("Azure Pipelines acts on a command of the program's text: %+v", c)
				}
			}
		}
		msgs, err := reporttest.TeamCityMessages(stream)
		if err != nil {
			t.Errorf("TeamCity reads a malformed service message: %v", err)
		}
		for _, m := range msgs {
			if hacked(m.Attrs["name"]) || m.Name == "buildProblem" && hacked(m.Attrs["description"]) || strings.Contains(m.Value, "/etc/hacked") {
				t.Errorf("TeamCity acts on a service message of the program's text: %+v", m)
			}
		}
		if msgs, open := octopusReads(stream); open || len(msgs) > 0 {
			t.Errorf("outside Octopus, Octopus would read service messages in the log: %v (left open: %v)", msgs, open)
		}
		// GitLab's collapsible sections: an escape sequence the program
		// printed must not open one.
		if strings.Contains(stream, "\x1b[0Ksection_start") {
			t.Errorf("the log holds a GitLab section marker of the program's text")
		}
	}
}

func checkGitHubJob(t *testing.T, c *ciRun) {
	data, err := os.ReadFile(filepath.Join(c.work, ".runner", "output"))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := reporttest.GitHubOutputs(string(data), false)
	if err != nil {
		t.Fatalf("$GITHUB_OUTPUT: %v\n%s", err, data)
	}
	checkPreviewOutputs(t, outs, "Pulumi.Preview.Changes", "Pulumi.Preview.HasChanges")
	if md := outs["Pulumi.Preview.SummaryMarkdown"]; !strings.Contains(md, "| Resource |") {
		t.Errorf("Pulumi.Preview.SummaryMarkdown = %q, want the Markdown table", md)
	}
	summary, err := os.ReadFile(filepath.Join(c.work, ".runner", "summary"))
	if err != nil || !strings.Contains(string(summary), "Pulumi preview of") {
		t.Errorf("$GITHUB_STEP_SUMMARY holds %q (%v), want the preview's summary", summary, err)
	}
	var notice bool
	for _, cmd := range reporttest.GitHubCommands(c.preview.stdout, reporttest.Exact) {
		switch cmd.Name {
		case "notice":
			notice = notice || strings.Contains(cmd.Value, "pulumi-preview-")
		case "add-mask":
		default:
			t.Errorf("the preview wrote the workflow command %+v", cmd)
		}
	}
	if !notice {
		t.Errorf("no notice names the diff's file:\n%s", c.preview.stdout)
	}
	// The folder --artifact-dir names, which the page's upload-artifact keeps.
	if diffs, _ := filepath.Glob(filepath.Join(c.work, ".runner", "octopulumi", "pulumi-preview-*")); len(diffs) != 1 {
		t.Errorf("the artifact folder holds diffs %q, want one", diffs)
	}
	// The comment: posted once, then edited in place by the next push.
	comments := c.github.Comments("octo-org/infra", 7)
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "Pulumi preview of") || !strings.Contains(comments[0].Body, "<details>") {
		t.Fatalf("pull request #7 has comments %+v, want the preview's", comments)
	}
	line := commandLines(t, c.section, c.job.expand)["preview"]
	again := c.run(t, ciJob{system: "github"}, line)
	if again.code != 0 {
		t.Fatalf("second preview exited %d\n%s\n%s", again.code, again.stdout, again.stderr)
	}
	if after := c.github.Comments("octo-org/infra", 7); len(after) != 1 || after[0].ID != comments[0].ID {
		t.Errorf("after a second push the pull request has comments %+v, want the first one edited", after)
	}
	// The update's metadata names the CI build.
	var found bool
	for _, u := range c.cloud.Updates("acme/infra/dev") {
		env := u.Environment()
		found = found || env["ci.system"] == "GitHub Actions" && env["ci.pr.headSHA"] == githubHeadSHA
	}
	if !found {
		t.Errorf("no update on acme/infra/dev names GitHub Actions and the pull request's head commit: %+v", c.cloud.Updates("acme/infra/dev"))
	}
}

func checkAzureJob(t *testing.T, c *ciRun) {
	outs := map[string]string{}
	var summary, upload string
	for _, cmd := range reporttest.AzureCommands(c.preview.stdout, true, reporttest.Exact) {
		switch cmd.Area + "." + cmd.Event {
		case "task.setvariable":
			if !strings.EqualFold(cmd.Properties["isoutput"], "true") {
				t.Errorf("%s is not an output variable: %+v", cmd.Properties["variable"], cmd)
			}
			outs[cmd.Properties["variable"]] = cmd.Data
		case "task.uploadsummary":
			summary = cmd.Data
		case "task.uploadfile":
			upload = cmd.Data
		case "task.setsecret":
		default:
			t.Errorf("the preview wrote the logging command %+v", cmd)
		}
	}
	checkPreviewOutputs(t, outs, "Pulumi.Preview.Changes", "Pulumi.Preview.HasChanges")
	if b, err := os.ReadFile(summary); err != nil || !strings.Contains(string(b), "Pulumi preview of") {
		t.Errorf("task.uploadsummary names %q holding %q (%v), want the preview's summary", summary, b, err)
	}
	if !strings.Contains(upload, "pulumi-preview-") || !filepath.IsAbs(upload) {
		t.Errorf("task.uploadfile names %q, want the diff", upload)
	}
}

func checkTeamCityJob(t *testing.T, c *ciRun) {
	msgs, err := reporttest.TeamCityMessages(c.preview.stdout)
	if err != nil {
		t.Fatal(err)
	}
	outs, stats := map[string]string{}, map[string]string{}
	var status, artifacts []string
	for _, m := range msgs {
		switch m.Name {
		case "setParameter":
			outs[m.Attrs["name"]] = m.Attrs["value"]
		case "buildStatisticValue":
			stats[m.Attrs["key"]] = m.Attrs["value"]
		case "buildStatus":
			status = append(status, m.Attrs["text"])
		case "publishArtifacts":
			artifacts = append(artifacts, m.Value)
		case "progressMessage":
		default:
			t.Errorf("the preview wrote the service message %+v", m)
		}
	}
	checkPreviewOutputs(t, outs, "Pulumi.Preview.Changes", "Pulumi.Preview.HasChanges")
	if stats["pulumi.preview.create"] != "4" {
		t.Errorf("build statistics %v, want pulumi.preview.create 4", stats)
	}
	if len(status) != 1 || !strings.Contains(status[0], "{build.status.text}") || !strings.Contains(status[0], "4 to create") {
		t.Errorf("buildStatus texts %q, want one with the counts", status)
	}
	if joined := strings.Join(artifacts, "\n"); !strings.Contains(joined, "summary.md") || !strings.Contains(joined, "pulumi-preview-") {
		t.Errorf("publishArtifacts %q, want the summary and the diff", artifacts)
	}
}

func checkGitLabJob(t *testing.T, c *ciRun) {
	// The paths the page's artifacts:reports name.
	dotenvPath := docField(t, c.section, "dotenv")
	metricsPath := docField(t, c.section, "metrics")
	data, err := os.ReadFile(filepath.Join(c.work, dotenvPath))
	if err != nil {
		t.Fatalf("the dotenv report the page names: %v", err)
	}
	outs, err := reporttest.GitLabDotenv(data)
	if err != nil {
		t.Fatalf("%s: %v\n%s", dotenvPath, err, data)
	}
	checkPreviewOutputs(t, outs, "Pulumi_Preview_Changes", "Pulumi_Preview_HasChanges")
	// A dotenv report holds one line per value: the Markdown summary is
	// left out, and the log says why (it is in summary.md).
	if _, ok := outs["Pulumi_Preview_SummaryMarkdown"]; ok || !strings.Contains(c.preview.stdout, "warning: the output Pulumi.Preview.SummaryMarkdown is not published") {
		t.Errorf("the multi-line summary: in the dotenv report %v, or no warning in the log:\n%s", ok, c.preview.stdout)
	}
	text, err := os.ReadFile(filepath.Join(c.work, metricsPath))
	if err != nil {
		t.Fatalf("the metrics report the page names: %v", err)
	}
	metrics, err := reporttest.OpenMetrics(string(text))
	if err != nil {
		t.Fatalf("%s: %v\n%s", metricsPath, err, text)
	}
	var create bool
	for name, v := range metrics {
		create = create || strings.Contains(name, "create") && v == 4
	}
	if !create {
		t.Errorf("metrics %v, want the creates (4)", metrics)
	}
	checkReportFolder(t, filepath.Join(c.work, filepath.Dir(dotenvPath)))
}

func checkPlainJob(t *testing.T, c *ciRun) {
	dir := filepath.Join(c.work, "octopulumi-report")
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Outputs map[string]string  `json:"outputs"`
		Metrics map[string]float64 `json:"metrics"`
		Summary string             `json:"summary"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json: %v\n%s", err, data)
	}
	checkPreviewOutputs(t, rep.Outputs, "Pulumi.Preview.Changes", "Pulumi.Preview.HasChanges")
	if rep.Metrics["pulumi.preview.create"] != 4 {
		t.Errorf("metrics %v, want pulumi.preview.create 4", rep.Metrics)
	}
	checkReportFolder(t, dir)
}

// checkReportFolder checks the summary and the diff are in dir.
func checkReportFolder(t *testing.T, dir string) {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join(dir, "summary.md")); err != nil || !strings.Contains(string(b), "Pulumi preview of") {
		t.Errorf("%s/summary.md holds %q (%v), want the preview's summary", dir, b, err)
	}
	diffs, _ := filepath.Glob(filepath.Join(dir, "pulumi-preview-*"))
	if len(diffs) != 1 {
		t.Errorf("%s holds diffs %q, want one", dir, diffs)
	}
}

// checkPreviewOutputs checks the preview's counts: the program creates three
// files and the stack.
func checkPreviewOutputs(t *testing.T, outs map[string]string, changes, hasChanges string) {
	t.Helper()
	if outs[changes] != "4" || outs[hasChanges] != "True" {
		t.Errorf("outputs %s = %q and %s = %q, want 4 and True (all: %q)", changes, outs[changes], hasChanges, outs[hasChanges], outs)
	}
}

// docSections splits docs/ci.md into its "## " sections, by heading (up to
// the first " (").
func docSections(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(ciDoc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, part := range strings.Split(string(data), "\n## ")[1:] {
		heading, body, _ := strings.Cut(part, "\n")
		heading, _, _ = strings.Cut(heading, " (")
		out[heading] = body
	}
	return out
}

var commandLine = regexp.MustCompile(`octopulumi (preview|deploy|destroy|package)[^'"\n]*`)

// commandLines returns the octopulumi command lines of a section's code
// blocks, by subcommand, with the system's expressions replaced. An
// expression left unreplaced fails the test: the page would show a command
// the test did not run.
func commandLines(t *testing.T, section string, expand map[string]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	inCode := false
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inCode = !inCode
			continue
		}
		if !inCode {
			continue
		}
		m := commandLine.FindString(line)
		if m == "" {
			continue
		}
		for k, v := range expand {
			m = strings.ReplaceAll(m, k, v)
		}
		if expand != nil && strings.ContainsAny(m, "$%{}") {
			t.Fatalf("docs/ci.md: %q holds an expression the test does not know", m)
		}
		fields := strings.Fields(m)
		if _, seen := out[fields[1]]; !seen {
			out[fields[1]] = fields
		}
	}
	return out
}

// docField returns the value of "name: value" in a section's code.
func docField(t *testing.T, section, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(name) + `:\s*(\S+)\s*$`).FindStringSubmatch(section)
	if m == nil {
		t.Fatalf("docs/ci.md: no %s: in the section", name)
	}
	return m[1]
}

func flagIndex(t *testing.T, line []string, flag string) int {
	t.Helper()
	for i, f := range line {
		if f == flag && i+1 < len(line) {
			return i
		}
	}
	t.Fatalf("%q has no %s", line, flag)
	return 0
}

func envValue(env []string, name string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestCIReviewStackOnGitHub: the page's review stack, in a pull request's
// job: `octopulumi deploy` without --stack deploys pr-<number>, publishes
// the outputs in $GITHUB_OUTPUT (the secret one masked first, the hostile
// one exactly), and `destroy --remove` takes it away.
func TestCIReviewStackOnGitHub(t *testing.T) {
	t.Parallel()
	section := docSections(t)["GitHub Actions"]
	for _, want := range []string{"octopulumi deploy --program infra`", "octopulumi destroy --program infra --remove`"} {
		if !strings.Contains(section, want) {
			t.Fatalf("docs/ci.md's GitHub Actions section no longer says %q", want)
		}
	}
	job := ciJobs[0]
	c := newCIRun(t, job, section)
	// A provider's error carries the commands at the start of its lines.
	env := c.env
	c.env = append(append([]string(nil), env...), "OCTOPULUMI_VAR_Pulumi__Config__failHostile=true")
	failed := c.run(t, job, []string{"octopulumi", "deploy", "--program", "infra"})
	c.env = env
	if failed.code == 0 || !strings.Contains(failed.stdout+failed.stderr, "failOnCreate") {
		t.Fatalf("the failing deploy exited %d without the provider's error\n%s\n%s", failed.code, failed.stdout, failed.stderr)
	}
	checkNoCommandActs(t, failed)
	var errs []string
	for _, cmd := range reporttest.GitHubCommands(failed.stdout, reporttest.Exact) {
		if cmd.Name == "error" {
			errs = append(errs, cmd.Value)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "failOnCreate") {
		t.Errorf("GitHub reads the errors %q, want octopulumi's one with the provider's", errs)
	}
	r := c.run(t, job, []string{"octopulumi", "deploy", "--program", "infra"})
	if r.code != 0 {
		t.Fatalf("deploy exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	checkNoCommandActs(t, r)
	if _, ok := c.cloud.Stack("acme/infra/pr-7"); !ok {
		t.Errorf("no stack acme/infra/pr-7 on the backend: %+v", c.cloud.Stacks())
	}
	data, err := os.ReadFile(filepath.Join(c.work, ".runner", "output"))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := reporttest.GitHubOutputs(string(data), false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Pulumi.Output.siteSize": "5", "Pulumi.Output.notesPath": filepath.Join(c.work, "out", "notes.txt"), "Pulumi.Output.password": "hello-pw",
		"Pulumi.Output.hostile": "::set-output name=Hacked::1\n##vso[task.setvariable variable=Hacked]1\n##teamcity[setParameter name='Hacked' value='1']\n##octopus[setVariable name='SGFja2Vk' value='MQ==']",
	}
	for k, v := range want {
		if outs[k] != v {
			t.Errorf("output %s = %q, want %q", k, outs[k], v)
		}
	}
	var masked bool
	for _, cmd := range reporttest.GitHubCommands(r.stdout, reporttest.Exact) {
		masked = masked || cmd.Name == "add-mask" && cmd.Value == "hello-pw"
	}
	if !masked {
		t.Errorf("the secret output is not masked (::add-mask::):\n%s", r.stdout)
	}
	if strings.Contains(strings.ReplaceAll(r.stdout, "::add-mask::hello-pw", ""), "hello-pw") {
		t.Errorf("the secret output's value is in the log:\n%s", r.stdout)
	}
	down := c.run(t, job, []string{"octopulumi", "destroy", "--program", "infra", "--remove"})
	if down.code != 0 {
		t.Fatalf("destroy --remove exited %d\n%s\n%s", down.code, down.stdout, down.stderr)
	}
	if _, ok := c.cloud.Stack("acme/infra/pr-7"); ok {
		t.Error("destroy --remove left the stack pr-7")
	}
}

// TestCIGitHubOIDC: a job with id-token: write and no stored token logs in
// with its own OIDC token (asked of GitHub's token service for the
// audience urn:pulumi:org:acme) exchanged for a Pulumi token, which it masks.
func TestCIGitHubOIDC(t *testing.T) {
	t.Parallel()
	job := ciJobs[0]
	c := newCIRun(t, job, docSections(t)["GitHub Actions"])
	iss, err := authtest.NewIssuer(authtest.IssuerTLS())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	c.cloud.TrustIssuer(testbed.CloudOrg, iss, authtest.Policy{Subject: authtest.GitHubSubject})
	pem := filepath.Join(c.work, ".runner", "issuer.pem")
	if err := os.WriteFile(pem, iss.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range c.env {
		if !strings.HasPrefix(kv, "PULUMI_ACCESS_TOKEN=") && !strings.HasPrefix(kv, "GITHUB_TOKEN=") {
			env = append(env, kv)
		}
	}
	c.env = append(append(env, iss.GitHubActionsEnv()...), "SSL_CERT_FILE="+pem, "OCTOPULUMI_ORGANIZATION="+testbed.CloudOrg)
	r := c.run(t, job, []string{"octopulumi", "preview", "--program", "infra", "--stack", "dev"})
	if r.code != 0 {
		t.Fatalf("preview exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if c.cloud.Exchanges() != 1 {
		t.Errorf("%d token exchanges, want 1", c.cloud.Exchanges())
	}
	var masks []string
	for _, cmd := range reporttest.GitHubCommands(r.stdout, reporttest.Exact) {
		if cmd.Name == "add-mask" {
			masks = append(masks, cmd.Value)
		}
	}
	var token bool
	for _, m := range masks {
		token = token || strings.HasPrefix(m, "pul-")
	}
	if !token {
		t.Errorf("the exchanged Pulumi token is not masked; masks: %q", masks)
	}
	if strings.Contains(r.stdout+r.stderr, authtest.GitHubRequestToken) {
		t.Error("the log holds the job's ID token request token")
	}
}

// TestCISecretOutputs: a deploy in each system's job publishes the stack's
// secret output only where the system keeps it secret (GitHub masks it,
// Azure sets it with issecret), names it without its value in report.json,
// and elsewhere says in the log that it is left out; no file the job keeps
// holds it, and no file or log holds a token.
func TestCISecretOutputs(t *testing.T) {
	t.Parallel()
	sections := docSections(t)
	for _, job := range ciJobs {
		t.Run(job.system, func(t *testing.T) {
			t.Parallel()
			c := newCIRun(t, job, sections[job.heading])
			r := c.run(t, job, []string{"octopulumi", "deploy", "--program", "infra", "--stack", "review"})
			if r.code != 0 {
				t.Fatalf("deploy exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			const secret, name = "hello-pw", "Pulumi.Output.password"
			log := r.stdout + r.stderr
			switch job.system {
			case "github":
				data, _ := os.ReadFile(filepath.Join(c.work, ".runner", "output"))
				outs, err := reporttest.GitHubOutputs(string(data), false)
				if err != nil || outs[name] != secret {
					t.Errorf("$GITHUB_OUTPUT %s = %q (%v), want the secret", name, outs[name], err)
				}
				var masks []string
				for _, cmd := range reporttest.GitHubCommands(r.stdout, reporttest.Exact) {
					if cmd.Name == "add-mask" {
						masks = append(masks, reporttest.GitHubMasks(cmd.Value)...)
					}
				}
				if !slices.Contains(masks, secret) {
					t.Errorf("the secret output is not masked (::add-mask::):\n%s", r.stdout)
				}
			case "azure":
				var set bool
				for _, cmd := range reporttest.AzureCommands(r.stdout, true, reporttest.Exact) {
					if cmd.Event == "setvariable" && cmd.Properties["variable"] == name {
						set = cmd.Data == secret && strings.EqualFold(cmd.Properties["issecret"], "true")
					}
				}
				if !set {
					t.Errorf("no task.setvariable %s with issecret=true:\n%s", name, r.stdout)
				}
			case "plain":
				data, err := os.ReadFile(filepath.Join(c.work, "octopulumi-report", "report.json"))
				if err != nil {
					t.Fatal(err)
				}
				rep, err := reporttest.ReadPlainReport(data)
				if err != nil || !slices.Contains(rep.SecretOutputs, name) || rep.Outputs["Pulumi.Output.siteSize"] != "5" {
					t.Errorf("report.json %+v (%v), want the secret output named and the others' values", rep, err)
				}
				fallthrough
			default:
				if !strings.Contains(log, "warning: the output "+name+" is not published") {
					t.Errorf("the log does not say the secret output is left out:\n%s", log)
				}
			}
			// Only the system's own secret channel may hold the value.
			allowed := map[string]bool{filepath.Join(c.work, ".runner", "output"): true}
			for _, secret := range []string{secret, envValue(c.env, "PULUMI_ACCESS_TOKEN")} {
				checkNoFileHolds(t, c.work, secret, allowed)
				if job.system != "azure" && strings.Contains(strings.ReplaceAll(log, "::add-mask::"+secret, ""), secret) {
					t.Errorf("the log holds a secret (%.4s…)", secret)
				}
				allowed = nil // a token: nowhere at all
			}
		})
	}
}

// checkNoFileHolds checks that no file under dir but those allowed holds
// secret (the program's own output files are its business: out/).
func checkNoFileHolds(t *testing.T, dir, secret string, allowed map[string]bool) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || allowed[path] || strings.HasPrefix(path, filepath.Join(dir, "out")+string(filepath.Separator)) {
			return err
		}
		if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), secret) {
			t.Errorf("%s holds a secret (%.4s…)", path, secret)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
