package octoenv

import (
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
)

// Octopus system variables the [Context] reads.
const (
	VarSpaceID               = "Octopus.Space.Id"
	VarSpaceName             = "Octopus.Space.Name"
	VarSpaceSlug             = "Octopus.Space.Slug"
	VarProjectID             = "Octopus.Project.Id"
	VarProjectName           = "Octopus.Project.Name"
	VarProjectSlug           = "Octopus.Project.Slug"
	VarEnvironmentID         = "Octopus.Environment.Id"
	VarEnvironmentName       = "Octopus.Environment.Name"
	VarEnvironmentSlug       = "Octopus.Environment.Slug"
	VarTenantID              = "Octopus.Deployment.Tenant.Id"
	VarTenantName            = "Octopus.Deployment.Tenant.Name"
	VarTenantSlug            = "Octopus.Deployment.Tenant.Slug"
	VarReleaseNumber         = "Octopus.Release.Number"
	VarReleaseChannel        = "Octopus.Release.Channel.Name"
	VarDeploymentID          = "Octopus.Deployment.Id"
	VarDeploymentName        = "Octopus.Deployment.Name"
	VarDeploymentCreatedBy   = "Octopus.Deployment.CreatedBy.Username"
	VarDeploymentLink        = "Octopus.Web.DeploymentLink"
	VarRunbookID             = "Octopus.Runbook.Id"
	VarRunbookName           = "Octopus.Runbook.Name"
	VarRunbookRunID          = "Octopus.RunbookRun.Id"
	VarTaskID                = "Octopus.Task.Id"
	VarStepName              = "Octopus.Step.Name"
	VarActionName            = "Octopus.Action.Name"
	VarServerURI             = "Octopus.Web.ServerUri"
	VarMachineName           = "Octopus.Machine.Name"
	packageVarPrefix         = "Octopus.Action.Package["
	packageVarExtractedPath  = "].ExtractedPath"
	outputReferenceFormat    = "#{Octopus.Action[%s].Output.%s}"
	problemNotSet            = "is not set"
	problemEmpty             = "is empty"
	maxReportedProblemsInMsg = 20
)

// KnownVariables returns the names of the variables this package reads by name: the Octopus
// system variables of [Context] and the Pulumi.* and Octopulumi.* settings. Package paths
// (Octopus.Action.Package[<ref>].ExtractedPath) and config (Pulumi.Config.*) are read by
// pattern and are not listed.
func KnownVariables() []string {
	return []string{
		VarSpaceID, VarSpaceName, VarSpaceSlug,
		VarProjectID, VarProjectName, VarProjectSlug,
		VarEnvironmentID, VarEnvironmentName, VarEnvironmentSlug,
		VarTenantID, VarTenantName, VarTenantSlug,
		VarReleaseNumber, VarReleaseChannel,
		VarDeploymentID, VarDeploymentName, VarDeploymentCreatedBy, VarDeploymentLink,
		VarRunbookID, VarRunbookName, VarRunbookRunID,
		VarTaskID, VarStepName, VarActionName, VarServerURI, VarMachineName,
		VarOrganization, VarProject, VarStack, VarStackTemplate, VarSensitiveVariables,
		VarLiteralVariables,
	}
}

// PackageVariable returns the name of the variable holding the extracted path of the
// package referenced as ref: Octopus.Action.Package[<ref>].ExtractedPath.
func PackageVariable(ref string) string {
	return packageVarPrefix + ref + packageVarExtractedPath
}

// OutputReference returns how a later step reads an output variable that step published
// with [Writer.SetVariable]: #{Octopus.Action[<step>].Output.<name>}.
func OutputReference(step, name string) string {
	return fmt.Sprintf(outputReferenceFormat, step, name)
}

// Entity names an Octopus object. Empty fields were not supplied.
type Entity struct {
	ID   string
	Name string
	Slug string
}

// Release is the release being deployed.
type Release struct {
	Number  string
	Channel string
}

// Deployment describes the deployment (empty for a runbook run).
type Deployment struct {
	ID        string
	Name      string
	CreatedBy string
	// Link is the absolute URL of the deployment when Octopus.Web.ServerUri is known,
	// otherwise Octopus.Web.DeploymentLink as given (relative).
	Link string
}

// Context is a typed view of an Octopus deployment or runbook run.
type Context struct {
	Space       Entity
	Project     Entity
	Environment Entity
	// Tenant is zero for an untenanted deployment.
	Tenant     Entity
	Release    Release
	Deployment Deployment
	// Runbook and RunbookRunID are set when running as a runbook.
	Runbook      Entity
	RunbookRunID string
	TaskID       string
	StepName     string
	ActionName   string
	// ServerURI is Octopus.Web.ServerUri without a trailing slash.
	ServerURI   string
	MachineName string
	// Packages maps a package reference name to its extracted path
	// (Octopus.Action.Package[<ref>].ExtractedPath); the primary package's reference is "".
	Packages map[string]string

	// Organization is the Pulumi organization (Pulumi.Organization), possibly empty.
	Organization string
	// Stack is the stack to deploy, from Pulumi.Stack or the stack template.
	Stack StackRef
	// Config is the stack config from Pulumi.Config.* variables, sorted by key.
	Config []ConfigValue

	// Vars holds every variable, including those the Context does not name.
	Vars *Variables
}

// Tenanted reports whether the deployment is for a tenant.
func (c *Context) Tenanted() bool { return c.Tenant.Name != "" || c.Tenant.ID != "" }

// IsRunbook reports whether the step runs as part of a runbook.
func (c *Context) IsRunbook() bool { return c.Runbook.ID != "" || c.RunbookRunID != "" }

// Problem is one missing or malformed variable.
type Problem struct {
	// Variable is the Octopus variable name.
	Variable string
	// Reason completes the sentence "<Variable> <Reason>", e.g. "is empty".
	Reason string
}

// String returns "<Variable> <Reason>".
func (p Problem) String() string { return p.Variable + " " + p.Reason }

// ValidationError lists every problem found in the variables, each named by its Octopus
// variable name. It never contains the value of a sensitive variable: of one holding an
// expression Octopus could not substitute it shows only that expression, and only when
// it reads like a variable reference (such as "#{Pulumi.Token}").
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems (the first 20, then a count).
func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("octoenv: invalid Octopus variables: ")
	} else {
		fmt.Fprintf(&b, "octoenv: %d problems with Octopus variables: ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i == maxReportedProblemsInMsg {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects Problems while the context is built.
type problems []Problem

func (ps *problems) add(variable, format string, args ...any) {
	*ps = append(*ps, Problem{Variable: variable, Reason: fmt.Sprintf(format, args...)})
}

// NewContext builds and validates the Context of vars: the Octopus system variables, the
// package paths, the stack reference and the stack config. It reports every problem at
// once in a *ValidationError. Octopus.Project.Name and Octopus.Environment.Name are
// required unless Pulumi.Stack names the stack (the stack template needs them); other
// variables are checked when present. A variable it reads or passes on (the Octopus
// system variables, package paths, Pulumi.* settings and config, tokens, the passphrase,
// OIDC JWTs) whose value still holds an Octostache expression is a problem, since Octopus
// could not substitute it ([Unsubstituted]), unless Octopulumi.LiteralVariables lists it.
func NewContext(vars *Variables) (*Context, error) {
	if vars == nil {
		vars = &Variables{}
	}
	var ps problems
	get := vars.Value
	explicitStack := strings.TrimSpace(get(VarStack)) != ""
	required := func(name string) string {
		if explicitStack {
			return get(name)
		}
		x, ok := vars.Lookup(name)
		switch {
		case !ok:
			ps.add(name, problemNotSet)
		case strings.TrimSpace(x.Value) == "":
			ps.add(name, problemEmpty)
		}
		return x.Value
	}
	c := &Context{
		Space:       Entity{ID: get(VarSpaceID), Name: get(VarSpaceName), Slug: get(VarSpaceSlug)},
		Project:     Entity{ID: get(VarProjectID), Name: required(VarProjectName), Slug: get(VarProjectSlug)},
		Environment: Entity{ID: get(VarEnvironmentID), Name: required(VarEnvironmentName), Slug: get(VarEnvironmentSlug)},
		Tenant:      Entity{ID: get(VarTenantID), Name: get(VarTenantName), Slug: get(VarTenantSlug)},
		Release:     Release{Number: get(VarReleaseNumber), Channel: get(VarReleaseChannel)},
		Deployment: Deployment{
			ID: get(VarDeploymentID), Name: get(VarDeploymentName),
			CreatedBy: get(VarDeploymentCreatedBy), Link: get(VarDeploymentLink),
		},
		Runbook:      Entity{ID: get(VarRunbookID), Name: get(VarRunbookName)},
		RunbookRunID: get(VarRunbookRunID),
		TaskID:       get(VarTaskID),
		StepName:     get(VarStepName),
		ActionName:   get(VarActionName),
		MachineName:  get(VarMachineName),
		Organization: get(VarOrganization),
		Vars:         vars,
	}
	if c.Tenant.ID != "" && strings.TrimSpace(c.Tenant.Name) == "" {
		ps.add(VarTenantName, "is empty but %s is set", VarTenantID)
	}
	if raw := get(VarServerURI); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add(VarServerURI, "is not an absolute http(s) URL")
		} else {
			c.ServerURI = strings.TrimRight(raw, "/")
		}
	}
	if c.Deployment.Link != "" && c.ServerURI != "" && strings.HasPrefix(c.Deployment.Link, "/") {
		c.Deployment.Link = c.ServerURI + c.Deployment.Link
	}
	c.Packages = packages(vars, &ps)
	c.Stack = stackFromContext(c, &ps)
	c.Config = configFromVariables(vars, &ps)
	var sub problems
	checkSubstituted(vars, &sub)
	ps = append(withoutVariablesOf(ps, sub), sub...)
	if len(ps) > 0 {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Variable < ps[j].Variable })
		return nil, &ValidationError{Problems: ps}
	}
	return c, nil
}

func packages(vars *Variables, ps *problems) map[string]string {
	out := make(map[string]string)
	for _, x := range vars.vars {
		if !hasPrefixFold(x.Name, packageVarPrefix) || !hasSuffixFold(x.Name, packageVarExtractedPath) {
			continue
		}
		if len(x.Name) < len(packageVarPrefix)+len(packageVarExtractedPath) {
			continue
		}
		ref := x.Name[len(packageVarPrefix) : len(x.Name)-len(packageVarExtractedPath)]
		switch {
		case strings.TrimSpace(x.Value) == "":
			ps.add(x.Name, problemEmpty)
		case !filepath.IsAbs(x.Value):
			ps.add(x.Name, "is not an absolute path")
		default:
			out[ref] = x.Value
		}
	}
	return out
}
