package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

func newTestPlain(t testing.TB) (Reporter, string, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	dir := filepath.Join(t.TempDir(), "nested", "report")
	r, err := New(Plain, Options{Out: &out, Environ: []string{}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return r, dir, &out
}

func readPlain(t testing.TB, dir string) reporttest.PlainReport {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reporttest.ReadPlainReport(data)
	if err != nil {
		t.Fatalf("%q: %v", data, err)
	}
	return rep
}

func TestPlainReport(t *testing.T) {
	t.Parallel()
	r, dir, out := newTestPlain(t)
	src := filepath.Join(t.TempDir(), "preview.diff")
	if err := os.WriteFile(src, []byte("+ bucket\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{}
	for i, v := range hostile {
		name := "Pulumi.Out." + strings.Repeat("x", i)
		if err := r.SetOutput(name, v); err != nil {
			t.Fatalf("SetOutput(%q): %v", v, err)
		}
		outputs[name] = v
	}
	steps := []func() error{
		func() error { return r.SetOutput("Pulumi.Out.", "replaced") },
		func() error { return r.Metric("pulumi.changes.create", 3) },
		func() error { return r.Metric("pulumi.duration", 1.25) },
		func() error { return r.Metric("pulumi.changes.create", 4) },
		func() error { return r.Attach(src, "") },
		func() error { return r.Attach(src, "changes.txt") },
		func() error { return r.Attach(src, "") },
		func() error { return r.Summary("## Preview\n") },
		func() error { return r.Fail("boom\nsecond line") },
		func() error { return r.Progress(50, "half") },
		r.Close,
		r.Close,
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	outputs["Pulumi.Out."] = "replaced"
	rep := readPlain(t, dir)
	if !reflect.DeepEqual(rep.Outputs, outputs) {
		t.Errorf("outputs %q, want %q", rep.Outputs, outputs)
	}
	if want := map[string]float64{"pulumi.changes.create": 4, "pulumi.duration": 1.25}; !reflect.DeepEqual(rep.Metrics, want) {
		t.Errorf("metrics %v, want %v", rep.Metrics, want)
	}
	if len(rep.SecretOutputs) != 0 || rep.SecretOutputs == nil {
		t.Errorf("secretOutputs %v, want an empty list", rep.SecretOutputs)
	}
	var names []string
	for _, a := range rep.Attachments {
		names = append(names, a.Name)
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(a.Path)))
		if err != nil || string(got) != "+ bucket\n" {
			t.Errorf("attachment %s at %s holds %q, %v", a.Name, a.Path, got, err)
		}
	}
	if !slices.Equal(names, []string{"changes.txt", "preview.diff"}) {
		t.Errorf("attachments %q, want changes.txt and preview.diff once each", names)
	}
	if rep.Failure != "boom\nsecond line" || rep.Summary != "summary.md" {
		t.Errorf("failure %q, summary %q", rep.Failure, rep.Summary)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, rep.Summary)); string(got) != "## Preview\n" {
		t.Errorf("the summary file holds %q", got)
	}
	want := "[octopulumi] failed: boom\n[octopulumi] failed: second line\n[octopulumi] 50% half\n"
	if out.String() != want {
		t.Errorf("log %q, want %q", out, want)
	}
}

func TestPlainSecretsNeverWritten(t *testing.T) {
	t.Parallel()
	secrets := []string{
		"pul-0123456789abcdef0123456789abcdef01234567",
		"p@ss\"word\\with'quotes",
		"multi\nline\nsecret",
		"unicode-sécret-😀",
	}
	r, dir, out := newTestPlain(t)
	for i, s := range secrets {
		name := "Secret." + strings.Repeat("s", i)
		err := r.SetSecretOutput(name, s)
		var u *UnsupportedError
		if !errors.As(err, &u) || u.System != Plain || u.Name != name || u.What != "a secret output" {
			t.Fatalf("SetSecretOutput = %#v, want an *UnsupportedError naming the output", err)
		}
		if strings.Contains(err.Error(), s) {
			t.Errorf("the error holds the secret: %v", err)
		}
		if err := r.Mask(s); err != nil {
			t.Errorf("Mask = %v", err)
		}
	}
	if err := r.SetSecretOutput("Secret.", "again"); !IsUnsupported(err) {
		t.Fatal(err)
	}
	if err := r.SetOutput("Public", "shown"); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	rep := readPlain(t, dir)
	if want := []string{"Secret.", "Secret.s", "Secret.ss", "Secret.sss"}; !slices.Equal(rep.SecretOutputs, want) {
		t.Errorf("secretOutputs %q, want %q", rep.SecretOutputs, want)
	}
	for _, s := range append(secrets, "again") {
		assertNotInFolder(t, dir, s)
		// JSON would write a quote, a backslash or a line break escaped.
		quoted, _ := json.Marshal(s)
		assertNotInFolder(t, dir, strings.Trim(string(quoted), `"`))
		if strings.Contains(out.String(), s) {
			t.Errorf("the log holds the secret %q", s)
		}
	}
}

func TestPlainRefused(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(src, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(Reporter) error{
		"empty name":         func(r Reporter) error { return r.SetOutput("", "v") },
		"invalid UTF-8":      func(r Reporter) error { return r.SetOutput("n", "\xff") },
		"NaN":                func(r Reporter) error { return r.Metric("m", math.NaN()) },
		"infinity":           func(r Reporter) error { return r.Metric("m", math.Inf(-1)) },
		"report.json":        func(r Reporter) error { return r.Attach(src, "report.json") },
		"summary.md":         func(r Reporter) error { return r.Attach(src, "Summary.md") },
		"path traversal":     func(r Reporter) error { return r.Attach(src, "../../x.txt") },
		"secret, empty name": func(r Reporter) error { return r.SetSecretOutput(" ", "s") },
	}
	for name, call := range tests {
		r, dir, _ := newTestPlain(t)
		if err := call(r); !IsUnsupported(err) {
			t.Errorf("%s: %v, want an *UnsupportedError", name, err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "report.json")); err != nil {
			// Nothing but refusals (or a secret's name) was reported.
			if name != "secret, empty name" && !os.IsNotExist(err) {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		rep := readPlain(t, dir)
		if len(rep.Outputs)+len(rep.Metrics)+len(rep.Attachments)+len(rep.SecretOutputs) != 0 {
			t.Errorf("%s: report.json recorded %+v", name, rep)
		}
	}
}

func TestPlainDefaultFolder(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	// A run that reports nothing but its failure leaves no folder.
	r, err := New(Plain, Options{Out: &bytes.Buffer{}, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Fail("usage: no such flag"); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(work, "octopulumi-report")); !os.IsNotExist(err) {
		t.Errorf("a run that reported only its failure made the report folder: %v", err)
	}
	// In the working folder, else in the job's workspace.
	jenkins := t.TempDir()
	for env, want := range map[string]string{"": filepath.Join(work, "octopulumi-report"), "WORKSPACE=" + jenkins: filepath.Join(jenkins, "octopulumi-report")} {
		r, err := New(Plain, Options{Out: &bytes.Buffer{}, Environ: []string{env}})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.SetOutput("a", "b"); err != nil {
			t.Fatal(err)
		}
		if err := r.Fail("then it failed"); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		rep := readPlain(t, want)
		if rep.Outputs["a"] != "b" || rep.Failure != "then it failed" || rep.Metrics == nil || rep.Attachments == nil {
			t.Errorf("%s: report.json %+v, want the output, the failure and empty objects and lists", want, rep)
		}
	}
}

func TestWriteLogLines(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, want string }{
		{"one", "> one\n"},
		{"", "> \n"},
		{"a\r\nb\nc", "> a\n> b\n> c\n"},
		{"\x1b[8mha:hidden\x1b[0m", `> \x1b[8mha:hidden\x1b[0m` + "\n"},
		{"over\rwrite", `> over\x0dwrite` + "\n"},
		{"tab\tand é \u2028 \u0085", "> tab\tand é \u2028 \\x85\n"},
		{"bad\xffbyte", "> bad\uFFFDbyte\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := writeLogLines(&b, "> ", tt.text); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("writeLogLines(%q) = %q, want %q", tt.text, b.String(), tt.want)
		}
	}
}

func TestWriteLogLinesDefused(t *testing.T) {
	t.Parallel()
	commands := []string{"##vso[", "##teamcity[", "##octopus", "##["}
	text := "##vso[task.setvariable variable=x]1\n##teamcity[buildProblem description='x']\n##octopus[setVariable name='eA==']\n##[error]x"
	var b bytes.Buffer
	if err := writeLogLines(&b, "", text); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(b.String(), "\n"); lines != 4 {
		t.Errorf("%d lines, want 4", lines)
	}
	for _, c := range commands {
		if strings.Contains(b.String(), c) {
			t.Errorf("the log %q still holds %q", b.String(), c)
		}
	}
}
