package testbed

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
)

// CheckChunkedWrites writes in through the writer newWriter makes over a
// buffer, split in two at every position and then one byte at a time, so
// that whatever the writer matches crosses a write's border at every point,
// and checks that every Write takes all it is given and that the buffer
// ends up holding want.
func CheckChunkedWrites(tb testing.TB, newWriter func(io.Writer) io.Writer, in, want string) {
	tb.Helper()
	var writes [][]string
	for i := 0; i <= len(in); i++ {
		writes = append(writes, []string{in[:i], in[i:]})
	}
	writes = append(writes, strings.Split(in, ""))
	for _, chunks := range writes {
		var out bytes.Buffer
		w := newWriter(&out)
		for _, c := range chunks {
			if n, err := w.Write([]byte(c)); n != len(c) || err != nil {
				tb.Fatalf("Write(%q) = %d, %v", c, n, err)
			}
		}
		if out.String() != want {
			tb.Errorf("writes %q: got %q, want %q", chunks, out.String(), want)
		}
	}
}

// CheckConcurrentWrites writes 64 lines (line(i)) at once through the
// writer newWriter makes, and checks that each Write takes all it is given,
// reaches the underlying writer in one Write of its own, and comes out as
// defused says it must.
func CheckConcurrentWrites(tb testing.TB, newWriter func(io.Writer) io.Writer, line func(i int) string, defused func(string) bool) {
	tb.Helper()
	var rec recorder
	w := newWriter(&rec)
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			l := line(i)
			if k, err := w.Write([]byte(l)); k != len(l) || err != nil {
				tb.Errorf("Write = %d, %v", k, err)
			}
		})
	}
	wg.Wait()
	if len(rec.writes) != n {
		tb.Fatalf("%d writes reached the writer, want %d", len(rec.writes), n)
	}
	for _, l := range rec.writes {
		if !defused(l) {
			tb.Errorf("write %q is not defused, or not whole", l)
		}
	}
}

// recorder records each Write.
type recorder struct {
	mu     sync.Mutex
	writes []string
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(p))
	return len(p), nil
}
