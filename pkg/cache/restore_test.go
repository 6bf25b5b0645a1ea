package cache

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func TestResolveBundleRestoreThenUpDownloadsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	prog := f.bed.Program(t, "two-files")

	got, err := Resolve(ctx, prog, WithPulumi(f.bed.Tools.Pulumi), WithEnv(f.bed.Env()))
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	want, _ := f.manifest.Marshal()
	if gotJSON, _ := got.Marshal(); string(gotJSON) != string(want) {
		t.Fatalf("Resolve =\n%s\nwant\n%s", gotJSON, want)
	}
	if err := WriteManifest(filepath.Join(prog, ManifestFile), got); err != nil {
		t.Fatal(err)
	}
	if back, err := ReadManifest(filepath.Join(prog, ManifestFile)); err != nil || len(back.Plugins) != 1 {
		t.Fatalf("ReadManifest = %v, %v", back, err)
	}

	home := filepath.Join(t.TempDir(), "fresh-home")
	r, err := Warm(ctx, home, FromBundle(f.extracted), WithManifest(got))
	if err != nil {
		t.Fatalf("Warm: %v", err)
	}
	if len(r.Installed) != 1 || r.Linked == 0 || r.Copied != 0 || len(r.Missing) != 0 {
		t.Fatalf("Warm report = %+v; want one plugin installed by hard links, nothing missing", r)
	}
	before := f.bed.Mirror.Total()
	env := envWithHome(f.bed, home)
	pulumi(t, f.bed, prog, env, "stack", "init", "dev")
	pulumi(t, f.bed, prog, env, "up", "--yes", "--skip-preview")
	if _, err := os.Stat(filepath.Join(prog, "out", "second.txt")); err != nil {
		t.Fatalf("pulumi up did not run the restored provider: %v", err)
	}
	if n := f.bed.Mirror.Total() - before; n != 0 {
		t.Fatalf("pulumi up after a restore made %d requests to the mirror, want 0", n)
	}
}

func TestRestoreFromArchiveAndFolderSkipsWhatIsPresent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	for _, src := range []string{f.archive, f.extracted} {
		home := t.TempDir()
		r, err := Restore(ctx, src, home, WithManifest(f.manifest))
		if err != nil || len(r.Installed) != 1 {
			t.Fatalf("Restore(%s) = %+v, %v", src, r, err)
		}
		wantInstalled(t, f, home)
		r, err = Restore(ctx, src, home)
		if err != nil || len(r.Installed) != 0 || len(r.Present) != 1 {
			t.Fatalf("second Restore(%s) = %+v, %v; want it present", src, r, err)
		}
		noStaging(t, home)
	}
}

func TestEightProcessesShareOneCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	shared := t.TempDir()
	var wg sync.WaitGroup
	reports := make([]Report, 8)
	errs := make([]error, 8)
	for i := range 8 {
		src := f.extracted
		if i%2 == 1 {
			src = f.archive
		}
		wg.Go(func() {
			out, err := helper("restore", src, shared).Output()
			if err != nil {
				errs[i] = fmt.Errorf("%w: %s", err, stderrOf(err))
				return
			}
			errs[i] = json.Unmarshal(out, &reports[i])
		})
	}
	wg.Wait()
	installed := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
		installed += len(reports[i].Installed)
	}
	if installed != 1 {
		t.Fatalf("%d processes installed the plugin, want exactly 1: %+v", installed, reports)
	}
	wantInstalled(t, f, shared)
	names := entries(t, shared)
	dirs := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return strings.Contains(n, ".") && !strings.HasSuffix(n, ".0") })
	if len(dirs) != 1 {
		t.Fatalf("plugins folder %v: want one plugin copy", names)
	}
	noStaging(t, shared)
}

func TestKilledRestoreIsDetectedAndRepaired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	home := t.TempDir()
	for _, src := range []string{f.extracted, f.archive} {
		cmd := helper("hang", src, home)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if line != "POPULATED\n" {
			cmd.Process.Kill()
			t.Fatalf("helper said %q", line)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		key := f.manifest.Plugins[0].Dir()
		if _, err := os.Stat(filepath.Join(home, "plugins", key+partialSuffix)); err != nil {
			t.Fatalf("killed restore left no %s marker: %v", partialSuffix, err)
		}
		if missing, _ := Check(home, f.manifest); len(missing) != 1 {
			t.Fatalf("Check trusts a killed restore: missing = %v", missing)
		}
		if out := pulumi(t, f.bed, home, envWithHome(f.bed, home), "plugin", "ls", "--json"); strings.Contains(out, "localfile") {
			t.Fatalf("the CLI trusts a killed restore: %s", out)
		}
		vr, err := Verify(ctx, home)
		if err != nil || len(vr.Problems) != 1 || !strings.Contains(vr.Problems[0].Reason, "interrupted") {
			t.Fatalf("Verify = %+v, %v; want the interrupted install reported", vr, err)
		}
		r, err := Restore(ctx, src, home)
		if err != nil || len(r.Installed) != 1 {
			t.Fatalf("Restore after a kill = %+v, %v; want it repaired", r, err)
		}
		wantInstalled(t, f, home)
		// Next round: start from nothing again.
		if _, err := Verify(ctx, home); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(filepath.Join(home, "plugins", key)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadArchiveNamesPluginAndInstallsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	plainTar := f.plainTar
	gz, _ := os.ReadFile(f.archive)
	raw, _ := os.ReadFile(plainTar)
	tampered := slices.Clone(raw)
	tampered[len(raw)/2] ^= 0xff
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated gzip", gz[:len(gz)/2], "truncated"},
		{"truncated tar", raw[:len(raw)/2], "truncated"},
		{"one byte flipped", tampered, "tampered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := filepath.Join(t.TempDir(), "bundle.tar")
			if err := os.WriteFile(src, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			home := t.TempDir()
			_, err := Restore(ctx, src, home)
			if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "resource-localfile-v0.1.0") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Restore = %v; want an integrity error naming the plugin and saying %q", err, tt.want)
			}
			if names, _ := os.ReadDir(filepath.Join(home, "plugins")); len(names) != 0 {
				t.Fatalf("a bad archive installed %v", names)
			}
			noStaging(t, home)
		})
	}
}

func TestConcurrentPulumiPluginInstall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := f.manifest.Plugins[0]
	for range 3 {
		home := t.TempDir()
		var wg sync.WaitGroup
		var cliErr error
		var cliOut []byte
		wg.Go(func() {
			cmd := helperPulumi(f, home, "plugin", "install", p.Kind, p.Name, p.Version, "--server", f.bed.Mirror.URL, "--checksum", p.Checksums[Platform()])
			cliOut, cliErr = cmd.CombinedOutput()
		})
		_, err := Restore(ctx, f.extracted, home)
		wg.Wait()
		if err != nil {
			t.Fatalf("Restore beside pulumi plugin install: %v", err)
		}
		if cliErr != nil {
			t.Fatalf("pulumi plugin install beside Restore: %v\n%s", cliErr, cliOut)
		}
		missing, err := Check(home, f.manifest)
		if err != nil || len(missing) != 0 {
			t.Fatalf("Check = %v, %v", missing, err)
		}
		if vr, err := Verify(ctx, home, VerifyContents()); err != nil || len(vr.Problems) != 0 || len(vr.Verified)+len(vr.Unrecorded) != 1 {
			t.Fatalf("Verify = %+v, %v; want the plugin sound", vr, err)
		}
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// A full disk while extracting is not a tampered archive: the error keeps
// ENOSPC and does not claim corruption.
func TestExtractTellsAFullDiskFromABadArchive(t *testing.T) {
	t.Parallel()
	body := []byte("plugin bytes")
	rec := fileRecord{Path: "pulumi-resource-x", Type: "file", Mode: 0o755, Size: int64(len(body)), SHA256: sha256Hex(body)}
	for _, tc := range []struct {
		name      string
		w         io.Writer
		r         io.Reader
		integrity bool
		cause     error
	}{
		{"disk full", failingWriter{syscall.ENOSPC}, bytes.NewReader(body), false, syscall.ENOSPC},
		{"truncated archive", io.Discard, failingReader{io.ErrUnexpectedEOF}, true, nil},
		{"tampered bytes", io.Discard, strings.NewReader("other bytes!"), true, nil},
		{"good", io.Discard, bytes.NewReader(body), false, nil},
		// A read that fails because the restore was cancelled is no fault of the archive.
		{"cancelled", io.Discard, bytes.NewReader(body), false, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := tc.r
			if tc.cause == context.Canceled {
				cancel()
				r = ctxReader{ctx, r}
			}
			err := copyChecked(ctx, tc.w, r, rec, "resource-x-v1.0.0")
			if got := errors.Is(err, ErrIntegrity); got != tc.integrity {
				t.Fatalf("copyChecked = %v; integrity error %v, want %v", err, got, tc.integrity)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Fatalf("copyChecked = %v, want it to wrap %v", err, tc.cause)
			}
			if tc.name == "good" && err != nil {
				t.Fatalf("copyChecked = %v", err)
			}
		})
	}
}

// noStaging fails the test when a restore left a staging folder in home.
func noStaging(t *testing.T, home string) {
	t.Helper()
	if left, _ := filepath.Glob(filepath.Join(home, ".octopulumi-restore-*")); len(left) != 0 {
		t.Fatalf("staging left behind: %v", left)
	}
}
