package main_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/cache"
	pkgrelease "github.com/octopulumi/octopulumi/pkg/release"
)

// packageEnv is the environment of upstream CI: the toolchain on PATH, a
// HOME of the bed's, no Octopus variable.
func packageEnv(bed *testbed.Bed) []string {
	return []string{"PATH=" + bed.Tools.Bin + ":/usr/bin:/bin", "HOME=" + bed.Dir}
}

// extras are files beside the sample program: what the package keeps,
// what the ignore file leaves out and what is always left out.
var extras = map[string]string{
	pkgrelease.IgnoreFile:                   "# local notes\n*.log\n",
	"docs/readme.md":                        "how to deploy\n",
	"debug.log":                             "left out by the ignore file",
	"node_modules/x/index.js":               "left out: dependencies",
	".pulumi/stacks/dev.json":               "left out: local state",
	".git/HEAD":                             "ref: refs/heads/main\n",
	"docs/deep/more/runbook.md":             "kept at any depth\n",
	pkgrelease.ReportFolder + "/summary.md": "left out: a CI report",
}

// TestPackageIsReproducible runs `octopulumi package` as upstream CI would,
// with the real CLI checking the manifest, on two checkouts of the same
// program made in another order at other times: the packages are the same
// bytes, the program package holds exactly the files it should, the
// checkouts are as they were but for the output folder, and the plugin
// bundle restores with `octopulumi cache restore`.
func TestPackageIsReproducible(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	env := packageEnv(bed)
	first := filepath.Join(t.TempDir(), "infra")
	// A fixed OutDir: both checkouts must hold the same Pulumi.yaml.
	bed.WriteProgram(t, "two-files", first, testbed.ProgramData{OutDir: "/srv/infra/out"})
	for name, content := range extras {
		p := filepath.Join(first, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("readme.md", filepath.Join(first, "docs", "link.md")); err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, env, "cache", "manifest", "--program", first); r.code != 0 {
		t.Fatalf("cache manifest exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	second := filepath.Join(t.TempDir(), "infra")
	copyReversed(t, first, second, time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC))

	names, err := pkgrelease.PackageNames("MyCompany.Infra", "1.4.2")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{names.Program, names.Plugins, pkgrelease.ChecksumsFile}
	var outs []string
	for _, dir := range []string{first, second} {
		out := filepath.Join(dir, "dist")
		before := testbed.Tree(t, dir)
		r := runBinary(t, env, "package", "--program", dir, "--id", "MyCompany.Infra", "--version", "1.4.2", "--out", out)
		if r.code != 0 {
			t.Fatalf("package exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		after := testbed.Tree(t, dir)
		maps.DeleteFunc(after, func(p, _ string) bool { return p == "dist" || strings.HasPrefix(p, "dist/") })
		if !maps.Equal(after, before) {
			t.Errorf("package changed the checkout %s:\nbefore %v\nafter  %v", dir, before, after)
		}
		for _, f := range files {
			raw, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(raw)
			if line := hex.EncodeToString(sum[:]) + "  " + filepath.Join(out, f); !strings.Contains(r.stdout, line) {
				t.Errorf("the output does not say %q:\n%s", line, r.stdout)
			}
		}
		outs = append(outs, out)
	}
	for _, f := range files {
		a, errA := os.ReadFile(filepath.Join(outs[0], f))
		b, errB := os.ReadFile(filepath.Join(outs[1], f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the two checkouts (%v, %v)", f, errA, errB)
		}
	}

	want := []string{pkgrelease.IgnoreFile, cache.ManifestFile, "Pulumi.yaml", "docs/deep/more/runbook.md", "docs/link.md", "docs/readme.md"}
	if got := zipNames(t, filepath.Join(outs[0], names.Program)); !slices.Equal(got, want) {
		t.Errorf("the program package holds %q\nwant %q", got, want)
	}
	home := t.TempDir()
	r := runBinary(t, env, "cache", "restore", "--from", filepath.Join(outs[0], names.Plugins),
		"--manifest", filepath.Join(first, cache.ManifestFile), "--pulumi-home", home)
	if r.code != 0 || !strings.Contains(r.stdout, "1 plugin(s) installed") {
		t.Fatalf("cache restore of the plugin package: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	pr := bed.Tools.Provider
	if _, err := os.Stat(filepath.Join(home, "plugins", "resource-"+pr.Name+"-v"+pr.Version, "pulumi-resource-"+pr.Name)); err != nil {
		t.Errorf("the restored plugin is not in PULUMI_HOME: %v", err)
	}
}

// TestPackageLeavesNodeProgramAlone: the manifest check of a Node.js
// program checked out without node_modules, whose `pulumi install` runs
// npm, installs nothing into the checkout; no dependencies bundle is made,
// and a note says to install the dependencies first.
func TestPackageLeavesNodeProgramAlone(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := filepath.Join(t.TempDir(), "infra")
	bed.WriteProgram(t, "js-files", dir, testbed.ProgramData{OutDir: filepath.Join(dir, "out")})
	// As a fresh checkout: no node_modules (the bed links the shared one).
	if err := os.Remove(filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	// The program declares its plugins at run time, so `pulumi install`
	// finds none to list.
	if err := cache.WriteManifest(filepath.Join(dir, cache.ManifestFile), &cache.Manifest{Format: cache.ManifestFormat}); err != nil {
		t.Fatal(err)
	}
	env := append(packageEnv(bed), "PATH="+bed.Tools.Bin+":"+filepath.Dir(bed.Tools.Node.Node)+":/usr/bin:/bin")
	before := testbed.Tree(t, dir)
	out := filepath.Join(t.TempDir(), "dist")
	r := runBinary(t, env, "package", "--program", dir, "--id", "Infra", "--version", "1.0.0", "--out", out)
	if r.code != 0 {
		t.Fatalf("package exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if after := testbed.Tree(t, dir); !maps.Equal(after, before) {
		t.Errorf("package changed the checkout:\nbefore %v\nafter  %v", before, after)
	}
	if !strings.Contains(r.stdout+r.stderr, "run npm ci") {
		t.Errorf("no note to install the dependencies first:\n%s\n%s", r.stdout, r.stderr)
	}
	names, err := pkgrelease.PackageNames("Infra", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, names.Dependencies)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a dependencies bundle without node_modules: %v", err)
	}
}

// copyReversed copies the folder src to dst creating its entries in the
// reverse order of a walk, every file and folder stamped with at.
func copyReversed(t *testing.T, src, dst string, at time.Time) {
	t.Helper()
	var rels []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		rels = append(rels, rel)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(rels)
	var dirs []string
	for _, rel := range rels {
		from, to := filepath.Join(src, rel), filepath.Join(dst, rel)
		info, err := os.Lstat(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case info.IsDir():
			err = os.MkdirAll(to, 0o755)
			dirs = append(dirs, to)
		case info.Mode()&fs.ModeSymlink != 0:
			var target string
			if target, err = os.Readlink(from); err == nil {
				err = os.Symlink(target, to)
			}
		default:
			var raw []byte
			if raw, err = os.ReadFile(from); err == nil {
				err = os.WriteFile(to, raw, 0o664)
			}
			if err == nil {
				err = os.Chtimes(to, at, at)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range dirs {
		if err := os.Chtimes(d, at, at); err != nil {
			t.Fatal(err)
		}
	}
}

// zipNames lists a zip file's entries in archive order.
func zipNames(t *testing.T, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

// TestPackageRefusesStaleManifest: a manifest that no longer matches the
// program fails the build, naming each plugin that differs and the command
// that fixes it, and writes nothing. The rows share one bed.
func TestPackageRefusesStaleManifest(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	pr := bed.Tools.Provider
	raw, err := os.ReadFile(pr.Tarball)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	have := cache.Plugin{Kind: pr.Kind, Name: pr.Name, Version: pr.Version, Server: bed.Mirror.URL,
		Checksums: map[string]string{cache.Platform(): hex.EncodeToString(sum[:])}}
	// Another version of the provider: the same tarball under its name, on
	// a mirror of its own.
	const newer = "0.2.0"
	next := t.TempDir()
	if err := os.WriteFile(filepath.Join(next, strings.Replace(pr.Asset, "-v"+pr.Version+"-", "-v"+newer+"-", 1)), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	nextMirror := testbed.NewMirror(t, next)
	gone := cache.Plugin{Kind: "resource", Name: "gone", Version: "1.0.0", Checksums: map[string]string{cache.Platform(): strings.Repeat("ab", 32)}}

	for _, tc := range []struct {
		name    string
		data    testbed.ProgramData
		plugins []cache.Plugin
		says    []string
	}{
		{name: "an entry deleted from the manifest", plugins: []cache.Plugin{},
			says: []string{"needs resource-localfile-v" + pr.Version + ", which it does not list"}},
		{name: "a plugin the program no longer needs", plugins: []cache.Plugin{have, gone},
			says: []string{"lists resource-gone-v1.0.0, which the program no longer needs"}},
		{name: "Pulumi.yaml needs another version", data: testbed.ProgramData{ProviderVersion: newer, MirrorURL: nextMirror.URL}, plugins: []cache.Plugin{have},
			says: []string{"needs resource-localfile-v" + newer, "lists resource-localfile-v" + pr.Version}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "infra")
			tc.data.OutDir = filepath.Join(dir, "out")
			bed.WriteProgram(t, "two-files", dir, tc.data)
			m := &cache.Manifest{Format: cache.ManifestFormat, Pulumi: "v3.274.1", Plugins: tc.plugins}
			if err := cache.WriteManifest(filepath.Join(dir, cache.ManifestFile), m); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "dist")
			r := runBinary(t, packageEnv(bed), "package", "--program", dir, "--id", "Infra", "--version", "1.0.0", "--out", out)
			if r.code != 1 {
				t.Fatalf("package exited %d, want 1:\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			for _, s := range append(tc.says, "is stale", "run `octopulumi cache manifest --program "+dir+"`") {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("the error does not say %q:\n%s", s, r.stderr)
				}
			}
			if left, _ := os.ReadDir(out); len(left) != 0 {
				t.Errorf("a refused build left %v in the output folder", left)
			}
		})
	}
}
