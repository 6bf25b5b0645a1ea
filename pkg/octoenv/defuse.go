package octoenv

import (
	"io"
	"sync"

	"github.com/octopulumi/octopulumi/internal/zwsp"
)

// maxKeptDefuseBuf bounds the output buffer a DefuseWriter keeps between writes, so one
// large write does not pin its memory for the life of the writer.
const maxKeptDefuseBuf = 64 << 10

// DefuseWriter passes text on with every "##octopus" broken by a zero width space, so that
// Octopus reads no service message in it. Use it (through [Defuse]) for everything a step
// prints that is not a message of its own: the output of Pulumi and of the program, errors,
// logs. Only a [Writer] should emit service messages.
//
// Octopus (Calamari's ServiceMessageParser) matches "##octopus" case-sensitively, receives
// the output line by line without line endings, and carries its state from one line to
// the next. So a DefuseWriter looks for "##octopus" as a substring of the whole stream with
// '\r' and '\n' ignored ("##oct\nopus" is caught), across Write calls, and inserts U+200B
// immediately before the final 's' of each match. That catches a superset of what
// Calamari acts on (it also catches "###octopus", which Calamari happens to miss), and
// keeps the text readable: removing the inserted U+200B gives back the input.
//
// A DefuseWriter is safe for concurrent use; each Write reaches the underlying writer in a
// single Write call, as soon as it is made: no byte is held back, because the character
// before which U+200B goes is always in the write that completes the match.
type DefuseWriter struct {
	mu      sync.Mutex
	w       io.Writer
	matched int    // bytes of "##octopus" matched at the end of the text so far
	buf     []byte // output buffer, reused between writes
	at      []int  // input positions of this write's insertions, reused between writes
}

// Defuse returns a *DefuseWriter writing to w, or w itself when it already is one:
// defusing twice would only add nothing, and the match state must stay in one place.
func Defuse(w io.Writer) io.Writer {
	if d, ok := w.(*DefuseWriter); ok {
		return d
	}
	return &DefuseWriter{w: w}
}

// Write passes p on in one Write call, with U+200B inserted as [DefuseWriter] describes.
// It returns len(p) on success; after a failed or short write of the underlying writer
// it returns how many bytes of p were passed on, and the match state stands after them.
func (d *DefuseWriter) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	before := d.matched
	d.at = appendMatches(d.at[:0], &d.matched, p)
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
		return len(p), nil
	}
	if err == nil {
		err = io.ErrShortWrite
	}
	// The caller may retry with what was not written: rewind the state to match that.
	in := zwsp.InputWritten(n, d.at)
	d.matched = before
	appendMatches(nil, &d.matched, p[:in])
	return in, err
}

// DefuseString returns s with U+200B inserted before the final 's' of every "##octopus",
// line endings ignored, as a [DefuseWriter] does: for text that reaches the task log some
// other way, such as a result message or a Markdown summary. It returns s itself when
// there is nothing to defuse.
func DefuseString(s string) string {
	var matched int
	at := appendMatches(nil, &matched, s)
	if len(at) == 0 {
		return s
	}
	return string(zwsp.Insert(make([]byte, 0, len(s)+len(at)*len(zwsp.Mark)), []byte(s), at))
}

// appendMatches appends to at the position of every byte of s that completes "##octopus",
// the search starting in state *matched and leaving it there.
func appendMatches[T string | []byte](at []int, matched *int, s T) []int {
	for i := nextMatch(matched, s, 0); i >= 0; i = nextMatch(matched, s, i+1) {
		at = append(at, i)
	}
	return at
}

// nextMatch advances the search state *matched over s from byte from on, and returns the
// position of the first byte that completes "##octopus" (its 's'), or -1 at the end of s.
// It is a Knuth–Morris–Pratt search specialised to "##octopus", whose only border is a
// single '#', and it skips '\r' and '\n' as Calamari drops line endings.
func nextMatch[T string | []byte](matched *int, s T, from int) int {
	m := *matched
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r' || c == '\n':
			continue
		case c == prefix[m]:
			m++
			if m == len(prefix) {
				*matched = 0
				return i
			}
		case c == '#':
			// After "##" a third '#' still leaves "##" matched; after "##o…" a '#' starts over.
			if m != 2 {
				m = 1
			}
		default:
			m = 0
		}
	}
	*matched = m
	return -1
}
