package octoenv

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// varsOf builds Variables from name/value pairs; names starting with '!' are sensitive.
func varsOf(t testing.TB, kv ...string) *Variables {
	t.Helper()
	var l []Variable
	for i := 0; i+1 < len(kv); i += 2 {
		name, sensitive := strings.CutPrefix(kv[i], "!")
		l = append(l, Variable{Name: name, Value: kv[i+1], Sensitive: sensitive})
	}
	v, err := Merge(nil, l)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func deploymentVars(extra ...string) []string {
	return append([]string{
		"Octopus.Space.Id", "Spaces-1", "Octopus.Space.Name", "Default",
		"Octopus.Project.Id", "Projects-7", "Octopus.Project.Name", "Web Shop", "Octopus.Project.Slug", "web-shop",
		"Octopus.Environment.Id", "Environments-2", "Octopus.Environment.Name", "Production", "Octopus.Environment.Slug", "production",
		"Octopus.Release.Number", "1.2.3", "Octopus.Release.Channel.Name", "Default",
		"Octopus.Deployment.Id", "Deployments-9", "Octopus.Deployment.Name", "Deploy to Production",
		"Octopus.Deployment.CreatedBy.Username", "jane",
		"Octopus.Web.DeploymentLink", "/app#/Spaces-1/deployments/Deployments-9",
		"Octopus.Web.ServerUri", "https://octopus.example.com/",
		"Octopus.Task.Id", "ServerTasks-11", "Octopus.Step.Name", "Deploy infra", "Octopus.Action.Name", "Deploy infra",
		"Octopus.Machine.Name", "worker-1",
		"Pulumi.Organization", "acme",
	}, extra...)
}

func TestNewContext(t *testing.T) {
	t.Parallel()
	abs := filepath.Join(t.TempDir(), "pkg")
	c, err := NewContext(varsOf(t, deploymentVars(
		"Octopus.Action.Package[plugins].ExtractedPath", abs,
		"Octopus.Action.Package[].ExtractedPath", abs+"2",
		"Custom.Thing", "kept",
	)...))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"space", c.Space.ID + "|" + c.Space.Name, "Spaces-1|Default"},
		{"project", c.Project.ID + "|" + c.Project.Name + "|" + c.Project.Slug, "Projects-7|Web Shop|web-shop"},
		{"environment", c.Environment.Name + "|" + c.Environment.Slug, "Production|production"},
		{"release", c.Release.Number + "|" + c.Release.Channel, "1.2.3|Default"},
		{"deployment", c.Deployment.ID + "|" + c.Deployment.CreatedBy, "Deployments-9|jane"},
		{"link", c.Deployment.Link, "https://octopus.example.com/app#/Spaces-1/deployments/Deployments-9"},
		{"server", c.ServerURI, "https://octopus.example.com"},
		{"task", c.TaskID + "|" + c.StepName + "|" + c.ActionName + "|" + c.MachineName, "ServerTasks-11|Deploy infra|Deploy infra|worker-1"},
		{"package", c.Packages["plugins"], abs},
		{"primary package", c.Packages[""], abs + "2"},
		{"stack", c.Stack.String(), "acme/web-shop/production"},
		{"unknown", c.Vars.Value("custom.thing"), "kept"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if c.Tenanted() || c.IsRunbook() {
		t.Errorf("Tenanted() = %v, IsRunbook() = %v, want false", c.Tenanted(), c.IsRunbook())
	}
}

func TestNewContextRunbookTenant(t *testing.T) {
	t.Parallel()
	c, err := NewContext(varsOf(t, deploymentVars(
		"Octopus.Runbook.Id", "Runbooks-1", "Octopus.Runbook.Name", "Drift",
		"Octopus.RunbookRun.Id", "RunbookRuns-5",
		"Octopus.Deployment.Tenant.Id", "Tenants-3", "Octopus.Deployment.Tenant.Name", "Contoso Ltd.",
	)...))
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsRunbook() || !c.Tenanted() || c.Runbook.Name != "Drift" || c.RunbookRunID != "RunbookRuns-5" {
		t.Errorf("runbook/tenant not read: %+v", c)
	}
	if got := c.Stack.String(); got != "acme/web-shop/production-contoso-ltd" {
		t.Errorf("tenant stack = %q", got)
	}
}

// TestNewContextProblems checks every problem is reported at once, named by its variable,
// without sensitive values.
func TestNewContextProblems(t *testing.T) {
	t.Parallel()
	vars := varsOf(t,
		"Octopus.Environment.Name", " ",
		"Octopus.Deployment.Tenant.Id", "Tenants-1",
		"Octopus.Web.ServerUri", "octopus.example.com",
		"Octopus.Action.Package[tools].ExtractedPath", "relative/dir",
		"Octopus.Action.Package[x].ExtractedPath", "",
		"Pulumi.Config.", "v",
		"!Pulumi.Config.app:token value", "hunter2",
	)
	_, err := NewContext(vars)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want *ValidationError", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Variable)
	}
	want := []string{
		"Octopus.Action.Package[tools].ExtractedPath",
		"Octopus.Action.Package[x].ExtractedPath",
		"Octopus.Deployment.Tenant.Name",
		"Octopus.Environment.Name",
		"Octopus.Project.Name",
		"Octopus.Web.ServerUri",
		"Pulumi.Config.",
		"Pulumi.Config.app:token value",
		"Pulumi.Organization",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems for %q\nwant %q\nerror: %v", got, want, err)
	}
	msg := err.Error()
	for _, s := range []string{"Octopus.Environment.Name is empty", "Octopus.Project.Name is not set", "9 problems"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("error %q leaks a sensitive value", msg)
	}
}

func TestValidationErrorTruncates(t *testing.T) {
	t.Parallel()
	e := &ValidationError{}
	for i := 0; i < 25; i++ {
		e.Problems = append(e.Problems, Problem{Variable: "V", Reason: "is empty"})
	}
	if msg := e.Error(); !strings.Contains(msg, "and 5 more") {
		t.Errorf("Error() = %q", msg)
	}
	one := &ValidationError{Problems: []Problem{{"A", "is empty"}}}
	if one.Error() != "octoenv: invalid Octopus variables: A is empty" {
		t.Errorf("Error() = %q", one.Error())
	}
}

func TestNewContextNil(t *testing.T) {
	t.Parallel()
	if _, err := NewContext(nil); err == nil {
		t.Fatal("NewContext(nil) succeeded")
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	if got := OutputReference("Preview", "Changes"); got != "#{Octopus.Action[Preview].Output.Changes}" {
		t.Errorf("OutputReference = %q", got)
	}
	if got := PackageVariable("plugins"); got != "Octopus.Action.Package[plugins].ExtractedPath" {
		t.Errorf("PackageVariable = %q", got)
	}
	if k := KnownVariables(); !slices.Contains(k, VarEnvironmentName) || !slices.Contains(k, VarStack) {
		t.Errorf("KnownVariables() = %q", k)
	}
}

// With Pulumi.Stack naming the stack, the Octopus names that only the stack
// template needs are not required.
func TestNewContextExplicitStackNeedsNoNames(t *testing.T) {
	t.Parallel()
	c, err := NewContext(varsOf(t, VarStack, "acme/app/dev"))
	if err != nil {
		t.Fatalf("NewContext: %v", err)
	}
	if got := c.Stack.String(); got != "acme/app/dev" {
		t.Errorf("stack %q, want acme/app/dev", got)
	}
	_, err = NewContext(varsOf(t, VarStack, " "))
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), VarEnvironmentName) {
		t.Errorf("a blank Pulumi.Stack: err = %v, want the template's missing names reported", err)
	}
}
