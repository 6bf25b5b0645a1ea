package octoenv

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

func TestParseLine(t *testing.T) {
	t.Parallel()
	paul := Message{Name: "foo", Attrs: []Attr{{"name", "Paul"}}}
	tests := []struct {
		name    string
		line    string
		want    Message
		wantOK  bool
		wantErr bool
		unterm  bool
	}{
		{name: "plain text", line: "Hello world!"},
		{name: "empty", line: ""},
		{name: "bare message", line: "##octopus[foo]", want: Message{Name: "foo"}, wantOK: true},
		{name: "text after", line: "##octopus[foo] Hello\r\n", want: Message{Name: "foo"}, wantOK: true},
		{name: "text before", line: "step says ##octopus[foo name='UGF1bA==']", want: paul, wantOK: true},
		{name: "double quotes", line: `##octopus[foo name="UGF1bA=="]`, want: paul, wantOK: true},
		{name: "spaces around =", line: "##octopus[foo name = 'UGF1bA==' ]", want: paul, wantOK: true},
		{name: "tab separator", line: "##octopus[foo\tname='UGF1bA==']", want: paul, wantOK: true},
		{name: "space before bracket", line: "##octopus [foo name='UGF1bA==']", want: paul, wantOK: true},
		{name: "extra brackets", line: "##octopus[[[foo name='UGF1bA==']", want: paul, wantOK: true},
		{name: "whitespace inside base64", line: "##octopus[foo name='UGF1 bA==']", want: paul, wantOK: true},
		{name: "character reference", line: "##octopus[foo name='&#85;GF1bA==']", want: paul, wantOK: true},
		{name: "attribute case kept", line: "##octopus[foo NAME='UGF1bA==']", want: Message{Name: "foo", Attrs: []Attr{{"NAME", "Paul"}}}, wantOK: true},
		{name: "crlf in value", line: "##octopus[foo value='dGhpcyBpcyBhIHZlcnkNCg0KdmVyeSBsb25nIGxvbmcgbGluZQ==']", want: Message{Name: "foo", Attrs: []Attr{{"value", "this is a very\r\n\r\nvery long long line"}}}, wantOK: true},
		{name: "invalid utf8 replaced", line: "##octopus[foo v='/w==']", want: Message{Name: "foo", Attrs: []Attr{{"v", "\uFFFD"}}}, wantOK: true},
		{name: "first of two", line: "##octopus[a] ##octopus[b]", want: Message{Name: "a"}, wantOK: true},
		// Calamari drops the character that breaks a partial match, so a third '#' hides the message.
		{name: "three hashes", line: "###octopus[foo]"},
		{name: "hash then message", line: "#x##octopus[foo]", want: Message{Name: "foo"}, wantOK: true},
		{name: "prefix only", line: "##octopu"},
		{name: "unterminated", line: "##octopus[foo name='UGF1bA==", unterm: true},
		{name: "not base64", line: "##octopus[foo name='Pa!l']", wantErr: true},
		{name: "bad padding", line: "##octopus[foo name='UGF1bA=']", wantErr: true},
		{name: "unquoted", line: "##octopus[foo name=UGF1bA==]", wantErr: true},
		{name: "no equals", line: "##octopus[foo name]", wantErr: true},
		{name: "missing separator", line: "##octopus[foo a='' b='']", want: Message{Name: "foo", Attrs: []Attr{{"a", ""}, {"b", ""}}}, wantOK: true},
		{name: "attributes glued", line: "##octopus[foo a=''b='']", wantErr: true},
		{name: "duplicate attribute", line: "##octopus[foo a='' A='']", wantErr: true},
		{name: "empty name", line: "##octopus[]", wantErr: true},
		{name: "name starts with digit", line: "##octopus[1foo]", wantErr: true},
		{name: "self closing", line: "##octopus[foo/]", wantErr: true},
		{name: "lt in value", line: "##octopus[foo a='<']", wantErr: true},
		{name: "bad entity", line: "##octopus[foo a='&bogus;']", wantErr: true},
		{name: "bare ampersand", line: "##octopus[foo a='&']", wantErr: true},
		{name: "unclosed quote", line: "##octopus[foo a='abc]", wantErr: true},
		{name: "colon name", line: "##octopus[a:foo]", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok, err := ParseLine(tt.line)
			switch {
			case tt.unterm:
				if !errors.Is(err, ErrUnterminated) {
					t.Fatalf("ParseLine(%q) error = %v, want ErrUnterminated", tt.line, err)
				}
			case tt.wantErr:
				var me *MessageError
				if !errors.As(err, &me) {
					t.Fatalf("ParseLine(%q) error = %v, want *MessageError", tt.line, err)
				}
			case err != nil:
				t.Fatalf("ParseLine(%q) unexpected error: %v", tt.line, err)
			}
			if ok != tt.wantOK {
				t.Fatalf("ParseLine(%q) ok = %v, want %v", tt.line, ok, tt.wantOK)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseLine(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestParserMultiLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines []string
		want  []Message
		errs  int
		open  bool
	}{
		{
			name:  "split inside attribute",
			lines: []string{"Hello world!", "##octopus[foo name", "='UGF1bA==' value='VGhpcyBzZ", "W50ZW5jZSBpcyBmYWx", "", "zZQ=='] Hello"},
			want:  []Message{{Name: "foo", Attrs: []Attr{{"name", "Paul"}, {"value", "This sentence is false"}}}},
		},
		{
			name:  "split inside prefix",
			lines: []string{"##oct", "opus[foo]"},
			want:  []Message{{Name: "foo"}},
		},
		{
			name:  "several per line",
			lines: []string{"##octopus[Burt] Hello ##octopus[Ernie]", "text", "##octopus[Bert]"},
			want:  []Message{{Name: "Burt"}, {Name: "Ernie"}, {Name: "Bert"}},
		},
		{
			// Lines are joined without a separator, so attributes on separate lines collide.
			name:  "attributes on separate lines",
			lines: []string{"##octopus[foo a=''", "b='']"},
			errs:  1,
		},
		{
			name:  "malformed then good",
			lines: []string{"##octopus[foo a=bad]", "##octopus[bar]"},
			want:  []Message{{Name: "bar"}},
			errs:  1,
		},
		{
			name:  "left open",
			lines: []string{"##octopus[foo a='UGF1bA=="},
			open:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var p Parser
			var got []Message
			var errs []error
			for _, l := range tt.lines {
				m, e := p.Feed(l)
				got = append(got, m...)
				errs = append(errs, e...)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d messages %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Errorf("message %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			if len(errs) != tt.errs {
				t.Errorf("got errors %v, want %d", errs, tt.errs)
			}
			if p.Pending() != tt.open {
				t.Errorf("Pending() = %v, want %v", p.Pending(), tt.open)
			}
			if err := p.Close(); (err != nil) != tt.open {
				t.Errorf("Close() = %v, want error %v", err, tt.open)
			}
		})
	}
}

func TestParserTooLong(t *testing.T) {
	t.Parallel()
	var p Parser
	chunk := strings.Repeat("A", 1<<20)
	p.Feed("##octopus[foo v='")
	for i := 0; i <= MaxMessageBytes>>20; i++ {
		p.Feed(chunk)
	}
	msgs, errs := p.Feed("']")
	if len(msgs) != 0 || len(errs) != 1 {
		t.Fatalf("got %d messages and errors %v, want one error", len(msgs), errs)
	}
	if len(p.buf) != 0 {
		t.Errorf("buffer not released: %d bytes", len(p.buf))
	}
}

func TestScan(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := NewWriter(&out)
	out.WriteString("pulumi says hi\n")
	if err := w.SetVariable("Url", "https://x\n]'\"", false); err != nil {
		t.Fatal(err)
	}
	out.WriteString("##octopus[broken a=b]\n")
	if err := w.Progress(50, "half"); err != nil {
		t.Fatal(err)
	}
	var got []Message
	// One byte at a time exercises every split point.
	err := Scan(iotest.OneByteReader(bytes.NewReader(out.Bytes())), func(m Message) error {
		got = append(got, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != MessageSetVariable || got[1].Name != MessageProgress {
		t.Fatalf("Scan got %+v", got)
	}
	if v, _ := got[0].Get("VALUE"); v != "https://x\n]'\"" {
		t.Errorf("value = %q", v)
	}

	stop := errors.New("stop")
	if err := Scan(strings.NewReader(out.String()), func(Message) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Scan callback error = %v, want stop", err)
	}
	boom := errors.New("boom")
	if err := Scan(iotest.ErrReader(boom), func(Message) error { return nil }); !errors.Is(err, boom) {
		t.Errorf("Scan read error = %v, want boom", err)
	}
}

// FuzzMessageRoundTrip checks ParseLine(m.String()) == m for every valid message, and that
// the parser never panics on arbitrary input.
func FuzzMessageRoundTrip(f *testing.F) {
	f.Add("setVariable", "name", "Url", "value", "https://example.com/a?b=c\n]'\"")
	f.Add("stdout-verbose", "", "", "", "")
	f.Add("createArtifact", "path", "/tmp/a b/ü.txt", "length", "0")
	f.Add("x", "value", strings.Repeat("]", 100), "VALUE", "")
	f.Add("##octopus[", "a", "\x00\xff", "b", "##octopus[foo]")
	f.Fuzz(func(t *testing.T, name, k1, v1, k2, v2 string) {
		m := Message{Name: name}
		if k1 != "" {
			m.Attrs = append(m.Attrs, Attr{k1, v1})
		}
		if k2 != "" {
			m.Attrs = append(m.Attrs, Attr{k2, v2})
		}
		// The parser must cope with whatever the fields hold, as raw text too.
		ParseLine(name + k1 + v1 + k2 + v2)
		var p Parser
		p.Feed(v1)
		p.Feed(v2)
		_ = p.Close()

		line := m.String()
		if m.Validate() != nil {
			return
		}
		if strings.ContainsAny(line, "\r\n") || !utf8.ValidString(line) {
			t.Fatalf("line %q has a line ending or invalid UTF-8", line)
		}
		got, ok, err := ParseLine(line)
		if err != nil || !ok {
			t.Fatalf("ParseLine(%q) ok=%v err=%v", line, ok, err)
		}
		if !got.Equal(m) {
			t.Fatalf("round trip of %q: got %+v, want %+v", line, got, m)
		}
	})
}
