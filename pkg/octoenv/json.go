package octoenv

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// DefaultMaxJSONBytes bounds a JSON variable source unless [WithMaxJSONBytes] says
// otherwise. A deployment with 20,000 variables is about 2 MB.
const DefaultMaxJSONBytes = 16 << 20

// JSONError says what is wrong with a JSON variable source and where.
type JSONError struct {
	// Offset is the byte offset in the input where the problem was found.
	Offset int64
	// Variable is the variable whose key or value is wrong, when known.
	Variable string
	// Reason says what is wrong.
	Reason string
	// Source names where the JSON came from, as given to [WithJSONNamed] or
	// [WithSensitiveJSONNamed] (e.g. "stdin (--variables-json -)"); empty when unnamed.
	Source string
}

// Error describes the problem with its source (when named), its offset and, when known,
// the variable.
func (e *JSONError) Error() string {
	if e.Variable != "" {
		return fmt.Sprintf("octoenv: %s: byte %d: variable %q: %s", jsonSourceText(e.Source), e.Offset, e.Variable, e.Reason)
	}
	return fmt.Sprintf("octoenv: %s: byte %d: %s", jsonSourceText(e.Source), e.Offset, e.Reason)
}

// jsonSourceText is how errors refer to the JSON source called name ("" when unnamed).
func jsonSourceText(name string) string {
	if name == "" {
		return "JSON variables"
	}
	return "the variables JSON from " + name
}

// ErrTooLarge is wrapped by the error for a JSON source larger than its limit.
var ErrTooLarge = errors.New("octoenv: variable source too large")

// ReadJSON reads a JSON object of Octopus variable name → string value, the form
// `$OctopusParameters | ConvertTo-Json` produces, and returns its variables in input order,
// all with the given sensitivity. It reads at most max bytes (DefaultMaxJSONBytes when
// max <= 0) and fails with an error wrapping ErrTooLarge beyond that. A leading UTF-8 byte
// order mark is skipped, and null reads as "" (a variable Octopus holds without a value).
// Malformed JSON, invalid UTF-8, a value that is not a string, an
// empty name, and two keys equal ignoring case (Octopus names are case-insensitive) are
// reported as a *JSONError with the byte offset; an error never holds a value.
func ReadJSON(r io.Reader, max int64, sensitive bool) ([]Variable, error) {
	l, err := readJSON(r, max, sensitive, "")
	return l.vars, err
}

// readJSON is ReadJSON keeping the parser's name index for Merge to adopt; its errors name
// the source when source is not empty.
func readJSON(r io.Reader, max int64, sensitive bool, source string) (layer, error) {
	if max <= 0 {
		max = DefaultMaxJSONBytes
	}
	what := jsonSourceText(source)
	// Reading into a strings.Builder lets the parser slice one string without copying it.
	var b strings.Builder
	if hint := sizeHint(r); hint > 0 && hint <= max {
		b.Grow(int(hint))
	}
	n, err := io.Copy(&b, io.LimitReader(r, max+1))
	if err != nil {
		return layer{}, fmt.Errorf("octoenv: reading %s: %w", what, err)
	}
	if n > max {
		return layer{}, fmt.Errorf("%w: %s: more than %d bytes (raise the limit if this is expected)", ErrTooLarge, what, max)
	}
	l, err := parseJSON(b.String(), sensitive)
	if je := (*JSONError)(nil); errors.As(err, &je) {
		je.Source = source
	}
	return l, err
}

// sizeHint guesses how many bytes r holds, or 0.
func sizeHint(r io.Reader) int64 {
	switch x := r.(type) {
	case interface{ Len() int }:
		return int64(x.Len())
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := x.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

// ParseJSON is [ReadJSON] for input already in memory (no size limit).
func ParseJSON(data []byte, sensitive bool) ([]Variable, error) {
	l, err := parseJSON(string(data), sensitive)
	return l.vars, err
}

func parseJSON(s string, sensitive bool) (layer, error) {
	p := jsonParser{s: s}
	if strings.HasPrefix(p.s, "\uFEFF") {
		p.i = 3
	}
	vars, index, err := p.object(sensitive)
	if err != nil {
		return layer{}, err
	}
	return layer{vars: vars, index: index}, nil
}

type jsonParser struct {
	s string
	i int
}

func (p *jsonParser) errAt(off int, variable, format string, args ...any) error {
	return &JSONError{Offset: int64(off), Variable: variable, Reason: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) object(sensitive bool) ([]Variable, map[string]int, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, nil, p.errAt(p.i, "", "empty input; expected a JSON object of variable name to string value")
	}
	if p.s[p.i] != '{' {
		return nil, nil, p.errAt(p.i, "", "expected '{': the input must be one JSON object of variable name to string value, found %s", describe(p.s[p.i]))
	}
	p.i++
	// Most inputs have about 50 bytes per variable; a guess saves regrowing.
	vars := make([]Variable, 0, len(p.s)/64+1)
	keyAt := make([]int, 0, len(p.s)/64+1)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return vars, map[string]int{}, p.end()
	}
	for {
		p.ws()
		at := p.i
		if p.i >= len(p.s) {
			return nil, nil, p.errAt(p.i, "", "unexpected end of input; expected a variable name")
		}
		if p.s[p.i] != '"' {
			return nil, nil, p.errAt(p.i, "", "expected a quoted variable name, found %s", describe(p.s[p.i]))
		}
		name, err := p.str("")
		if err != nil {
			return nil, nil, err
		}
		if strings.TrimSpace(name) == "" {
			return nil, nil, p.errAt(at, "", "empty variable name")
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, nil, p.errAt(p.i, name, "expected ':' after the name")
		}
		p.i++
		p.ws()
		if p.i >= len(p.s) {
			return nil, nil, p.errAt(p.i, name, "unexpected end of input; expected a string value")
		}
		var value string
		switch c := p.s[p.i]; {
		case c == '"':
			if value, err = p.str(name); err != nil {
				return nil, nil, err
			}
		case strings.HasPrefix(p.s[p.i:], "null"):
			// ConvertTo-Json writes null for a variable Octopus holds without a value.
			p.i += len("null")
		default:
			return nil, nil, p.errAt(p.i, name, "value is %s, not a string; Octopus variable values are strings, so quote it", describe(c))
		}
		vars = append(vars, Variable{Name: name, Value: value, Sensitive: sensitive})
		keyAt = append(keyAt, at)
		p.ws()
		if p.i >= len(p.s) {
			return nil, nil, p.errAt(p.i, "", "unexpected end of input; expected ',' or '}'")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			if err := p.end(); err != nil {
				return nil, nil, err
			}
			seen, err := p.index(vars, keyAt)
			if err != nil {
				return nil, nil, err
			}
			return vars, seen, nil
		default:
			return nil, nil, p.errAt(p.i, "", "expected ',' or '}' after variable %q, found %s", name, describe(p.s[p.i]))
		}
	}
}

// index maps the folded names to their positions and reports a duplicate at its key's
// offset. The folded names share one allocation: for 20,000 variables that is most of the
// parser's allocations saved.
func (p *jsonParser) index(vars []Variable, keyAt []int) (map[string]int, error) {
	total := 0
	for _, v := range vars {
		total += len(v.Name)
	}
	var b strings.Builder
	b.Grow(total)
	ends := make([]int, len(vars))
	for i, v := range vars {
		appendFold(&b, v.Name)
		ends[i] = b.Len()
	}
	all := b.String()
	seen := make(map[string]int, len(vars))
	start := 0
	for i, v := range vars {
		k := all[start:ends[i]]
		start = ends[i]
		if prev, dup := seen[k]; dup {
			return nil, p.errAt(keyAt[i], v.Name, "duplicate key (first seen as %q; Octopus variable names are case-insensitive)", vars[prev].Name)
		}
		seen[k] = i
	}
	return seen, nil
}

func (p *jsonParser) end() error {
	p.ws()
	if p.i < len(p.s) {
		return p.errAt(p.i, "", "unexpected %s after the JSON object", describe(p.s[p.i]))
	}
	return nil
}

func describe(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("%q", rune(c))
	default:
		return fmt.Sprintf("byte 0x%02x", c)
	}
}

// str reads a JSON string at p.i (which holds '"'). It returns a substring of the input when
// there are no escapes, so large inputs cost one copy. variable names the value being read
// ("" for a key) and never goes into an error with the value itself.
func (p *jsonParser) str(variable string) (string, error) {
	start := p.i
	p.i++
	// Fast path: no escapes.
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		j++
	}
	if j < len(p.s) && p.s[j] == '"' {
		out := p.s[p.i:j]
		p.i = j + 1
		return out, nil
	}
	var b strings.Builder
	b.WriteString(p.s[p.i:j])
	p.i = j
	for {
		if p.i >= len(p.s) {
			return "", p.errAt(start, variable, "string is not terminated")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", p.errAt(p.i, variable, "control character 0x%02x inside a string must be escaped", c)
		case c == '\\':
			if err := p.escape(&b, variable); err != nil {
				return "", err
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", p.errAt(p.i, variable, "invalid UTF-8 (save the file as UTF-8)")
			}
			b.WriteString(p.s[p.i : p.i+n])
			p.i += n
		default:
			k := p.i + 1
			for k < len(p.s) && p.s[k] >= 0x20 && p.s[k] < utf8.RuneSelf && p.s[k] != '"' && p.s[k] != '\\' {
				k++
			}
			b.WriteString(p.s[p.i:k])
			p.i = k
		}
	}
}

func (p *jsonParser) escape(b *strings.Builder, variable string) error {
	at := p.i
	if p.i+1 >= len(p.s) {
		return p.errAt(at, variable, "string is not terminated")
	}
	c := p.s[p.i+1]
	p.i += 2
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return p.errAt(at, variable, `invalid \u escape (want four hex digits)`)
		}
		if utf16.IsSurrogate(r) {
			// A high surrogate must be followed by an escaped low one.
			if r < 0xDC00 && strings.HasPrefix(p.s[p.i:], `\u`) {
				save := p.i
				p.i += 2
				if r2, ok := p.hex4(); ok {
					if full := utf16.DecodeRune(r, r2); full != utf8.RuneError {
						b.WriteRune(full)
						return nil
					}
				}
				p.i = save
			}
			return p.errAt(at, variable, `unpaired UTF-16 surrogate in \u escape`)
		}
		b.WriteRune(r)
	default:
		return p.errAt(at, variable, "invalid escape %s", describe(c))
	}
	return nil
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	p.i += 4
	return r, true
}

// foldName is the key under which names equal ignoring case meet. Octopus compares names
// with OrdinalIgnoreCase; lower-casing (simple Unicode folding for non-ASCII) is close
// enough, and costs nothing for names already in lower case.
func foldName(name string) string {
	var b strings.Builder
	if !needsFold(name) {
		return name
	}
	appendFold(&b, name)
	return b.String()
}

func needsFold(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') {
			return true
		}
	}
	return false
}

// appendFold writes foldName(name) to b.
func appendFold(b *strings.Builder, name string) {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			b.WriteString(strings.ToLower(name))
			return
		}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
}
