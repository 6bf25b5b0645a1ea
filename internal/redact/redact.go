package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Placeholder is what a [Redactor] writes in place of a secret.
const Placeholder = "[secret]"

// MinSecretLen is the shortest value a [Redactor] accepts as a secret, in
// bytes. Shorter values are ignored by [Redactor.Add]: replacing every "on"
// or "123" in a log would make the log unreadable and still protect nothing,
// because so short a value can be guessed anyway.
const MinSecretLen = 4

// minEncodedLen is the shortest secret whose base64 forms are redacted too.
// A base64 fragment of a shorter value is a handful of characters, which
// would match random base64 text (digests, keys) far too often.
const minEncodedLen = 8

// ErrWriterClosed is returned by [Writer.Write] after Close.
var ErrWriterClosed = errors.New("auth: write to a closed Writer")

// Redactor replaces known secrets with [Placeholder] in strings and streams.
// It is safe for concurrent use; secrets added with [Redactor.Add] apply to
// every later call, including writers created before.
//
// Besides each value as given, a Redactor recognises these forms of it:
//   - the value without surrounding white space (a passphrase read from a
//     file usually ends with a newline);
//   - its JSON string escaping (with and without HTML escaping), so a secret
//     inside a JSON document is caught;
//   - its URL query and path escaping;
//   - its Go-quoted forms, as providers print values with %q or %+q
//     (strconv.Quote and strconv.QuoteToASCII: "\u00a0", "\u200b",
//     "\x7f" …), and its HTML/XML escaping;
//   - for values of 8 bytes or more, its standard and URL-safe base64
//     encodings at each of the three byte alignments, so the secret is
//     caught inside a longer base64 text too (for example an Octopus service
//     message attribute). Only the characters that depend on the secret
//     alone are matched, so one or two characters either side may remain.
//
// Matches may overlap; every byte covered by any match is redacted, so one
// secret that contains another never leaks a partial value.
//
// A nil *Redactor redacts nothing.
type Redactor struct {
	mu      sync.Mutex // serialises Add
	secrets []string   // accepted values, as given, guarded by mu
	state   atomic.Pointer[redactState]
}

// redactState is an immutable set of patterns; Add replaces it whole so
// readers never lock.
type redactState struct {
	patterns [][]byte // longest first
	strs     []string // the same, as strings
	maxLen   int
}

// New returns a Redactor for the given secrets; see [Redactor.Add]
// for which values are accepted.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.state.Store(&redactState{})
	r.Add(secrets...)
	return r
}

// Add registers more secrets. Values shorter than [MinSecretLen] bytes
// (after trimming white space) are ignored, as are duplicates.
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) < MinSecretLen || slices.Contains(r.secrets, s) {
			continue
		}
		r.secrets = append(r.secrets, s)
		changed = true
	}
	if !changed && r.state.Load() != nil {
		return
	}
	r.state.Store(compilePatterns(r.secrets))
}

// Len reports how many secrets the Redactor knows.
func (r *Redactor) Len() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.secrets)
}

func compilePatterns(secrets []string) *redactState {
	seen := map[string]bool{}
	var pats [][]byte
	add := func(p string) {
		if len(p) < MinSecretLen || seen[p] {
			return
		}
		seen[p] = true
		pats = append(pats, []byte(p))
	}
	for _, s := range secrets {
		for _, v := range []string{s, strings.TrimSpace(s)} {
			add(v)
			add(jsonEscape(v, true))
			add(jsonEscape(v, false))
			add(url.QueryEscape(v))
			add(url.PathEscape(v))
			add(goQuoted(strconv.Quote(v)))
			add(goQuoted(strconv.QuoteToASCII(v)))
			add(goQuoted(strconv.QuoteToGraphic(v)))
			add(html.EscapeString(v))
			if len(v) >= minEncodedLen {
				for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
					for offset := range 3 {
						add(base64Core(enc, v, offset))
					}
				}
			}
		}
	}
	slices.SortFunc(pats, func(a, b []byte) int { return len(b) - len(a) })
	st := &redactState{patterns: pats, strs: make([]string, len(pats))}
	for i, p := range pats {
		st.strs[i] = string(p)
	}
	if len(pats) > 0 {
		st.maxLen = len(pats[0])
	}
	return st
}

// jsonEscape returns v as it appears between the quotes of a JSON string.
func jsonEscape(v string, html bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(v); err != nil {
		return v
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(out, `"`), `"`)
}

// goQuoted strips the quotes strconv puts around a quoted string.
func goQuoted(q string) string { return q[1 : len(q)-1] }

// base64Core returns the base64 characters that depend only on v when v
// starts offset bytes into the encoded data. Character i covers bits
// [6i, 6i+6); v covers bits [8*offset, 8*(offset+len(v))).
func base64Core(enc *base64.Encoding, v string, offset int) string {
	data := make([]byte, offset+len(v))
	copy(data[offset:], v)
	full := enc.EncodeToString(data)
	first := (8*offset + 5) / 6
	last := 8 * (offset + len(v)) / 6 // exclusive
	if last > len(full) {
		last = len(full)
	}
	if first >= last {
		return ""
	}
	return full[first:last]
}

func (r *Redactor) load() *redactState {
	if r == nil {
		return nil
	}
	return r.state.Load()
}

// String returns s with every known secret replaced by [Placeholder].
func (r *Redactor) String(s string) string {
	st := r.load()
	if st == nil || !st.containsAny(s) {
		return s
	}
	b := []byte(s)
	return string(st.redact(b, len(b), st.matches(b)))
}

// containsAny reports whether s holds any pattern; most text holds none,
// and then needs no copy.
func (st *redactState) containsAny(s string) bool {
	for _, p := range st.strs {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// Bytes returns a copy of b with every known secret replaced by
// [Placeholder].
func (r *Redactor) Bytes(b []byte) []byte {
	st := r.load()
	if st == nil || len(st.patterns) == 0 {
		return bytes.Clone(b)
	}
	return st.redact(b, len(b), st.matches(b))
}

// Error returns err with its message redacted, or err itself when the
// message contains no secret. The returned error still unwraps to err, so
// errors.Is and errors.As keep working.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := r.String(msg)
	if red == msg {
		return err
	}
	return &redactedError{msg: red, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// interval is a half-open byte range [start, end).
type interval struct{ start, end int }

// matches returns the merged ranges of b covered by any pattern, in order.
func (st *redactState) matches(b []byte) []interval {
	var ivs []interval
	for _, p := range st.patterns {
		for from := 0; from+len(p) <= len(b); {
			i := bytes.Index(b[from:], p)
			if i < 0 {
				break
			}
			ivs = append(ivs, interval{from + i, from + i + len(p)})
			from += i + 1
		}
	}
	if len(ivs) < 2 {
		return ivs
	}
	slices.SortFunc(ivs, func(a, b interval) int { return a.start - b.start })
	merged := ivs[:1]
	for _, iv := range ivs[1:] {
		last := &merged[len(merged)-1]
		if iv.start <= last.end {
			last.end = max(last.end, iv.end)
			continue
		}
		merged = append(merged, iv)
	}
	return merged
}

// redact returns b[:n] redacted, given ivs, the matches of b, of which
// those that start before n end at or before n.
func (st *redactState) redact(b []byte, n int, ivs []interval) []byte {
	out := make([]byte, 0, n)
	pos := 0
	for _, iv := range ivs {
		if iv.start >= n {
			break
		}
		out = append(out, b[pos:iv.start]...)
		out = append(out, Placeholder...)
		pos = iv.end
	}
	if pos < n {
		out = append(out, b[pos:n]...)
	}
	return out
}

// heldBack returns how many trailing bytes of b might be the beginning of a
// secret that the next write completes: the longest suffix of b that is a
// proper prefix of some pattern. Holding back only those bytes keeps the log
// flowing (a line that mentions no secret is never delayed).
func (st *redactState) heldBack(b []byte) int {
	hold := 0
	for _, p := range st.patterns {
		from := max(len(b)-len(p)+1, 0)
		for i := from; i < len(b); i++ {
			j := bytes.IndexByte(b[i:], p[0])
			if j < 0 {
				break
			}
			i += j
			if bytes.HasPrefix(p, b[i:]) {
				hold = max(hold, len(b)-i)
				break
			}
		}
	}
	return hold
}

// Writer is a streaming writer that redacts secrets before they reach
// the underlying writer. A secret split across Write calls is still
// redacted: the writer holds back the few trailing bytes that could be the
// beginning of a secret (at most the longest pattern minus one byte) until
// the next Write, [Writer.Flush] or [Writer.Close]. Output that
// cannot be the start of a secret is passed on at once.
//
// It is safe for concurrent use (for example a process's stdout and stderr
// copied into one writer). Messages that must carry a secret on purpose, such
// as the Octopus mask service message, must be written to the underlying
// writer, not through a Writer.
type Writer struct {
	r       *Redactor
	w       io.Writer
	mu      sync.Mutex
	pending []byte
	closed  bool
}

// Writer returns a Writer that writes to w.
func (r *Redactor) Writer(w io.Writer) *Writer {
	return &Writer{r: r, w: w}
}

// Write redacts p and passes it on, holding back a possible secret prefix.
// It reports len(p) when the underlying writer accepted everything it was
// given.
func (rw *Writer) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.closed {
		return 0, ErrWriterClosed
	}
	st := rw.r.load()
	if st == nil || len(st.patterns) == 0 {
		if err := rw.flushLocked(); err != nil {
			return 0, err
		}
		if _, err := rw.w.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	rw.pending = append(rw.pending, p...)
	cut := len(rw.pending) - st.heldBack(rw.pending)
	ivs := st.matches(rw.pending)
	for _, iv := range ivs {
		if iv.start < cut && iv.end > cut {
			cut = iv.end
		}
	}
	if cut <= 0 {
		return len(p), nil
	}
	out := rw.pending[:cut]
	if len(ivs) > 0 {
		out = st.redact(rw.pending, cut, ivs)
	}
	// Written before pending moves on: the writer does not keep out.
	_, err := rw.w.Write(out)
	rw.pending = append(rw.pending[:0], rw.pending[cut:]...)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes the held-back bytes, redacted.
func (rw *Writer) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.flushLocked()
}

func (rw *Writer) flushLocked() error {
	if len(rw.pending) == 0 {
		return nil
	}
	out := rw.r.Bytes(rw.pending)
	rw.pending = rw.pending[:0]
	_, err := rw.w.Write(out)
	return err
}

// Close flushes the held-back bytes. It does not close the underlying
// writer, which is usually the process's stdout. Later writes fail with
// [ErrWriterClosed]; Close is idempotent.
func (rw *Writer) Close() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.closed {
		return nil
	}
	rw.closed = true
	return rw.flushLocked()
}

// URL returns raw without user info, query or fragment, which may carry
// keys (an s3:// backend URL may name an endpoint with credentials, an
// azblob:// one a SAS token): fit for a log line or an error.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
