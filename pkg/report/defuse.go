package report

import (
	"io"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/octopulumi/octopulumi/internal/zwsp"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// defuseMark is U+200B ZERO WIDTH SPACE in UTF-8, what [Defuse] inserts. It is invisible,
// it holds none of the bytes '#', ':', '[' or a line ending, and .NET does not count it as
// white space: String.Trim and TrimStart have left it in place since .NET Framework 4
// (learn.microsoft.com, "String.Trim", Remarks: only 3.5 SP1 and earlier removed U+200B
// and U+FEFF), so the runner's TrimStart cannot take it away again.
const defuseMark = zwsp.Mark

// maxKeptDefuseBuf bounds the output buffer a defuser keeps between writes.
const maxKeptDefuseBuf = 64 << 10

// Defuse returns a writer that passes text on to w with every command of GitHub Actions,
// Azure Pipelines, TeamCity and Octopus broken by an inserted U+200B ZERO WIDTH SPACE, so
// that nothing written through it acts as a command in any of them. Use it for everything
// a step prints that is not a command of its own: the output of Pulumi and of the program,
// errors, logs. What each system reads, and where U+200B goes:
//
//   - GitHub Actions (actions/runner src/Runner.Common/ActionCommand.cs, TryParseV2): a line
//     that starts with "::" after leading white space (TrimStart). U+200B goes between the
//     two colons. Leading white space is what .NET's char.IsWhiteSpace accepts, plus U+180E
//     (white space to .NET Framework 4) and U+FEFF (a byte order mark a reader may drop).
//   - GitHub Actions' older form (TryParse) and Azure Pipelines' log formatting commands
//     ("##[group]", "##[error]" …): "##[" anywhere in a line. U+200B goes before the '['.
//   - Azure Pipelines (microsoft/azure-pipelines-agent
//     src/Microsoft.VisualStudio.Services.Agent/Command.cs, TryParse): "##vso[" anywhere in
//     a line, case-sensitive. U+200B goes before the '['.
//   - TeamCity (jetbrains.buildServer.messages.serviceMessages.ServiceMessage: indexOf of
//     "##teamcity[", case-sensitive): anywhere in a line. U+200B goes before the '['.
//   - Octopus: "##octopus", even across line endings, broken by [octoenv.Defuse], which
//     Defuse writes through.
//
// The runner and the agent read their output a line at a time (StreamReader.ReadLine: a
// line ends at '\r', '\n' or "\r\n"), so the matches above start again after each.
//
// Both also find "::", "##[" and "##vso[" with .NET's culture-sensitive StartsWith and
// IndexOf, which on ICU skip default-ignorable characters such as U+200B: "##\u200Bvso[" still
// matches "##vso[". They then read the command's name a fixed number of characters after the
// start of the match, so with U+200B inside it the name begins with ':' or '[' and names no
// command: nothing acts. (On ICU the Azure agent may log "Cannot find command extension"
// for such a line in place of the line itself.)
//
// The writer is safe for concurrent use. Each Write reaches w in a single Write call, as
// soon as it is made: no byte is held back, because the character before which U+200B goes
// is always in the write that completes the match. Removing the inserted U+200B gives back
// the input. Defuse of a writer Defuse returned is that writer.
//
// The writer Defuse returns is also a [CommandWriter]: pass it to a reporter as
// [Options.Out], so that the reporter's own commands, which GitHub Actions reads only at
// the start of a line, share the log with the defused text.
func Defuse(w io.Writer) io.Writer {
	if d, ok := w.(*defuser); ok {
		return d
	}
	return &defuser{raw: w, w: octoenv.Defuse(w)}
}

// CommandWriter takes a reporter's own commands, to write them among defused text.
type CommandWriter interface {
	// WriteCommand writes line (one or more whole lines) as given, not defused, at the
	// start of a line: after a line break when the text before it left a line open.
	WriteCommand(line string) error
}

// writeOut writes a reporter's command line to out: through WriteCommand when out is a
// [CommandWriter], else as it is.
func writeOut(out io.Writer, line string) error {
	if cw, ok := out.(CommandWriter); ok {
		return cw.WriteCommand(line)
	}
	_, err := io.WriteString(out, line)
	return err
}

// DefuseString returns s with U+200B inserted as [Defuse] does, s being read from the start
// of a line: for text that reaches the log some other way, such as a message or a summary
// written to the log. It returns s itself when there is nothing to defuse.
func DefuseString(s string) string {
	var st cmdScan
	if at := appendCommandBreaks(nil, &st, s); len(at) > 0 {
		s = string(zwsp.Insert(make([]byte, 0, len(s)+len(at)*len(defuseMark)), s, at))
	}
	return octoenv.DefuseString(s)
}

// defuser is the writer [Defuse] returns.
type defuser struct {
	mu  sync.Mutex
	raw io.Writer // the underlying writer
	w   io.Writer // octoenv's defusing writer over raw
	st  cmdScan
	// open is whether the text so far left a line open (its last byte is
	// not a line break).
	open bool
	buf  []byte // output buffer, reused between writes
	at   []int  // input positions of this write's insertions, reused between writes
}

// Write passes p on in one Write call, with U+200B inserted as [Defuse] describes. It
// returns len(p) on success; after a failed or short write it returns how many bytes of p
// were passed on, and the scan state stands after them, so the rest can be written again.
func (d *defuser) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	before := d.st
	d.at = appendCommandBreaks(d.at[:0], &d.st, p)
	out := p
	if len(d.at) > 0 {
		d.buf = zwsp.Insert(d.buf[:0], p, d.at)
		out = d.buf
	}
	n, err := d.w.Write(out)
	if cap(d.buf) > maxKeptDefuseBuf {
		d.buf = nil
	}
	if n == len(out) && err == nil {
		d.leaveOpen(p)
		return len(p), nil
	}
	if err == nil {
		err = io.ErrShortWrite
	}
	in := zwsp.InputWritten(n, d.at)
	d.st = before
	appendCommandBreaks(nil, &d.st, p[:in])
	d.leaveOpen(p[:in])
	return in, err
}

// leaveOpen notes whether written, the text just passed on, left a line open.
func (d *defuser) leaveOpen(written []byte) {
	if len(written) > 0 {
		last := written[len(written)-1]
		d.open = last != '\n' && last != '\r'
	}
}

// WriteCommand writes line to the underlying writer as given, in one Write, after a line
// break when the text before it left a line open; the search for commands then starts
// afresh at the start of a line.
func (d *defuser) WriteCommand(line string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.open {
		line = "\n" + line
	}
	if _, err := io.WriteString(d.raw, line); err != nil {
		return err
	}
	d.st = cmdScan{}
	d.leaveOpen([]byte(line))
	return nil
}

// Where a line stands on the way to GitHub's "::" at its start.
const (
	leadBlank = iota // only white space since the line began
	leadColon        // white space, then one ':'
	leadNone         // anything else: no "::" command on this line
)

// cmdScan is the state of the search for commands, carried from one write to the next.
type cmdScan struct {
	lead   uint8             // leadBlank, leadColon or leadNone
	npend  uint8             // bytes of a multi-byte character in pend
	pend   [utf8.UTFMax]byte // a character at the start of a line, not yet complete
	hashes uint8             // '#' just before, up to 2
	tail   string            // after "##", the rest of "vso[" or "teamcity[" to match
}

// The names that may follow "##" and end in '[': "##[" itself has an empty one.
const (
	vsoTail      = "vso["
	teamcityTail = "teamcity["
)

// appendCommandBreaks appends to at the position of every byte of s before which U+200B
// goes, scanning from state *st and leaving it there.
func appendCommandBreaks[T string | []byte](at []int, st *cmdScan, s T) []int {
	for i := 0; i < len(s); i++ {
		if st.step(s[i]) {
			at = append(at, i)
		}
	}
	return at
}

// step advances the scan over c and reports whether U+200B goes before it.
func (st *cmdScan) step(c byte) bool {
	if c == '\r' || c == '\n' {
		*st = cmdScan{}
		return false
	}
	hit := st.lead != leadNone && st.stepLead(c)
	if st.stepHashes(c) {
		hit = true
	}
	return hit
}

// stepLead follows the start of a line: white space, then "::".
func (st *cmdScan) stepLead(c byte) bool {
	if st.lead == leadColon {
		st.lead = leadNone
		return c == ':'
	}
	if st.npend > 0 || c >= utf8.RuneSelf {
		st.pend[st.npend] = c
		st.npend++
		if !utf8.FullRune(st.pend[:st.npend]) {
			return false
		}
		// An invalid sequence decodes to U+FFFD (as .NET's decoder makes it), not white space.
		r, _ := utf8.DecodeRune(st.pend[:st.npend])
		st.npend = 0
		if !isLeadingBlank(r) {
			st.lead = leadNone
		}
		return false
	}
	switch {
	case c == ':':
		st.lead = leadColon
	case !isLeadingBlank(rune(c)):
		st.lead = leadNone
	}
	return false
}

// isLeadingBlank reports whether r may come before "::" at the start of a line.
// unicode.IsSpace is the set .NET's char.IsWhiteSpace (so TrimStart) accepts.
func isLeadingBlank(r rune) bool {
	return unicode.IsSpace(r) || r == '\u180E' || r == '\uFEFF'
}

// stepHashes follows "##" and what may come after it up to '['.
func (st *cmdScan) stepHashes(c byte) bool {
	if st.tail != "" {
		if c == st.tail[0] {
			st.tail = st.tail[1:]
			return st.tail == ""
		}
		st.tail = ""
		if c == '#' {
			st.hashes = 1
		}
		return false
	}
	switch {
	case c == '#':
		st.hashes = min(st.hashes+1, 2)
	case st.hashes < 2:
		st.hashes = 0
	case c == '[':
		st.hashes = 0
		return true
	case c == vsoTail[0]:
		st.hashes, st.tail = 0, vsoTail[1:]
	case c == teamcityTail[0]:
		st.hashes, st.tail = 0, teamcityTail[1:]
	default:
		st.hashes = 0
	}
	return false
}
