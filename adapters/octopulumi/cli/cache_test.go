package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/cache"
)

// runCLI runs octopulumi with args, in an environment whose HOME is a new
// temporary folder, and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLIEnv(t, []string{"HOME=" + t.TempDir()}, args...)
}

// runCLIEnv runs octopulumi with args in the environment env.
func runCLIEnv(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Environ: env})
	return code, out.String(), errOut.String()
}

// tinyManifest writes a manifest of the plugin fakePlugin makes.
func tinyManifest(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), cache.ManifestFile)
	m := &cache.Manifest{Format: cache.ManifestFormat, Plugins: []cache.Plugin{{Kind: "resource", Name: name, Version: "1.0.0",
		Checksums: map[string]string{"linux-amd64": strings.Repeat("ab", 32)}}}}
	if err := cache.WriteManifest(p, m); err != nil {
		t.Fatal(err)
	}
	return p
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
	manifest := tinyManifest(t, "tiny")
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
		{"manifest, home without plugins", []string{"--pulumi-home", root, "--manifest", manifest}, 1,
			"would download: resource-tiny-v1.0.0", root + ": 1 plugin(s) of the manifest missing, which Pulumi would download", "in order", "no plugins folder"},
		{"manifest, plugin present", []string{"--pulumi-home", unrecorded, "--manifest", manifest}, 0, "in order", "", "would download", "error"},
		{"manifest, plugin broken", []string{"--pulumi-home", broken, "--manifest", manifest}, 1,
			"would download: resource-tiny-v1.0.0", "1 broken plugin(s): delete them with Repair (octopulumi cache verify --repair), so that the next restore or install redoes them; 1 plugin(s) of the manifest missing", "in order", ""},
		{"repair", []string{"--pulumi-home", broken, "--repair"}, 0, "deleted", "", "", "error"},
		{"repaired plugin still missing from the manifest", []string{"--pulumi-home", broken, "--manifest", manifest}, 1, "would download: resource-tiny-v1.0.0", "1 plugin(s) of the manifest missing", "in order", "broken plugin"},
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

func TestCachePrune(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	inUse := filepath.Join(root, "in-use")
	fakePlugin(t, inUse, "tiny", true)
	tests := []struct {
		name     string
		home     string
		code     int
		out, err string // wanted in stdout, stderr
	}{
		{"no such home", filepath.Join(root, "nonexistent"), 1, "", filepath.Join(root, "nonexistent") + " does not exist"},
		{"home without plugins", root, 0, "nothing to prune: " + root + " holds no plugins folder", ""},
		{"plugin in use stays", inUse, 0, "freed 0 bytes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, "cache", "prune", "--keep", "1", "--pulumi-home", tt.home)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.err) {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
		})
	}
}

// TestCacheDefaultHome: without --pulumi-home, the cache commands work on
// $PULUMI_HOME, else ~/.pulumi of the environment they were given.
func TestCacheDefaultHome(t *testing.T) {
	t.Parallel()
	home, pulumiHome := t.TempDir(), filepath.Join(t.TempDir(), "ph")
	tests := []struct {
		name string
		env  []string
		args []string
		want string // the folder the error names
	}{
		{"verify, ~/.pulumi", []string{"HOME=" + home}, []string{"cache", "verify"}, filepath.Join(home, ".pulumi")},
		{"prune, ~/.pulumi", []string{"HOME=" + home}, []string{"cache", "prune", "--keep", "1"}, filepath.Join(home, ".pulumi")},
		{"verify, $PULUMI_HOME", []string{"HOME=" + home, "PULUMI_HOME=" + pulumiHome}, []string{"cache", "verify"}, pulumiHome},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := runCLIEnv(t, tt.env, tt.args...)
			if code != 1 || !strings.Contains(errOut, tt.want+" does not exist") {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and %s named", code, errOut, tt.want)
			}
		})
	}
}
