package release_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/dist"
	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/release"
)

// program is a program folder's files, with what is always left out.
var program = map[string]string{
	"Pulumi.yaml":             project,
	"Pulumi.dev.yaml":         "config: {}\n",
	release.IgnoreFile:        "*.log\n",
	"lib/a.yaml":              "a",
	"lib/deep/b.yaml":         "b",
	"debug.log":               "left out",
	".pulumi/stacks/x.json":   "{}",
	"node_modules/x/index.js": "x",
}

// TestBuildIsReproducible: two checkouts of the same commit, made in
// another order, at other times, with another umask, give the same bytes.
func TestBuildIsReproducible(t *testing.T) {
	t.Parallel()
	names := sortedKeys(program)
	reversed := slices.Clone(names)
	slices.Reverse(reversed)
	var built [][]release.File
	for i, order := range [][]string{names, reversed} {
		dir := filepath.Join(t.TempDir(), "infra")
		writeFiles(t, dir, program, order)
		stamp := time.Date(2020+i, 6, 1, 12, 0, 0, 0, time.UTC)
		for _, n := range order {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if i == 1 {
				if err := os.Chmod(p, 0o664); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chtimes(p, stamp, stamp); err != nil {
				t.Fatal(err)
			}
		}
		r, err := release.Build(context.Background(), release.Options{Program: dir, ID: "MyCompany.Infra", Version: "1.4.2", Out: filepath.Join(dir, "dist"), Environ: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		built = append(built, r.Files)
	}
	if len(built[0]) != 2 || built[0][0].Name != "MyCompany.Infra.1.4.2.zip" || built[0][1].Name != release.ChecksumsFile {
		t.Fatalf("files %+v, want the program package and %s", built[0], release.ChecksumsFile)
	}
	for i, f := range built[0] {
		a, errA := os.ReadFile(f.Path)
		b, errB := os.ReadFile(built[1][i].Path)
		if err := errors.Join(errA, errB); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) || f.SHA256 != built[1][i].SHA256 {
			t.Errorf("%s differs between the two checkouts", f.Name)
		}
	}
	sums, err := os.ReadFile(built[0][1].Path)
	if err != nil {
		t.Fatal(err)
	}
	if want := built[0][0].SHA256 + "  " + built[0][0].Name + "\n"; string(sums) != want {
		t.Errorf("%s = %q, want %q", release.ChecksumsFile, sums, want)
	}
}

// TestEntryTime: entries carry Options.Time, else SOURCE_DATE_EPOCH, else
// 1980-01-01, never the clock nor the files' times.
func TestEntryTime(t *testing.T) {
	t.Parallel()
	given := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		at   time.Time
		env  []string
		want time.Time
		bad  bool
	}{
		{name: "default", want: dist.Epoch},
		{name: "SOURCE_DATE_EPOCH", env: []string{"SOURCE_DATE_EPOCH=1764230400"}, want: time.Unix(1764230400, 0).UTC()},
		{name: "the last SOURCE_DATE_EPOCH wins", env: []string{"SOURCE_DATE_EPOCH=1", "SOURCE_DATE_EPOCH=1764230400"}, want: time.Unix(1764230400, 0).UTC()},
		{name: "empty SOURCE_DATE_EPOCH", env: []string{"SOURCE_DATE_EPOCH="}, want: dist.Epoch},
		{name: "Time wins", at: given, env: []string{"SOURCE_DATE_EPOCH=1764230400"}, want: given},
		{name: "before 1980 is raised to 1980", env: []string{"SOURCE_DATE_EPOCH=0"}, want: dist.Epoch},
		{name: "malformed", env: []string{"SOURCE_DATE_EPOCH=yesterday"}, bad: true},
		{name: "negative", env: []string{"SOURCE_DATE_EPOCH=-5"}, bad: true},
		{name: "after 2107", at: time.Date(2108, 1, 1, 0, 0, 0, 0, time.UTC), bad: true},
		// The zip's extended timestamp is an unsigned 32-bit count of
		// seconds, which ends at 2106-02-07T06:28:15Z.
		{name: "the last time a zip can carry", at: time.Date(2106, 2, 7, 6, 28, 14, 0, time.UTC), want: time.Date(2106, 2, 7, 6, 28, 14, 0, time.UTC)},
		{name: "after the zip's 32-bit seconds", at: time.Date(2106, 2, 7, 6, 28, 16, 0, time.UTC), bad: true},
		{name: "in 2107", at: time.Date(2107, 6, 1, 0, 0, 0, 0, time.UTC), bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, program, sortedKeys(program))
			env := append([]string{}, tc.env...)
			r, err := release.Build(context.Background(), release.Options{Program: dir, ID: "Infra", Version: "1.0.0", Out: t.TempDir(), Time: tc.at, Environ: env})
			if tc.bad {
				if _, ok := errors.AsType[*release.OptionError](err); !ok {
					t.Fatalf("Build = %v, want an OptionError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !r.Time.Equal(tc.want) {
				t.Errorf("Result.Time = %s, want %s", r.Time, tc.want)
			}
			entries, _ := readZip(t, r.Files[0].Path)
			for name, e := range entries {
				if !e.modified.Equal(tc.want) {
					t.Errorf("%s carries %s, want %s", name, e.modified, tc.want)
				}
			}
		})
	}
}

// TestBuildOptions: invalid options are reported together, each naming its
// field, before anything is read or written.
func TestBuildOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, program, sortedKeys(program))
	for _, tc := range []struct {
		name   string
		o      release.Options
		fields []string
	}{
		{name: "nothing given", o: release.Options{}, fields: []string{"ID", "Program", "Out"}},
		{name: "bad id", o: release.Options{Program: dir, Out: t.TempDir(), ID: "My Infra", Version: "1.0.0"}, fields: []string{"ID"}},
		{name: "bad version", o: release.Options{Program: dir, Out: t.TempDir(), ID: "Infra", Version: "1.0"}, fields: []string{"Version"}},
		{name: "no such program", o: release.Options{Program: filepath.Join(dir, "nope"), Out: t.TempDir(), ID: "Infra", Version: "1.0.0"}, fields: []string{"Program"}},
		{name: "a file as program", o: release.Options{Program: filepath.Join(dir, "Pulumi.yaml"), Out: t.TempDir(), ID: "Infra", Version: "1.0.0"}, fields: []string{"Program"}},
		{name: "out is the program", o: release.Options{Program: dir, Out: dir, ID: "Infra", Version: "1.0.0"}, fields: []string{"Out"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.o.Environ = []string{}
			_, err := release.Build(context.Background(), tc.o)
			if _, ok := errors.AsType[*release.OptionError](err); !ok {
				t.Fatalf("Build = %v, want OptionErrors", err)
			}
			for _, f := range tc.fields {
				if !strings.Contains(err.Error(), "release: "+f+": ") {
					t.Errorf("the error does not name %s: %v", f, err)
				}
			}
		})
	}
}

// TestFailedMoveLeavesOutputAsItWas: when the last file, SHA256SUMS,
// cannot be moved into the output folder (a folder holds its name), the
// program package moved before it is taken back and the earlier build's
// package of the same name is put back: the output folder is as it was.
func TestFailedMoveLeavesOutputAsItWas(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, program, sortedKeys(program))
	out := t.TempDir()
	earlier := map[string]string{"Infra.1.0.0.zip": "an earlier build", release.ChecksumsFile + "/in-the-way": "x"}
	writeFiles(t, out, earlier, sortedKeys(earlier))
	before := testbed.Tree(t, out)
	_, err := release.Build(context.Background(), release.Options{Program: dir, ID: "Infra", Version: "1.0.0", Out: out, Environ: []string{}})
	if err == nil || !strings.Contains(err.Error(), "moving "+release.ChecksumsFile) {
		t.Fatalf("Build = %v, want an error moving %s", err, release.ChecksumsFile)
	}
	if after := testbed.Tree(t, out); !maps.Equal(after, before) {
		t.Errorf("the output folder holds\n%v\nafter a failed build, want as before\n%v", after, before)
	}
}
