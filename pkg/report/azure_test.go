package report

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

// azCommands parses every line of out as a command that acts, in both modes alike: each line
// must hold one the agent acts on, read the same on ICU.
func azCommands(t *testing.T, out string, percents bool) []reporttest.AzureCommand {
	t.Helper()
	var cmds []reporttest.AzureCommand
	for _, line := range reporttest.NetLines(out) {
		c, ok := reporttest.ParseAzureLine(line, percents, reporttest.Exact)
		if !ok || !c.Acts() {
			t.Fatalf("the agent reads no command in %q", line)
		}
		if ci, _ := reporttest.ParseAzureLine(line, percents, reporttest.ICU); !reflect.DeepEqual(ci, c) {
			t.Fatalf("on ICU the agent reads %+v in %q, not %+v", ci, line, c)
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// newTestAzure returns an Azure reporter writing to out, reports in a new folder, with the
// agent decoding %AZP25 or not.
func newTestAzure(t *testing.T, out *recordWrites, percents bool) *azure {
	t.Helper()
	return newTestAzureIn(t, t.TempDir(), out, percents)
}

// newTestAzureIn is newTestAzure with reports in dir.
func newTestAzureIn(t *testing.T, dir string, out *recordWrites, percents bool) *azure {
	t.Helper()
	env := []string{}
	if !percents {
		env = append(env, "DECODE_PERCENTS=false")
	}
	r, err := New(Azure, Options{Out: out, Environ: env, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return r.(*azure)
}

// azCannotCarry reports whether the agent turns part of s into another character whatever
// is written, which is so for its escapes when it does not decode %AZP25.
func azCannotCarry(s string, percents bool) bool {
	if percents {
		return false
	}
	return slices.ContainsFunc([]string{"%3B", "%0D", "%0A", "%5D"}, func(e string) bool { return strings.Contains(s, e) })
}

var decodeModes = []struct {
	name     string
	percents bool
}{{"DECODE_PERCENTS on", true}, {"DECODE_PERCENTS off", false}}

func TestAzureSetOutputRoundTrip(t *testing.T) {
	t.Parallel()
	for _, m := range decodeModes {
		for _, secret := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, secret %v", m.name, secret), func(t *testing.T) {
				t.Parallel()
				for _, name := range hostileNames {
					for _, value := range hostileValues {
						var out recordWrites
						a := newTestAzure(t, &out, m.percents)
						set := a.SetOutput
						if secret {
							set = a.SetSecretOutput
						}
						err := set(name, value)
						refuse := azCannotCarry(name, m.percents) || azCannotCarry(value, m.percents) ||
							(secret && strings.ContainsAny(value, "\r\n"))
						if refuse {
							if !IsUnsupported(err) || out.String() != "" {
								t.Fatalf("(%q, %q) = %v, writing %q; want it refused", name, value, err, out.String())
							}
							continue
						}
						if err != nil {
							t.Fatalf("(%q, %q): %v", name, value, err)
						}
						cmds := azCommands(t, out.String(), m.percents)
						want := map[string]string{"variable": name, "isoutput": "true"}
						if secret {
							want["issecret"] = "true"
						}
						if len(cmds) != 1 || cmds[0].Area != "task" || cmds[0].Event != "setvariable" ||
							!maps.Equal(cmds[0].Properties, want) || cmds[0].Data != value {
							t.Fatalf("(%q, %q) reads back as %+v", name, value, cmds)
						}
					}
				}
			})
		}
	}
}

func TestAzureSetOutputRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, value string
		secret      bool
	}{
		{"", "x", false}, {"=a", "x", false}, {"==a", "x", true}, {"a\xff", "x", false}, {"a", "\xff", false},
		{"a", "two\nlines", true}, {"a", "cr\r", true},
	} {
		t.Run(fmt.Sprintf("%q=%q", tc.name, tc.value), func(t *testing.T) {
			t.Parallel()
			var out recordWrites
			a := newTestAzure(t, &out, true)
			set := a.SetOutput
			if tc.secret {
				set = a.SetSecretOutput
			}
			if err := set(tc.name, tc.value); !IsUnsupported(err) {
				t.Errorf("= %v, want an *UnsupportedError", err)
			}
			if out.String() != "" {
				t.Errorf("refused, yet written: %q", out.String())
			}
		})
	}
}

func TestAzureMask(t *testing.T) {
	t.Parallel()
	for _, m := range decodeModes {
		for _, value := range append(slices.Clone(hostileValues), " ", "line one\n  line two  \r\nline one") {
			var out recordWrites
			a := newTestAzure(t, &out, m.percents)
			err := a.Mask(value)
			if azCannotCarry(value, m.percents) {
				if !IsUnsupported(err) {
					t.Errorf("%s: Mask(%q) = %v, want an *UnsupportedError", m.name, value, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: Mask(%q): %v", m.name, value, err)
			}
			var masked []string
			for _, c := range azCommands(t, out.String(), m.percents) {
				if c.Area != "task" || c.Event != "setsecret" {
					t.Fatalf("%+v among the masks", c)
				}
				masked = append(masked, c.Data)
			}
			if strings.TrimSpace(value) == "" {
				if len(masked) > 0 {
					t.Errorf("a blank value masked: %q", masked)
				}
				continue
			}
			if masked[0] != value {
				t.Errorf("Mask(%q) masks %q first", value, masked[0])
			}
			for _, line := range reporttest.NetLines(value) {
				if line = strings.TrimSpace(line); line != "" && !slices.Contains(masked, line) {
					t.Errorf("Mask(%q): the line %q is not masked by itself", value, line)
				}
			}
			if len(out.writes) != len(masked) {
				t.Errorf("%d writes for %d commands", len(out.writes), len(masked))
			}
		}
	}
}

// TestAzureMessages: a message for people always gets through; when the agent does not
// decode %AZP25 an escape in it is kept from being decoded by a U+200B.
func TestAzureMessages(t *testing.T) {
	t.Parallel()
	for _, m := range decodeModes {
		for _, msg := range append(slices.Clone(hostileValues), "not UTF-8 \xff") {
			var out recordWrites
			a := newTestAzure(t, &out, m.percents)
			if err := a.Fail(msg); err != nil {
				t.Fatal(err)
			}
			if err := a.Progress(142, msg); err != nil {
				t.Fatal(err)
			}
			cmds := azCommands(t, out.String(), m.percents)
			want := strings.ToValidUTF8(msg, "\uFFFD")
			if len(cmds) != 2 {
				t.Fatalf("%d commands", len(cmds))
			}
			for _, c := range cmds {
				if strings.ReplaceAll(c.Data, z, "") != strings.ReplaceAll(want, z, "") || (m.percents && c.Data != want) {
					t.Errorf("%s: %q reads back as %q", m.name, msg, c.Data)
				}
			}
			if c := cmds[0]; c.Event != "logissue" || c.Properties["type"] != "error" {
				t.Errorf("Fail: %+v", c)
			}
			if c := cmds[1]; c.Event != "setprogress" || c.Properties["value"] != "100" {
				t.Errorf("Progress: %+v", c)
			}
		}
	}
}

func TestAzureAttach(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plan; with ] and %0A.json")
	if err := os.WriteFile(file, []byte(`{"steps": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{
		{"", filepath.Base(file)}, {filepath.Base(file), filepath.Base(file)}, {"preview.json", "preview.json"},
	} {
		var out recordWrites
		a := newTestAzure(t, &out, true)
		if err := a.Attach(file, tc.name); err != nil {
			t.Fatal(err)
		}
		cmds := azCommands(t, out.String(), true)
		if len(cmds) != 1 || cmds[0].Event != "uploadfile" || !filepath.IsAbs(cmds[0].Data) || filepath.Base(cmds[0].Data) != tc.want {
			t.Fatalf("Attach(%q) reads back as %+v", tc.name, cmds)
		}
		if got, err := os.ReadFile(cmds[0].Data); err != nil || string(got) != `{"steps": []}` {
			t.Errorf("the uploaded file holds %q, %v", got, err)
		}
	}
	for _, tc := range []struct {
		path, name string
		check      func(error) bool
	}{
		{filepath.Join(dir, "gone"), "", func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{file, "../elsewhere.json", func(err error) bool { return err != nil }},
		{file, "..", func(err error) bool { return err != nil }},
	} {
		var out recordWrites
		a := newTestAzure(t, &out, true)
		if err := a.Attach(tc.path, tc.name); !tc.check(err) {
			t.Errorf("Attach(%q, %q) = %v", tc.path, tc.name, err)
		}
		if out.String() != "" {
			t.Errorf("Attach(%q, %q) wrote %q", tc.path, tc.name, out.String())
		}
	}
}

func TestAzureSummary(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	for _, tc := range []struct {
		name    string
		opts    Options
		wantDir string
	}{
		{"Dir", Options{Dir: filepath.Join(tmp, "reports", "new"), Environ: []string{"AGENT_TEMPDIRECTORY=" + tmp}}, filepath.Join(tmp, "reports", "new")},
		{"agent temp", Options{Environ: []string{"AGENT_TEMPDIRECTORY=" + filepath.Join(tmp, "agent")}}, filepath.Join(tmp, "agent")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out recordWrites
			tc.opts.Out = &out
			r, err := New(Azure, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, md := range []string{"# Preview\n\n| a | b |\n|---|---|\n", "second; with ] and %0A"} {
				out.writes = nil
				if err := r.Summary(md); err != nil {
					t.Fatal(err)
				}
				cmds := azCommands(t, out.String(), true)
				if len(cmds) != 1 || cmds[0].Event != "uploadsummary" {
					t.Fatalf("Summary wrote %+v", cmds)
				}
				path := cmds[0].Data
				if !filepath.IsAbs(path) || filepath.Base(path) != azSummaryName || filepath.Dir(filepath.Dir(path)) != tc.wantDir {
					t.Errorf("the summary is at %s, want %s/<new folder>/%s", path, tc.wantDir, azSummaryName)
				}
				if got, err := os.ReadFile(path); err != nil || string(got) != md {
					t.Errorf("the summary file holds %q, %v; want %q", got, err, md)
				}
				paths = append(paths, path)
			}
			if paths[0] == paths[1] {
				t.Error("two summaries share one file")
			}
			out.writes = nil
			if err := r.Summary(""); err != nil || out.String() != "" {
				t.Errorf("an empty summary: %v, wrote %q", err, out.String())
			}
		})
	}
}

func TestAzDecodesPercents(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{
		"": true, "true": true, "True": true, "1": true, "$true": true,
		"false": false, "FALSE": false, "0": false, "$false": false, "yes": false,
	} {
		if got := azDecodesPercents(v); got != want {
			t.Errorf("DECODE_PERCENTS=%q: %v, want %v", v, got, want)
		}
	}
}

func TestAzureConcurrent(t *testing.T) {
	t.Parallel()
	var out recordWrites
	a := newTestAzure(t, &out, true)
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := a.SetOutput(fmt.Sprintf("out%d", i), fmt.Sprintf("value %d\nline", i)); err != nil {
				t.Error(err)
			}
			if err := a.Mask(fmt.Sprintf("secret %d\nline", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, w := range out.writes {
		if cmds := azCommands(t, w, true); len(cmds) != 1 {
			t.Errorf("write %q is not one whole command", w)
		}
	}
}

// FuzzAzureRoundTrip: any name and value is set as an output, a secret output and a mask,
// and reads back exactly, or is refused with an *UnsupportedError; a message reads back.
func FuzzAzureRoundTrip(f *testing.F) {
	f.Add("Pulumi.Preview.Changes", "3", true)
	f.Add("a;b]c", "two\r\nlines%AZP25", true)
	f.Add("x", "%0A %3B", false)
	f.Add("=x", "##vso[task.complete result=Failed]", true)
	f.Add("é", "\xff", false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, name, value string, percents bool) {
		var out recordWrites
		a := newTestAzureIn(t, dir, &out, percents)
		for _, secret := range []bool{false, true} {
			out.writes = nil
			set := a.SetOutput
			if secret {
				set = a.SetSecretOutput
			}
			if err := set(name, value); err != nil {
				if !IsUnsupported(err) || out.String() != "" {
					t.Fatalf("(%q, %q, secret %v) = %v, writing %q", name, value, secret, err, out.String())
				}
				continue
			}
			cmds := azCommands(t, out.String(), percents)
			if len(cmds) != 1 || cmds[0].Properties["variable"] != name || cmds[0].Data != value ||
				(cmds[0].Properties["issecret"] == "true") != secret {
				t.Fatalf("(%q, %q, secret %v) reads back as %+v", name, value, secret, cmds)
			}
		}

		out.writes = nil
		if err := a.Mask(value); err == nil {
			if cmds := azCommands(t, out.String(), percents); strings.TrimSpace(value) != "" && (len(cmds) == 0 || cmds[0].Data != value) {
				t.Fatalf("Mask(%q) reads back as %+v", value, cmds)
			}
		} else if !IsUnsupported(err) {
			t.Fatalf("Mask(%q): %v", value, err)
		}

		out.writes = nil
		if err := a.Fail(value); err != nil {
			t.Fatal(err)
		}
		cmds := azCommands(t, out.String(), percents)
		want := strings.ReplaceAll(strings.ToValidUTF8(value, "\uFFFD"), z, "")
		if len(cmds) != 1 || strings.ReplaceAll(cmds[0].Data, z, "") != want {
			t.Fatalf("Fail(%q) reads back as %+v", value, cmds)
		}
	})
}
