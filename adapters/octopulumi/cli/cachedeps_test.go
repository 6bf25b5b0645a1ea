package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nodeProgram writes a Node.js program with a lockfile and no node_modules.
func nodeProgram(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Pulumi.yaml":       "name: app\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n",
		"package.json":      `{"dependencies": {"left-pad": "1.3.0"}}`,
		"package-lock.json": `{"lockfileVersion": 3, "packages": {"": {}, "node_modules/left-pad": {"version": "1.3.0"}}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCacheDeps(t *testing.T) {
	t.Parallel()
	dir := nodeProgram(t)
	env := []string{"HOME=" + t.TempDir(), "PATH=" + t.TempDir()} // no node: version unknown
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"key", []string{"cache", "deps", "key", "--program", dir}, 0,
			[]string{"runtime: nodejs (node version unknown: node not found), npm, package-lock.json", "key: nodejs-npm-", "installed: false (no node_modules)"}, ""},
		{"restore without a source", []string{"cache", "deps", "restore", "--program", dir}, 2, nil, "give --from"},
		{"restore from an empty cache", []string{"cache", "deps", "restore", "--program", dir, "--cache", t.TempDir()}, 1, nil, "not in the dependencies cache yet"},
		{"bundle of what is not installed", []string{"cache", "deps", "bundle", "--program", dir, "--out", filepath.Join(t.TempDir(), "d.tgz")}, 1, nil, "run npm ci first"},
		{"verify without a cache", []string{"cache", "deps", "verify"}, 2, nil, "give --cache"},
		{"verify an empty cache", []string{"cache", "deps", "verify", "--cache", t.TempDir()}, 0, []string{"is in order: 0 entr(ies)"}, ""},
		{"prune without a policy", []string{"cache", "deps", "prune", "--cache", t.TempDir()}, 1, nil, "give a policy"},
		{"prune a missing folder", []string{"cache", "deps", "prune", "--cache", filepath.Join(t.TempDir(), "nope"), "--max-size", "1G"}, 1, nil, "does not exist"},
		{"not a Node.js program", []string{"cache", "deps", "key", "--program", "."}, 1, nil, "Pulumi.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLIEnv(t, env, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
		})
	}
}
