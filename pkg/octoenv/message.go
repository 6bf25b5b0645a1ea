package octoenv

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attr is one attribute of a service message, with its decoded value.
type Attr struct {
	Name  string
	Value string
}

// Message is one Octopus service message, e.g. ##octopus[setVariable name='..' value='..'].
//
// Attrs keep their order. Two messages are equal when their names are equal and their
// attribute lists hold the same names and values in the same order (a nil list equals an
// empty one).
type Message struct {
	Name  string
	Attrs []Attr
}

// Level names a log level switch: a message without attributes that changes how Octopus
// logs the lines that follow it.
type Level string

// The level switches Octopus understands.
const (
	LevelStdoutDefault   Level = "stdout-default"
	LevelStdoutVerbose   Level = "stdout-verbose"
	LevelStdoutHighlight Level = "stdout-highlight"
	LevelStdoutWarning   Level = "stdout-warning"
	LevelStdoutError     Level = "stdout-error"
	LevelStderrDefault   Level = "stderr-default"
	LevelStderrError     Level = "stderr-error"
	LevelStderrProgress  Level = "stderr-progress"
)

// Valid reports whether l is one of the level switches Octopus understands.
func (l Level) Valid() bool {
	switch l {
	case LevelStdoutDefault, LevelStdoutVerbose, LevelStdoutHighlight, LevelStdoutWarning,
		LevelStdoutError, LevelStderrDefault, LevelStderrError, LevelStderrProgress:
		return true
	}
	return false
}

// Names of the service messages and attributes this package writes.
const (
	MessageSetVariable    = "setVariable"
	MessageCreateArtifact = "createArtifact"
	MessageResultMessage  = "resultMessage"
	MessageProgress       = "progress"
	MessageMask           = "mask"
)

// sensitiveTrue is what Octopus compares the decoded sensitive attribute with.
const sensitiveTrue = "True"

const prefix = "##octopus"

// String returns the message as one line, without a line ending:
// ##octopus[<name> attr='<base64 of UTF-8>' …]. It does not validate m; use
// [Message.Validate] (the [Writer] does) to make sure Octopus will read it back.
func (m Message) String() string {
	n := len(prefix) + 2 + len(m.Name)
	for _, a := range m.Attrs {
		n += len(a.Name) + 4 + base64.StdEncoding.EncodedLen(len(a.Value))
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(prefix)
	b.WriteByte('[')
	b.WriteString(m.Name)
	for _, a := range m.Attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name)
		b.WriteString("='")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(a.Value)))
		b.WriteByte('\'')
	}
	b.WriteByte(']')
	return b.String()
}

// Get returns the value of the attribute named attr, compared case-insensitively as
// Octopus does.
func (m Message) Get(attr string) (string, bool) {
	for _, a := range m.Attrs {
		if strings.EqualFold(a.Name, attr) {
			return a.Value, true
		}
	}
	return "", false
}

// Equal reports whether m and o have the same name and the same attributes in the same order.
func (m Message) Equal(o Message) bool {
	if m.Name != o.Name || len(m.Attrs) != len(o.Attrs) {
		return false
	}
	for i := range m.Attrs {
		if m.Attrs[i] != o.Attrs[i] {
			return false
		}
	}
	return true
}

// Validate reports why Octopus could not read m back, or nil: the name and the attribute
// names must be XML names without a colon (letters, digits, '.', '-', '_', not starting with
// a digit, '.' or '-'), attribute names must be unique ignoring case, and values must be
// valid UTF-8.
func (m Message) Validate() error {
	if !validName(m.Name) {
		return &MessageError{Name: m.Name, Reason: fmt.Sprintf("message name %q is not an XML name (use letters, digits, '.', '-', '_', starting with a letter or '_')", m.Name)}
	}
	for i, a := range m.Attrs {
		if !validName(a.Name) {
			return &MessageError{Name: m.Name, Reason: fmt.Sprintf("attribute name %q is not an XML name (use letters, digits, '.', '-', '_', starting with a letter or '_')", a.Name)}
		}
		for _, b := range m.Attrs[:i] {
			if strings.EqualFold(a.Name, b.Name) {
				return &MessageError{Name: m.Name, Reason: fmt.Sprintf("attribute %q appears twice (names are case-insensitive)", a.Name)}
			}
		}
		if !utf8.ValidString(a.Value) {
			return &MessageError{Name: m.Name, Reason: fmt.Sprintf("value of attribute %q is not valid UTF-8 (Octopus would replace the invalid bytes)", a.Name)}
		}
	}
	return nil
}

// MessageError says why a service message cannot be written or was not understood.
type MessageError struct {
	// Name is the message name, when known.
	Name string
	// Reason says what is wrong and, where it helps, how to fix it.
	Reason string
}

// Error describes the problem with the message.
func (e *MessageError) Error() string {
	if e.Name == "" {
		return "octoenv: service message: " + e.Reason
	}
	return fmt.Sprintf("octoenv: service message %q: %s", e.Name, e.Reason)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !nameRune(r, i == 0) {
			return false
		}
	}
	return true
}

// nameRune reports whether r may appear in a name, at its start when first is true.
func nameRune(r rune, first bool) bool {
	if r == '_' || (r != utf8.RuneError && unicode.IsLetter(r)) {
		return true
	}
	return !first && (r == '-' || r == '.' || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r))
}
