package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

// parseServiceMessages reads out as service messages, one a line, each line strictly one
// whole message (reporttest.ParseTeamCityMessage), the last ended by a line break.
func parseServiceMessages(t testing.TB, out string) []reporttest.TeamCityMessage {
	t.Helper()
	if out != "" && !strings.HasSuffix(out, "\n") {
		t.Fatalf("output does not end with a line break: %q", out)
	}
	var msgs []reporttest.TeamCityMessage
	for line := range strings.SplitSeq(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		m, err := reporttest.ParseTeamCityMessage(line)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func newTestTeamCity(t testing.TB, opts Options) (Reporter, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	opts.Out = &out
	if opts.Environ == nil {
		opts.Environ = []string{"TMPDIR=" + t.TempDir()}
	}
	r, err := New(TeamCity, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, &out
}

// hostile holds names and values that break naive escaping.
var hostile = []string{
	"",
	"plain",
	"it's",
	"a|b||c|",
	"[x] ]] [[",
	"##teamcity[buildProblem description='injected']",
	"line\nbreak\r\nand\rreturn",
	"next\u0085line\u2028sep\u2029para",
	"unicode: é ü ß 中文 עברית",
	"astral: 😀 𝄞 𐍈",
	"controls: \x00 \x1b[31m \t \x7f \u0080 \u009f",
	"looks escaped: |0x0041 |n |'",
	"trailing bar |",
	"'",
	"$HOME %env.PATH% {build.status.text}",
}

func TestTeamCitySetOutputRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range append(hostile[1:], "Pulumi.Preview.Changes", "env.STACK") {
		for _, value := range hostile {
			r, out := newTestTeamCity(t, Options{})
			if err := r.SetOutput(name, value); err != nil {
				t.Fatalf("SetOutput(%q, %q): %v", name, value, err)
			}
			msgs := parseServiceMessages(t, out.String())
			if len(msgs) != 1 {
				t.Fatalf("SetOutput(%q, %q) wrote %d messages, want 1", name, value, len(msgs))
			}
			m := msgs[0]
			if m.Name != "setParameter" || m.Attrs["name"] != name || m.Attrs["value"] != value || len(m.Attrs) != 2 {
				t.Errorf("SetOutput(%q, %q) read back as %+v", name, value, m)
			}
		}
	}
}

func TestTeamCitySetOutputRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, value string }{
		{"", "v"},
		{"  ", "v"},
		{"bad\xffname", "v"},
		{"name", "bad\xc3value"},
	}
	for _, tt := range tests {
		r, out := newTestTeamCity(t, Options{})
		err := r.SetOutput(tt.name, tt.value)
		if !IsUnsupported(err) {
			t.Errorf("SetOutput(%q, %q) = %v, want an *UnsupportedError", tt.name, tt.value, err)
		}
		if out.Len() != 0 {
			t.Errorf("SetOutput(%q, %q) wrote %q", tt.name, tt.value, out)
		}
	}
}

func TestTeamCityProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		percent, want int
	}{{-5, 0}, {0, 0}, {42, 42}, {100, 100}, {250, 100}}
	for _, tt := range tests {
		for _, msg := range hostile {
			r, out := newTestTeamCity(t, Options{})
			if err := r.Progress(tt.percent, msg); err != nil {
				t.Fatal(err)
			}
			msgs := parseServiceMessages(t, out.String())
			want := strconv.Itoa(tt.want) + "% " + msg
			if len(msgs) != 1 || msgs[0].Name != "progressMessage" || msgs[0].Attrs != nil || msgs[0].Value != want {
				t.Errorf("Progress(%d, %q) read back as %+v, want the value %q", tt.percent, msg, msgs, want)
			}
		}
	}
}

// tcStatistic is a statistic value as the docs allow it: an integer of up
// to 13 digits, or a number with up to 6 decimal places.
var tcStatistic = regexp.MustCompile(`^-?[0-9]{1,13}(\.[0-9]{1,6})?$`)

func TestTeamCityMetric(t *testing.T) {
	t.Parallel()
	for _, v := range []float64{0, 1, -1, 3, 12.5, 0.1234567, -0.0000001, 1e-7, 9999999999999, 9999999999999.4, math.Pi, -42.000001} {
		r, out := newTestTeamCity(t, Options{})
		if err := r.Metric("pulumi.changes", v); err != nil {
			t.Fatalf("Metric(%v): %v", v, err)
		}
		msgs := parseServiceMessages(t, out.String())
		if len(msgs) != 1 || msgs[0].Name != "buildStatisticValue" || msgs[0].Attrs["key"] != "pulumi.changes" {
			t.Fatalf("Metric(%v) read back as %+v", v, msgs)
		}
		got := msgs[0].Attrs["value"]
		if !tcStatistic.MatchString(got) {
			t.Errorf("Metric(%v) wrote %q, which TeamCity does not take", v, got)
		}
		n, err := strconv.ParseFloat(got, 64)
		if err != nil || math.Abs(n-v) > 5e-7+math.Abs(v)*1e-15 {
			t.Errorf("Metric(%v) wrote %q, not %v to 6 decimal places", v, got, v)
		}
	}
	refused := []struct {
		name  string
		value float64
	}{
		{"x", math.NaN()}, {"x", math.Inf(1)}, {"x", math.Inf(-1)},
		{"x", 1e13}, {"x", -1e15},
		{"BuildDuration", 1}, {"", 1},
	}
	for _, tt := range refused {
		r, out := newTestTeamCity(t, Options{})
		if err := r.Metric(tt.name, tt.value); !IsUnsupported(err) {
			t.Errorf("Metric(%q, %v) = %v, want an *UnsupportedError", tt.name, tt.value, err)
		}
		if out.Len() != 0 {
			t.Errorf("Metric(%q, %v) wrote %q", tt.name, tt.value, out)
		}
	}
}

func TestTeamCityFail(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("😀 ab|'[]\n", 800) // 8000 UTF-16 units
	tests := []struct {
		message string
		cut     bool
	}{
		{"pulumi up failed: exit status 1", false},
		{strings.Join(hostile, "\n"), false},
		{strings.Repeat("x", 4000), false},
		{strings.Repeat("x", 4001), true},
		{long, true},
		{"", false},
	}
	identities := map[string]string{}
	for _, tt := range tests {
		r, out := newTestTeamCity(t, Options{})
		if err := r.Fail(tt.message); err != nil {
			t.Fatal(err)
		}
		msgs := parseServiceMessages(t, out.String())
		if len(msgs) != 1 || msgs[0].Name != "buildProblem" {
			t.Fatalf("Fail wrote %+v", msgs)
		}
		desc, id := msgs[0].Attrs["description"], msgs[0].Attrs["identity"]
		if units := len(utf16.Encode([]rune(desc))); units > 4000 || desc == "" {
			t.Errorf("description has %d UTF-16 units, want 1 to 4000", units)
		}
		switch {
		case !tt.cut && tt.message != "" && desc != tt.message:
			t.Errorf("description %q, want the message %q", desc, tt.message)
		case tt.cut && (!strings.HasSuffix(desc, "…") || !strings.HasPrefix(tt.message, strings.TrimSuffix(desc, "…"))):
			t.Errorf("cut description %q is not a prefix of the message ending in …", desc[:40])
		}
		if !utf8.ValidString(desc) {
			t.Errorf("description is cut inside a character")
		}
		if !reporttest.TeamCityIdentifier(id) || len(id) > 60 {
			t.Errorf("identity %q is not a Java identifier of up to 60 characters", id)
		}
		if prev, ok := identities[id]; ok && prev != tt.message {
			t.Errorf("messages %q and %q share identity %s", prev, tt.message, id)
		}
		identities[id] = tt.message
		again, out2 := newTestTeamCity(t, Options{})
		if err := again.Fail(tt.message); err != nil {
			t.Fatal(err)
		}
		if m := parseServiceMessages(t, out2.String()); m[0].Attrs["identity"] != id {
			t.Errorf("the same failure got identities %s and %s", id, m[0].Attrs["identity"])
		}
	}
}

func TestTeamCitySecretsAndMask(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-'|[value]"
	r, out := newTestTeamCity(t, Options{})
	err := r.SetSecretOutput("Pulumi.Token", secret)
	var u *UnsupportedError
	if !errors.As(err, &u) || u.System != TeamCity || u.What != "a secret output" || u.Name != "Pulumi.Token" || u.Reason == "" {
		t.Fatalf("SetSecretOutput = %#v, want an *UnsupportedError naming the output", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the error holds the secret: %v", err)
	}
	if err := r.Mask(secret); err != nil {
		t.Errorf("Mask = %v, want nil", err)
	}
	if out.Len() != 0 {
		t.Errorf("SetSecretOutput and Mask wrote %q", out)
	}
}

func TestTeamCityAttach(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "preview.diff")
	content := []byte("+ aws:s3:Bucket\n")
	if err := os.WriteFile(src, content, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want string }{
		{"", "preview.diff"},
		{"changes.txt", "changes.txt"},
		{"it's [odd] é.txt", "it's [odd] é.txt"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		r, out := newTestTeamCity(t, Options{Dir: dir})
		if err := r.Attach(src, tt.name); err != nil {
			t.Fatalf("Attach(%q): %v", tt.name, err)
		}
		msgs := parseServiceMessages(t, out.String())
		if len(msgs) != 1 || msgs[0].Name != "publishArtifacts" {
			t.Fatalf("Attach wrote %+v", msgs)
		}
		path, target, ok := strings.Cut(msgs[0].Value, " => ")
		if !ok || target != "octopulumi" || path != filepath.Join(dir, tt.want) {
			t.Errorf("Attach(%q) published %q, want %s => octopulumi", tt.name, msgs[0].Value, filepath.Join(dir, tt.want))
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
			t.Errorf("the published copy holds %q, %v; want %q", got, err, content)
		}
	}
	for _, name := range []string{"../escape.txt", "a/b.txt", `a\b.txt`, "summary.md", "SUMMARY.MD", "..", "x?.txt", "trailing."} {
		r, out := newTestTeamCity(t, Options{Dir: t.TempDir()})
		if err := r.Attach(src, name); !IsUnsupported(err) {
			t.Errorf("Attach(%q) = %v, want an *UnsupportedError", name, err)
		}
		if out.Len() != 0 {
			t.Errorf("Attach(%q) wrote %q", name, out)
		}
	}
	r, _ := newTestTeamCity(t, Options{Dir: t.TempDir()})
	if err := r.Attach(filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Error("Attach of a missing file succeeded")
	}
	bad := filepath.Join(t.TempDir(), "a,b")
	r, out := newTestTeamCity(t, Options{Dir: bad})
	if err := r.Attach(src, ""); err == nil || out.Len() != 0 {
		t.Errorf("Attach into %s = %v and wrote %q; want an error and nothing written", bad, err, out)
	}
}

func TestTeamCitySummary(t *testing.T) {
	t.Parallel()
	tests := []struct{ markdown, status string }{
		{"## Preview of **dev**: 3 to create\n\n| op | count |\n|---|---|\n| create | 3 |\n", "Preview of dev: 3 to create"},
		{"\n\n> [Stack `prod`](https://example.com/x) has _no_ changes\n", "Stack prod has _no_ changes"},
		{"- <b>one</b> ~~two~~\n", "one two"},
		{"|---|\n| a | b |\n", "a b"},
		{"# " + strings.Repeat("long ", 60), strings.Repeat("long ", 20)[:99] + "…"},
		{"```\n\n", ""},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		r, out := newTestTeamCity(t, Options{Dir: dir})
		if err := r.Summary(tt.markdown); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "summary.md")
		if got, err := os.ReadFile(file); err != nil || string(got) != tt.markdown {
			t.Errorf("summary.md holds %q, %v; want the Markdown", got, err)
		}
		msgs := parseServiceMessages(t, out.String())
		if len(msgs) == 0 || msgs[0].Name != "publishArtifacts" || msgs[0].Value != file+" => octopulumi" {
			t.Fatalf("Summary wrote %+v, want summary.md published first", msgs)
		}
		if tt.status == "" {
			if len(msgs) != 1 {
				t.Errorf("Summary of %q set a status: %+v", tt.markdown, msgs[1:])
			}
			continue
		}
		if len(msgs) != 2 || msgs[1].Name != "buildStatus" || msgs[1].Attrs["text"] != "{build.status.text}; "+tt.status {
			t.Errorf("Summary of %q wrote %+v, want the status %q", tt.markdown, msgs[1:], tt.status)
		}
	}
}

func TestTeamCityDefaultFolder(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	r, out := newTestTeamCity(t, Options{Environ: []string{"TMPDIR=" + tmp}})
	if err := r.Summary("# Hello"); err != nil {
		t.Fatal(err)
	}
	msgs := parseServiceMessages(t, out.String())
	path, _, _ := strings.Cut(msgs[0].Value, " => ")
	if filepath.Dir(filepath.Dir(path)) != tmp || !strings.HasPrefix(filepath.Base(filepath.Dir(path)), "octopulumi-report-") {
		t.Errorf("summary published from %s, want a new folder in %s", path, tmp)
	}
	if _, err := os.Stat(path); err != nil {
		t.Error(err)
	}
}

func TestTeamCityConcurrent(t *testing.T) {
	t.Parallel()
	r, out := newTestTeamCity(t, Options{})
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("out%d", i)
			if err := r.SetOutput(name, strings.Repeat("v|'\n", 200)+name); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, m := range parseServiceMessages(t, out.String()) {
		if !strings.HasSuffix(m.Attrs["value"], m.Attrs["name"]) {
			t.Errorf("message %s carries another's value", m.Attrs["name"])
		}
		seen[m.Attrs["name"]] = true
	}
	if len(seen) != n {
		t.Errorf("read back %d messages, want %d", len(seen), n)
	}
}

func FuzzTeamCityRoundTrip(f *testing.F) {
	for i, s := range hostile {
		f.Add(s, hostile[len(hostile)-1-i], i*9-10)
	}
	f.Fuzz(func(t *testing.T, name, value string, percent int) {
		var out bytes.Buffer
		r, err := New(TeamCity, Options{Out: &out, Environ: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		err = r.SetOutput(name, value)
		valid := strings.TrimSpace(name) != "" && utf8.ValidString(name) && utf8.ValidString(value)
		switch {
		case err != nil && (valid || !IsUnsupported(err)):
			t.Fatalf("SetOutput(%q, %q) = %v", name, value, err)
		case err == nil && !valid:
			t.Fatalf("SetOutput(%q, %q) took an output it cannot carry", name, value)
		case err == nil:
			m := parseServiceMessages(t, out.String())
			if len(m) != 1 || m[0].Name != "setParameter" || m[0].Attrs["name"] != name || m[0].Attrs["value"] != value {
				t.Fatalf("SetOutput(%q, %q) read back as %+v", name, value, m)
			}
		}
		out.Reset()
		if err := r.Progress(percent, value); err != nil {
			t.Fatal(err)
		}
		m := parseServiceMessages(t, out.String())
		want := fmt.Sprintf("%d%% %s", min(max(percent, 0), 100), strings.ToValidUTF8(value, "\uFFFD"))
		if len(m) != 1 || m[0].Value != want {
			t.Fatalf("Progress(%d, %q) read back as %+v", percent, value, m)
		}
	})
}
