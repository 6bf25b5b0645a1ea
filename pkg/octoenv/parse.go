package octoenv

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrUnterminated is returned by [ParseLine] for a line that starts a service message but
// does not close it with ']' (a message may continue on later lines; read those with
// [Parser] or [Scan]), and by [Parser.Close] when the input ended inside a message.
var ErrUnterminated = errors.New("octoenv: service message not terminated by ']'")

// ParseLine finds the first service message in line the way Calamari does: it looks for
// "##octopus" anywhere in the line, reads up to the first ']' and parses what lies between
// as an XML element whose attribute values are base64 of UTF-8 (single or double quotes,
// XML entity and character references, whitespace inside values ignored, attribute names
// case-insensitive and unique). Line endings are ignored.
//
// It returns ok=false and a nil error when the line holds no message, ErrUnterminated when a
// message starts but does not end on this line, and a *MessageError when Octopus would
// ignore the message as malformed. Invalid UTF-8 in a decoded value is replaced by U+FFFD,
// as Octopus does. ParseLine(m.String()) equals m for every m that passes [Message.Validate].
func ParseLine(line string) (Message, bool, error) {
	var p Parser
	var (
		msg   Message
		found bool
		perr  error
	)
	p.feed(line, func(m Message, err error) bool {
		msg, found, perr = m, err == nil, err
		return false
	})
	if perr != nil {
		return Message{}, false, perr
	}
	if !found && p.Pending() {
		return Message{}, false, ErrUnterminated
	}
	return msg, found, nil
}

// MaxMessageBytes bounds the text of one service message a [Parser] buffers while it waits
// for the closing ']'. Longer messages are dropped with a *MessageError.
const MaxMessageBytes = 32 << 20

type parseState uint8

const (
	stateDefault parseState = iota
	statePossible
	stateInMessage
)

// Parser is the streaming form of [ParseLine]: feed it output in order, in lines or in any
// chunks, and it reports the messages as Calamari would, including messages that run over
// several lines until their ']' (line endings inside a message are dropped, so the lines
// are joined without a separator) and several messages on one line. The zero value is
// ready to use. A Parser is not safe for concurrent use.
type Parser struct {
	state   parseState
	matched int // bytes of "##octopus" matched in statePossible
	buf     []byte
	tooLong bool
}

// Feed consumes text and returns the messages completed in it, and one error for each
// message Octopus would ignore as malformed.
func (p *Parser) Feed(text string) (msgs []Message, errs []error) {
	p.feed(text, func(m Message, err error) bool {
		if err != nil {
			errs = append(errs, err)
		} else {
			msgs = append(msgs, m)
		}
		return true
	})
	return msgs, errs
}

// Pending reports whether a message has started and not yet ended.
func (p *Parser) Pending() bool { return p.state == stateInMessage }

// Close reports ErrUnterminated when the input ended inside a message, and resets p.
func (p *Parser) Close() error {
	pending := p.Pending()
	*p = Parser{}
	if pending {
		return ErrUnterminated
	}
	return nil
}

// feed runs Calamari's state machine over text; emit returns false to stop early.
// Calamari works on UTF-16 units and we on bytes: every byte it looks for is ASCII, and
// ASCII bytes never occur inside a multi-byte UTF-8 sequence, so the two agree.
func (p *Parser) feed(text string, emit func(Message, error) bool) {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\r' || c == '\n' {
			// Calamari receives lines without their endings and drops them inside messages.
			continue
		}
		switch p.state {
		case stateDefault:
			if c == '#' {
				p.state, p.matched = statePossible, 1
			}
		case statePossible:
			if c == prefix[p.matched] {
				p.matched++
				if p.matched == len(prefix) {
					p.state, p.buf, p.tooLong = stateInMessage, p.buf[:0], false
				}
			} else {
				// Calamari drops the character that broke the match, even a '#'.
				p.state = stateDefault
			}
		case stateInMessage:
			j := strings.IndexByte(text[i:], ']')
			end := len(text)
			if j >= 0 {
				end = i + j
			}
			p.appendBody(text[i:end])
			if j < 0 {
				return
			}
			i = end
			p.state = stateDefault
			var m Message
			var err error
			if p.tooLong {
				err = &MessageError{Reason: fmt.Sprintf("message longer than %d bytes; dropped", MaxMessageBytes)}
			} else {
				m, err = parseBody(string(p.buf))
			}
			p.buf = p.buf[:0]
			if !emit(m, err) {
				return
			}
		}
	}
}

func (p *Parser) appendBody(s string) {
	for len(s) > 0 {
		k := strings.IndexAny(s, "\r\n")
		part := s
		if k >= 0 {
			part = s[:k]
		}
		if len(p.buf)+len(part) > MaxMessageBytes {
			p.tooLong = true
		}
		if !p.tooLong {
			p.buf = append(p.buf, part...)
		}
		if k < 0 {
			return
		}
		s = s[k+1:]
	}
}

// parseBody parses the text between "##octopus" and ']' as Calamari does:
// trim whitespace, drop leading '[', then read "<" + body + "/>" as an XML element.
func parseBody(body string) (Message, error) {
	body = strings.TrimLeft(strings.TrimSpace(body), "[")
	s := xmlScanner{s: body}
	name := s.name()
	if name == "" {
		return Message{}, &MessageError{Reason: fmt.Sprintf("no valid message name at the start of %q", truncate(body))}
	}
	m := Message{Name: name}
	for {
		hadSpace := s.space()
		if s.done() {
			return m, nil
		}
		if !hadSpace {
			return Message{}, &MessageError{Name: name, Reason: fmt.Sprintf("expected whitespace before attribute at byte %d", s.i)}
		}
		attrName := s.name()
		if attrName == "" {
			return Message{}, &MessageError{Name: name, Reason: fmt.Sprintf("expected an attribute name at byte %d", s.i)}
		}
		s.space()
		if !s.take('=') {
			return Message{}, &MessageError{Name: name, Reason: fmt.Sprintf("attribute %q: expected '=' at byte %d", attrName, s.i)}
		}
		s.space()
		raw, err := s.quoted()
		if err != nil {
			return Message{}, &MessageError{Name: name, Reason: fmt.Sprintf("attribute %q: %v", attrName, err)}
		}
		for _, a := range m.Attrs {
			if strings.EqualFold(a.Name, attrName) {
				return Message{}, &MessageError{Name: name, Reason: fmt.Sprintf("attribute %q appears twice (names are case-insensitive)", attrName)}
			}
		}
		value, err := decodeValue(raw)
		if err != nil {
			return Message{}, &MessageError{Name: name, Reason: fmt.Sprintf("attribute %q: value is not base64: %v", attrName, err)}
		}
		m.Attrs = append(m.Attrs, Attr{Name: attrName, Value: value})
	}
}

// decodeValue decodes base64 the way .NET's Convert.FromBase64String does (whitespace
// ignored) and UTF-8 the way Encoding.UTF8.GetString does (invalid bytes become U+FFFD).
func decodeValue(raw string) (string, error) {
	if strings.ContainsAny(raw, " \t") {
		raw = strings.NewReplacer(" ", "", "\t", "").Replace(raw)
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	return string(b), nil
}

func truncate(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit], "") + "…"
}

// xmlScanner reads the small subset of XML a service message uses.
type xmlScanner struct {
	s string
	i int
}

func (x *xmlScanner) done() bool { return x.i >= len(x.s) }

func (x *xmlScanner) take(c byte) bool {
	if x.i < len(x.s) && x.s[x.i] == c {
		x.i++
		return true
	}
	return false
}

// space skips XML whitespace (line endings are already gone) and reports whether there was any.
func (x *xmlScanner) space() bool {
	start := x.i
	for x.i < len(x.s) && (x.s[x.i] == ' ' || x.s[x.i] == '\t') {
		x.i++
	}
	return x.i > start
}

func (x *xmlScanner) name() string {
	start := x.i
	for x.i < len(x.s) {
		r, n := utf8.DecodeRuneInString(x.s[x.i:])
		if !nameRune(r, x.i == start) {
			break
		}
		x.i += n
	}
	return x.s[start:x.i]
}

// quoted reads a quoted attribute value and resolves entity and character references.
func (x *xmlScanner) quoted() (string, error) {
	if x.i >= len(x.s) || (x.s[x.i] != '\'' && x.s[x.i] != '"') {
		return "", fmt.Errorf("expected a quoted value at byte %d", x.i)
	}
	q := x.s[x.i]
	x.i++
	start := x.i
	end := strings.IndexByte(x.s[start:], q)
	if end < 0 {
		return "", fmt.Errorf("value starting at byte %d has no closing quote", start)
	}
	x.i = start + end + 1
	v := x.s[start : start+end]
	if strings.IndexByte(v, '<') >= 0 {
		return "", errors.New("'<' is not allowed in an XML attribute value")
	}
	if strings.IndexByte(v, '&') < 0 {
		return v, nil
	}
	return unescapeXML(v)
}

func unescapeXML(v string) (string, error) {
	var b strings.Builder
	for {
		k := strings.IndexByte(v, '&')
		if k < 0 {
			b.WriteString(v)
			return b.String(), nil
		}
		b.WriteString(v[:k])
		v = v[k+1:]
		semi := strings.IndexByte(v, ';')
		if semi < 0 {
			return "", errors.New("'&' does not start an entity or character reference")
		}
		ref := v[:semi]
		v = v[semi+1:]
		switch ref {
		case "amp":
			b.WriteByte('&')
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				return "", fmt.Errorf("unknown reference &%s;", truncate(ref))
			}
			b.WriteRune(r)
		}
	}
}

func charRef(ref string) (rune, bool) {
	if !strings.HasPrefix(ref, "#") || len(ref) < 2 {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, false
	}
	r := rune(n)
	// XML Char production.
	if r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF) {
		return r, true
	}
	return 0, false
}

// Scan reads r to its end and calls fn for every service message in it, as Octopus would
// read them from a step's standard output (see [Parser]). Malformed messages, and a message
// left open at the end, are skipped as Octopus skips them; use a [Parser] to see why. Scan
// stops at the first error from fn or from r and returns it.
func Scan(r io.Reader, fn func(Message) error) error {
	var p Parser
	buf := make([]byte, 32<<10)
	var ferr error
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.feed(string(buf[:n]), func(m Message, perr error) bool {
				if perr != nil {
					return true
				}
				ferr = fn(m)
				return ferr == nil
			})
			if ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("octoenv: reading service messages: %w", err)
		}
	}
}
