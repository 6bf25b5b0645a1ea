package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs octopulumi with args and returns its exit code, stdout and
// stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Environ: []string{"HOME=" + t.TempDir()}})
	return code, out.String(), errOut.String()
}

// fakePlugin installs an executable named as Pulumi names a resource
// plugin, without an octopulumi record, as `pulumi plugin install` leaves it
// (binary false: a folder whose executable is missing).
func fakePlugin(t *testing.T, home, name string, binary bool) {
	t.Helper()
	dir := filepath.Join(home, "plugins", "resource-"+name+"-v1.0.0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if binary {
		if err := os.WriteFile(filepath.Join(dir, "pulumi-resource-"+name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCacheVerify(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	unrecorded := filepath.Join(root, "unrecorded")
	fakePlugin(t, unrecorded, "tiny", true)
	broken := filepath.Join(root, "broken")
	fakePlugin(t, broken, "tiny", false)
	tests := []struct {
		name    string
		args    []string
		code    int
		out     string // wanted in stdout
		errOut  string // wanted in stderr
		notOut  string // not wanted in stdout
		notErrs string // not wanted in stderr
	}{
		{"no such home", []string{"--pulumi-home", filepath.Join(root, "nonexistent", "home")}, 1, "", "does not exist", "in order", ""},
		{"home without plugins", []string{"--pulumi-home", root}, 1, "", "no plugins folder", "in order", ""},
		{"unrecorded plugin is not claimed hashed", []string{"--pulumi-home", unrecorded, "--contents"}, 0,
			"not verifiable (no octopulumi record", "", "1 plugin(s) match", ""},
		{"broken plugin suggests --repair", []string{"--pulumi-home", broken}, 1, "broken: resource-tiny-v1.0.0", "--repair", "in order", ""},
		{"repair", []string{"--pulumi-home", broken, "--repair"}, 0, "deleted", "", "", "error"},
	}
	for _, tt := range tests {
		// Not parallel: the repair case changes the broken home, last.
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"cache", "verify"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.errOut) ||
				(tt.notOut != "" && strings.Contains(out, tt.notOut)) || (tt.notErrs != "" && strings.Contains(errOut, tt.notErrs)) {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
		})
	}
}

func TestCacheHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cmd, flag, want string
	}{
		{"manifest", "--server", "--server string"},
		{"bundle", "--server", "--server string"},
		{"dockerfile", "--platform", `(default "linux-amd64")`},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			t.Parallel()
			_, out, _ := runCLI(t, "cache", tt.cmd, "--help")
			var line string
			for l := range strings.Lines(out) {
				if strings.Contains(l, tt.flag+" ") {
					line = l
				}
			}
			if !strings.Contains(line, tt.want) || strings.Count(line, "default") > 1 {
				t.Fatalf("help line of %s %s = %q; want %q and at most one default", tt.cmd, tt.flag, line, tt.want)
			}
		})
	}
}

// TestCacheRestoreRefusesSpecialFiles: a bundle whose index is not a
// regular file fails at once, saying what the index is, instead of reading
// /dev/zero until memory runs out (and ignoring Ctrl+C meanwhile).
func TestCacheRestoreRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, target, want string
	}{
		{"index is a symlink to /dev/zero", "/dev/zero", "which is a character device, which could be read without end, not a regular file"},
		{"index is a symlink to a folder", "/", "which is a folder, not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat(tt.target); err != nil {
				t.Skip(err)
			}
			bundle := t.TempDir()
			if err := os.Symlink(tt.target, filepath.Join(bundle, "octopulumi-bundle.json")); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			var code int
			var errOut string
			go func() {
				defer close(done)
				code, _, errOut = runCLI(t, "cache", "restore", "--from", bundle, "--pulumi-home", t.TempDir())
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("cache restore still running after 10 s")
			}
			if code != 1 || !strings.Contains(errOut, "octopulumi-bundle.json is a symlink to "+tt.target+", "+tt.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, errOut, tt.want)
			}
		})
	}
}

// TestCacheFlagsOnlyWhereTheyApply: a flag whose option the command's
// library function does not take is not offered, rather than ignored.
func TestCacheFlagsOnlyWhereTheyApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		// The manifest records this machine's checksum and --also-platform's.
		{"manifest --platform", []string{"cache", "manifest", "--platform", "linux-arm64"}},
		{"restore --server", []string{"cache", "restore", "--server", "https://m.example", "--from", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := runCLI(t, tt.args...)
			if code != 2 || !strings.Contains(errOut, "unknown flag") {
				t.Fatalf("exit %d, stderr:\n%s\nwant a usage error (exit 2) for an unknown flag", code, errOut)
			}
		})
	}
}
