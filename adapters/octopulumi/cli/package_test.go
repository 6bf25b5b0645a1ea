package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPackage runs the package command on a YAML program without a
// manifest (no CLI needed): usage errors exit 2 and name the flag; a
// success prints each file with its SHA-256, as sha256sum does.
func TestPackage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{"Pulumi.yaml": "name: infra\nruntime: yaml\n", "notes.md": "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		args   []string
		env    []string
		code   int
		says   string
		wrote  []string
		stderr string
	}{
		{name: "no id", args: []string{"--version", "1.0.0"}, code: 2, stderr: "give --id"},
		{name: "no version", args: []string{"--id", "Infra"}, code: 2, stderr: "--version"},
		{name: "bad id", args: []string{"--id", "My Infra", "--version", "1.0.0"}, code: 2, stderr: "not an Octopus package id"},
		{name: "bad version", args: []string{"--id", "Infra", "--version", "v1"}, code: 2, stderr: "not a SemVer version"},
		{name: "an id Octopus misreads", args: []string{"--id", "Infra.2", "--version", "1.0.0"}, code: 2, stderr: "Octopus would read"},
		{name: "bad SOURCE_DATE_EPOCH", args: []string{"--id", "Infra", "--version", "1.0.0"}, env: []string{"SOURCE_DATE_EPOCH=now"}, code: 2, stderr: "SOURCE_DATE_EPOCH"},
		{name: "a positional program", args: []string{"infra", "--id", "Infra", "--version", "1.0.0"}, code: 2, stderr: "did you mean --program infra?"},
		{name: "packed", args: []string{"--id", "Infra", "--version", "1.0.0"}, code: 0,
			says: "note: no Pulumi.plugins.json", wrote: []string{"Infra.1.0.0.zip", "SHA256SUMS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "dist")
			args := append([]string{"package", "--out", out, "--program", dir}, tc.args...)
			env := append([]string{"HOME=" + t.TempDir(), "PATH=" + t.TempDir()}, tc.env...)
			code, stdout, stderr := runCLIEnv(t, env, args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) || !strings.Contains(stdout, tc.says) {
				t.Fatalf("exit %d, want %d saying %q / %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.says, tc.stderr, stdout, stderr)
			}
			printed := regexp.MustCompile(`(?m)^([0-9a-f]{64})  (.+)$`).FindAllStringSubmatch(stdout, -1)
			if len(printed) != len(tc.wrote) {
				t.Fatalf("printed %d files, want %d:\n%s", len(printed), len(tc.wrote), stdout)
			}
			for i, m := range printed {
				if m[2] != filepath.Join(out, tc.wrote[i]) {
					t.Errorf("printed %s, want %s", m[2], filepath.Join(out, tc.wrote[i]))
				}
				raw, err := os.ReadFile(m[2])
				if err != nil {
					t.Fatal(err)
				}
				if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != m[1] {
					t.Errorf("%s: printed SHA-256 %s is not the file's", m[2], m[1])
				}
			}
		})
	}
}
