package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// System names the CI/CD system a step reports to.
type System string

// The systems octopulumi reports to natively.
const (
	// Octopus is Octopus Deploy: service messages on standard output.
	Octopus System = "octopus"
	// GitHub is GitHub Actions: workflow commands and the files named by
	// $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY.
	GitHub System = "github"
	// Azure is Azure Pipelines: ##vso logging commands.
	Azure System = "azure"
	// TeamCity is JetBrains TeamCity: ##teamcity service messages.
	TeamCity System = "teamcity"
	// GitLab is GitLab CI/CD: a dotenv report, a metrics report and a
	// Markdown file, for the job's artifacts.
	GitLab System = "gitlab"
	// Plain writes Markdown and JSON files, for Jenkins and any other
	// system: a later stage reads them, an archiving step keeps them.
	Plain System = "plain"
)

// Systems lists every system, in the order the documentation names them.
func Systems() []System { return []System{Octopus, GitHub, Azure, TeamCity, GitLab, Plain} }

// Auto asks [ParseSystem] to detect the system from the environment.
const Auto = "auto"

// Detect returns the system whose own variables are set in environ
// (os.Environ-style pairs): GITHUB_ACTIONS=true, TF_BUILD=True,
// TEAMCITY_VERSION, GITLAB_CI=true, JENKINS_URL (plain); else Octopus when
// the environment shows a Tentacle (TentacleHome and TentacleJournal, which
// it gives every script: OctopusDeploy/OctopusTentacle,
// ScriptsAreGivenRequiredEnvironmentVariables) or Octopus variables handed
// over as octopulumi reads them (OCTOPULUMI_VAR_Octopus__…, as the step
// template and the guides export them, or the step's own OIDC token as
// OCTOPULUMI_OIDC_TOKEN); else Plain, which never writes a
// secret where an unknown system would show it (Octopus service messages
// carry secrets base64-encoded in the log).
func Detect(environ []string) System {
	get := func(name string) string { return getenv(environ, name) }
	switch {
	case strings.EqualFold(get("GITHUB_ACTIONS"), "true"):
		return GitHub
	case strings.EqualFold(get("TF_BUILD"), "true"):
		return Azure
	case get("TEAMCITY_VERSION") != "":
		return TeamCity
	case strings.EqualFold(get("GITLAB_CI"), "true"):
		return GitLab
	case get("JENKINS_URL") != "":
		return Plain
	case get("TentacleHome") != "" || get("TentacleJournal") != "":
		return Octopus
	}
	for _, kv := range environ {
		if strings.HasPrefix(kv, "OCTOPULUMI_VAR_Octopus__") || strings.HasPrefix(kv, "OCTOPULUMI_SECRET_Octopus__") ||
			strings.HasPrefix(kv, "OCTOPULUMI_OIDC_TOKEN=") {
			return Octopus
		}
	}
	return Plain
}

// ParseSystem reads a system's name (case-insensitive), or "auto" (or "")
// to [Detect] it from environ.
func ParseSystem(name string, environ []string) (System, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || n == Auto {
		return Detect(environ), nil
	}
	for _, s := range Systems() {
		if System(n) == s {
			return s, nil
		}
	}
	names := make([]string, 0, len(Systems())+1)
	for _, s := range Systems() {
		names = append(names, string(s))
	}
	return "", fmt.Errorf("report: unknown system %q: use %s or %s", name, strings.Join(names, ", "), Auto)
}

// Reporter is how a step tells the system that runs it what happened: the
// values later steps read, the values to hide, files to keep, progress,
// a failure and a summary for people. Each system's implementation writes
// that system's own format, escaped as the system documents.
//
// Text handed to a Reporter is written as data, never as a command of the
// system: a value holding "::error::" or "##vso[" is escaped or refused.
type Reporter interface {
	// System is the system reported to.
	System() System
	// SetOutput publishes a value that later steps (or jobs) read by name.
	SetOutput(name, value string) error
	// SetSecretOutput publishes a value the system keeps secret. Where
	// the system cannot (it would sit in a readable file, or in the
	// build's parameters in clear text) it is not published and the error
	// is an *UnsupportedError.
	SetSecretOutput(name, value string) error
	// Mask asks the system to hide value in its log from now on. Where the
	// system has no such command it does nothing and returns nil (octopulumi
	// redacts its own output in any case).
	Mask(value string) error
	// Attach keeps the file at path (it must exist) with the build or
	// deployment, under name (the file's base name when empty).
	Attach(path, name string) error
	// Progress reports how far an operation has come, 0 to 100 percent.
	Progress(percent int, message string) error
	// Metric records a number about the run (a change count) where the
	// system charts them; elsewhere it does nothing.
	Metric(name string, value float64) error
	// Fail reports why the step fails; the process then exits non-zero.
	Fail(message string) error
	// Summary shows Markdown to the people who look at the run.
	Summary(markdown string) error
	// Close writes what is written at the end (report files) and releases
	// the reporter; it is safe to call more than once.
	Close() error
}

// Options say where a reporter writes.
type Options struct {
	// Out is the standard output the system reads commands from. Pass the
	// writer [Defuse] returned for the step's log (a [CommandWriter]), so
	// that each command starts a line whatever text came before it (GitHub
	// Actions reads a command only there). Nil means os.Stdout.
	Out io.Writer
	// Environ is the environment the step runs in (os.Environ-style
	// pairs): where the system names its files ($GITHUB_OUTPUT …). Nil
	// means this process's environment.
	Environ []string
	// Dir is where report files are written: the summary, the dotenv
	// and metrics reports, the JSON report. Empty means the system's
	// default (see each system), else "octopulumi-report" under the
	// working folder.
	Dir string
}

func (o Options) withDefaults() Options {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Environ == nil {
		o.Environ = os.Environ()
	}
	return o
}

// New returns the reporter for system.
func New(system System, opts Options) (Reporter, error) {
	opts = opts.withDefaults()
	switch system {
	case Octopus:
		return newOctopus(opts), nil
	case GitHub:
		return newGitHub(opts)
	case Azure:
		return newAzure(opts)
	case TeamCity:
		return newTeamCity(opts)
	case GitLab:
		return newGitLab(opts)
	case Plain:
		return newPlain(opts)
	}
	return nil, fmt.Errorf("report: unknown system %q", system)
}

// UnsupportedError says that a system cannot do what was asked (keep an
// output secret, hold a multi-line value), and what was done instead.
type UnsupportedError struct {
	System System
	// What was asked, e.g. "a secret output".
	What string
	// Name is the output's name, when the request was about one.
	Name string
	// Reason says why and what to do instead.
	Reason string
}

func (e *UnsupportedError) Error() string {
	s := fmt.Sprintf("report: %s cannot take %s", e.System, e.What)
	if e.Name != "" {
		s += fmt.Sprintf(" (%s)", e.Name)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// IsUnsupported reports whether err says a system cannot do what was asked.
func IsUnsupported(err error) bool {
	var u *UnsupportedError
	return errors.As(err, &u)
}

// getenv returns the value of name in environ, or "".
func getenv(environ []string, name string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(environ[i], "="); ok && k == name {
			return v
		}
	}
	return ""
}
