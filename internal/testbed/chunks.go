package testbed

import (
	"bytes"
	"io"
	"strings"
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
