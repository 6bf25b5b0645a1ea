package runfolder

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play a run that dies: with the variable
// below set, it makes a run folder, starts a marked child, says where, and
// waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("RUNFOLDER_TEST_DYING_RUN"); dir != "" {
		f, err := Create(dir)
		if err != nil {
			os.Exit(3)
		}
		child := exec.Command("sleep", "300")
		child.Env = append(os.Environ(), EnvRunID+"="+f.ID())
		if err := child.Start(); err != nil {
			os.Exit(4)
		}
		os.Stdout.WriteString(f.Path() + " " + strconv.Itoa(child.Process.Pid) + "\n")
		time.Sleep(5 * time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestCreateAndClose(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	f, err := Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(f.Path())
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o700 {
		t.Errorf("run folder mode %v, want 0700", info.Mode().Perm())
	}
	sub, err := f.Sub("credentials")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "credentials.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(f.Path()); !os.IsNotExist(err) {
		t.Fatalf("run folder still there after Close: %v", err)
	}
}

// TestSweepLeavesLiveRuns: a run that is alive (its lock held) keeps its
// folder, and so does a folder still being created.
func TestSweepLeavesLiveRuns(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	live, err := Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	creating := filepath.Join(tmp, Prefix+"0123456789abcdef")
	if err := os.Mkdir(creating, 0o700); err != nil {
		t.Fatal(err)
	}
	youngLegacy := filepath.Join(tmp, "octopulumi-credentials-123")
	if err := os.Mkdir(youngLegacy, 0o700); err != nil {
		t.Fatal(err)
	}
	swept, err := Sweep(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(swept) != 0 {
		t.Fatalf("swept %v, want nothing", swept)
	}
	for _, p := range []string{live.Path(), creating, youngLegacy} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
}

// TestSweepRemovesOldLegacyFolders: what earlier versions left (a
// credentials folder with a token in it) goes once it is older than any run.
func TestSweepRemovesOldLegacyFolders(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	old := filepath.Join(tmp, "octopulumi-credentials-42")
	if err := os.Mkdir(old, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "credentials.json"), []byte(`{"accessTokens":{"x":"pul-secret"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	swept, err := Sweep(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(swept) != 1 || swept[0].Path != old {
		t.Fatalf("swept %v, want %s", swept, old)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatalf("%s still there: %v", old, err)
	}
}

// TestSweepAfterSIGKILL kills a run with SIGKILL, as a lost worker or a
// killed step would, and checks that the next run removes its folder and
// ends the process it left running.
func TestSweepAfterSIGKILL(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and /proc are Unix things; Windows ends a run's processes with its job object")
	}
	t.Parallel()
	tmp := t.TempDir()
	run := exec.Command(os.Args[0], "-test.run=^$")
	run.Env = append(os.Environ(), "RUNFOLDER_TEST_DYING_RUN="+tmp)
	out, err := run.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		run.Process.Kill()
		t.Fatalf("the dying run said nothing: %v", err)
	}
	fields := strings.Fields(line)
	folder := fields[0]
	if swept, err := Sweep(tmp); err != nil || len(swept) != 0 {
		t.Fatalf("while the run lives, Sweep = %v, %v; want nothing", swept, err)
	}
	if err := run.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = run.Wait()
	swept, err := Sweep(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(swept) != 1 || swept[0].Path != folder {
		t.Fatalf("Sweep = %v, want %s", swept, folder)
	}
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		t.Fatalf("the dead run's folder is still there: %v", err)
	}
	if runtime.GOOS == "linux" {
		if swept[0].Killed != 1 {
			t.Errorf("killed %d processes, want the 1 the dead run left", swept[0].Killed)
		}
		if !strings.Contains(swept[0].String(), "ended 1 of its processes") || !strings.Contains(swept[0].String(), "pid ") {
			t.Errorf("log line %q does not say what happened", swept[0])
		}
	}
}
