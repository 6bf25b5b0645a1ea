package runner

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/octopulumi/octopulumi/internal/redact"
)

// The runner's own work on a large update, without pulumi: the engine
// events and the human log of a recorded `pulumi up` of 300 unchanged
// localfile:File resources with 300 stack outputs (testdata/events).

func readGzip(tb testing.TB, path string) []byte {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// benchRedactor holds the secrets a step usually has: a passphrase, an
// access token, a JWT, a cloud key.
func benchRedactor() *redact.Redactor {
	return redact.New("correct-horse-battery-staple-testbed", "pul-0123456789abcdef0123456789abcdef01234567",
		"an-oidc-jwt.eyJhbGciOiJSUzI1NiJ9.signature", "aws-secret-access-key/0123456789ABCDEF")
}

// BenchmarkReplayEvents parses the recorded events into a Result, as
// Runner.Up does.
func BenchmarkReplayEvents(b *testing.B) {
	raw := readGzip(b, "testdata/events/many300-up.jsonl.gz")
	red := benchRedactor()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		res := &Result{}
		c := newCollector(res, 0, func(Progress) {}, red.String)
		if err := readEvents(bytes.NewReader(raw), c.event); err != nil {
			b.Fatal(err)
		}
		if !c.summary || len(res.Outputs) != 300 || len(res.Steps) != 302 {
			b.Fatalf("summary %v, %d outputs, %d steps", c.summary, len(res.Outputs), len(res.Steps))
		}
	}
}

// BenchmarkReplayLog passes the recorded human log through the writers
// Runner.run puts on pulumi's stdout (redactor, control filter, line
// filter), in the pipe-sized writes it arrives in.
func BenchmarkReplayLog(b *testing.B) {
	raw := readGzip(b, "testdata/events/many300-up.stdout.gz")
	red := benchRedactor()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		lf := &lineFilter{w: &lockedWriter{w: io.Discard}, keep: func(line []byte) bool { return permalink(line) == "" || true }}
		w := red.Writer(&controlWriter{w: lf})
		for p := raw; len(p) > 0; {
			n := min(len(p), 4096)
			if _, err := w.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := lf.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
