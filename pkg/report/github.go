package report

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"
)

// ghSummaryLimit is the most a step's summary file may hold: over it the runner uploads
// none of it (actions/runner src/Runner.Worker/FileCommandManager.cs,
// CreateStepSummaryCommand.AttachmentSizeLimit; GitHub docs "Workflow commands", "Step
// isolation and limits": 1 MiB per step).
const ghSummaryLimit = 1 << 20

// ghTitle is the title of the annotations octopulumi makes.
const ghTitle = "octopulumi"

// github reports with GitHub Actions workflow commands on standard output, and the files
// the runner names in $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY.
type github struct {
	mu      sync.Mutex
	out     io.Writer
	output  string // $GITHUB_OUTPUT: the step's outputs file
	summary string // $GITHUB_STEP_SUMMARY: the step's summary file
	eol     string // the line ending the runner reads in the outputs file
}

// newGitHub returns the GitHub Actions reporter. Step outputs are read as
// steps.<id>.outputs['<name>'], the name as given. A secret output is masked first; GitHub
// passes no output that holds a secret on to other jobs.
func newGitHub(opts Options) (Reporter, error) {
	opts = opts.withDefaults()
	g := &github{
		out:     opts.Out,
		output:  getenv(opts.Environ, "GITHUB_OUTPUT"),
		summary: getenv(opts.Environ, "GITHUB_STEP_SUMMARY"),
		eol:     "\n",
	}
	// On Windows the runner ends a line of the outputs file at "\r\n" (else at "\n"), and
	// the toolkit writes os.EOL: there a value ending in '\r' survives only before "\r\n".
	if runtime.GOOS == "windows" {
		g.eol = "\r\n"
	}
	return g, nil
}

func (*github) System() System { return GitHub }

// SetOutput appends the output to the file $GITHUB_OUTPUT names, in the heredoc form of
// actions/toolkit packages/core/src/file-command.ts (prepareKeyValueMessage):
// name<<ghadelimiter_<random>, the value's lines, the delimiter. A name or value the runner
// would read back differently is refused with an *UnsupportedError.
func (g *github) SetOutput(name, value string) error {
	if err := ghCheckOutput(name, value); err != nil {
		return err
	}
	if g.output == "" {
		return errors.New("report: GITHUB_OUTPUT is not set: GitHub Actions names the step's outputs file in it, so outputs can only be set inside a workflow step; outside one, choose another system")
	}
	delimiter := "ghadelimiter_" + rand.Text()
	// As the toolkit does: the random delimiter cannot be guessed, but a value that held
	// it would end early.
	if strings.Contains(name, delimiter) || strings.Contains(value, delimiter) {
		return &UnsupportedError{System: GitHub, What: "an output holding its own delimiter", Name: name,
			Reason: "the name or value holds " + delimiter + "; set the output again"}
	}
	record := name + "<<" + delimiter + g.eol + value + g.eol + delimiter + g.eol
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.appendFile(g.output, "GITHUB_OUTPUT", record)
}

// ghCheckOutput refuses what the runner's outputs file parser
// (actions/runner src/Runner.Worker/FileCommandManager.cs, EnvFileKeyValuePairs) cannot
// read back as given: the first line is "name<<delimiter", split at the first "=" or "<<".
func ghCheckOutput(name, value string) error {
	unsupported := func(what, reason string) error {
		return &UnsupportedError{System: GitHub, What: what, Name: name, Reason: reason}
	}
	switch {
	case name == "":
		return unsupported("an output without a name", "give the output a name")
	case strings.ContainsAny(name, "\r\n"):
		return unsupported("an output name with a line break", "the name is a line of its own in $GITHUB_OUTPUT; remove the line break")
	case strings.Contains(name, "=") || strings.Contains(name, "<<") || strings.HasSuffix(name, "<"):
		return unsupported(`an output name holding "=", "<<" or ending in "<"`, "the runner splits the name from the value there; rename the output")
	case strings.HasPrefix(name, "\uFEFF"):
		return unsupported("an output name starting with U+FEFF", "the runner may read it as a byte order mark; remove it")
	case !utf8.ValidString(name):
		return unsupported("an output name that is not UTF-8", "the runner reads $GITHUB_OUTPUT as UTF-8; use UTF-8 text")
	case !utf8.ValidString(value):
		return unsupported("an output value that is not UTF-8", "the runner reads $GITHUB_OUTPUT as UTF-8; encode the value (base64) first")
	}
	return nil
}

// SetSecretOutput masks the value, then sets the output.
func (g *github) SetSecretOutput(name, value string) error {
	if err := g.Mask(value); err != nil {
		return err
	}
	return g.SetOutput(name, value)
}

// Mask writes ::add-mask:: for the value and, when it spans lines, for each line too: the
// runner masks a log line by the values it holds, and a log line holds one line of a
// value. (Runners since v2.286.0 add the lines themselves: actions/runner
// src/Runner.Worker/ActionCommandManager.cs, AddMaskCommandExtension; issuing them
// here does the same on any runner.) A blank value is not masked: the runner refuses it.
func (g *github) Mask(value string) error {
	if !utf8.ValidString(value) {
		// The runner would mask the text it decodes, not these bytes.
		return &UnsupportedError{System: GitHub, What: "a secret that is not UTF-8",
			Reason: "the runner reads commands as UTF-8; encode the value (base64) first"}
	}
	masks := secretLines(value)
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range masks {
		if err := g.write(ghCommand("add-mask", nil, m)); err != nil {
			return err
		}
	}
	return nil
}

// Attach notes where the file is: a workflow keeps files with actions/upload-artifact,
// and no command of the runner uploads one.
func (g *github) Attach(path, name string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("report: the artifact %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("report: the artifact %s: %w", path, err)
	}
	if name == "" {
		name = filepath.Base(abs)
	}
	msg := strings.ToValidUTF8(fmt.Sprintf("%s is at %s: keep it with actions/upload-artifact", name, abs), "\uFFFD")
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.write(ghCommand("notice", []ghProperty{{"title", ghTitle + " artifact"}}, msg))
}

// Progress writes a plain log line: GitHub has no progress command.
func (g *github) Progress(percent int, message string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.write(DefuseString(fmt.Sprintf("%d%% %s", min(max(percent, 0), 100), message)) + "\n")
}

// Metric does nothing: GitHub charts no numbers.
func (*github) Metric(string, float64) error { return nil }

// Fail writes an error annotation. Bytes that are not UTF-8 become U+FFFD, as the runner
// would read them.
func (g *github) Fail(message string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.write(ghCommand("error", []ghProperty{{"title", ghTitle}}, strings.ToValidUTF8(message, "\uFFFD")))
}

// Summary appends the Markdown to the file $GITHUB_STEP_SUMMARY names; where the file would
// pass GitHub's 1 MiB, the Markdown is cut short at a line (or, in a line too long, between
// characters) with a note. Without the variable it writes the Markdown to the log as text.
func (g *github) Summary(markdown string) error {
	if markdown == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.summary == "" {
		return g.write(DefuseString(ensureNewline(markdown)))
	}
	f, err := os.OpenFile(g.summary, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("report: the step summary file $GITHUB_STEP_SUMMARY names: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("report: the step summary file $GITHUB_STEP_SUMMARY names: %w", err)
	}
	text := ensureNewline(markdown)
	if !endsInNewline(f, info.Size()) {
		text = "\n" + text
	}
	room := ghSummaryLimit - info.Size()
	fitted, ok := fitSummary(text, room)
	if !ok {
		return fmt.Errorf("report: the step summary file holds %d bytes already, and GitHub shows none of a summary over %d bytes: the summary was not written", info.Size(), ghSummaryLimit)
	}
	if _, err := f.WriteString(fitted); err != nil {
		return fmt.Errorf("report: writing the step summary: %w", err)
	}
	return f.Close()
}

// Close does nothing: every report is written when it is made.
func (*github) Close() error { return nil }

// write writes s to the output in one Write; the caller holds g.mu.
func (g *github) write(s string) error {
	if err := writeOut(g.out, s); err != nil {
		return fmt.Errorf("report: writing to GitHub Actions: %w", err)
	}
	return nil
}

// appendFile appends text to the file the variable names, in one write, after a line
// break if what is there does not end in one: a line left open would swallow our first.
func (g *github) appendFile(path, variable, text string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("report: the file $%s names: %w", variable, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("report: the file $%s names: %w", variable, err)
	}
	if !endsInNewline(f, info.Size()) {
		text = g.eol + text
	}
	if _, err := f.WriteString(text); err != nil {
		return fmt.Errorf("report: writing to the file $%s names: %w", variable, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: writing to the file $%s names: %w", variable, err)
	}
	return nil
}

// endsInNewline reports whether the file of the given size is empty or ends in '\n'.
func endsInNewline(f *os.File, size int64) bool {
	if size == 0 {
		return true
	}
	var last [1]byte
	_, err := f.ReadAt(last[:], size-1)
	return err != nil || last[0] == '\n'
}

// ensureNewline returns s ending in a line break (the empty string stays empty).
func ensureNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// ghSummaryCut is what ends a summary cut short.
const ghSummaryCut = "\n*The summary is cut short here: GitHub shows at most 1 MiB of summary per step.*\n"

// fitSummary returns text, or text cut short to fit in room bytes with a note after it: cut
// at the last line break that fits, else at a character boundary, and with a code fence
// left open closed, so the note is not read as code. It reports false when not even the
// note fits.
func fitSummary(text string, room int64) (string, bool) {
	if int64(len(text)) <= room {
		return text, true
	}
	const fence = "```\n"
	// Room for the note, a fence to close one, and a line break to end a line cut short.
	keep := int(room) - len(ghSummaryCut) - len(fence) - 1
	if keep < 0 {
		return "", false
	}
	for keep > 0 && !utf8.RuneStart(text[keep]) {
		keep--
	}
	if nl := strings.LastIndexByte(text[:keep], '\n'); nl >= 0 {
		keep = nl + 1
	}
	kept := ensureNewline(text[:keep])
	if openFence(kept) {
		kept += fence
	}
	return kept + ghSummaryCut, true
}

// openFence reports whether md leaves a ``` code fence open: an odd number of lines that
// start with one (after up to three spaces, as CommonMark allows).
func openFence(md string) bool {
	open := false
	for line := range strings.Lines(md) {
		t := strings.TrimLeft(line, " ")
		if len(line)-len(t) <= 3 && strings.HasPrefix(t, "```") {
			open = !open
		}
	}
	return open
}

// ghProperty is a property of a workflow command.
type ghProperty struct{ key, value string }

// ghCommand returns a workflow command line, "::name key=value,…::message", escaped as
// actions/toolkit packages/core/src/command.ts does (escapeProperty, escapeData) and as
// actions/runner src/Runner.Common/ActionCommand.cs (TryParseV2, UnescapeProperty,
// UnescapeData) reads it back. A property with an empty value is left out, as the toolkit
// does. (The runner drops the '='s a property value starts with; ours never starts with one.)
func ghCommand(name string, props []ghProperty, message string) string {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(name)
	sep := " "
	for _, p := range props {
		if p.value == "" {
			continue
		}
		b.WriteString(sep)
		b.WriteString(p.key)
		b.WriteByte('=')
		ghEscapeProperty.WriteString(&b, p.value)
		sep = ","
	}
	b.WriteString("::")
	ghEscapeData.WriteString(&b, message)
	b.WriteByte('\n')
	return b.String()
}

// The toolkit's escapes. '%' goes first in its chain, so a strings.Replacer, which replaces
// in one pass, gives the same text.
var (
	ghEscapeData     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghEscapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// secretLines returns what to mask for a secret value: the value itself and, when it spans
// lines, each line trimmed of white space, as the GitHub runner's add-mask does; nothing for
// a blank value, which would mask every blank in the log.
func secretLines(value string) []string {
	if strings.TrimSpace(value) == "" {
		return nil
	}
	masks := []string{value}
	seen := map[string]bool{value: true}
	for _, line := range strings.FieldsFunc(value, func(r rune) bool { return r == '\r' || r == '\n' }) {
		line = strings.TrimSpace(line)
		if line != "" && !seen[line] {
			seen[line] = true
			masks = append(masks, line)
		}
	}
	return masks
}
