package octoenv

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestWriterHelpers(t *testing.T) {
	t.Parallel()
	abs, err := filepath.Abs("report.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		write   func(*Writer) error
		want    Message
		wantErr bool
	}{
		{"set variable", func(w *Writer) error { return w.SetVariable("A", "1", false) },
			Message{Name: "setVariable", Attrs: []Attr{{"name", "A"}, {"value", "1"}}}, false},
		{"sensitive variable", func(w *Writer) error { return w.SetVariable("A", "s3cret", true) },
			Message{Name: "setVariable", Attrs: []Attr{{"name", "A"}, {"value", "s3cret"}, {"sensitive", "True"}}}, false},
		{"empty variable name", func(w *Writer) error { return w.SetVariable(" ", "1", false) }, Message{}, true},
		{"artifact", func(w *Writer) error { return w.CreateArtifact(abs, "", 42) },
			Message{Name: "createArtifact", Attrs: []Attr{{"path", abs}, {"name", "report.txt"}, {"length", "42"}}}, false},
		{"relative artifact", func(w *Writer) error { return w.CreateArtifact("report.txt", "r", 1) }, Message{}, true},
		{"negative length", func(w *Writer) error { return w.CreateArtifact(abs, "r", -1) }, Message{}, true},
		{"result", func(w *Writer) error { return w.ResultMessage("failed: x") },
			Message{Name: "resultMessage", Attrs: []Attr{{"message", "failed: x"}}}, false},
		{"progress", func(w *Writer) error { return w.Progress(100, "done") },
			Message{Name: "progress", Attrs: []Attr{{"percentage", "100"}, {"message", "done"}}}, false},
		{"progress too high", func(w *Writer) error { return w.Progress(101, "") }, Message{}, true},
		{"progress negative", func(w *Writer) error { return w.Progress(-1, "") }, Message{}, true},
		{"mask", func(w *Writer) error { return w.Mask("hunter2") },
			Message{Name: "mask", Attrs: []Attr{{"value", "hunter2"}}}, false},
		{"empty mask", func(w *Writer) error { return w.Mask("") }, Message{}, true},
		{"level", func(w *Writer) error { return w.SwitchLevel(LevelStderrProgress) }, Message{Name: "stderr-progress"}, false},
		{"bad level", func(w *Writer) error { return w.SwitchLevel("stdout-loud") }, Message{}, true},
		{"invalid utf8", func(w *Writer) error { return w.SetVariable("A", "\xff", false) }, Message{}, true},
		{"bad name", func(w *Writer) error { return w.Write(Message{Name: "a b"}) }, Message{}, true},
		{"duplicate attr", func(w *Writer) error {
			return w.Write(Message{Name: "a", Attrs: []Attr{{"x", ""}, {"X", ""}}})
		}, Message{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			err := tt.write(NewWriter(&buf))
			if tt.wantErr {
				var me *MessageError
				if !errors.As(err, &me) {
					t.Fatalf("error = %v, want *MessageError", err)
				}
				if buf.Len() != 0 {
					t.Errorf("wrote %q despite the error", buf.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			line := buf.String()
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
				t.Fatalf("output %q is not exactly one line", line)
			}
			got, ok, err := ParseLine(line)
			if err != nil || !ok || !got.Equal(tt.want) {
				t.Errorf("wrote %q, parsed %+v ok=%v err=%v, want %+v", line, got, ok, err, tt.want)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriterError(t *testing.T) {
	t.Parallel()
	err := NewWriter(failWriter{}).ResultMessage("x")
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("error = %v, want io.ErrClosedPipe wrapped", err)
	}
}

// countingWriter records each Write call so the test can check no message was split.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func TestWriterConcurrent(t *testing.T) {
	t.Parallel()
	var cw countingWriter
	w := NewWriter(&cw)
	var wg sync.WaitGroup
	const n = 50
	for i := range n {
		wg.Go(func() {
			if err := w.SetVariable("V", strings.Repeat("x", i*100), false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(cw.writes) != n {
		t.Fatalf("%d writes, want %d", len(cw.writes), n)
	}
	for _, l := range cw.writes {
		if _, ok, err := ParseLine(l); !ok || err != nil {
			t.Errorf("write %q is not one whole message: %v", l, err)
		}
	}
}

// TestWriterSurvivesPartialMatch: other output that ends in a partial
// "##octopus" (here a lone '#') must not swallow the next message, as it
// would in Calamari's parser, whose state carries across lines.
func TestWriterSurvivesPartialMatch(t *testing.T) {
	t.Parallel()
	for _, before := range []string{"costs #", "costs #\n", "##octopu", "x##\r\n", "#"} {
		var out strings.Builder
		out.WriteString(before)
		if err := NewWriter(&out).SetVariable("Name", "value", false); err != nil {
			t.Fatal(err)
		}
		var p Parser
		msgs, errs := p.Feed(out.String())
		if len(msgs) != 1 || len(errs) != 0 || msgs[0].Name != MessageSetVariable {
			t.Errorf("after %q: messages %v, errors %v; want the setVariable", before, msgs, errs)
		}
	}
}
