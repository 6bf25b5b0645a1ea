package step

import (
	"context"
	"fmt"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Output variables that link an operation to its page on Pulumi Cloud, so
// a reviewer can click from Octopus to the update.
const (
	// OutUpdateURL is the update's (or refresh's, or destroy's) page.
	OutUpdateURL = "Pulumi.Update.Url"
	// OutPreviewURL is the preview's page.
	OutPreviewURL = "Pulumi.Preview.Url"
)

// ciEnv tells the Pulumi CLI where an update comes from. The CLI does not
// recognise Octopus as a CI system; it reads these generic variables into
// the update's metadata on Pulumi Cloud. (Pulumi is given no CI system's
// own variables, so in a CI job the build is described the same way.)
func ciEnv(c *octoenv.Context, build report.Build) map[string]string {
	env := map[string]string{}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			env[k] = v
		}
	}
	if outsideOctopus(build) {
		set("PULUMI_CI_SYSTEM", ciNames[build.System])
		set("PULUMI_CI_BUILD_ID", build.ID)
		set("PULUMI_CI_BUILD_NUMBER", build.Number)
		set("PULUMI_CI_BUILD_URL", build.URL)
		if build.PullRequest > 0 {
			set("PULUMI_CI_BUILD_TYPE", "PullRequestValidation")
			set("PULUMI_CI_PULL_REQUEST_SHA", orDefault(build.Head, build.Commit))
		} else {
			set("PULUMI_CI_BUILD_TYPE", "Build")
		}
		return env
	}
	env["PULUMI_CI_SYSTEM"] = "Octopus Deploy"
	if c.IsRunbook() {
		set("PULUMI_CI_BUILD_TYPE", "runbook")
		set("PULUMI_CI_BUILD_ID", c.RunbookRunID)
	} else {
		set("PULUMI_CI_BUILD_TYPE", "deployment")
		set("PULUMI_CI_BUILD_ID", c.Deployment.ID)
		set("PULUMI_CI_BUILD_NUMBER", c.Release.Number)
	}
	if link := c.Deployment.Link; link != "" && c.ServerURI != "" && !c.IsRunbook() {
		set("PULUMI_CI_BUILD_URL", strings.TrimRight(c.ServerURI, "/")+"/"+strings.TrimLeft(link, "/"))
	}
	return env
}

// defaultMessage names the Octopus deployment (or runbook run) an update
// belongs to, for the stack's history: project, release, environment,
// tenant, and a link back to Octopus.
//
// Outside Octopus it names the CI build and its pull request.
func defaultMessage(c *octoenv.Context, build report.Build) string {
	var b strings.Builder
	if outsideOctopus(build) {
		fmt.Fprintf(&b, "%s build", ciNames[build.System])
		if build.Number != "" {
			fmt.Fprintf(&b, " %s", build.Number)
		}
		if build.PullRequest > 0 {
			fmt.Fprintf(&b, " of pull request #%d", build.PullRequest)
		} else if build.Branch != "" {
			fmt.Fprintf(&b, " of %s", build.Branch)
		}
		if build.URL != "" {
			fmt.Fprintf(&b, " (%s)", build.URL)
		}
		return b.String()
	}
	if c.IsRunbook() {
		fmt.Fprintf(&b, "Octopus runbook %s", orUnnamed(c.Runbook.Name))
		if c.Project.Name != "" {
			fmt.Fprintf(&b, " of %s", c.Project.Name)
		}
	} else {
		fmt.Fprintf(&b, "Octopus deployment of %s", orUnnamed(c.Project.Name))
		if c.Release.Number != "" {
			fmt.Fprintf(&b, " release %s", c.Release.Number)
		}
	}
	if c.Environment.Name != "" {
		where := " to "
		if c.IsRunbook() {
			where = " in "
		}
		fmt.Fprintf(&b, "%s%s", where, c.Environment.Name)
	}
	if c.Tenant.Name != "" {
		fmt.Fprintf(&b, " for tenant %s", c.Tenant.Name)
	}
	if env := ciEnv(c, build); env["PULUMI_CI_BUILD_URL"] != "" {
		fmt.Fprintf(&b, " (%s)", env["PULUMI_CI_BUILD_URL"])
	}
	return b.String()
}

func orUnnamed(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

// publishURL publishes an operation's Pulumi Cloud page, when it has one,
// as an output variable and a line in the task log.
func (s *Session) publishURL(_ context.Context, name string, res *runner.Result) error {
	if res == nil || res.URL == "" {
		return nil
	}
	fmt.Fprintf(s.log, "octopulumi: on Pulumi Cloud: %s\n", res.URL)
	_, err := s.publish(name, res.URL, false)
	return err
}

// outsideOctopus reports whether the step runs in another CI system.
func outsideOctopus(build report.Build) bool {
	return build.System != "" && build.System != report.Octopus
}

// ciNames are the systems' names as Pulumi Cloud shows them.
var ciNames = map[report.System]string{
	report.GitHub: "GitHub Actions", report.Azure: "Azure Pipelines", report.TeamCity: "TeamCity",
	report.GitLab: "GitLab CI/CD", report.Plain: "CI",
}
