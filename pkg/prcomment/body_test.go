package prcomment_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/octopulumi/octopulumi/pkg/prcomment"
)

// checkBody asserts what every comment body must be: valid UTF-8 without
// NUL, within the budget, the key's marker as its first line, and its code
// blocks and <details> closed. The fence rules are read again here from
// CommonMark 0.31 ("Fenced code blocks"), independently of the package.
func checkBody(t *testing.T, key, body string) {
	t.Helper()
	checkBodyWithin(t, prcomment.BodyBudget, key, body)
}

func checkBodyWithin(t *testing.T, budget int, key, body string) {
	t.Helper()
	if !utf8.ValidString(body) {
		t.Fatal("the body is not valid UTF-8")
	}
	if strings.ContainsRune(body, 0) {
		t.Fatal("the body holds NUL")
	}
	if n := utf8.RuneCountInString(body); n > budget {
		t.Fatalf("the body has %d code points, more than the budget %d", n, budget)
	}
	if !strings.HasPrefix(body, prcomment.Marker(key)+"\n") {
		t.Fatalf("the body does not start with the marker line %q: %.80q", prcomment.Marker(key), body)
	}
	var fenceChar byte
	fenceLen := 0
	detailsOpen, detailsSeen, detailsClosed := false, false, false
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		run := 0
		if trimmed != "" && (trimmed[0] == '`' || trimmed[0] == '~') {
			run = len(trimmed) - len(strings.TrimLeft(trimmed, trimmed[:1]))
		}
		if fenceChar != 0 {
			if indent <= 3 && run >= fenceLen && trimmed[0] == fenceChar && strings.Trim(trimmed[run:], " \t") == "" {
				fenceChar = 0
			}
			continue
		}
		if indent <= 3 && run >= 3 && !(trimmed[0] == '`' && strings.Contains(trimmed[run:], "`")) {
			fenceChar, fenceLen = trimmed[0], run
			continue
		}
		if strings.HasPrefix(line, "<details>") {
			if detailsSeen {
				t.Fatal("the body holds two <details> blocks")
			}
			detailsOpen, detailsSeen = true, true
		}
		if line == "</details>" {
			if !detailsOpen {
				t.Fatal("</details> without <details>")
			}
			detailsOpen, detailsClosed = false, true
		}
	}
	if fenceChar != 0 {
		t.Fatalf("a code block (%q×%d) is left open", fenceChar, fenceLen)
	}
	if detailsSeen && !detailsClosed {
		t.Fatal("<details> is left open, or its </details> is inside a code block")
	}
}

// diffIn returns the text of the body's diff code block, and the fence.
func diffIn(t *testing.T, body string) (string, string) {
	t.Helper()
	_, after, ok := strings.Cut(body, "</summary>\n\n")
	if !ok {
		t.Fatalf("no <details> block in %.200q", body)
	}
	fence, rest, ok := strings.Cut(after, "diff\n")
	if !ok || strings.Trim(fence, "`~") != "" {
		t.Fatalf("no diff fence after <summary>: %.200q", after)
	}
	content, _, ok := strings.Cut(rest, "\n"+fence+"\n")
	if !ok {
		t.Fatalf("the fence %q is not closed", fence)
	}
	return content, fence
}

func TestBodySmall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, md, diff string
		want           string
	}{
		{
			name: "summary and diff",
			md:   "**acme/web/dev**: 1 to create\n",
			diff: "+ aws:s3/bucket:Bucket logs create\n",
			want: "<!-- octopulumi:acme/web/dev -->\n\n**acme/web/dev**: 1 to create\n\n" +
				"<details><summary>Diff</summary>\n\n```diff\n+ aws:s3/bucket:Bucket logs create\n```\n\n</details>\n",
		},
		{
			name: "no diff, no details",
			md:   "No changes.",
			want: "<!-- octopulumi:acme/web/dev -->\n\nNo changes.\n",
		},
		{
			name: "backticks in the diff lengthen the fence",
			md:   "s",
			diff: "~ description: \"```go\" -> \"````\"",
			want: "<!-- octopulumi:acme/web/dev -->\n\ns\n\n<details><summary>Diff</summary>\n\n" +
				"`````diff\n~ description: \"```go\" -> \"````\"\n`````\n\n</details>\n",
		},
		{
			name: "a long backtick run picks tildes",
			md:   "s",
			diff: "+ x: " + strings.Repeat("`", 40),
			want: "<!-- octopulumi:acme/web/dev -->\n\ns\n\n<details><summary>Diff</summary>\n\n" +
				"~~~diff\n+ x: " + strings.Repeat("`", 40) + "\n~~~\n\n</details>\n",
		},
		{
			name: "an open fence in the summary is closed",
			md:   "Plan:\n````text\nstill open",
			diff: "+ a",
			want: "<!-- octopulumi:acme/web/dev -->\n\nPlan:\n````text\nstill open\n````\n\n" +
				"<details><summary>Diff</summary>\n\n```diff\n+ a\n```\n\n</details>\n",
		},
		{
			name: "NUL and invalid UTF-8 become U+FFFD",
			md:   "a\x00b",
			diff: "+ \xff",
			want: "<!-- octopulumi:acme/web/dev -->\n\na\uFFFDb\n\n<details><summary>Diff</summary>\n\n```diff\n+ \uFFFD\n```\n\n</details>\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := prcomment.Body("acme/web/dev", tt.md, tt.diff)
			if got != tt.want {
				t.Errorf("Body:\n got %q\nwant %q", got, tt.want)
			}
			checkBody(t, "acme/web/dev", got)
		})
	}
}

func TestMarker(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 300)
	sum := sha256.Sum256([]byte(long))
	spaces := strings.Repeat(" ", 70) // 70 bytes that encode to 210
	spacesSum := sha256.Sum256([]byte(spaces))
	tests := []struct{ key, want string }{
		{"acme/web/dev", "<!-- octopulumi:acme/web/dev -->"},
		{"organization/web/feature-1", "<!-- octopulumi:organization/web/feature-1 -->"},
		{"a--b", "<!-- octopulumi:a-%2Db -->"},
		{"a---b", "<!-- octopulumi:a-%2D-b -->"},
		{"end-", "<!-- octopulumi:end- -->"},
		{"x-->y", "<!-- octopulumi:x-%2D%3Ey -->"},
		{"<!--", "<!-- octopulumi:%3C%21-%2D -->"},
		{"a b", "<!-- octopulumi:a%20b -->"},
		{"a%20b", "<!-- octopulumi:a%2520b -->"},
		{"stäck", "<!-- octopulumi:st%C3%A4ck -->"},
		{"", "<!-- octopulumi: -->"},
		{long, "<!-- octopulumi:%sha256:" + hex.EncodeToString(sum[:]) + " -->"},
		{spaces, "<!-- octopulumi:%sha256:" + hex.EncodeToString(spacesSum[:]) + " -->"},
		{strings.Repeat(" ", 66), "<!-- octopulumi:" + strings.Repeat("%20", 66) + " -->"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := prcomment.Marker(tt.key)
		if got != tt.want {
			t.Errorf("Marker(%q) = %q, want %q", tt.key, got, tt.want)
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(got, "<!--"), "-->")
		if strings.Contains(inner, "--") || strings.ContainsAny(inner, "<>") {
			t.Errorf("Marker(%q) = %q: its text could end or nest the comment", tt.key, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("keys %q and %q share the marker %q", other, tt.key, got)
		}
		seen[got] = tt.key
	}
}

// bigDiff is a diff of about n bytes whose lines hold multi-byte
// characters, backtick runs up to 12 long and tilde runs.
func bigDiff(n int) string {
	lines := []string{
		"    + aws:s3/bucket:Bucket résumé-日本語 create",
		"    ~ description: \"🌈 uses ``` and ```````````` fences\" => \"~~~~ tilde ~~\"",
		"      - tags: {\"Ω\": \"ζ\"}",
		"  +- kubernetes:core/v1:ConfigMap cfg replace [diff: ~data]",
	}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(lines[i%len(lines)])
		b.WriteString("\n")
	}
	return b.String()
}

func TestBodyCutsTheDiff(t *testing.T) {
	t.Parallel()
	diff := bigDiff(5 << 20)
	tests := []struct {
		name     string
		opts     []prcomment.BodyOption
		wantNote string
	}{
		{"note points at the run", []prcomment.BodyOption{prcomment.WithFullDiffURL("https://github.com/acme/infra/actions/runs/42")},
			"the full diff is in [the workflow run](<https://github.com/acme/infra/actions/runs/42>)"},
		{"no URL: the job's log", nil, "the full diff is in the log of the job that posted this comment"},
		{"an unsafe URL is ignored", []prcomment.BodyOption{prcomment.WithFullDiffURL("javascript:alert(1)")},
			"the full diff is in the log of the job that posted this comment"},
		{"a URL with a space is ignored", []prcomment.BodyOption{prcomment.WithFullDiffURL("https://x.test/a b")},
			"the full diff is in the log of the job that posted this comment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := prcomment.Body("acme/infra/prod", "### acme/infra/prod\n\n| create | update |\n|---|---|\n| 1 | 2 |", diff, tt.opts...)
			checkBody(t, "acme/infra/prod", body)
			if !strings.Contains(body, tt.wantNote) {
				t.Errorf("the note does not say %q", tt.wantNote)
			}
			content, fence := diffIn(t, body)
			if !strings.HasPrefix(diff, content+"\n") {
				t.Error("the diff shown is not whole lines from the start of the diff")
			}
			if len(fence) != 13 {
				t.Errorf("fence %q: want 13 backticks, one more than the longest run", fence)
			}
			total := strings.Count(strings.TrimRight(diff, "\n"), "\n") + 1
			shown := strings.Count(content, "\n") + 1
			if want := "cut short: " + strconv.Itoa(shown) + " of " + strconv.Itoa(total) + " lines"; !strings.Contains(body, want) {
				t.Errorf("the summary does not say %q", want)
			}
			if shown < 500 {
				t.Errorf("only %d lines of the diff are shown; the budget holds far more", shown)
			}
		})
	}
}

func TestBodyCutsAHugeSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		md     string
		diff   string
		marker bool
	}{
		{"long lines of summary", strings.Repeat("| stack | 1 | 2 | résumé |\n", 10000), "+ a\n- b", true},
		{"one giant line", strings.Repeat("日", 200000), "", true},
		{"an open fence cut short", "```\n" + strings.Repeat("code line\n", 20000), "+ x", true},
		{"a fence longer than the budget", strings.Repeat("`", 70000) + "\n" + strings.Repeat("x\n", 10), "+ y", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := prcomment.Body("k", tt.md, tt.diff)
			checkBody(t, "k", body)
			if !strings.Contains(body, "The summary was cut short") && !strings.Contains(body, "left out") {
				t.Error("the body does not say what was cut")
			}
			if tt.diff != "" && !strings.Contains(body, "The diff is left out") {
				t.Error("the diff should be left out before the summary is cut")
			}
		})
	}
}

// FuzzBody checks Body on any input, and the same code within a budget of
// a few hundred code points, so that small inputs reach the cutting paths
// that real ones reach at 60,000 (large seeds would make the fuzzer's
// minimisation crawl; TestBodyCutsTheDiff covers the real budget).
func FuzzBody(f *testing.F) {
	f.Add("acme/web/dev", "**1 to create**", "+ a\n- b", uint16(0))
	f.Add("a--b>c", "```\nopen", "````\n~~~~\n`", uint16(40))
	f.Add("", "", "", uint16(7))
	f.Add("\x00\xff", "\r\n\r\n", "\r", uint16(300))
	f.Add("k", strings.Repeat("ü", 700), strings.Repeat("`", 100), uint16(100))
	f.Add("k", "s", bigDiff(3000), uint16(900))
	f.Add(strings.Repeat(">", 150), "# t\n\n~~~~\nx", "+ `````` ~~~\n- b", uint16(1))
	f.Fuzz(func(t *testing.T, key, md, diff string, small uint16) {
		checkBody(t, key, prcomment.Body(key, md, diff))
		budget := 300 + int(small)%2000
		checkBodyWithin(t, budget, key, prcomment.BodyWithBudget(budget, key, md, diff,
			prcomment.WithFullDiffURL("https://github.com/acme/web/actions/runs/1")))
	})
}
