package cache

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakePkg is one package of a fake npm install.
type fakePkg struct {
	path, version string
	optional      bool
	bin           string // a bin script linked from node_modules/.bin
}

var fakePkgs = []fakePkg{
	{path: "node_modules/left-pad", version: "1.3.0"},
	{path: "node_modules/@scope/tool", version: "2.0.0", bin: "tool"},
	{path: "node_modules/@scope/tool/node_modules/left-pad", version: "0.0.9"},
	{path: "node_modules/fsevents", version: "2.3.3", optional: true},
}

// npmProgram writes a Node.js program whose package-lock.json pins pkgs,
// and, when installed, a node_modules as npm installs it (the optional
// package left out, as on Linux), with npm's hidden lockfile.
func npmProgram(t *testing.T, pkgs []fakePkg, installed bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "program")
	lock := map[string]any{"": map[string]any{"name": "program", "dependencies": map[string]string{"left-pad": "^1.3.0", "@scope/tool": "2.0.0"}}}
	hidden := map[string]any{}
	for _, p := range pkgs {
		e := map[string]any{"version": p.version, "integrity": "sha512-" + strings.Repeat(p.version, 4)}
		if p.optional {
			e["optional"] = true
		}
		lock[p.path] = e
		if !installed || p.optional {
			continue
		}
		hidden[p.path] = e
		write(t, filepath.Join(dir, p.path, "package.json"), fmt.Sprintf(`{"name":%q,"version":%q}`, filepath.Base(p.path), p.version), 0o644)
		write(t, filepath.Join(dir, p.path, "index.js"), "module.exports = "+fmt.Sprintf("%q", p.path)+";\n", 0o644)
		if p.bin != "" {
			write(t, filepath.Join(dir, p.path, "bin", p.bin), "#!/usr/bin/env node\n", 0o755)
			must(t, os.MkdirAll(filepath.Join(dir, "node_modules", ".bin"), 0o755))
			must(t, os.Symlink(filepath.Join("..", strings.TrimPrefix(p.path, "node_modules/"), "bin", p.bin), filepath.Join(dir, "node_modules", ".bin", p.bin)))
		}
	}
	write(t, filepath.Join(dir, "package.json"), `{"name": "program", "version": "1.0.0", "dependencies": {"left-pad": "^1.3.0", "@scope/tool": "2.0.0"}}`, 0o644)
	writeJSON(t, filepath.Join(dir, "package-lock.json"), map[string]any{"name": "program", "lockfileVersion": 3, "requires": true, "packages": lock})
	if installed {
		writeJSON(t, filepath.Join(dir, "node_modules", npmHiddenLockfile), map[string]any{"name": "program", "lockfileVersion": 3, "requires": true, "packages": hidden})
	}
	return dir
}

// freshCopy copies a program without its node_modules, as Octopus
// extracts a package into a new work folder.
func freshCopy(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "program")
	must(t, os.MkdirAll(dst, 0o755))
	for _, f := range []string{"package.json", "package-lock.json"} {
		raw, err := os.ReadFile(filepath.Join(src, f))
		must(t, err)
		write(t, filepath.Join(dst, f), string(raw), 0o644)
	}
	return dst
}

func readDeps(t *testing.T, dir string) *Dependencies {
	t.Helper()
	d, err := ReadDependencies(context.Background(), dir, "nodejs", WithRuntimeVersion("v20.20.2"), WithProcessEnv([]string{"PATH=/nonexistent"}))
	must(t, err)
	return d
}

// treeOf lists a folder's files with their content (symlinks by target),
// for comparing two node_modules.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			out[rel] = "-> " + target
			return err
		case info.Mode().IsRegular():
			raw, err := os.ReadFile(p)
			out[rel] = fmt.Sprintf("%o %s", info.Mode().Perm(), raw)
			return err
		}
		return nil
	}))
	return out
}

func sameTree(t *testing.T, got, want string) {
	t.Helper()
	g, w := treeOf(t, got), treeOf(t, want)
	// The marker and npm's record may be rewritten; their content is checked elsewhere.
	for _, m := range []map[string]string{g, w} {
		delete(m, depsMarker)
	}
	for _, k := range slices.Sorted(maps.Keys(w)) {
		if g[k] != w[k] {
			t.Errorf("%s: %s is %q, want %q", got, k, g[k], w[k])
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: %s is extra", got, k)
		}
	}
}

func write(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(content), mode))
	must(t, os.Chmod(p, mode))
}

func writeJSON(t *testing.T, p string, v any) {
	t.Helper()
	raw, err := json.MarshalIndent(v, "", "  ")
	must(t, err)
	write(t, p, string(raw), 0o644)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// extractTar extracts an archive into a new folder, as Octopus extracts a
// package.
func extractTar(t *testing.T, raw []byte) string {
	t.Helper()
	dir := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return dir
		}
		must(t, err)
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			must(t, os.MkdirAll(p, 0o755))
		case tar.TypeSymlink:
			must(t, os.Symlink(h.Linkname, p))
		case tar.TypeReg:
			body, err := io.ReadAll(tr)
			must(t, err)
			write(t, p, string(body), os.FileMode(h.Mode))
		}
	}
}
