package octoenv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/internal/zwsp"
)

// z is what Defuse inserts, short for the tables.
const z = zwsp.Mark

var defuseCases = []struct {
	name, in, want string
}{
	{"plain text", "Updating (dev)\n  + aws:s3:Bucket created\n", "Updating (dev)\n  + aws:s3:Bucket created\n"},
	{"empty", "", ""},
	{"message", "##octopus[setVariable name='QQ==' value='MQ==']\n", "##octopu" + z + "s[setVariable name='QQ==' value='MQ==']\n"},
	{"inside a line", "echo ##octopus[resultMessage]", "echo ##octopu" + z + "s[resultMessage]"},
	{"three hashes", "###octopus[x]", "###octopu" + z + "s[x]"},
	{"many hashes", "#####octopus", "#####octopu" + z + "s"},
	{"hash breaks then starts", "##o#octopus ##octo##octopus", "##o#octopus ##octo##octopu" + z + "s"},
	{"two", "##octopus ##octopus", "##octopu" + z + "s ##octopu" + z + "s"},
	{"back to back", "##octopus##octopus", "##octopu" + z + "s##octopu" + z + "s"},
	{"newline inside", "##oct\nopus[x]", "##oct\nopu" + z + "s[x]"},
	{"crlf before the s", "##octopu\r\ns[x]", "##octopu\r\n" + z + "s[x]"},
	{"crlf between the hashes", "#\r\n#octopus", "#\r\n#octopu" + z + "s"},
	{"line endings everywhere", "\n#\r#\no\nc\rt\r\no\np\nu\ns\n", "\n#\r#\no\nc\rt\r\no\np\nu\n" + z + "s\n"},
	{"case matters", "##Octopus[x] ##OCTOPUS", "##Octopus[x] ##OCTOPUS"},
	{"prefix only", "##octopu", "##octopu"},
	{"one s only", "##octopuss", "##octopu" + z + "ss"},
	{"space breaks it", "## octopus", "## octopus"},
	{"unicode around", "é ##octopus ü 😀", "é ##octopu" + z + "s ü 😀"},
	{"unicode breaks it", "#é#octopus", "#é#octopus"},
	{"already defused", "##octopu" + z + "s", "##octopu" + z + "s"},
	{"zwsp elsewhere stays", "##oc" + z + "topus", "##oc" + z + "topus"},
	{"invalid utf8", "\xff##octopus\xfe", "\xff##octopu" + z + "s\xfe"},
}

// TestDefuseWriterSplits feeds every case in two writes split at every position, and one
// byte at a time, so matches cross write borders at every point.
func TestDefuseWriterSplits(t *testing.T) {
	t.Parallel()
	for _, tc := range defuseCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DefuseString(tc.in); got != tc.want {
				t.Errorf("DefuseString(%q) = %q, want %q", tc.in, got, tc.want)
			}
			testbed.CheckChunkedWrites(t, Defuse, tc.in, tc.want)
		})
	}
}

// TestDefuseStringNoMatchNoAlloc: most text holds no "##octopus"; it must cost no copy.
// Not parallel: AllocsPerRun counts every goroutine's allocations.
func TestDefuseStringNoMatchNoAlloc(t *testing.T) {
	s := strings.Repeat("pulumi up # ##octo ", 100)
	if allocs := testing.AllocsPerRun(10, func() { _ = DefuseString(s) }); allocs != 0 {
		t.Errorf("DefuseString allocates %v times for text without a match", allocs)
	}
}

func TestDefuseIdempotent(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	d := Defuse(&out)
	if _, ok := d.(*DefuseWriter); !ok {
		t.Fatalf("Defuse returned %T, want *DefuseWriter", d)
	}
	if again := Defuse(d); again != d {
		t.Fatal("Defuse of a *DefuseWriter wraps it again; it must return it unchanged")
	}
	// With one shared state, a match split between the two handles is still caught.
	fmt.Fprint(d, "##oct")
	fmt.Fprint(Defuse(d), "opus")
	if want := "##octopu" + z + "s"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// countWrites records each Write, to check that Defuse passes each one on in one call.
type countWrites struct {
	mu     sync.Mutex
	writes []string
}

func (c *countWrites) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func TestDefuseWriterConcurrent(t *testing.T) {
	t.Parallel()
	testbed.CheckConcurrentWrites(t, Defuse,
		func(i int) string { return fmt.Sprintf("%d ##octopus[setVariable name='QQ==']\n", i) },
		func(l string) bool { return strings.Contains(l, "##octopu"+z+"s[") })
}

// shortWriter accepts at most limit bytes in all, then fails.
type shortWriter struct {
	limit int
	out   bytes.Buffer
}

func (s *shortWriter) Write(p []byte) (int, error) {
	if room := s.limit - s.out.Len(); len(p) > room {
		s.out.Write(p[:room])
		return room, io.ErrClosedPipe
	}
	return s.out.Write(p)
}

// TestDefuseWriterShortWrite: after a failed write the count is in input bytes and the
// state stands after them, so retrying the rest gives the same text as one good write.
func TestDefuseWriterShortWrite(t *testing.T) {
	t.Parallel()
	in := "a ##octopus b ##oct\nopus c"
	want := DefuseString(in)
	for limit := 0; limit <= len(want); limit++ {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Parallel()
			sw := &shortWriter{limit: limit}
			w := Defuse(sw)
			n, err := w.Write([]byte(in))
			if limit < len(want) && !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("error = %v, want io.ErrClosedPipe", err)
			}
			if n < 0 || n > len(in) || !strings.HasPrefix(sw.out.String(), DefuseString(in[:n])) {
				t.Fatalf("n = %d for %q written", n, sw.out.String())
			}
			var rest bytes.Buffer
			w.(*DefuseWriter).w = &rest
			if _, err := w.Write([]byte(in[n:])); err != nil {
				t.Fatal(err)
			}
			if got := DefuseString(in[:n]) + rest.String(); got != want {
				t.Errorf("written then retried: %q, want %q", got, want)
			}
		})
	}
}

// defuseReference is the rule Defuse implements, written plainly and without streaming, to
// check it against: remove the line endings, find every "##octopus" with strings.Index,
// and put U+200B before the original position of each match's final 's'.
func defuseReference(in []byte) []byte {
	var kept []byte
	var pos []int // pos[i] is where kept[i] is in the input
	for i, c := range in {
		if c != '\r' && c != '\n' {
			kept = append(kept, c)
			pos = append(pos, i)
		}
	}
	before := map[int]bool{}
	for s, off := string(kept), 0; ; {
		k := strings.Index(s[off:], "##octopus")
		if k < 0 {
			break
		}
		last := off + k + len("##octopus") - 1
		before[pos[last]] = true
		off = last + 1
	}
	var out []byte
	for i, c := range in {
		if before[i] {
			out = append(out, "\u200B"...)
		}
		out = append(out, c)
	}
	return out
}

// chunks cuts data into pieces whose lengths are the bytes of splits, repeated; zero
// lengths make empty writes. Without a non-zero length it is one piece. After maxChunks
// pieces the rest is one piece: mostly zero splits would otherwise make the number of
// pieces, and the fuzzer's time, grow with len(data)×len(splits).
func chunks(data, splits []byte) [][]byte {
	const maxChunks = 1 << 12
	total := 0
	for _, s := range splits {
		total += int(s)
	}
	if total == 0 {
		return [][]byte{data}
	}
	var out [][]byte
	for i := 0; len(data) > 0; i++ {
		n := min(int(splits[i%len(splits)]), len(data))
		if i == maxChunks {
			n = len(data)
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// FuzzDefuse writes arbitrary input in arbitrary pieces through Defuse and checks that
// Octopus (our Calamari-compatible Parser) finds nothing in the output, that the output is
// what the plain reference gives, and that removing the inserted U+200B restores the input.
func FuzzDefuse(f *testing.F) {
	f.Add([]byte("##octopus[setVariable name='QQ==' value='MQ==']\n"), []byte{5})
	f.Add([]byte("###octopus[x]"), []byte{1})
	f.Add([]byte("##oct\r\nopus[x]"), []byte{0, 3, 2})
	f.Add([]byte("é##octopu\u200Bs ##octopus##octopus"), []byte{})
	f.Fuzz(func(t *testing.T, data, splits []byte) {
		var cw countWrites
		w := Defuse(&cw)
		pieces := chunks(data, splits)
		for _, c := range pieces {
			if n, err := w.Write(c); n != len(c) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", c, n, err)
			}
		}
		if len(cw.writes) != len(pieces) {
			t.Fatalf("%d writes became %d", len(pieces), len(cw.writes))
		}
		got := strings.Join(cw.writes, "")

		var p Parser
		for _, piece := range cw.writes {
			if msgs, errs := p.Feed(piece); len(msgs) > 0 || len(errs) > 0 {
				t.Fatalf("Octopus would read %v / %v in %q", msgs, errs, got)
			}
		}
		if p.Pending() {
			t.Fatalf("Octopus would wait for the end of a message in %q", got)
		}

		if want := string(defuseReference(data)); got != want {
			t.Fatalf("Defuse(%q) in pieces %q = %q, the reference gives %q", data, pieces, got, want)
		}
		if s := DefuseString(string(data)); s != got {
			t.Fatalf("DefuseString(%q) = %q, the writer gave %q", data, s, got)
		}
		if again := DefuseString(got); again != got {
			t.Fatalf("defusing the output again changed it: %q", again)
		}

		// Every inserted U+200B is one more than the input held, one per "##octopus" with
		// the line endings removed; without them the text is the input's.
		stripped := strings.NewReplacer("\r", "", "\n", "").Replace(string(data))
		if added := strings.Count(got, z) - strings.Count(string(data), z); added != strings.Count(stripped, "##octopus") {
			t.Fatalf("%d U+200B added, want %d", added, strings.Count(stripped, "##octopus"))
		}
		if strings.ReplaceAll(got, z, "") != strings.ReplaceAll(string(data), z, "") {
			t.Fatalf("removing U+200B from %q does not give back %q", got, data)
		}
		if utf8.Valid(data) && !utf8.ValidString(got) {
			t.Fatalf("valid UTF-8 %q became invalid %q", data, got)
		}
	})
}
