package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// azSummaryName is the name of the summary file: Azure Pipelines shows the summary under it.
const azSummaryName = "Pulumi.md"

// azure reports with Azure Pipelines logging commands, "##vso[area.event key=value;…]data",
// one line each on standard output.
type azure struct {
	mu  sync.Mutex
	out io.Writer
	dir string // where summaries (and renamed attachments) are written
	// percents says the agent turns %AZP25 back into '%' (its DECODE_PERCENTS knob, on by
	// default), so a '%' can be escaped; without it a value holding an escape (%0A …) cannot
	// be written at all.
	percents bool
}

// newAzure returns the Azure Pipelines reporter. It writes summaries to opts.Dir, else
// $AGENT_TEMPDIRECTORY (which the agent empties after the job), else the OS's temporary
// folder.
func newAzure(opts Options) (Reporter, error) {
	opts = opts.withDefaults()
	dir := opts.Dir
	if dir == "" {
		dir = getenv(opts.Environ, "AGENT_TEMPDIRECTORY")
	}
	if dir == "" {
		dir = os.TempDir()
	}
	return &azure{out: opts.Out, dir: dir, percents: azDecodesPercents(getenv(opts.Environ, "DECODE_PERCENTS"))}, nil
}

// azDecodesPercents reads DECODE_PERCENTS as the agent does (microsoft/azure-pipelines-agent
// src/Agent.Sdk/Knob/AgentKnobs.cs, DecodePercents: a pipeline variable or environment
// variable, default "true"; StringUtil.ConvertToBoolean: "1", "true" and "$true" are true,
// anything else false). Pipeline variables reach a step's environment under the same name.
func azDecodesPercents(v string) bool {
	if v == "" {
		return true
	}
	switch strings.ToLower(v) {
	case "1", "true", "$true":
		return true
	}
	return false
}

func (*azure) System() System { return Azure }

// SetOutput sets an output variable: ##vso[task.setvariable variable=<name>;isoutput=true;]<value>.
// Later jobs read it as dependencies.<job>.outputs['<step>.<name>'].
func (a *azure) SetOutput(name, value string) error { return a.setVariable(name, value, false) }

// SetSecretOutput sets a secret output variable (issecret=true), which the agent masks. The
// agent refuses a secret with a line break in it (TaskSetVariableCommand, "MultilineSecret"),
// and so does this, with an *UnsupportedError.
func (a *azure) SetSecretOutput(name, value string) error { return a.setVariable(name, value, true) }

func (a *azure) setVariable(name, value string, secret bool) error {
	unsupported := func(what, reason string) error {
		return &UnsupportedError{System: Azure, What: what, Name: name, Reason: reason}
	}
	switch {
	case name == "":
		return unsupported("an output without a name", "give the output a name")
	case strings.HasPrefix(name, "="):
		// The agent splits key=value with RemoveEmptyEntries, which drops leading '='s.
		return unsupported(`an output name starting with "="`, "the agent drops it from the name; rename the output")
	case secret && strings.ContainsAny(value, "\r\n"):
		return unsupported("a multi-line secret output", "the agent refuses a secret with a line break; encode the value (base64) first")
	}
	props := []azProperty{{"variable", name}, {"isoutput", "true"}}
	if secret {
		props = append(props, azProperty{"issecret", "true"})
	}
	line, err := a.command("task.setvariable", props, value)
	if err != nil {
		return unsupported("an output holding "+err.Error(), a.escapeAdvice())
	}
	return a.write(line)
}

// Mask writes ##vso[task.setsecret] for the value and, when it spans lines, for each line,
// since the agent masks a log line by the values it holds. A blank value is not masked.
func (a *azure) Mask(value string) error {
	masks := secretLines(value)
	lines := make([]string, 0, len(masks))
	for _, m := range masks {
		line, err := a.command("task.setsecret", nil, m)
		if err != nil {
			return &UnsupportedError{System: Azure, What: "a secret holding " + err.Error(), Reason: a.escapeAdvice()}
		}
		lines = append(lines, line)
	}
	return a.write(lines...)
}

// Attach uploads the file with the step's logs: ##vso[task.uploadfile]<absolute path>. The
// agent names it by its file name, so a file to keep under another name is copied first,
// into a new folder of the reporter's.
func (a *azure) Attach(path, name string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("report: the artifact %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("report: the artifact %s: %w", path, err)
	}
	copied := ""
	if name != "" && name != filepath.Base(abs) {
		if abs, err = a.copyAs(abs, name); err != nil {
			return err
		}
		copied = filepath.Dir(abs)
	}
	line, err := a.command("task.uploadfile", nil, abs)
	if err != nil {
		if copied != "" {
			os.RemoveAll(copied)
		}
		return &UnsupportedError{System: Azure, What: "a file whose path holds " + err.Error(), Reason: a.escapeAdvice()}
	}
	return a.write(line)
}

// copyAs copies the file at abs to a new folder under a.dir, named name.
func (a *azure) copyAs(abs, name string) (string, error) {
	dir, err := a.newDir("octopulumi-attach-*")
	if err != nil {
		return "", err
	}
	dst, err := keepCopy(Azure, dir, abs, name)
	if err != nil {
		os.RemoveAll(dir)
	}
	return dst, err
}

// Progress sets the task's progress: ##vso[task.setprogress value=<n>;]<message>.
func (a *azure) Progress(percent int, message string) error {
	return a.tell("task.setprogress", []azProperty{{"value", strconv.Itoa(min(max(percent, 0), 100))}}, message)
}

// Metric does nothing: Azure Pipelines charts no numbers a step reports.
func (*azure) Metric(string, float64) error { return nil }

// Fail logs an error: ##vso[task.logissue type=error;]<message>.
func (a *azure) Fail(message string) error {
	return a.tell("task.logissue", []azProperty{{"type", "error"}}, message)
}

// azBreakEscapes breaks each escape the agent would decode with U+200B after its '%'.
var azBreakEscapes = strings.NewReplacer("%3B", "%"+defuseMark+"3B", "%0D", "%"+defuseMark+"0D",
	"%0A", "%"+defuseMark+"0A", "%5D", "%"+defuseMark+"5D")

// tell writes a command whose data is a message for people, which is never refused: bytes
// that are not UTF-8 become U+FFFD, as the agent would read them, and when the agent does
// not decode %AZP25 an escape in the text ("%0A") is kept from being decoded by a U+200B
// after its '%', which leaves it looking the same.
func (a *azure) tell(name string, props []azProperty, message string) error {
	message = strings.ToValidUTF8(message, "\uFFFD")
	if !a.percents {
		message = azBreakEscapes.Replace(message)
	}
	line, err := a.command(name, props, message)
	if err != nil {
		return fmt.Errorf("report: %s: %w", name, err)
	}
	return a.write(line)
}

// Summary writes the Markdown to a new file, then ##vso[task.uploadsummary]<absolute path>,
// which shows it on the run's summary. The agent uploads the file later, so it stays. An
// empty summary is not shown.
func (a *azure) Summary(markdown string) error {
	if markdown == "" {
		return nil
	}
	dir, err := a.newDir("octopulumi-summary-*")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, azSummaryName)
	line, err := a.command("task.uploadsummary", nil, path)
	if err != nil {
		os.RemoveAll(dir)
		return &UnsupportedError{System: Azure, What: "a summary whose path holds " + err.Error(), Reason: a.escapeAdvice()}
	}
	if err := os.WriteFile(path, []byte(markdown), 0o644); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("report: writing the summary: %w", err)
	}
	return a.write(line)
}

// Close does nothing: every report is written when it is made.
func (*azure) Close() error { return nil }

// newDir makes a new folder under a.dir and returns its absolute path: the agent runs in
// another folder than ours.
func (a *azure) newDir(pattern string) (string, error) {
	base, err := filepath.Abs(a.dir)
	if err != nil {
		return "", fmt.Errorf("report: the report folder %s: %w", a.dir, err)
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("report: the report folder: %w", err)
	}
	dir, err := os.MkdirTemp(base, pattern)
	if err != nil {
		return "", fmt.Errorf("report: the report folder: %w", err)
	}
	return dir, nil
}

// write writes each line in one Write, the lines together.
func (a *azure) write(lines ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, l := range lines {
		if err := writeOut(a.out, l); err != nil {
			return fmt.Errorf("report: writing to Azure Pipelines: %w", err)
		}
	}
	return nil
}

// azProperty is a property of a logging command.
type azProperty struct{ key, value string }

// command returns a logging command line, "##vso[name key=value;…]data", escaped as
// microsoft/azure-pipelines-task-lib node/taskcommand.ts does (escape for properties,
// escapedata for the data: '%' as %AZP25, then CR, LF, and in properties ']' and ';') and as
// microsoft/azure-pipelines-agent reads it back (src/Microsoft.VisualStudio.Services.Agent/
// Command.cs TryParse: the command ends at the first ']', properties split at ';' and at
// the first '='; src/Agent.Sdk/CommandStringConvertor.cs Unescape: %3B, %0D, %0A, %5D, then
// %AZP25 when DECODE_PERCENTS is on). The error says what cannot be written.
func (a *azure) command(name string, props []azProperty, data string) (string, error) {
	var b strings.Builder
	b.WriteString("##vso[")
	b.WriteString(name)
	for i, p := range props {
		if i == 0 {
			b.WriteByte(' ')
		}
		v, err := a.escape(p.value, azEscapeProperty, azEscapePropertyRaw)
		if err != nil {
			return "", err
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte(';')
	}
	b.WriteByte(']')
	d, err := a.escape(data, azEscapeData, azEscapeDataRaw)
	if err != nil {
		return "", err
	}
	b.WriteString(d)
	b.WriteByte('\n')
	return b.String(), nil
}

var (
	azEscapeData        = strings.NewReplacer("%", "%AZP25", "\r", "%0D", "\n", "%0A")
	azEscapeProperty    = strings.NewReplacer("%", "%AZP25", "\r", "%0D", "\n", "%0A", "]", "%5D", ";", "%3B")
	azEscapeDataRaw     = strings.NewReplacer("\r", "%0D", "\n", "%0A")
	azEscapePropertyRaw = strings.NewReplacer("\r", "%0D", "\n", "%0A", "]", "%5D", ";", "%3B")
)

// azEscapes are what the agent turns back into characters whether or not it decodes %AZP25.
var azEscapes = []string{"%3B", "%0D", "%0A", "%5D"}

// escape escapes s with full when the agent decodes %AZP25, else with raw, which leaves '%'
// alone and so cannot carry one of azEscapes. The agent reads its output as UTF-8.
func (a *azure) escape(s string, full, raw *strings.Replacer) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("text that is not UTF-8")
	}
	if a.percents {
		return full.Replace(s), nil
	}
	for _, e := range azEscapes {
		if strings.Contains(s, e) {
			return "", fmt.Errorf("%q while DECODE_PERCENTS is off", e)
		}
	}
	return raw.Replace(s), nil
}

// escapeAdvice says what to do about text the agent cannot be sent.
func (a *azure) escapeAdvice() string {
	if a.percents {
		return "the agent reads its output as UTF-8; encode the value (base64) first"
	}
	return "the agent turns it into another character; unset DECODE_PERCENTS (so %AZP25 escapes '%'), or encode the value (base64) first"
}
