package reporttest

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The TeamCity side, written from JetBrains' documentation "Service
// Messages" (JetBrains/teamcity-documentation topics/service-messages.md)
// and JetBrains/TeamCity.ServiceMessages (ServiceMessageReplacements.cs),
// independently of the code under test:
//
//	##teamcity[messageName 'value']
//	##teamcity[messageName WSP name OWSP = OWSP 'value' (WSP name OWSP = OWSP 'value')* OWSP]
//
// with WSP a space or tab, and values escaped with "|": |' |n |r || |[ |]
// and |0xNNNN (a UTF-16 code unit), plus |x |l |p for U+0085, U+2028 and
// U+2029.

// teamCityOpen starts every service message.
const teamCityOpen = "##teamcity["

var (
	teamCityMessageName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	teamCityJavaID      = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)
)

// TeamCityMessage is a service message as TeamCity reads it.
type TeamCityMessage struct {
	// Name is the message's name, such as "setParameter".
	Name string
	// Value is the single-attribute form's value, unescaped; "" in the
	// multiple-attribute form.
	Value string
	// Attrs holds the multiple-attribute form's attributes, unescaped; nil
	// in the single-attribute form.
	Attrs map[string]string
}

// TeamCityIdentifier reports whether s is a Java identifier in ASCII, as
// TeamCity requires of an attribute's name and of a buildProblem's identity.
func TeamCityIdentifier(s string) bool { return teamCityJavaID.MatchString(s) }

// ParseTeamCityMessage reads line, one whole line, as a service message,
// strictly as the documentation describes it. It also refuses what the
// documentation leaves out: a second "##teamcity[" on the line, an unescaped
// "[" or "]" in a value, a repeated attribute, and a character outside
// printable ASCII anywhere (every other character must come as |0xNNNN).
func ParseTeamCityMessage(line string) (TeamCityMessage, error) {
	if !strings.HasPrefix(line, teamCityOpen) || !strings.HasSuffix(line, "]") {
		return TeamCityMessage{}, fmt.Errorf("%q is not a service message: it must start with %q and end with ']'", line, teamCityOpen)
	}
	if n := strings.Count(line, teamCityOpen); n != 1 {
		return TeamCityMessage{}, fmt.Errorf("%d service message openings on one line, want 1", n)
	}
	for i := range len(line) {
		if c := line[i]; (c < 0x20 && c != '\t') || c >= 0x7f {
			return TeamCityMessage{}, fmt.Errorf("byte %#x at %d is not printable ASCII: escape it as |0xNNNN", c, i)
		}
	}
	p := &teamCityParser{s: line[len(teamCityOpen) : len(line)-1]}
	m := TeamCityMessage{Name: p.until(" \t")}
	if !teamCityMessageName.MatchString(m.Name) {
		return m, fmt.Errorf("message name %q: want a letter, then letters, digits and '-'", m.Name)
	}
	if p.spaces() == 0 {
		return m, errors.New("no whitespace after the message name")
	}
	if p.peek() == '\'' {
		v, err := p.quoted()
		if err != nil {
			return m, err
		}
		m.Value = v
		p.spaces()
		if !p.done() {
			return m, fmt.Errorf("text after the value: %q", p.s[p.i:])
		}
		return m, nil
	}
	m.Attrs = map[string]string{}
	for {
		name := p.until(" \t=")
		if !TeamCityIdentifier(name) {
			return m, fmt.Errorf("attribute name %q is not a Java identifier", name)
		}
		p.spaces()
		if p.next() != '=' {
			return m, fmt.Errorf("no = after %s", name)
		}
		p.spaces()
		v, err := p.quoted()
		if err != nil {
			return m, fmt.Errorf("%s: %w", name, err)
		}
		if _, dup := m.Attrs[name]; dup {
			return m, fmt.Errorf("attribute %s twice", name)
		}
		m.Attrs[name] = v
		if p.spaces() == 0 || p.done() {
			if !p.done() {
				return m, fmt.Errorf("no whitespace before %q", p.s[p.i:])
			}
			return m, nil
		}
	}
}

// TeamCityMessages returns every service message in log, what a step wrote
// to its standard output, strictly: the documentation asks for one message
// a line, so every line (split at "\n", a "\r" before it dropped) that holds
// "##teamcity[" must be one whole message that [ParseTeamCityMessage]
// takes. Lines without one are passed over.
func TeamCityMessages(log string) ([]TeamCityMessage, error) {
	var msgs []TeamCityMessage
	for i, line := range strings.Split(log, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if !strings.Contains(line, teamCityOpen) {
			continue
		}
		m, err := ParseTeamCityMessage(line)
		if err != nil {
			return msgs, fmt.Errorf("line %d: %w", i+1, err)
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// teamCityFind returns the text of the service messages TeamCity finds in a
// line, leniently (jetbrains.buildServer.messages.serviceMessages
// .ServiceMessage: String.indexOf of "##teamcity[", ordinal as Java's is,
// then the message runs to a ']').
func teamCityFind(line string) []string {
	var found []string
	for {
		i := strings.Index(line, teamCityOpen)
		if i < 0 {
			return found
		}
		line = line[i+len(teamCityOpen):]
		if j := strings.IndexByte(line, ']'); j >= 0 {
			found = append(found, line[:j])
		}
	}
}

type teamCityParser struct {
	s string
	i int
}

func (p *teamCityParser) done() bool { return p.i >= len(p.s) }

func (p *teamCityParser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}

func (p *teamCityParser) next() byte {
	c := p.peek()
	p.i++
	return c
}

func (p *teamCityParser) spaces() int {
	n := 0
	for c := p.peek(); c == ' ' || c == '\t'; c = p.peek() {
		p.i++
		n++
	}
	return n
}

func (p *teamCityParser) until(stop string) string {
	start := p.i
	for !p.done() && !strings.ContainsRune(stop, rune(p.s[p.i])) {
		p.i++
	}
	return p.s[start:p.i]
}

// quoted reads '…' and unescapes it.
func (p *teamCityParser) quoted() (string, error) {
	if p.next() != '\'' {
		return "", errors.New("a value must start with '")
	}
	var units []uint16
	for {
		if p.done() {
			return "", errors.New("unterminated value: end it with '")
		}
		c := p.next()
		switch c {
		case '\'':
			return decodeUTF16Strict(units)
		case '[', ']':
			return "", fmt.Errorf("unescaped %c in a value: write |%c", c, c)
		case '|':
			u, err := p.escape()
			if err != nil {
				return "", err
			}
			units = append(units, u)
		default:
			units = append(units, uint16(c))
		}
	}
}

// escape reads what follows a '|' and returns the UTF-16 code unit it
// stands for.
func (p *teamCityParser) escape() (uint16, error) {
	switch e := p.next(); e {
	case '\'', '|', '[', ']':
		return uint16(e), nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 'x':
		return 0x0085, nil
	case 'l':
		return 0x2028, nil
	case 'p':
		return 0x2029, nil
	case '0':
		if p.next() != 'x' || p.i+4 > len(p.s) {
			return 0, errors.New("|0 not followed by xNNNN")
		}
		u, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 16)
		if err != nil {
			return 0, fmt.Errorf("|0x%s: %w", p.s[p.i:p.i+4], err)
		}
		p.i += 4
		return uint16(u), nil
	default:
		return 0, fmt.Errorf("unknown escape |%c", e)
	}
}

// decodeUTF16Strict refuses an unpaired surrogate.
func decodeUTF16Strict(units []uint16) (string, error) {
	for i := 0; i < len(units); i++ {
		switch u := units[i]; {
		case u >= 0xd800 && u < 0xdc00:
			if i+1 >= len(units) || units[i+1] < 0xdc00 || units[i+1] >= 0xe000 {
				return "", fmt.Errorf("unpaired high surrogate %#x", u)
			}
			i++
		case u >= 0xdc00 && u < 0xe000:
			return "", fmt.Errorf("unpaired low surrogate %#x", u)
		}
	}
	return string(utf16.Decode(units)), nil
}
