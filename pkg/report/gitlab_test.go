package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

// glKeyUnsafe is what the reporter replaces with "_" in an output's name to make a key GitLab
// takes (reporttest.GitLabDotenv checks the key).
var glKeyUnsafe = regexp.MustCompile(`[^A-Za-z0-9_]`)

func newTestGitLab(t testing.TB) (Reporter, string, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	dir := filepath.Join(t.TempDir(), "report")
	r, err := New(GitLab, Options{Out: &out, Environ: []string{}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("the report folder was made before anything was reported")
	}
	return r, dir, &out
}

func readDotenv(t testing.TB, dir string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "octopulumi.env"))
	if err != nil {
		t.Fatal(err)
	}
	vars, err := reporttest.GitLabDotenv(data)
	if err != nil {
		t.Fatalf("GitLab would refuse the dotenv report %q: %v", data, err)
	}
	return vars
}

func TestGitLabOutputsRoundTrip(t *testing.T) {
	t.Parallel()
	values := []string{
		"",
		"plain",
		`it's "quoted" and 'single'`,
		"'quoted whole'",
		"a=b=c",
		"$HOME and $$ and ${X} and $",
		"inner   spaces and\ttab",
		"# not a comment",
		"unicode é 中文, astral 😀, separators \u0085\u2028\u2029",
		"carriage\rreturn inside",
		"\uFEFFbom first",
		"##vso[task.setvariable variable=x]y ::error::z",
		"x" + strings.Repeat("$", 9) + "y",
	}
	r, dir, _ := newTestGitLab(t)
	want := map[string]string{}
	for i, v := range values {
		name := fmt.Sprintf("Pulumi.Out-%d.é", i)
		if err := r.SetOutput(name, v); err != nil {
			t.Fatalf("SetOutput(%q): %v", v, err)
		}
		want[glKeyUnsafe.ReplaceAllString(name, "_")] = v
		got := readDotenv(t, dir)
		for k, w := range want {
			if got[k] != w {
				t.Errorf("after SetOutput(%q): %s reads %q, want %q", v, k, got[k], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("the report has %d variables, want %d", len(got), len(want))
		}
	}
	if _, ok := want["Pulumi_Out_0__"]; !ok {
		t.Errorf("keys %v: want Pulumi.Out-0.é as Pulumi_Out_0__", want)
	}
}

func TestGitLabOutputsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, value string }{
		{"", "v"},
		{" \t", "v"},
		{"multi", "line\nbreak"},
		{"lead", " x"},
		{"trail", "x\t"},
		{"trailcr", "x\r"},
		{"vt", "\vx"},
		{"nul", "a\x00b"},
		{"utf8", "bad\xff"},
		{strings.Repeat("k", 256), "v"},
	}
	for _, tt := range tests {
		r, dir, _ := newTestGitLab(t)
		if err := r.SetOutput("Before", "kept"); err != nil {
			t.Fatal(err)
		}
		err := r.SetOutput(tt.name, tt.value)
		if !IsUnsupported(err) {
			t.Errorf("SetOutput(%q, %q) = %v, want an *UnsupportedError", tt.name, tt.value, err)
		}
		if got := readDotenv(t, dir); len(got) != 1 || got["Before"] != "kept" {
			t.Errorf("after a refused output the report reads %q", got)
		}
	}
}

func TestGitLabOutputLimits(t *testing.T) {
	t.Parallel()
	r, dir, _ := newTestGitLab(t)
	for i := range 20 {
		if err := r.SetOutput(fmt.Sprintf("o%d", i), "v"); err != nil {
			t.Fatalf("output %d: %v", i, err)
		}
	}
	if err := r.SetOutput("o20", "v"); !IsUnsupported(err) {
		t.Errorf("a 21st variable: %v, want an *UnsupportedError", err)
	}
	if err := r.SetOutput("o3", "changed"); err != nil {
		t.Errorf("changing an existing variable past the count: %v", err)
	}
	if got := readDotenv(t, dir); len(got) != 20 || got["o3"] != "changed" {
		t.Errorf("the report holds %d variables (o3=%q), want 20 with o3 changed", len(got), got["o3"])
	}

	r, dir, _ = newTestGitLab(t)
	big := strings.Repeat("x", 1500)
	var refused bool
	for i := range 5 {
		err := r.SetOutput(fmt.Sprintf("big%d", i), big)
		if err != nil {
			if !IsUnsupported(err) {
				t.Fatal(err)
			}
			refused = true
		}
	}
	if !refused {
		t.Error("7.5 KB of values were all taken")
	}
	if got := readDotenv(t, dir); len(got) != 3 {
		t.Errorf("the report holds %d large variables, want the 3 that fit", len(got))
	}
}

func TestGitLabDuplicateKeys(t *testing.T) {
	t.Parallel()
	r, dir, _ := newTestGitLab(t)
	for _, o := range []struct{ name, value string }{
		{"a.b", "1"}, {"c", "x"}, {"a_b", "2"}, {"a-b", "3"},
	} {
		if err := r.SetOutput(o.name, o.value); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "octopulumi.env"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "a_b="); n != 1 {
		t.Errorf("a_b is written %d times in %q, want once", n, data)
	}
	if got := readDotenv(t, dir); got["a_b"] != "3" || got["c"] != "x" {
		t.Errorf("the report reads %q, want a_b=3 (the last) and c=x", got)
	}
}

func TestGitLabMetrics(t *testing.T) {
	t.Parallel()
	r, dir, _ := newTestGitLab(t)
	metrics := []struct {
		name  string
		value float64
		want  string
	}{
		{"pulumi.changes.create", 3, "pulumi_changes_create"},
		{"2xx", -1.5, "_2xx"},
		{"durée", 1e-9, "dur_e"},
		{"big", 1e22, "big"},
		{"zero", 0, "zero"},
		{"pi", math.Pi, "pi"},
		{"pulumi.changes.create", 7, "pulumi_changes_create"},
	}
	want := map[string]float64{}
	for _, m := range metrics {
		if err := r.Metric(m.name, m.value); err != nil {
			t.Fatalf("Metric(%q, %v): %v", m.name, m.value, err)
		}
		want[m.want] = m.value
		data, err := os.ReadFile(filepath.Join(dir, "metrics.txt"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := reporttest.OpenMetrics(string(data))
		if err != nil {
			t.Fatalf("metrics.txt %q: %v", data, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("metrics.txt reads %v, want %v", got, want)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1)} {
		if err := r.Metric("bad", v); !IsUnsupported(err) {
			t.Errorf("Metric(%v) = %v, want an *UnsupportedError", v, err)
		}
	}
	if err := r.Metric("", 1); !IsUnsupported(err) {
		t.Errorf("a metric without a name: %v, want an *UnsupportedError", err)
	}
}

func TestGitLabSummaryFailProgress(t *testing.T) {
	t.Parallel()
	r, dir, out := newTestGitLab(t)
	const md = "## Preview\n\n| op | n |\n|---|---|\n| create | 3 |\n"
	if err := r.Summary(md); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "summary.md")); string(got) != md {
		t.Errorf("summary.md holds %q, want %q", got, md)
	}
	failure := "pulumi up failed:\n```\nerror: ``` fenced\n\x1b[0Ksection_start:1:x\r\x1b[0Kfake"
	if err := r.Fail(failure); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	fence := "````"
	if !strings.HasSuffix(string(got), md) || !strings.Contains(string(got), fence+"\n"+failure+"\n"+fence+"\n") {
		t.Errorf("summary.md holds %q, want the failure verbatim in a code block, then the summary", got)
	}
	if err := r.Progress(140, "done\nsecond line"); err != nil {
		t.Fatal(err)
	}
	log := out.String()
	if strings.ContainsAny(log, "\x1b\r") {
		t.Errorf("the job log holds control characters: %q", log)
	}
	wantLines := []string{
		"[octopulumi] failed: pulumi up failed:",
		"[octopulumi] failed: ```",
		"[octopulumi] failed: error: ``` fenced",
		`[octopulumi] failed: \x1b[0Ksection_start:1:x\x0d\x1b[0Kfake`,
		"[octopulumi] 100% done",
		"[octopulumi] 100% second line",
	}
	if lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n"); !slices.Equal(lines, wantLines) {
		t.Errorf("job log lines:\n%q\nwant\n%q", lines, wantLines)
	}
}

func TestGitLabSecretsNeverWritten(t *testing.T) {
	t.Parallel()
	const secret = "pul-0123456789abcdef-secret"
	r, dir, out := newTestGitLab(t)
	err := r.SetSecretOutput("Pulumi.Token", secret)
	var u *UnsupportedError
	if !errors.As(err, &u) || u.System != GitLab || u.Name != "Pulumi.Token" || u.What != "a secret output" {
		t.Fatalf("SetSecretOutput = %#v, want an *UnsupportedError naming the output", err)
	}
	if err := r.Mask(secret); err != nil {
		t.Errorf("Mask = %v, want nil", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	assertNotInFolder(t, dir, secret)
	if strings.Contains(out.String()+err.Error(), secret) {
		t.Error("the secret reached the log or the error")
	}
}

func TestGitLabAttach(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "preview.diff")
	if err := os.WriteFile(src, []byte("+ bucket\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, dir, _ := newTestGitLab(t)
	for _, name := range []string{"", "changes.txt"} {
		if err := r.Attach(src, name); err != nil {
			t.Fatalf("Attach(%q): %v", name, err)
		}
		if name == "" {
			name = "preview.diff"
		}
		kept := filepath.Join(dir, name)
		got, err := os.ReadFile(kept)
		if err != nil || string(got) != "+ bucket\n" {
			t.Errorf("%s holds %q, %v", kept, got, err)
		}
		if info, err := os.Stat(kept); err == nil && runtime.GOOS != "windows" && info.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", kept, info.Mode().Perm())
		}
	}
	for _, name := range []string{"../up.txt", "sub/x.txt", "octopulumi.env", "Metrics.TXT", "summary.md", "."} {
		if err := r.Attach(src, name); !IsUnsupported(err) {
			t.Errorf("Attach(%q) = %v, want an *UnsupportedError", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "up.txt")); err == nil {
		t.Error("Attach wrote outside the report folder")
	}
}

func TestGitLabCloseWritesReports(t *testing.T) {
	t.Parallel()
	r, dir, _ := newTestGitLab(t)
	for range 2 {
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := readDotenv(t, dir); len(got) != 0 {
		t.Errorf("an empty run's dotenv report reads %q", got)
	}
	data, err := os.ReadFile(filepath.Join(dir, "metrics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := reporttest.OpenMetrics(string(data)); err != nil || len(m) != 0 {
		t.Errorf("an empty run's metrics.txt %q: %v, %v", data, m, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"metrics.txt", "octopulumi.env"}) {
		t.Errorf("the report folder holds %q, want only the two reports (no temporary file)", names)
	}
}

func TestGitLabConcurrent(t *testing.T) {
	t.Parallel()
	r, dir, _ := newTestGitLab(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := r.SetOutput(fmt.Sprintf("o%d", i), fmt.Sprintf("v%d", i)); err != nil {
				t.Error(err)
			}
			if err := r.Metric(fmt.Sprintf("m%d", i), float64(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := readDotenv(t, dir); len(got) != 20 {
		t.Errorf("the report holds %d variables, want 20", len(got))
	}
}

// assertNotInFolder fails if any file under dir holds secret.
func assertNotInFolder(t *testing.T, dir, secret string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the secret", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func FuzzGitLabDotenv(f *testing.F) {
	for i, s := range hostile {
		f.Add(s, hostile[len(hostile)-1-i])
	}
	f.Add("Pulumi.Preview.Changes", " padded ")
	f.Add("x", "$$$")
	dir := f.TempDir() // one folder for every input: each starts a new reporter, whose first output rewrites the file
	f.Fuzz(func(t *testing.T, name, value string) {
		r, err := New(GitLab, Options{Out: &bytes.Buffer{}, Environ: []string{}, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.SetOutput(name, value); err != nil {
			if !IsUnsupported(err) {
				t.Fatalf("SetOutput(%q, %q) = %v, want nil or an *UnsupportedError", name, value, err)
			}
			return
		}
		got := readDotenv(t, dir)
		key := glKeyUnsafe.ReplaceAllString(strings.ToValidUTF8(name, "\uFFFD"), "_")
		if len(got) != 1 || got[key] != value {
			t.Fatalf("SetOutput(%q, %q) reads back as %q, want %s=%q", name, value, got, key, value)
		}
		if !utf8.ValidString(value) {
			t.Fatalf("SetOutput took invalid UTF-8 %q", value)
		}
	})
}
