package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

// z is what Defuse inserts, short for the tables.
const z = "\u200B"

// Whether any system would act on Defuse's output is judged by reporttest.CommandsIn, whose
// parsers read text as each system does, written from the systems' sources, not from ours.

var defuseCases = []struct {
	name, in, want string
}{
	{"plain text", "Updating (dev)\n  + aws:s3:Bucket created\n", "Updating (dev)\n  + aws:s3:Bucket created\n"},
	{"empty", "", ""},
	{"github command", "::error::x\n", ":" + z + ":error::x\n"},
	{"github after blanks", " \t::warning::x", " \t:" + z + ":warning::x"},
	{"github after unicode blanks", "\u00a0\u2003\u3000::debug::x", "\u00a0\u2003\u3000:" + z + ":debug::x"},
	{"github after a byte order mark", "\uFEFF::add-mask::x", "\uFEFF:" + z + ":add-mask::x"},
	{"github after U+180E", "\u180E::add-mask::x", "\u180E:" + z + ":add-mask::x"},
	{"github inside a line", "a::b::c", "a::b::c"},
	{"github after zwsp", z + "::error::x", z + "::error::x"},
	{"github on each line", "::a\r::b\r\n::c\n::d", ":" + z + ":a\r:" + z + ":b\r\n:" + z + ":c\n:" + z + ":d"},
	{"colons over a line break", ":\n:x", ":\n:x"},
	{"three colons", ":::x", ":" + z + "::x"},
	{"invalid byte first", "\xff::x", "\xff::x"},
	{"cut blank first", "\xe2\x80::x", "\xe2\x80::x"},
	{"v1 and formatting", "##[group]x ##[endgroup]", "##" + z + "[group]x ##" + z + "[endgroup]"},
	{"three hashes", "###[x", "###" + z + "[x"},
	{"azure", "echo ##vso[task.setvariable variable=a]b", "echo ##vso" + z + "[task.setvariable variable=a]b"},
	{"azure twice", "##vso[a.b]##vso[c.d]", "##vso" + z + "[a.b]##vso" + z + "[c.d]"},
	{"azure upper case", "##VSO[task.x]", "##VSO[task.x]"},
	{"azure broken then whole", "##v##vso[x", "##v##vso" + z + "[x"},
	{"azure over a line break", "##vs\no[x]", "##vs\no[x]"},
	{"hashes over a line break", "#\n#[x]", "#\n#[x]"},
	{"teamcity", "x ##teamcity[buildProblem description='x']", "x ##teamcity" + z + "[buildProblem description='x']"},
	{"teamcity broken", "##teamcit#y[", "##teamcit#y["},
	{"octopus", "##octopus[setVariable]", "##octopu" + z + "s[setVariable]"},
	{"octopus over a line break", "##oct\nopus[x]", "##oct\nopu" + z + "s[x]"},
	{"all at once", "::a ##[b ##vso[c ##teamcity[d ##octopus[e",
		":" + z + ":a ##" + z + "[b ##vso" + z + "[c ##teamcity" + z + "[d ##octopu" + z + "s[e"},
	{"already defused", ":" + z + ":a ##" + z + "[b", ":" + z + ":a ##" + z + "[b"},
	{"unicode around", "é ##vso[ü 😀", "é ##vso" + z + "[ü 😀"},
}

// TestDefuseSplits feeds every case in two writes split at every position, and one byte at
// a time, so that matches cross write borders at every point.
func TestDefuseSplits(t *testing.T) {
	t.Parallel()
	for _, tc := range defuseCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DefuseString(tc.in); got != tc.want {
				t.Errorf("DefuseString(%q) = %q, want %q", tc.in, got, tc.want)
			}
			testbed.CheckChunkedWrites(t, Defuse, tc.in, tc.want)
			if found := reporttest.CommandsIn(tc.want); len(found) > 0 {
				t.Errorf("commands in the defused text: %q", found)
			}
		})
	}
}

// TestDefuseStringNoMatchReturnsInput: most text holds no command; it must cost no copy.
// Not parallel: AllocsPerRun counts every goroutine's allocations.
func TestDefuseStringNoMatchReturnsInput(t *testing.T) {
	s := strings.Repeat("pulumi up # ## ##vs : a::b ##octo ", 100)
	if got := DefuseString(s); got != s {
		t.Fatalf("DefuseString changed text without a command")
	}
	if allocs := testing.AllocsPerRun(10, func() { _ = DefuseString(s) }); allocs != 0 {
		t.Errorf("DefuseString allocates %v times for text without a command", allocs)
	}
}

func TestDefuseIdempotent(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	d := Defuse(&out)
	if again := Defuse(d); again != d {
		t.Fatal("Defuse of a defusing writer wraps it again; it must return it unchanged")
	}
	// One state: a command split between the two handles is still caught.
	fmt.Fprint(d, "##v")
	fmt.Fprint(Defuse(d), "so[x]")
	if want := "##vso" + z + "[x]"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	// Over a writer octoenv.Defuse returned, "##octopus" is not broken twice.
	var out2 bytes.Buffer
	w := Defuse(octoenv.Defuse(&out2))
	fmt.Fprint(w, "##octopus ::x")
	if want := "##octopu" + z + "s ::x"; out2.String() != want {
		t.Errorf("over octoenv.Defuse: got %q, want %q", out2.String(), want)
	}
}

// recordWrites records each Write, to check that each one is passed on in one call.
type recordWrites struct {
	mu     sync.Mutex
	writes []string
}

func (r *recordWrites) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func (r *recordWrites) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.writes, "")
}

func TestDefuseConcurrent(t *testing.T) {
	t.Parallel()
	testbed.CheckConcurrentWrites(t, Defuse,
		func(i int) string { return fmt.Sprintf("::error::%d ##vso[task.complete result=Failed]\n", i) },
		func(l string) bool {
			return strings.HasPrefix(l, ":"+z+":error::") && strings.Contains(l, "##vso"+z+"[")
		})
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

// switchWriter writes to whichever writer it holds now.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// TestDefuseShortWrite: after a failed write the count is in input bytes and the state
// stands after them, so writing the rest again gives what one good write would have,
// through both layers (ours and octoenv's).
func TestDefuseShortWrite(t *testing.T) {
	t.Parallel()
	in := "::a ##vso[b ##octopus c\n::d ##teamcity[e"
	want := DefuseString(in)
	for limit := 0; limit <= len(want); limit++ {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Parallel()
			sw := &shortWriter{limit: limit}
			sink := &switchWriter{sw}
			w := Defuse(sink)
			n, err := w.Write([]byte(in))
			if limit < len(want) && !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("error = %v, want io.ErrClosedPipe", err)
			}
			if n < 0 || n > len(in) || !strings.HasPrefix(sw.out.String(), DefuseString(in[:n])) {
				t.Fatalf("n = %d for %q written", n, sw.out.String())
			}
			var rest bytes.Buffer
			sink.w = &rest
			if _, err := w.Write([]byte(in[n:])); err != nil {
				t.Fatal(err)
			}
			if got := DefuseString(in[:n]) + rest.String(); got != want {
				t.Errorf("written then retried: %q, want %q", got, want)
			}
		})
	}
}

// defuseReference is the rule Defuse implements, written plainly, line by line and without
// streaming: U+200B before the second ':' of a line that starts with "::" after .NET white
// space (or U+180E, U+FEFF), and before each '[' that follows "##", "##vso" or
// "##teamcity"; then octoenv's rule for "##octopus".
func defuseReference(in string) string {
	var b strings.Builder
	for in != "" {
		end := strings.IndexAny(in, "\r\n")
		if end < 0 {
			end = len(in)
		}
		line := in[:end]
		before := map[int]bool{}
		lead := 0
		for lead < len(line) {
			r, size := utf8.DecodeRuneInString(line[lead:])
			if r == utf8.RuneError || !(reporttest.NetWhiteSpace(r) || r == 0x180E || r == 0xFEFF) {
				break
			}
			lead += size
		}
		if strings.HasPrefix(line[lead:], "::") {
			before[lead+1] = true
		}
		for i := range len(line) {
			if line[i] != '[' {
				continue
			}
			for _, p := range []string{"##", "##vso", "##teamcity"} {
				if strings.HasSuffix(line[:i], p) {
					before[i] = true
				}
			}
		}
		for i := range len(line) {
			if before[i] {
				b.WriteString(z)
			}
			b.WriteByte(line[i])
		}
		b.WriteString(in[end:min(end+1, len(in))])
		in = in[min(end+1, len(in)):]
	}
	return octoenv.DefuseString(b.String())
}

// splitWrites cuts data into pieces whose lengths are the bytes of splits, repeated (zero
// lengths make empty writes); without a non-zero length it is one piece. After 4096 pieces
// the rest is one piece, to bound the fuzzer's time.
func splitWrites(data, splits []byte) [][]byte {
	if !slices.ContainsFunc(splits, func(b byte) bool { return b != 0 }) {
		return [][]byte{data}
	}
	var out [][]byte
	for i := 0; len(data) > 0; i++ {
		n := min(int(splits[i%len(splits)]), len(data))
		if i == 1<<12 {
			n = len(data)
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// FuzzDefuse writes any input in any pieces through Defuse and checks that each Write is
// passed on in one, that no parser of any system finds a command in the output, that the
// output is the plain reference's, and that removing U+200B gives back the input.
func FuzzDefuse(f *testing.F) {
	f.Add([]byte("::error::x\n ::warning::y"), []byte{1})
	f.Add([]byte("##[group]a ##vso[task.setvariable variable=a]b"), []byte{3, 0, 2})
	f.Add([]byte("##teamcity[buildProblem description='x'] ##octopus[x]"), []byte{})
	f.Add([]byte("\u3000\u00a0::add-mask::s\r::x\r\n###vso[##v##vso["), []byte{2})
	f.Add([]byte("\xe2\x80\x83::x \xff::y ##oct\nopus"), []byte{1, 1, 5})
	f.Add([]byte(":"+z+":a ##vso"+z+"[b"), []byte{4})
	f.Fuzz(func(t *testing.T, data, splits []byte) {
		var rw recordWrites
		w := Defuse(&rw)
		pieces := splitWrites(data, splits)
		for _, c := range pieces {
			if n, err := w.Write(c); n != len(c) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", c, n, err)
			}
		}
		if len(rw.writes) != len(pieces) {
			t.Fatalf("%d writes became %d", len(pieces), len(rw.writes))
		}
		got := rw.String()
		if found := reporttest.CommandsIn(got); len(found) > 0 {
			t.Fatalf("Defuse(%q) = %q holds commands: %q", data, got, found)
		}
		if want := defuseReference(string(data)); got != want {
			t.Fatalf("Defuse(%q) in pieces %q = %q, the reference gives %q", data, pieces, got, want)
		}
		if s := DefuseString(string(data)); s != got {
			t.Fatalf("DefuseString(%q) = %q, the writer gave %q", data, s, got)
		}
		if again := DefuseString(got); again != got {
			t.Fatalf("defusing the output again changed it: %q", again)
		}
		if strings.ReplaceAll(got, z, "") != strings.ReplaceAll(string(data), z, "") {
			t.Fatalf("removing U+200B from %q does not give back %q", got, data)
		}
		if utf8.Valid(data) && !utf8.ValidString(got) {
			t.Fatalf("valid UTF-8 %q became invalid %q", data, got)
		}
	})
}

func ExampleDefuseString() {
	s := DefuseString("::error::not a command\n##vso[task.complete result=Failed]")
	fmt.Println(strings.ReplaceAll(s, "\u200B", "<U+200B>"))
	// Output:
	// :<U+200B>:error::not a command
	// ##vso<U+200B>[task.complete result=Failed]
}
