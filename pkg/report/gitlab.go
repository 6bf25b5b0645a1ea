package report

import (
	"fmt"
	"io"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// gitLab reports to GitLab CI/CD through files that the job declares as
// artifacts. In the report folder (Options.Dir; empty means
// "octopulumi-report" under the working folder, created):
//
//	octopulumi.env  a dotenv report: the outputs, for later jobs
//	metrics.txt     a metrics report (OpenMetrics text), for the merge request widget
//	summary.md      the Markdown summary, and the failure if there is one
//	<name>          each attached file, copied in
//
// A job that uses them:
//
//	artifacts:
//	  paths: [octopulumi-report/]
//	  expose_as: Pulumi preview
//	  reports:
//	    dotenv: octopulumi-report/octopulumi.env
//	    metrics: octopulumi-report/metrics.txt
//
// Every file is replaced whole (a temporary file and a rename) on each
// change and on Close, so a crash never leaves a half-written report; the
// reports hold no secret (mode 0644).
//
// Outputs follow GitLab's dotenv parser (gitlab app/services/ci/
// parse_dotenv_artifact_service.rb, and doc/ci/yaml/artifacts_reports.md):
//   - The key is the output's name with every character outside
//     [A-Za-z0-9_] written as "_": Pulumi.Preview.Changes becomes
//     Pulumi_Preview_Changes (GitLab accepts keys of letters, digits and
//     "_", up to 255 characters: app/models/concerns/ci/has_variable.rb).
//     Two names that give one key are one variable: the last value wins,
//     as GitLab does with a repeated key.
//   - One line per variable, KEY=VALUE, no quoting (GitLab keeps quotes as
//     they are) and no comment or empty line (GitLab refuses the whole file).
//     GitLab strips white space around the value, so a value that starts or
//     ends with white space is refused, as is one with a line break, a NUL or
//     invalid UTF-8: each with an *UnsupportedError.
//   - Later jobs receive the variables for expansion (raw: false), and the
//     runner expands "$" in them (gitlab-runner common/variables.go,
//     JobVariables.Expand with os.Expand, where "$$" stands for "$"), so
//     each "$" is written as "$$" and a later job reads the value as given.
//   - At most 20 variables (GitLab's default dotenv_variables limit on
//     Self-Managed; GitLab.com allows more) and a file under 5 KB (the
//     dotenv_size limit, which GitLab checks against the gzip-compressed
//     upload; the raw file is kept 256 bytes under it to leave room for the
//     gzip framing). An output past either limit is refused with an
//     *UnsupportedError and the file keeps the others.
//
// Secret outputs are refused: a dotenv report can be downloaded by anyone
// who can read the job's artifacts, and GitLab masks only the variables
// defined as masked in the project's settings, never a value created while
// a job runs (the runner masks the values whose variable comes marked
// "masked" in the job's payload: JobVariables.Masked). Mask does nothing for
// the same reason.
//
// Metrics are "name value" samples in metrics.txt (doc/ci/testing/
// metrics_reports.md: OpenMetrics text), each with a "# TYPE name gauge"
// line and the file ending in "# EOF". The name is the metric's name with
// every character outside [A-Za-z0-9_] written as "_", and "_" before a
// leading digit (OpenMetrics metric names are [a-zA-Z_:][a-zA-Z0-9_:]*); the
// last value of a name wins.
//
// Fail prints "[octopulumi] failed: <message>" in the job log and puts the
// message verbatim (in a code block) at the top of summary.md, so the
// exposed summary says why the job failed; Progress prints
// "[octopulumi] <n>% <message>".
type gitLab struct {
	mu  sync.Mutex
	out io.Writer
	dir string

	keys    []string          // dotenv keys in the order first set
	values  map[string]string // key → value as written ("$" doubled)
	metrics []string          // metric names in the order first set
	numbers map[string]string // metric name → OpenMetrics number
	summary string
	failure string
}

// The GitLab reporter's own files in its folder.
const (
	dotenvFile  = "octopulumi.env"
	metricsFile = "metrics.txt"
)

// GitLab's dotenv limits (see gitLab).
const (
	dotenvMaxBytes     = 5*1024 - 256
	dotenvMaxVariables = 20
	dotenvMaxKey       = 255
)

// rubyStripped is what Ruby's String#strip removes from both ends.
const rubyStripped = "\x00\t\n\v\f\r "

func newGitLab(opts Options) (Reporter, error) {
	dir, err := reportFolder(opts.Dir, opts.Environ)
	if err != nil {
		return nil, err
	}
	return &gitLab{out: opts.Out, dir: dir, values: map[string]string{}, numbers: map[string]string{}}, nil
}

func (*gitLab) System() System { return GitLab }

// SetOutput writes KEY=VALUE to the dotenv report (see gitLab for the rules).
func (g *gitLab) SetOutput(name, value string) error {
	key, err := dotenvKey(name)
	if err != nil {
		return err
	}
	if reason := dotenvValueProblem(value); reason != "" {
		return &UnsupportedError{System: GitLab, What: "an output value that a dotenv report cannot hold", Name: name, Reason: reason}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	keys := g.keys
	if _, ok := g.values[key]; !ok {
		keys = append(slices.Clip(keys), key)
	}
	if len(keys) > dotenvMaxVariables {
		return &UnsupportedError{System: GitLab, What: "another output", Name: name, Reason: fmt.Sprintf(
			"a dotenv report holds at most %d variables by default (the dotenv_variables limit); publish fewer outputs, "+
				"or attach them as a file", dotenvMaxVariables)}
	}
	values := maps.Clone(g.values)
	values[key] = strings.ReplaceAll(value, "$", "$$")
	data := renderDotenv(keys, values)
	if len(data) > dotenvMaxBytes {
		return &UnsupportedError{System: GitLab, What: "an output that large", Name: name, Reason: fmt.Sprintf(
			"the dotenv report would be %d bytes, and GitLab refuses one of 5 KB or more (the dotenv_size limit); "+
				"attach large values as a file", len(data))}
	}
	if err := replaceFile(filepath.Join(g.dir, dotenvFile), data); err != nil {
		return err
	}
	g.keys, g.values = keys, values
	return nil
}

// SetSecretOutput refuses: see gitLab.
func (*gitLab) SetSecretOutput(name, _ string) error {
	return &UnsupportedError{System: GitLab, What: "a secret output", Name: name,
		Reason: "a dotenv report can be downloaded by anyone who can read the job's artifacts, and GitLab cannot mask " +
			"a value created while a job runs; define the secret as a masked (and protected) CI/CD variable in the " +
			"project's settings, or keep it in an external secret store, and read it from there in later jobs"}
}

// Mask does nothing: GitLab has no command to mask a value at run time.
func (*gitLab) Mask(string) error { return nil }

// Attach copies the file into the report folder as name.
func (g *gitLab) Attach(path, name string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, err := keepCopy(GitLab, g.dir, path, name, dotenvFile, metricsFile, summaryFile)
	return err
}

// Progress prints "[octopulumi] <n>% <message>".
func (g *gitLab) Progress(percent int, message string) error {
	return writeLogLines(g.out, fmt.Sprintf("[octopulumi] %d%% ", min(max(percent, 0), 100)), message)
}

// Metric writes "name value" to metrics.txt (see gitLab for the name).
func (g *gitLab) Metric(name string, value float64) error {
	if err := checkMetric(GitLab, name, value); err != nil {
		return err
	}
	metric := metricName(name)
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.numbers[metric]; !ok {
		g.metrics = append(g.metrics, metric)
	}
	g.numbers[metric] = openMetricsNumber(value)
	return g.writeMetrics()
}

// Fail prints the message in the job log and puts it at the top of
// summary.md.
func (g *gitLab) Fail(message string) error {
	if err := writeLogLines(g.out, "[octopulumi] failed: ", message); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failure = strings.ToValidUTF8(message, "\uFFFD")
	return g.writeSummary()
}

// Summary writes summary.md.
func (g *gitLab) Summary(markdown string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.summary = markdown
	return g.writeSummary()
}

// Close writes the dotenv and metrics reports (empty ones too, so that the
// job's artifacts:reports find their files).
func (g *gitLab) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := replaceFile(filepath.Join(g.dir, dotenvFile), renderDotenv(g.keys, g.values)); err != nil {
		return err
	}
	return g.writeMetrics()
}

func (g *gitLab) writeMetrics() error {
	var b strings.Builder
	for _, m := range g.metrics {
		fmt.Fprintf(&b, "# TYPE %s gauge\n%s %s\n", m, m, g.numbers[m])
	}
	b.WriteString("# EOF\n")
	return replaceFile(filepath.Join(g.dir, metricsFile), []byte(b.String()))
}

func (g *gitLab) writeSummary() error {
	var b strings.Builder
	if g.failure != "" {
		fence := strings.Repeat("`", max(3, longestRun(g.failure, '`')+1))
		fmt.Fprintf(&b, "**octopulumi failed:**\n\n%s\n%s\n%s\n\n", fence, g.failure, fence)
	}
	b.WriteString(g.summary)
	return replaceFile(filepath.Join(g.dir, summaryFile), []byte(b.String()))
}

// dotenvKey is the dotenv key for an output's name (see gitLab).
func dotenvKey(name string) (string, error) {
	if err := checkOutputName(GitLab, name); err != nil {
		return "", err
	}
	key := wordChars(name)
	if len(key) > dotenvMaxKey {
		return "", &UnsupportedError{System: GitLab, What: "an output with a name that long", Name: name,
			Reason: fmt.Sprintf("GitLab's variable keys have at most %d characters; use a shorter name", dotenvMaxKey)}
	}
	return key, nil
}

// dotenvValueProblem says why a dotenv report cannot carry value, or "".
func dotenvValueProblem(value string) string {
	switch {
	case !utf8.ValidString(value):
		return "it is not valid UTF-8, and GitLab re-encodes the report as UTF-8; encode binary values (base64) first"
	case strings.Contains(value, "\n"):
		return "it has a line break, and GitLab's dotenv report holds one line per variable; attach multi-line values as a file"
	case strings.Contains(value, "\x00"):
		return "it holds a NUL character, which no environment variable can hold"
	case strings.Trim(value, rubyStripped) != value:
		return "it starts or ends with white space, which GitLab strips; trim it or encode it (base64) first"
	}
	return ""
}

func renderDotenv(keys []string, values map[string]string) []byte {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + values[k] + "\n")
	}
	return []byte(b.String())
}

// wordChars writes every character of name outside [A-Za-z0-9_] as "_".
func wordChars(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r < utf8.RuneSelf && (r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return r
		}
		return '_'
	}, strings.ToValidUTF8(name, "\uFFFD"))
}

// metricName is the OpenMetrics metric name for a metric's name (see gitLab).
func metricName(name string) string {
	m := wordChars(name)
	if m == "" || m[0] >= '0' && m[0] <= '9' {
		m = "_" + m
	}
	return m
}

// openMetricsNumber writes a finite number as OpenMetrics' realnumber:
// plain digits in the usual range, an exponent beyond it.
func openMetricsNumber(v float64) string {
	if a := math.Abs(v); a == 0 || a >= 1e-4 && a < 1e21 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := range len(s) {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}
