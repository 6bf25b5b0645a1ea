package reporttest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The GitHub runner's side, written from actions/runner:
// src/Runner.Common/ActionCommand.cs (TryParseV2, TryParse and their
// unescaping), src/Runner.Worker/ActionCommandManager.cs (the registered
// commands, matched ignoring case), src/Runner.Worker/FileCommandManager.cs
// (EnvFileKeyValuePairs, which reads $GITHUB_OUTPUT and $GITHUB_ENV) and
// src/Runner.Worker/ActionCommandManager.cs (AddMaskCommandExtension).

// gitHubRegistered are the commands the runner registers
// (internal-set-repo-path only for its plugins; counted here all the same).
var gitHubRegistered = []string{"add-mask", "add-matcher", "add-path", "debug", "echo", "endgroup",
	"error", "group", "internal-set-repo-path", "notice", "remove-matcher", "save-state",
	"set-env", "set-output", "stop-commands", "warning"}

// GitHubCommand is a workflow command as the runner reads it.
type GitHubCommand struct {
	// Name is the command's name as written; the runner matches it ignoring
	// case.
	Name string
	// Properties holds the command's properties, unescaped, keys in lower
	// case (the runner ignores their case). It is never nil.
	Properties map[string]string
	// Value is the command's data, after its "::" (or "]"), unescaped.
	Value string
}

// ParseGitHubLine reads one line as the runner does: TryParseV2
// ("::name props::data" after leading white space), then TryParse
// ("##[name props]data" anywhere). It reports whether the line holds a
// command the runner registers, which it would act on.
func ParseGitHubLine(line string, mode Mode) (GitHubCommand, bool) {
	if c, ok := parseGitHubV2(line, mode); ok {
		return c, true
	}
	return parseGitHubV1(line, mode)
}

// GitHubCommands returns the commands the runner would act on in log, what a
// step wrote to its standard output, read a line at a time as the runner
// reads it ([NetLines]). Lines that hold no command are passed over.
func GitHubCommands(log string, mode Mode) []GitHubCommand {
	var cmds []GitHubCommand
	for _, line := range NetLines(log) {
		if c, ok := ParseGitHubLine(line, mode); ok {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

func gitHubRegisters(name string) bool {
	return slices.ContainsFunc(gitHubRegistered, func(r string) bool { return strings.EqualFold(r, name) })
}

func parseGitHubV2(line string, mode Mode) (GitHubCommand, bool) {
	n := toNet(line)
	for len(n) > 0 && NetWhiteSpace(rune(n[0])) {
		n = n[1:]
	}
	if !n.startsWith("::", mode) {
		return GitHubCommand{}, false
	}
	end := n.indexOf("::", 2, mode)
	if end < 0 {
		return GitHubCommand{}, false
	}
	name, props, hasProps := strings.Cut(n[2:end].String(), " ")
	if !gitHubRegisters(name) {
		return GitHubCommand{}, false
	}
	c := GitHubCommand{Name: name, Properties: map[string]string{}}
	if hasProps {
		for _, p := range netSplit(NetTrim(props), ',') {
			if kv := netSplit2(p, '='); len(kv) == 2 {
				c.Properties[strings.ToLower(kv[0])] = replaceAll(kv[1], "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%")
			}
		}
	}
	c.Value = replaceAll(n[end+2:].String(), "%0D", "\r", "%0A", "\n", "%25", "%")
	return c, true
}

func parseGitHubV1(line string, mode Mode) (GitHubCommand, bool) {
	n := toNet(line)
	start := n.indexOf("##[", 0, mode)
	if start < 0 {
		return GitHubCommand{}, false
	}
	rb := slices.Index(n[start:], ']')
	cmd := start + len("##[")
	if rb < 0 || start+rb < cmd { // Substring with a negative length throws
		return GitHubCommand{}, false
	}
	rb += start
	name, props, hasProps := strings.Cut(n[cmd:rb].String(), " ")
	if !gitHubRegisters(name) {
		return GitHubCommand{}, false
	}
	unescape := func(s string) string {
		return replaceAll(s, "%3B", ";", "%0D", "\r", "%0A", "\n", "%5D", "]", "%25", "%")
	}
	c := GitHubCommand{Name: name, Properties: map[string]string{}}
	if hasProps {
		for _, p := range netSplit(props, ';') {
			if kv := netSplit2(p, '='); len(kv) == 2 {
				c.Properties[strings.ToLower(kv[0])] = unescape(kv[1])
			}
		}
	}
	c.Value = unescape(n[rb+1:].String())
	return c, true
}

// GitHubMasks returns what the runner masks for one ::add-mask:: command
// whose value is data (AddMaskCommandExtension): data itself, then each of
// its lines, split at CR and LF and trimmed, empty ones dropped.
func GitHubMasks(data string) []string {
	masks := []string{data}
	for _, l := range strings.FieldsFunc(data, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if l = NetTrim(l); l != "" {
			masks = append(masks, l)
		}
	}
	return masks
}

// Pair is one name and value read from a file command's file, in the order
// written.
type Pair struct {
	Name, Value string
}

// GitHubOutputError is the runner's refusal of a file command's file: the
// step that wrote it fails.
type GitHubOutputError struct {
	// Line is the line the runner stopped at, or the heredoc delimiter it
	// did not find.
	Line string
	// Reason is the runner's complaint.
	Reason string
}

// Error says where the runner stopped and why.
func (e *GitHubOutputError) Error() string {
	return fmt.Sprintf("the runner refuses the file at %q: %s", e.Line, e.Reason)
}

// ErrGitHubHeredocEOF is the runner's refusal ("EOF marker missing new
// line") of a file that ends inside a heredoc, on a line without a line
// break that is not the heredoc's delimiter.
var ErrGitHubHeredocEOF = errors.New("the runner refuses the file: EOF marker missing new line (the file ends inside a heredoc; end it with the delimiter on a line of its own)")

// GitHubOutputPairs reads file, the text of a $GITHUB_OUTPUT or $GITHUB_ENV
// file, as EnvFileKeyValuePairs does, on Windows or not, and returns every
// name and value in the order written (a name may repeat). On Windows the
// runner splits lines at "\r\n" before "\n"; elsewhere only at "\n".
func GitHubOutputPairs(file string, windows bool) ([]Pair, error) {
	// File.ReadAllText: UTF-8, a byte order mark dropped, U+FFFD for what is
	// not UTF-8.
	r := &lineReader{text: strings.ToValidUTF8(strings.TrimPrefix(file, "\uFEFF"), "\uFFFD"), windows: windows}
	var pairs []Pair
	for line, _, ok := r.next(); ok; line, _, ok = r.next() {
		if line == "" {
			continue
		}
		eq, heredoc := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (heredoc < 0 || eq < heredoc):
			k, v, _ := strings.Cut(line, "=")
			pairs = append(pairs, Pair{k, v})
		case heredoc >= 0 && (eq < 0 || heredoc < eq):
			k, delimiter, _ := strings.Cut(line, "<<")
			if k == "" || delimiter == "" {
				return nil, &GitHubOutputError{Line: line, Reason: "invalid format"}
			}
			v, err := r.heredoc(delimiter)
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, Pair{k, v})
		default:
			return nil, &GitHubOutputError{Line: line, Reason: "invalid format"}
		}
	}
	return pairs, nil
}

// GitHubOutputs is [GitHubOutputPairs] as the runner applies it: a name set
// twice holds its last value. file is the file's text (read it with
// os.ReadFile), not its path.
func GitHubOutputs(file string, windows bool) (map[string]string, error) {
	pairs, err := GitHubOutputPairs(file, windows)
	if err != nil {
		return nil, err
	}
	outputs := make(map[string]string, len(pairs))
	for _, p := range pairs {
		outputs[p.Name] = p.Value
	}
	return outputs, nil
}

// lineReader reads lines as EnvFileKeyValuePairs' ReadLine does.
type lineReader struct {
	text    string
	index   int
	windows bool
}

// next returns the next line and the line break that ended it ("" at the
// end of the text).
func (r *lineReader) next() (line, newline string, ok bool) {
	if r.index >= len(r.text) {
		return "", "", false
	}
	start := r.index
	lf := strings.Index(r.text[r.index:], "\n")
	if lf < 0 {
		r.index = len(r.text)
		return r.text[start:], "", true
	}
	lf += r.index
	if r.windows {
		if crlf := strings.Index(r.text[r.index:], "\r\n"); crlf >= 0 && crlf+r.index < lf {
			r.index = crlf + r.index + 2
			return r.text[start : r.index-2], "\r\n", true
		}
	}
	r.index = lf + 1
	return r.text[start:lf], "\n", true
}

// heredoc reads up to a line that is delimiter and returns the text before
// it, without the line break before the delimiter.
func (r *lineReader) heredoc(delimiter string) (string, error) {
	start, end := r.index, r.index
	for {
		l, newline, ok := r.next()
		if !ok {
			return "", &GitHubOutputError{Line: delimiter, Reason: "matching delimiter not found"}
		}
		if l == delimiter {
			return r.text[start:max(start, end)], nil
		}
		if newline == "" {
			return "", ErrGitHubHeredocEOF
		}
		end = r.index - len(newline)
	}
}
