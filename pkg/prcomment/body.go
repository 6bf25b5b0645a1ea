package prcomment

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxBodyChars is GitHub's limit on an issue or pull-request comment body,
// as its validation error states it: "Body is too long (maximum is 65536
// characters)" (the 422 that POST and PATCH of issue comments answer; see
// easybuilders/easybuild-easyconfigs#24647 for the reply). Measurements on
// github.com disagree about the unit: 262,144 UTF-8 bytes
// (objectstack-ai/objectstack#18826, dead-claudia/github-limits#13). A
// character is at most four UTF-8 bytes, so a body of at most MaxBodyChars
// code points is under the limit on either reading.
const MaxBodyChars = 65536

// BodyBudget is the most code points (what Go's utf8.RuneCountInString
// counts) that [Body] puts in a comment: [MaxBodyChars] less a margin for
// what the readings above leave open, such as line ends counted as "\r\n".
// changesets/action (src/run.ts, MAX_CHARACTERS_PER_MESSAGE) keeps its
// bodies to 60,000 characters for the same reason.
const BodyBudget = 60000

// Marker text around the key; see [Marker].
const (
	markerPrefix = "<!-- octopulumi:"
	markerSuffix = " -->"
	// maxKeyBytes bounds the key as written into the marker; a longer one
	// is replaced by its SHA-256, so the marker stays small.
	maxKeyBytes = 200
)

// Marker returns the hidden HTML comment that opens the comment body for
// key, and by which [Client.Upsert] finds the comment again, for example
// "<!-- octopulumi:acme/web/dev -->". Use the stack's name as the key, so
// that several stacks previewed in one pull request each keep their own
// comment.
//
// The key is written so that it cannot end the HTML comment early or break
// its syntax: ASCII letters, digits and ._/:@+=,~- are kept, a "-" that
// would follow another "-" and every other byte are percent-encoded
// ("%2D", "%20"), which keeps distinct keys distinct; a key whose encoding
// is longer than 200 bytes is replaced by "%sha256:" and its SHA-256 in hex.
func Marker(key string) string {
	return markerPrefix + encodeKey(key) + markerSuffix
}

func encodeKey(key string) string {
	var b strings.Builder
	var last byte
	for i := 0; i < len(key); i++ {
		c := key[i]
		// HTML forbids "--" inside a comment (WHATWG HTML, "Comments"), and
		// ">" or "<!" could end or nest it; percent-encoding keeps all out.
		if keySafe(c) && !(c == '-' && last == '-') {
			b.WriteByte(c)
			last = c
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
		last = 'X'
	}
	if b.Len() > maxKeyBytes {
		sum := sha256.Sum256([]byte(key))
		return "%sha256:" + hex.EncodeToString(sum[:])
	}
	return b.String()
}

func keySafe(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("._/:@+=,~-", c) >= 0
}

// hasMarker reports whether body is a comment written for marker: the
// marker is its first line.
func hasMarker(body, marker string) bool {
	if !strings.HasPrefix(body, marker) {
		return false
	}
	rest := body[len(marker):]
	return rest == "" || rest[0] == '\n' || rest[0] == '\r'
}

// BodyOption configures [Body].
type BodyOption func(*bodyOptions)

type bodyOptions struct {
	fullDiffURL string
}

// WithFullDiffURL names where the whole diff can be read when Body has to
// cut it short, such as the workflow run ([Target.RunURL]). A URL that is
// not an absolute http(s) URL, or that holds white space, "<" or ">", is
// ignored: the note then points at the job's log.
func WithFullDiffURL(u string) BodyOption {
	return func(o *bodyOptions) {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || strings.ContainsAny(u, "<> \t\r\n") {
			return
		}
		o.fullDiffURL = u
	}
}

// Body returns a comment body for the stack named key: [Marker] (always the
// first line, so the comment is found again), the Markdown summary, and the
// diff in a collapsed <details> block as a fenced "diff" code block. An
// empty diff leaves the block out.
//
// The result is valid UTF-8 of at most [BodyBudget] code points, whatever
// the input: invalid UTF-8 and NUL bytes become U+FFFD (CommonMark asks the
// same of NUL), and when the whole does not fit the diff is cut first, at a
// line end where it can be and never inside a character, with a note saying
// how many lines are shown and where the full diff is ([WithFullDiffURL]).
// Only when the summary alone is too long is it cut too. The code fence is
// longer than any run of its character inside the diff, so the diff cannot
// close it early, and a fence the summary leaves open is closed, so
// </details> always stays outside code.
func Body(key, markdown, details string, opts ...BodyOption) string {
	return buildBody(BodyBudget, key, markdown, details, opts...)
}

// buildBody is Body within budget code points (at least 300, room for the
// longest marker and the notes); tests use small budgets.
func buildBody(budget int, key, markdown, details string, opts ...BodyOption) string {
	var o bodyOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	l := layout{budget: budget, marker: Marker(key), md: closeFences(cleanMarkdown(markdown))}
	diff := cleanDiff(details)
	if diff == "" {
		return l.fit()
	}
	l.details = true
	l.summary = "Diff"
	l.fence = fenceFor(diff)
	l.diff = diff
	if l.fits() {
		return l.String()
	}

	// Cut the diff. No more than budget code points of it can be kept, so
	// the fence is chosen from that much; a prefix of it then needs a fence
	// no longer than this one.
	total := lineCount(diff)
	candidate := prefixRunes(diff, budget)
	l.fence = fenceFor(candidate)
	l.summary = fmt.Sprintf("Diff (cut short: %d of %d lines)", total, total) // widest numbers
	l.note = cutNote(o.fullDiffURL, false)
	l.diff = "x"
	room := budget - runes(l.String()) + 1
	if kept := prefixLines(candidate, room); room > 0 && kept != "" {
		l.diff = kept
		l.fence = fenceFor(kept)
		l.summary = fmt.Sprintf("Diff (cut short: %d of %d lines)", lineCount(kept), total)
		if l.fits() {
			return l.String()
		}
	}

	// Nothing of the diff fits beside the summary.
	l.diff = ""
	l.summary = fmt.Sprintf("Diff (left out: %d lines)", total)
	l.note = cutNote(o.fullDiffURL, true)
	return l.fit()
}

// layout is a comment body in parts; String joins them.
type layout struct {
	budget  int
	marker  string
	md      string
	mdNote  string
	details bool
	summary string
	fence   string
	diff    string
	note    string
}

func (l layout) String() string {
	var b strings.Builder
	b.WriteString(l.marker)
	b.WriteString("\n")
	if l.md != "" {
		b.WriteString("\n")
		b.WriteString(l.md)
		b.WriteString("\n")
	}
	if l.mdNote != "" {
		b.WriteString("\n")
		b.WriteString(l.mdNote)
		b.WriteString("\n")
	}
	if l.details {
		// The blank lines matter: an HTML block ends at a blank line
		// (CommonMark 0.31, "HTML blocks", kind 6), so Markdown between
		// <summary> and </details> is rendered, the fence included.
		b.WriteString("\n<details><summary>")
		b.WriteString(l.summary)
		b.WriteString("</summary>\n\n")
		if l.diff != "" {
			b.WriteString(l.fence)
			b.WriteString("diff\n")
			b.WriteString(l.diff)
			b.WriteString("\n")
			b.WriteString(l.fence)
			b.WriteString("\n\n")
		}
		if l.note != "" {
			b.WriteString(l.note)
			b.WriteString("\n\n")
		}
		b.WriteString("</details>\n")
	}
	return b.String()
}

func (l layout) fits() bool { return runes(l.String()) <= l.budget }

// fit returns l, cutting the summary (at line ends, its fences closed) until
// the whole fits; as a last resort the summary is left out.
func (l layout) fit() string {
	if l.fits() {
		return l.String()
	}
	l.mdNote = "_The summary was cut short to stay under GitHub's comment size limit._"
	md := l.md
	for range 8 {
		over := runes(l.String()) - l.budget
		if over <= 0 {
			return l.String()
		}
		keep := runes(md) - over - 16
		if keep <= 0 {
			break
		}
		md = prefixLines(md, keep)
		l.md = closeFences(md)
	}
	l.md = ""
	if l.fits() {
		return l.String()
	}
	// Only a budget of a few hundred code points gets here; the marker
	// alone is at most 220.
	return l.marker + "\n"
}

func cutNote(fullDiffURL string, leftOut bool) string {
	what := "The diff was cut short to stay under GitHub's comment size limit"
	if leftOut {
		what = "The diff is left out to stay under GitHub's comment size limit"
	}
	if fullDiffURL != "" {
		// An angle-bracketed link destination may hold ")" (CommonMark 0.31,
		// "Links"); WithFullDiffURL refused "<", ">" and white space.
		return fmt.Sprintf("_%s; the full diff is in [the workflow run](<%s>)._", what, fullDiffURL)
	}
	return fmt.Sprintf("_%s; the full diff is in the log of the job that posted this comment._", what)
}

// cleanText makes s valid UTF-8 without NUL: CommonMark 0.31 ("Insecure
// characters") replaces U+0000 with U+FFFD, and so do we, before GitHub.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

func cleanMarkdown(s string) string {
	return strings.TrimRight(strings.TrimLeft(cleanText(s), "\r\n"), " \t\r\n")
}

func cleanDiff(s string) string {
	return strings.TrimRight(strings.TrimLeft(cleanText(s), "\r\n"), "\r\n")
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func lineCount(s string) int { return strings.Count(s, "\n") + 1 }

// prefixRunes returns the longest prefix of s with at most n code points.
func prefixRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for range n {
		if i >= len(s) {
			return s
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// prefixLines returns at most n code points of s, cut at the last line end
// within them when there is one.
func prefixLines(s string, n int) string {
	p := prefixRunes(s, n)
	if len(p) == len(s) {
		return s
	}
	if i := strings.LastIndexByte(p, '\n'); i > 0 {
		p = p[:i]
	}
	return strings.TrimRight(p, "\r")
}

// maxBacktickFence is the longest backtick fence fenceFor makes before it
// considers tildes, so a text of backticks cannot eat the budget.
const maxBacktickFence = 32

// fenceFor returns a code fence the text cannot close: a closing fence is a
// run of at least as many of the fence's characters (CommonMark 0.31,
// "Fenced code blocks"), so the fence is backticks, one more than the
// longest backtick run in the text (three at least); only when that would
// be longer than maxBacktickFence and a tilde fence built the same way is
// shorter, tildes.
func fenceFor(s string) string {
	nb := max(3, longestRun(s, '`')+1)
	if nb <= maxBacktickFence {
		return strings.Repeat("`", nb)
	}
	if nt := max(3, longestRun(s, '~')+1); nt < nb {
		return strings.Repeat("~", nt)
	}
	return strings.Repeat("`", nb)
}

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// closeFences appends a closing fence when md ends inside a fenced code
// block opened at the top level (CommonMark 0.31, "Fenced code blocks": an
// opening fence is indented at most three spaces, a backtick fence's info
// string holds no backtick, and a closing fence is at least as long, of the
// same character, followed by nothing but spaces), so that what follows md
// is not swallowed by it.
func closeFences(md string) string {
	var open byte
	openLen := 0
	for line := range strings.Lines(md) {
		l := strings.TrimRight(line, "\r\n")
		rest := strings.TrimLeft(l, " ")
		if len(l)-len(rest) > 3 || rest == "" || (rest[0] != '`' && rest[0] != '~') {
			continue
		}
		c := rest[0]
		n := len(rest) - len(strings.TrimLeft(rest, string(c)))
		if n < 3 {
			continue
		}
		switch {
		case open == 0:
			if c == '`' && strings.IndexByte(rest[n:], '`') >= 0 {
				continue
			}
			open, openLen = c, n
		case c == open && n >= openLen && strings.TrimRight(rest[n:], " \t") == "":
			open = 0
		}
	}
	if open == 0 {
		return md
	}
	return md + "\n" + strings.Repeat(string(open), openLen)
}
