package redact

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestRedactorString(t *testing.T) {
	t.Parallel()
	const tok = "pul-0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"plain", []string{tok}, "token " + tok + " end", "token [secret] end"},
		{"twice", []string{tok}, tok + tok, "[secret]"},
		{"separated", []string{tok}, tok + " " + tok, "[secret] [secret]"},
		{"none", []string{tok}, "nothing here", "nothing here"},
		{"short ignored", []string{"abc", "", "  x  "}, "abc x", "abc x"},
		{"trimmed", []string{"hunter22\n"}, "pass=hunter22;", "pass=[secret];"},
		{"json escaped", []string{`pa"ss\word`}, `{"p":"pa\"ss\\word"}`, `{"p":"[secret]"}`},
		{"html escaped", []string{"a<b>&c"}, `"a\u003cb\u003e\u0026c"`, `"[secret]"`},
		{"query escaped", []string{"a b&c=d"}, "x?p=a+b%26c%3Dd", "x?p=[secret]"},
		{"overlap keeps no tail", []string{"abcdef", "xabc"}, "xabcdef!", "[secret]!"},
		// Only the characters that depend on the secret alone are matched.
		{"base64 alone", []string{"correct horse"}, base64.StdEncoding.EncodeToString([]byte("correct horse")), "[secret]Q=="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := New(tt.secrets...)
			if got := r.String(tt.in); got != tt.want {
				t.Fatalf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactorBase64AnyAlignment(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-passphrase"
	r := New(secret)
	for offset := range 3 {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			data := strings.Repeat("x", offset) + secret + "tail"
			encoded := enc.EncodeToString([]byte(data))
			got := r.String("attr='" + encoded + "'")
			if !strings.Contains(got, Placeholder) {
				t.Errorf("offset %d: %q not redacted in %q", offset, secret, got)
			}
			// No run of 8 characters of the secret's own encoding survives.
			core := base64Core(enc.WithPadding(base64.NoPadding), secret, offset)
			for i := 0; i+8 <= len(core); i++ {
				if strings.Contains(got, core[i:i+8]) {
					t.Errorf("offset %d: fragment %q of the encoded secret left in %q", offset, core[i:i+8], got)
				}
			}
		}
	}
}

func TestRedactorNilAndEmpty(t *testing.T) {
	t.Parallel()
	var r *Redactor
	if got := r.String("abcd"); got != "abcd" {
		t.Fatalf("nil String = %q", got)
	}
	r.Add("abcd") // must not panic
	var buf bytes.Buffer
	w := r.Writer(&buf)
	if _, err := io.WriteString(w, "hello abcd"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "hello abcd" {
		t.Fatalf("nil writer wrote %q", buf.String())
	}
	if n := New("", "ab").Len(); n != 0 {
		t.Fatalf("Len = %d, want 0", n)
	}
}

func TestRedactorError(t *testing.T) {
	t.Parallel()
	sentinel := errors.New("base")
	r := New("topsecret")
	err := r.Error(fmt.Errorf("login with topsecret: %w", sentinel))
	if strings.Contains(err.Error(), "topsecret") || !errors.Is(err, sentinel) {
		t.Fatalf("Error() = %v; Is(sentinel) = %v", err, errors.Is(err, sentinel))
	}
	clean := errors.New("clean")
	if r.Error(clean) != clean || r.Error(nil) != nil {
		t.Fatal("a clean error must be returned as is")
	}
}

// TestRedactWriterSplits writes inputs cut at every position and in random
// chunks; the output must equal the one-shot redaction.
func TestRedactWriterSplits(t *testing.T) {
	t.Parallel()
	secrets := []string{"pul-0123456789abcdef0123456789abcdef01234567", "eyJhbGciOi.payload.sig", "hunter22"}
	inputs := []string{
		"before pul-0123456789abcdef0123456789abcdef01234567 after\n",
		"hunter2 hunter22 hunte\nhunter22",
		"pul-pul-0123456789abcdef0123456789abcdef01234567pul-",
		`{"jwt":"eyJhbGciOi.payload.sig"}` + "\n",
		"no secrets at all, just text\n",
		"ends with a prefix pul-01234",
	}
	r := New(secrets...)
	for _, in := range inputs {
		want := r.String(in)
		for cut := 0; cut <= len(in); cut++ {
			var buf bytes.Buffer
			w := r.Writer(&buf)
			mustWrite(t, w, in[:cut])
			mustWrite(t, w, in[cut:])
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != want {
				t.Fatalf("cut %d of %q: got %q, want %q", cut, in, buf.String(), want)
			}
		}
		rng := rand.New(rand.NewPCG(1, uint64(len(in))))
		for range 50 {
			var buf bytes.Buffer
			w := r.Writer(&buf)
			for rest := in; rest != ""; {
				n := 1 + rng.IntN(len(rest))
				mustWrite(t, w, rest[:n])
				rest = rest[n:]
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != want {
				t.Fatalf("random chunks of %q: got %q, want %q", in, buf.String(), want)
			}
		}
	}
}

func mustWrite(t *testing.T, w io.Writer, s string) {
	t.Helper()
	n, err := io.WriteString(w, s)
	if err != nil || n != len(s) {
		t.Fatalf("Write(%q) = %d, %v", s, n, err)
	}
}

func TestRedactWriterPassesCleanTextAtOnce(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := New("pul-0123456789").Writer(&buf)
	mustWrite(t, w, "Updating (dev):\n")
	if buf.String() != "Updating (dev):\n" {
		t.Fatalf("clean text held back: %q", buf.String())
	}
	mustWrite(t, w, "token pul-01")
	if buf.String() != "Updating (dev):\ntoken " {
		t.Fatalf("got %q, want the possible secret prefix held back", buf.String())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "Updating (dev):\ntoken pul-01" {
		t.Fatalf("after Close got %q", buf.String())
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrWriterClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestRedactWriterAddAfterCreate(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := New()
	w := r.Writer(&buf)
	mustWrite(t, w, "a ")
	r.Add("late-secret")
	mustWrite(t, w, "late-secret b")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "a [secret] b" {
		t.Fatalf("got %q", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRedactWriterPropagatesErrors(t *testing.T) {
	t.Parallel()
	w := New("abcdef").Writer(failWriter{})
	if _, err := w.Write([]byte("hello\n")); err == nil {
		t.Fatal("want the underlying error")
	}
}

func TestRedactWriterConcurrent(t *testing.T) {
	t.Parallel()
	const secret = "concurrent-secret-value"
	r := New(secret)
	var buf bytes.Buffer
	w := r.Writer(&buf)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				// Whole lines per write, so lines do not interleave mid-secret.
				_, _ = fmt.Fprintf(w, "worker %d %s\n", i, secret)
				r.Add(fmt.Sprintf("extra-%d-secret", i))
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), secret) || strings.Count(buf.String(), Placeholder) != 800 {
		t.Fatalf("concurrent output not redacted: %d placeholders", strings.Count(buf.String(), Placeholder))
	}
}

func BenchmarkRedactWriter(b *testing.B) {
	r := New("pul-0123456789abcdef0123456789abcdef01234567", strings.Repeat("eyJ", 300), "passphrase-1")
	line := []byte("  + localfile:index:File  hello  created (0.01s)\n")
	w := r.Writer(io.Discard)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := w.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRedactorGoQuoted covers the forms providers print with %q and %+q:
// a secret with unusual characters appears escaped, not as given.
func TestRedactorGoQuoted(t *testing.T) {
	t.Parallel()
	secrets := []string{"nb\u00a0space-secret", "zero\u200bwidth-secret", "del\x7fchar-secret", "tab\tand\"quote", "ünïcödé-sécret", "a<b>&'c\"-secret"}
	r := New(secrets...)
	for _, s := range secrets {
		for _, form := range []string{fmt.Sprintf("%q", s), fmt.Sprintf("%+q", s), fmt.Sprintf("%#q", s), strconv.QuoteToGraphic(s), html.EscapeString(s)} {
			got := r.String("error: value " + form + " rejected")
			if strings.Contains(got, strings.Trim(form, "\"`")) {
				t.Errorf("secret %q in form %s was not redacted: %s", s, form, got)
			}
			if !strings.Contains(got, Placeholder) {
				t.Errorf("secret %q in form %s: no placeholder in %s", s, form, got)
			}
		}
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"s3://bucket?endpoint=http://k:s@h&region=x": "s3://bucket",
		"https://user:pass@api.example.com/x#frag":   "https://api.example.com/x",
		"file:///tmp/state":                          "file:///tmp/state",
		"://bad":                                     "(unparsable URL)",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkRedactString redacts a line that holds no secret, with the
// secrets a deploy step usually has (a stack output published as an
// Octopus variable is checked this way).
func BenchmarkRedactString(b *testing.B) {
	r := New("correct-horse-battery-staple", "pul-0123456789abcdef0123456789abcdef01234567",
		"an-oidc-jwt.eyJhbGciOiJSUzI1NiJ9.signature", "aws-secret-access-key/0123456789ABCDEF")
	line := "/tmp/TestDeploy1898036565/002/many-files/out/file042.txt"
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if r.String(line) != line {
			b.Fatal("changed")
		}
	}
}
