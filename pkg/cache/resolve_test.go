package cache

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
)

// deadURL is a loopback URL nothing listens on: a download from it is
// refused at once, and never leaves the machine.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

// offlineProgram is the two-files program with its pluginDownloadURL on a
// dead loopback port, as a program whose server a worker cannot reach.
func offlineProgram(t *testing.T, bed *testbed.Bed) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "offline")
	data := testbed.ProgramData{MirrorURL: deadURL(t), ProviderVersion: bed.Tools.Provider.Version, OutDir: filepath.Join(dst, "out")}
	if err := testbed.WriteProgram("two-files", dst, data); err != nil {
		t.Fatal(err)
	}
	return dst
}

// withTmp is env with TMPDIR set to a fresh folder, returned too.
func withTmp(t *testing.T, env []string) ([]string, string) {
	t.Helper()
	tmp := t.TempDir()
	return append(slices.Clone(env), "TMPDIR="+tmp), tmp
}

func TestResolveWithServerDownloadsOnlyFromTheMirror(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bed := testbed.New(t)
	prog := offlineProgram(t, bed)
	env, tmp := withTmp(t, bed.Env())
	// An override the server must win over: it points at the dead port too.
	m, err := Resolve(ctx, prog, WithPulumi(bed.Tools.Pulumi), WithEnv(env),
		WithDownloadOverrides(".*="+deadURL(t)), WithServer(bed.Mirror.URL))
	if err != nil {
		t.Fatalf("Resolve with a mirror: %v", err)
	}
	pr := bed.Tools.Provider
	if len(m.Plugins) != 1 || m.Plugins[0].Name != pr.Name || m.Plugins[0].Checksums[Platform()] != fileSHA(t, pr.Tarball) {
		t.Fatalf("Resolve = %+v; want the %s plugin with the tarball's checksum", m.Plugins, pr.Name)
	}
	asset := m.Plugins[0].Asset(Platform())
	// One download by the CLI, one by Resolve for the checksum.
	if n := bed.Mirror.Requests(asset); n != 2 {
		t.Fatalf("the mirror had %d requests for %s, want 2 (the CLI's install and the checksum)", n, asset)
	}
	left, err := os.ReadDir(tmp)
	if err != nil || len(left) != 0 {
		t.Fatalf("Resolve left %v in the caller's TMPDIR (%v); want nothing", left, err)
	}
}

func TestResolveFailedInstallErrorIsShort(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bed := testbed.New(t)
	prog := offlineProgram(t, bed)
	empty := testbed.NewMirror(t, t.TempDir())
	_, err := Resolve(ctx, prog, WithPulumi(bed.Tools.Pulumi), WithEnv(bed.Env()), WithServer(empty.URL))
	if err == nil {
		t.Fatal("Resolve from a mirror without the plugin succeeded")
	}
	msg := err.Error()
	t.Log(msg)
	if empty.Total() == 0 {
		t.Fatalf("the mirror saw no request; error: %s", msg)
	}
	if !strings.Contains(msg, "404") || !strings.Contains(msg, "pulumi install") {
		t.Fatalf("error = %q; want it to say pulumi install failed with the mirror's 404", msg)
	}
	if len(msg) > 800 || strings.Count(msg, "404") > 2 {
		t.Fatalf("error is %d bytes, %d mentions of 404; want the CLI's last lines, not its retry log:\n%s", len(msg), strings.Count(msg, "404"), msg)
	}
}

func TestResolveEnv(t *testing.T) {
	t.Parallel()
	base := []string{"PATH=/bin", "PULUMI_HOME=/old", "TMPDIR=/tmp", "PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES=^github://=https://a"}
	tests := []struct {
		name string
		opts []ResolveOption
		want string // the child's overrides; "" for none set by Resolve
	}{
		{"caller's env kept", nil, "^github://=https://a"},
		{"overrides replace the caller's", []ResolveOption{WithDownloadOverrides("^x=https://b")}, "^x=https://b"},
		{"server replaces every source", []ResolveOption{WithServer("http://127.0.0.1:1/m/")}, "^=http://127.0.0.1:1/m"},
		{"server wins over overrides", []ResolveOption{WithDownloadOverrides("^x=https://b"), WithServer("http://127.0.0.1:1/m")}, "^=http://127.0.0.1:1/m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := configure(defaultOptions(), append(tt.opts, WithEnv(base)), ResolveOption.configureResolve)
			if err != nil {
				t.Fatal(err)
			}
			env, err := o.resolveEnv("/scratch")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, kv := range env {
				k, v, _ := strings.Cut(kv, "=")
				got[k] = append(got[k], v)
			}
			for k, want := range map[string]string{
				"PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES": tt.want,
				"PULUMI_HOME":                          "/scratch/home",
				"TMPDIR":                               "/scratch/tmp",
				"PATH":                                 "/bin",
			} {
				if len(got[k]) != 1 || got[k][0] != want {
					t.Errorf("%s = %q, want exactly %q", k, got[k], want)
				}
			}
		})
	}
	o, err := configure(defaultOptions(), []ResolveOption{WithServer("https://mirror.example/p?sig=abc")}, ResolveOption.configureResolve)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.resolveEnv("/scratch"); err == nil || strings.Contains(err.Error(), "abc") {
		t.Fatalf("resolveEnv with a server URL the CLI cannot take = %v; want an error without the query", err)
	}
}

func TestTail(t *testing.T) {
	t.Parallel()
	refused := `error downloading provider: Get "http://127.0.0.1:9/a.tar.gz": dial tcp 127.0.0.1:9: connect: connection refused`
	retries := ""
	for i := 1; i <= 5; i++ {
		retries += refused + "\nWill retry in 80ms [" + string(rune('0'+i)) + `/5]{"time":"t","level":"INFO","msg":"localfile downloading from http://127.0.0.1:9","v":1}` + "\n"
	}
	tests := []struct {
		name, stderr, want string
	}{
		{"retry log", `{"time":"t","msg":"full plugin download url: x"}` + "\n" + retries +
			"error: installing packages: failed to download plugin: localfile-0.1.0: failed all 5 attempts\ncontext canceled\n",
			": " + refused + "; error: installing packages: failed to download plugin: localfile-0.1.0: failed all 5 attempts"},
		{"no error line", "a\nb\nc\nd\n", ": b; c; d"},
		{"only logs", `{"time":"t"}` + "\n", ""},
		{"long line", "error: " + strings.Repeat("x", 1000), ": error: " + strings.Repeat("x", maxTailLine-len("error: ")) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tail([]byte(tt.stderr)); got != tt.want {
				t.Fatalf("tail =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
