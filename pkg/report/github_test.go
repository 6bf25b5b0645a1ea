package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

// ghCommands parses every line of out as a command, in both modes alike: each line must hold
// one the runner acts on, read the same on ICU.
func ghCommands(t *testing.T, out string) []reporttest.GitHubCommand {
	t.Helper()
	var cmds []reporttest.GitHubCommand
	for _, line := range reporttest.NetLines(out) {
		c, ok := reporttest.ParseGitHubLine(line, reporttest.Exact)
		if !ok {
			t.Fatalf("the runner reads no command in %q", line)
		}
		if ci, _ := reporttest.ParseGitHubLine(line, reporttest.ICU); !reflect.DeepEqual(ci, c) {
			t.Fatalf("on ICU the runner reads %+v in %q, not %+v", ci, line, c)
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// Values to write that a careless format would garble, shared by the Azure tests.
var hostileValues = []string{
	"", "value", "two\nlines", "crlf\r\nlines", "ends in a newline\n", "ends in CR\r", "\r", "\n",
	"\r\n\r\n", "%", "%25", "%0A", "%0D%0A", "%3B %5D %2C %3A", "%AZP25", "%%0A", ";", "]", "a;b]c",
	"::", "::error::x", "x\n::error::y", " ::warning::x", "##vso[task.setvariable variable=x]y",
	"##[error]x", "##teamcity[buildProblem description='x']", "##octopus[x]",
	"é ü 😀 \u200B \uFEFF", "=", "a=b", "==x", "name<<EOF", "ghadelimiter_", "  padded  ",
	"\x00", "tab\there", "\u2028\u0085", strings.Repeat("long ", 1000),
}

// Output names read as steps.<id>.outputs['<name>'] with anything in them.
var hostileNames = []string{"Pulumi.Preview.Changes", "with space", "é😀", "a:b,c", "::", "##vso[x]",
	"%0A", "x;y]z", "<x", " padded "}

// newTestGitHub returns a GitHub reporter writing to out, with an outputs file and a
// summary file (made empty, as the runner makes them) named in its environment.
func newTestGitHub(t *testing.T, out *recordWrites, eol string) (g *github, outputs, summary string) {
	t.Helper()
	return newTestGitHubIn(t, t.TempDir(), out, eol)
}

// newTestGitHubIn is newTestGitHub with the files in dir, removed when the test ends.
func newTestGitHubIn(t *testing.T, dir string, out *recordWrites, eol string) (g *github, outputs, summary string) {
	t.Helper()
	for _, p := range []*string{&outputs, &summary} {
		f, err := os.CreateTemp(dir, "runner_file_")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		*p = f.Name()
		t.Cleanup(func() { os.Remove(f.Name()) })
	}
	r, err := New(GitHub, Options{Out: out, Environ: []string{"GITHUB_OUTPUT=" + outputs, "GITHUB_STEP_SUMMARY=" + summary}})
	if err != nil {
		t.Fatal(err)
	}
	g = r.(*github)
	g.eol = eol
	return g, outputs, summary
}

func readOutputs(t *testing.T, path string, windows bool) []reporttest.Pair {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := reporttest.GitHubOutputPairs(string(raw), windows)
	if err != nil {
		t.Fatalf("the runner cannot read %q: %v", raw, err)
	}
	return pairs
}

// eols are the runner's two ways of reading the outputs file, with the line ending the
// reporter writes for each.
var eols = []struct {
	name    string
	eol     string
	windows bool
}{{"linux", "\n", false}, {"windows", "\r\n", true}}

func TestGitHubSetOutputRoundTrip(t *testing.T) {
	t.Parallel()
	for _, e := range eols {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			var out recordWrites
			g, outputs, _ := newTestGitHub(t, &out, e.eol)
			var want []reporttest.Pair
			for _, name := range hostileNames {
				for _, value := range hostileValues {
					if err := g.SetOutput(name, value); err != nil {
						t.Fatalf("SetOutput(%q, %q): %v", name, value, err)
					}
					want = append(want, reporttest.Pair{Name: name, Value: value})
				}
			}
			if got := readOutputs(t, outputs, e.windows); !slices.Equal(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("output %d reads back as %q, want %q", i, got[i], want[i])
					}
				}
				t.Fatalf("%d outputs read back, want %d", len(got), len(want))
			}
			if out.String() != "" {
				t.Errorf("SetOutput wrote to the log: %q", out.String())
			}
		})
	}
}

func TestGitHubSetOutputRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value string }{
		{"", "x"}, {"a=b", "x"}, {"a<<b", "x"}, {"a<", "x"}, {"a\nb", "x"}, {"a\rb", "x"},
		{"\uFEFFa", "x"}, {"a\xff", "x"}, {"a", "\xff"}, {"a", "ok \xc3"},
	} {
		t.Run(fmt.Sprintf("%q=%q", tc.name, tc.value), func(t *testing.T) {
			t.Parallel()
			var out recordWrites
			g, outputs, _ := newTestGitHub(t, &out, "\n")
			err := g.SetOutput(tc.name, tc.value)
			if !IsUnsupported(err) {
				t.Fatalf("SetOutput(%q, %q) = %v, want an *UnsupportedError", tc.name, tc.value, err)
			}
			if pairs := readOutputs(t, outputs, false); len(pairs) != 0 {
				t.Errorf("refused, yet written: %q", pairs)
			}
		})
	}
}

func TestGitHubSetOutputFileProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		environ []string
		check   func(error) bool
	}{
		{"unset", []string{"GITHUB_STEP_SUMMARY=x"}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "GITHUB_OUTPUT") && !IsUnsupported(err)
		}},
		{"missing", []string{"GITHUB_OUTPUT=" + filepath.Join(t.TempDir(), "gone")}, func(err error) bool {
			return errors.Is(err, fs.ErrNotExist)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := New(GitHub, Options{Out: &recordWrites{}, Environ: tc.environ})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.SetOutput("a", "b"); !tc.check(err) {
				t.Errorf("SetOutput = %v", err)
			}
		})
	}
}

// TestGitHubSetOutputAfterOpenLine: a line someone left without its line break does not
// swallow ours.
func TestGitHubSetOutputAfterOpenLine(t *testing.T) {
	t.Parallel()
	for _, e := range eols {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			g, outputs, _ := newTestGitHub(t, &recordWrites{}, e.eol)
			if err := os.WriteFile(outputs, []byte("before=1"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := g.SetOutput("after", "2"); err != nil {
				t.Fatal(err)
			}
			want := []reporttest.Pair{{Name: "before", Value: "1"}, {Name: "after", Value: "2"}}
			if got := readOutputs(t, outputs, e.windows); !slices.Equal(got, want) {
				t.Errorf("read back %q, want %q", got, want)
			}
		})
	}
}

// checkMasked checks that out holds only ::add-mask:: commands and that, with them, every
// line of the secret is masked in a log: the whole value is, and so is each line of it.
func checkMasked(t *testing.T, out, secret string) {
	t.Helper()
	var masked []string
	for _, c := range ghCommands(t, out) {
		if c.Name != "add-mask" {
			t.Fatalf("command %q among the masks", c.Name)
		}
		masked = append(masked, c.Value)
	}
	if strings.TrimSpace(secret) == "" {
		if len(masked) > 0 {
			t.Fatalf("a blank value masked: %q", masked)
		}
		return
	}
	if len(masked) == 0 || masked[0] != secret {
		t.Fatalf("masked %q, want %q first", masked, secret)
	}
	for _, line := range reporttest.NetLines(secret) {
		line = reporttest.NetTrim(line)
		if line != "" && !slices.Contains(masked, line) {
			t.Errorf("the line %q of the secret is not masked by itself (masks %q)", line, masked)
		}
	}
}

func TestGitHubSecretOutputRoundTrip(t *testing.T) {
	t.Parallel()
	for _, e := range eols {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			for _, value := range hostileValues {
				var out recordWrites
				g, outputs, _ := newTestGitHub(t, &out, e.eol)
				if err := g.SetSecretOutput("Secret", value); err != nil {
					t.Fatalf("SetSecretOutput(%q): %v", value, err)
				}
				checkMasked(t, out.String(), value)
				want := []reporttest.Pair{{Name: "Secret", Value: value}}
				if got := readOutputs(t, outputs, e.windows); !slices.Equal(got, want) {
					t.Errorf("read back %q, want %q", got, want)
				}
			}
		})
	}
}

func TestGitHubMask(t *testing.T) {
	t.Parallel()
	for _, value := range append(slices.Clone(hostileValues), " ", "\t\r\n", "line one\n  line two  \n\nline one") {
		var out recordWrites
		g, _, _ := newTestGitHub(t, &out, "\n")
		if err := g.Mask(value); err != nil {
			t.Fatalf("Mask(%q): %v", value, err)
		}
		checkMasked(t, out.String(), value)
		// One Write per command.
		if len(out.writes) != len(reporttest.NetLines(out.String())) {
			t.Errorf("Mask(%q): %d writes for %d commands", value, len(out.writes), len(reporttest.NetLines(out.String())))
		}
	}
	g, _, _ := newTestGitHub(t, &recordWrites{}, "\n")
	if err := g.Mask("\xff secret"); !IsUnsupported(err) {
		t.Errorf("Mask of bytes that are not UTF-8 = %v, want an *UnsupportedError", err)
	}
}

func TestGitHubFail(t *testing.T) {
	t.Parallel()
	for _, msg := range append(slices.Clone(hostileValues), "not UTF-8 \xff") {
		var out recordWrites
		g, _, _ := newTestGitHub(t, &out, "\n")
		if err := g.Fail(msg); err != nil {
			t.Fatalf("Fail(%q): %v", msg, err)
		}
		cmds := ghCommands(t, out.String())
		want := strings.ToValidUTF8(msg, "\uFFFD")
		if len(cmds) != 1 || cmds[0].Name != "error" || cmds[0].Properties["title"] != ghTitle || cmds[0].Value != want {
			t.Errorf("Fail(%q) reads back as %+v", msg, cmds)
		}
	}
}

func TestGitHubAttach(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plan, with: commas.json")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{{"", filepath.Base(file)}, {"preview.json", "preview.json"}} {
		var out recordWrites
		g, _, _ := newTestGitHub(t, &out, "\n")
		if err := g.Attach(file, tc.name); err != nil {
			t.Fatal(err)
		}
		cmds := ghCommands(t, out.String())
		if len(cmds) != 1 || cmds[0].Name != "notice" || !strings.HasPrefix(cmds[0].Value, tc.want+" is at "+file) {
			t.Errorf("Attach(%q) reads back as %+v", tc.name, cmds)
		}
	}
	var out recordWrites
	g, _, _ := newTestGitHub(t, &out, "\n")
	if err := g.Attach(filepath.Join(dir, "gone"), ""); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Attach of a missing file = %v, want fs.ErrNotExist", err)
	}
	if out.String() != "" {
		t.Errorf("a missing file noted: %q", out.String())
	}
}

func TestGitHubProgress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		percent int
		prefix  string
	}{{42, "42% "}, {-5, "0% "}, {150, "100% "}} {
		for _, msg := range hostileValues {
			var out recordWrites
			g, _, _ := newTestGitHub(t, &out, "\n")
			if err := g.Progress(tc.percent, msg); err != nil {
				t.Fatal(err)
			}
			if found := reporttest.CommandsIn(out.String()); len(found) > 0 {
				t.Errorf("Progress(%q) writes commands: %q", msg, found)
			}
			if got, want := strings.ReplaceAll(out.String(), z, ""), strings.ReplaceAll(tc.prefix+msg+"\n", z, ""); got != want {
				t.Errorf("Progress(%d, %q) wrote %q, want %q", tc.percent, msg, got, want)
			}
			if len(out.writes) != 1 {
				t.Errorf("Progress took %d writes", len(out.writes))
			}
		}
	}
}

func TestGitHubSummary(t *testing.T) {
	t.Parallel()
	var out recordWrites
	g, _, summary := newTestGitHub(t, &out, "\n")
	var want string
	for _, md := range hostileValues {
		if err := g.Summary(md); err != nil {
			t.Fatal(err)
		}
		if md != "" && !strings.HasSuffix(md, "\n") {
			md += "\n"
		}
		want += md
	}
	if got, err := os.ReadFile(summary); err != nil || string(got) != want {
		t.Errorf("the summary file holds %q (%v), want %q", got, err, want)
	}
	if out.String() != "" {
		t.Errorf("Summary wrote to the log: %q", out.String())
	}
}

// TestGitHubSummaryToLog: without $GITHUB_STEP_SUMMARY the Markdown goes to the log, as
// text that holds no command.
func TestGitHubSummaryToLog(t *testing.T) {
	t.Parallel()
	for _, md := range hostileValues {
		var out recordWrites
		r, err := New(GitHub, Options{Out: &out, Environ: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Summary(md); err != nil {
			t.Fatal(err)
		}
		if found := reporttest.CommandsIn(out.String()); len(found) > 0 {
			t.Errorf("Summary(%q) writes commands: %q", md, found)
		}
		if got, want := strings.ReplaceAll(out.String(), z, ""), strings.ReplaceAll(md, z, ""); strings.TrimSuffix(got, "\n") != strings.TrimSuffix(want, "\n") {
			t.Errorf("Summary(%q) wrote %q", md, got)
		}
	}
}

// TestGitHubSummaryLimit fills the summary file near GitHub's 1 MiB and checks that what
// is appended stays under it: cut at a line, valid UTF-8, a fence closed, the note last.
func TestGitHubSummaryLimit(t *testing.T) {
	t.Parallel()
	var md strings.Builder
	md.WriteString("# Changes\n\n```diff\n")
	for i := 0; md.Len() < 300_000; i++ {
		fmt.Fprintf(&md, "+ résource %d: ünïcode 😀 everywhere\n", i)
	}
	md.WriteString("```\n")
	for _, filled := range []int{0, ghSummaryLimit - 200_000, ghSummaryLimit - 1000, ghSummaryLimit - 150} {
		t.Run(fmt.Sprint(filled), func(t *testing.T) {
			t.Parallel()
			g, _, summary := newTestGitHub(t, &recordWrites{}, "\n")
			before := strings.Repeat(strings.Repeat("x", 99)+"\n", filled/100) + strings.Repeat("y", filled%100)
			if err := os.WriteFile(summary, []byte(before), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := g.Summary(md.String()); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) > ghSummaryLimit {
				t.Fatalf("the summary file holds %d bytes, over GitHub's %d", len(raw), ghSummaryLimit)
			}
			added := strings.TrimPrefix(string(raw)[len(before):], "\n")
			if !utf8.ValidString(added) {
				t.Fatal("the summary was cut inside a character")
			}
			if len(before)+md.Len() <= ghSummaryLimit {
				if added != md.String() {
					t.Fatal("a summary that fits was changed")
				}
				return
			}
			body, ok := strings.CutSuffix(added, ghSummaryCut)
			if !ok {
				t.Fatalf("a summary cut short does not end with the note: ...%q", added[max(0, len(added)-200):])
			}
			if strings.Count(body, "```")%2 != 0 {
				t.Error("a code fence is left open before the note")
			}
			if kept := strings.TrimSuffix(body, "```\n"); !strings.HasPrefix(md.String(), kept) || !strings.HasSuffix(kept, "\n") {
				t.Error("what is kept is not the summary's first lines")
			}
		})
	}
	// Full already: nothing fits, nothing is written.
	g, _, summary := newTestGitHub(t, &recordWrites{}, "\n")
	full := strings.Repeat("z", ghSummaryLimit)
	if err := os.WriteFile(summary, []byte(full), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := g.Summary("more"); err == nil {
		t.Error("a summary into a full file: no error")
	}
	if raw, _ := os.ReadFile(summary); string(raw) != full {
		t.Error("a full summary file was written to")
	}
}

// TestFitSummaryBoundaries cuts one line of multi-byte characters at every room size.
func TestFitSummaryBoundaries(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("é😀ü", 60)
	for room := 0; room <= len(text)+1; room++ {
		got, ok := fitSummary(text, int64(room))
		if !ok {
			if room >= len(ghSummaryCut)+len("```\n")+1 {
				t.Errorf("room %d: nothing fits", room)
			}
			continue
		}
		if len(got) > room || !utf8.ValidString(got) {
			t.Errorf("room %d: %d bytes, valid UTF-8 %v", room, len(got), utf8.ValidString(got))
		}
	}
}

func TestGitHubConcurrent(t *testing.T) {
	t.Parallel()
	var out recordWrites
	g, outputs, _ := newTestGitHub(t, &out, "\n")
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := g.Fail(fmt.Sprintf("failure %d\nsecond line", i)); err != nil {
				t.Error(err)
			}
			if err := g.SetSecretOutput(fmt.Sprintf("out%d", i), fmt.Sprintf("secret %d\nline", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, w := range out.writes {
		if cmds := ghCommands(t, w); len(cmds) != 1 {
			t.Errorf("write %q is not one whole command", w)
		}
	}
	if got := readOutputs(t, outputs, false); len(got) != n {
		t.Errorf("%d outputs read back, want %d", len(got), n)
	}
}

// FuzzGitHubRoundTrip: any name and value is set as an output, a secret output and an
// error message, and reads back exactly, or is refused with an *UnsupportedError.
func FuzzGitHubRoundTrip(f *testing.F) {
	f.Add("Pulumi.Preview.Changes", "3", false)
	f.Add("a", "two\r\nlines\r", true)
	f.Add("x<", "::error::y\n%0A%25", false)
	f.Add("é", "ghadelimiter_\n\xff", true)
	f.Add("", "", false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, name, value string, windows bool) {
		eol := "\n"
		if windows {
			eol = "\r\n"
		}
		var out recordWrites
		g, outputs, _ := newTestGitHubIn(t, dir, &out, eol)
		var want []reporttest.Pair
		if err := g.SetOutput(name, value); err == nil {
			want = append(want, reporttest.Pair{Name: name, Value: value})
		} else if !IsUnsupported(err) {
			t.Fatalf("SetOutput(%q, %q): %v", name, value, err)
		}
		if got := readOutputs(t, outputs, windows); !slices.Equal(got, want) {
			t.Fatalf("SetOutput(%q, %q) reads back as %q", name, value, got)
		}

		out.writes = nil
		if err := g.SetSecretOutput(name, value); err == nil {
			checkMasked(t, out.String(), value)
			want = append(want, reporttest.Pair{Name: name, Value: value})
		} else if !IsUnsupported(err) {
			t.Fatalf("SetSecretOutput(%q, %q): %v", name, value, err)
		}
		if got := readOutputs(t, outputs, windows); !slices.Equal(got, want) {
			t.Fatalf("SetSecretOutput(%q, %q) reads back as %q", name, value, got)
		}

		out.writes = nil
		if err := g.Fail(value); err != nil {
			t.Fatal(err)
		}
		cmds := ghCommands(t, out.String())
		if len(cmds) != 1 || cmds[0].Value != strings.ToValidUTF8(value, "\uFFFD") {
			t.Fatalf("Fail(%q) reads back as %+v", value, cmds)
		}
	})
}
