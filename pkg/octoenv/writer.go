package octoenv

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Writer writes service messages, one per line. It is safe for concurrent use: each message
// reaches the underlying writer in a single Write call.
//
// Each line starts with a space. Calamari's parser keeps its state across lines, and a
// partial match left by other output ("…#" at the end of a line, or "##octopu") would
// swallow the first characters of the next "##octopus": the space ends any partial match, so
// the message is read whatever text came before it.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter returns a Writer that writes to w, usually os.Stdout (Octopus reads service
// messages from standard output only).
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write validates m and writes it as one line.
func (w *Writer) Write(m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	line := " " + m.String() + "\n"
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.w, line); err != nil {
		return fmt.Errorf("octoenv: writing service message %q: %w", m.Name, err)
	}
	return nil
}

// SetVariable publishes an output variable. Later steps read it as
// #{Octopus.Action[<Step>].Output.<name>}. A sensitive one is masked in the task log and
// treated as sensitive by Octopus.
func (w *Writer) SetVariable(name, value string, sensitive bool) error {
	if strings.TrimSpace(name) == "" {
		return &MessageError{Name: MessageSetVariable, Reason: "variable name is empty; Octopus ignores such a message"}
	}
	m := Message{Name: MessageSetVariable, Attrs: []Attr{{"name", name}, {"value", value}}}
	if sensitive {
		m.Attrs = append(m.Attrs, Attr{"sensitive", sensitiveTrue})
	}
	return w.Write(m)
}

// CreateArtifact asks Octopus to collect the file at path (absolute) as an artifact called
// name (the file's base name when empty) once the step ends; the file must still exist then.
// length is the file size in bytes.
func (w *Writer) CreateArtifact(path, name string, length int64) error {
	if !filepath.IsAbs(path) {
		return &MessageError{Name: MessageCreateArtifact, Reason: fmt.Sprintf("path %q is not absolute; Octopus resolves artifacts after the step, so pass an absolute path", path)}
	}
	if length < 0 {
		return &MessageError{Name: MessageCreateArtifact, Reason: fmt.Sprintf("length %d is negative", length)}
	}
	if name == "" {
		name = filepath.Base(path)
	}
	return w.Write(Message{Name: MessageCreateArtifact, Attrs: []Attr{
		{"path", path}, {"name", name}, {"length", strconv.FormatInt(length, 10)},
	}})
}

// ResultMessage sets the message Octopus shows as the step's result; exit non-zero after it
// to fail the step with that message.
func (w *Writer) ResultMessage(msg string) error {
	return w.Write(Message{Name: MessageResultMessage, Attrs: []Attr{{"message", msg}}})
}

// Progress reports progress from 0 to 100 percent with a short message.
func (w *Writer) Progress(percentage int, msg string) error {
	if percentage < 0 || percentage > 100 {
		return &MessageError{Name: MessageProgress, Reason: fmt.Sprintf("percentage %d is outside 0..100", percentage)}
	}
	return w.Write(Message{Name: MessageProgress, Attrs: []Attr{
		{"percentage", strconv.Itoa(percentage)}, {"message", msg},
	}})
}

// Mask asks Octopus to mask value wherever it appears in the task log from now on.
func (w *Writer) Mask(value string) error {
	if value == "" {
		return &MessageError{Name: MessageMask, Reason: "value to mask is empty"}
	}
	return w.Write(Message{Name: MessageMask, Attrs: []Attr{{"value", value}}})
}

// SwitchLevel changes how Octopus logs the lines that follow.
func (w *Writer) SwitchLevel(l Level) error {
	if !l.Valid() {
		return &MessageError{Name: string(l), Reason: "not a level switch (use one of the Level constants)"}
	}
	return w.Write(Message{Name: string(l)})
}

// Highlight writes text as highlighted lines (between stdout-highlight and stdout-default
// switches), which Octopus shows on the task's summary as well as in its log. The text is
// defused ([DefuseString]): it cannot carry a service message. Redact it first: it goes to
// standard output as given.
func (w *Writer) Highlight(text string) error {
	var b strings.Builder
	b.WriteString(" " + Message{Name: string(LevelStdoutHighlight)}.String() + "\n")
	for _, line := range strings.Split(strings.TrimRight(DefuseString(text), "\n"), "\n") {
		b.WriteString(strings.TrimRight(line, "\r") + "\n")
	}
	b.WriteString(" " + Message{Name: string(LevelStdoutDefault)}.String() + "\n")
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.w, b.String()); err != nil {
		return fmt.Errorf("octoenv: writing highlighted text: %w", err)
	}
	return nil
}
