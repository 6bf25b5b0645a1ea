//go:build unix

package pulumicmd

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestCommand(t *testing.T) {
	t.Parallel()
	cmd := Command(context.Background(), Spec{Pulumi: "/opt/pulumi", Dir: "/prog", Args: []string{"up", "--yes"}, Env: []string{"A=1"}, Grace: 7 * time.Second})
	if cmd.Path != "/opt/pulumi" || !slices.Equal(cmd.Args, []string{"/opt/pulumi", "up", "--yes"}) || cmd.Dir != "/prog" || !slices.Equal(cmd.Env, []string{"A=1"}) {
		t.Errorf("command %q %q in %q with %q", cmd.Path, cmd.Args, cmd.Dir, cmd.Env)
	}
	if cmd.WaitDelay != 7*time.Second || cmd.Cancel == nil {
		t.Errorf("WaitDelay %s, Cancel set %v", cmd.WaitDelay, cmd.Cancel != nil)
	}
	if runtime.GOOS != "windows" && (cmd.SysProcAttr == nil || !cmd.SysProcAttr.Setpgid) {
		t.Error("pulumi does not get a process group of its own")
	}
}

// fakePulumi writes a script that starts a grandchild in the background
// (as pulumi starts its language host and providers), records pids and the
// signals it gets in dir, and then behaves as body says.
func fakePulumi(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "pulumi")
	script := `#!/bin/sh
sleep 300 &
echo $! > "` + dir + `/grandchild"
echo $$ > "` + dir + `/pulumi.pid"
` + body
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		raw, err := os.ReadFile(path)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(raw))); err == nil && perr == nil {
			return pid
		}
	}
	t.Fatalf("no pid in %s", path)
	return 0
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie is dead but not yet reaped.
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err != nil || !strings.Contains(string(stat), ") Z ")
}

func waitGone(t *testing.T, what string, pid int, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	t.Errorf("%s (pid %d) is still running after %s", what, pid, within)
	syscall.Kill(pid, syscall.SIGKILL)
}

// TestWaitEndsLeftovers: once pulumi has exited, what it left running in
// its tree is ended.
func TestWaitEndsLeftovers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix process groups")
	}
	t.Parallel()
	dir := t.TempDir()
	cmd := Command(context.Background(), Spec{Pulumi: fakePulumi(t, dir, "exit 0"), Dir: dir, Env: []string{"PATH=/usr/bin:/bin"}, Grace: time.Second})
	p, err := Start(cmd, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, "the grandchild", readPid(t, filepath.Join(dir, "grandchild")), 5*time.Second)
}

// TestKilledAfterGrace: a pulumi that ignores SIGINT is killed after the
// grace period, and Killed says so.
func TestKilledAfterGrace(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGINT")
	}
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := Command(ctx, Spec{Pulumi: fakePulumi(t, dir, "trap '' INT\nwhile :; do sleep 1; done"), Dir: dir, Env: []string{"PATH=/usr/bin:/bin"}, Grace: 300 * time.Millisecond})
	p, err := Start(cmd, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	readPid(t, filepath.Join(dir, "pulumi.pid"))
	cancel()
	err = p.Wait()
	if !Killed(cmd, err) {
		t.Fatalf("Killed = false after a pulumi that ignored SIGINT; Wait: %v", err)
	}
	waitGone(t, "the grandchild", readPid(t, filepath.Join(dir, "grandchild")), 5*time.Second)
}

// TestGracefulCancelIsNotKilled: a pulumi that stops on SIGINT is not
// reported as killed.
func TestGracefulCancelIsNotKilled(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGINT")
	}
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := Command(ctx, Spec{Pulumi: fakePulumi(t, dir, "trap 'exit 8' INT\nwhile :; do sleep 0.1; done"), Dir: dir, Env: []string{"PATH=/usr/bin:/bin"}, Grace: 10 * time.Second})
	p, err := Start(cmd, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	readPid(t, filepath.Join(dir, "pulumi.pid"))
	cancel()
	err = p.Wait()
	if Killed(cmd, err) {
		t.Fatalf("Killed = true for a pulumi that stopped on SIGINT: %v", err)
	}
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 8 {
		t.Fatalf("exit %v, want the 8 of its SIGINT handler", cmd.ProcessState)
	}
}

// TestMain plays octopulumi for TestTreeEndsWithParent: with the variable
// set, it starts a fake pulumi through Start, its output copied through
// pipes as the runner's is, and waits to be killed. The fake pulumi starts
// a child in a process group of its own (as pulumi starts its plugins), and
// on SIGINT writes 300 KB to its output before it exits, as pulumi logs
// its cancellation: without a reader it would die of SIGPIPE, and with a
// reader that does not read it would block on a full pipe.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PULUMICMD_TEST_PARENT"); dir != "" {
		script := "#!/bin/sh\n" +
			"setsid sh -c 'echo $$ > \"" + dir + "/grandchild\"; exec sleep 300' &\n" +
			"while [ ! -s \"" + dir + "/grandchild\" ]; do sleep 0.01; done\n" +
			"echo $$ > \"" + dir + "/pulumi.pid\"\n" +
			"trap 'for i in 1 2 3 4 5 6 7 8 9 10; do head -c 30000 /dev/zero | tr \"\\\\000\" x; echo cancelling $i >&2; sleep 0.1; done; echo INT > \"" + dir + "/signal\"; exit 8' INT\n" +
			"while :; do sleep 0.1; done\n"
		path := filepath.Join(dir, "pulumi")
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			os.Exit(3)
		}
		cmd := Command(context.Background(), Spec{Pulumi: path, Dir: dir, Env: []string{"PATH=/usr/bin:/bin"}, Grace: 5 * time.Second})
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &lockedBuilder{b: &out}, &lockedBuilder{b: &out}
		p, err := Start(cmd, 5*time.Second)
		if err != nil {
			os.Exit(4)
		}
		os.Stdout.WriteString("started\n")
		_ = p.Wait()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type lockedBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestTreeEndsWithParent kills "octopulumi" with SIGKILL, as a lost worker
// or a killed step would: pulumi gets SIGINT and can log its cancellation to
// the end (no SIGPIPE), and then its whole tree ends, also a child in a
// process group of its own.
func TestTreeEndsWithParent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), "PULUMICMD_TEST_PARENT="+dir)
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		parent.Process.Kill()
		t.Fatal(err)
	}
	pulumi := readPid(t, filepath.Join(dir, "pulumi.pid"))
	grandchild := readPid(t, filepath.Join(dir, "grandchild"))
	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	waitGone(t, "pulumi", pulumi, 10*time.Second)
	if runtime.GOOS == "linux" {
		// Found by its token: a group signal cannot reach it.
		waitGone(t, "pulumi's child in a process group of its own", grandchild, 10*time.Second)
	} else {
		syscall.Kill(grandchild, syscall.SIGKILL)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "signal")); err != nil || strings.TrimSpace(string(raw)) != "INT" {
		t.Errorf("pulumi did not get to finish its cancellation (SIGINT, then its log to the end) when its parent died: %q, %v", raw, err)
	}
}

// TestWaitReturnsWhenOutputHeld: a process pulumi started in a group of its
// own that keeps pulumi's output open does not hold Wait for ever; what
// pulumi wrote before it exited is all there.
func TestWaitReturnsWhenOutputHeld(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "pulumi")
	// The holder says its pid once it has its own session, and pulumi
	// exits only then, so that no group signal can reach it.
	script := "#!/bin/sh\necho before\nsetsid sh -c 'echo $$ > \"" + dir + "/holder\"; exec sleep 60' &\n" +
		"while [ ! -s \"" + dir + "/holder\" ]; do sleep 0.01; done\necho after\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := Command(context.Background(), Spec{Pulumi: path, Dir: dir, Env: []string{"PATH=/usr/bin:/bin"}, Grace: time.Second})
	out := &lockedBuilder{b: &strings.Builder{}}
	cmd.Stdout = out
	p, err := Start(cmd, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(readPid(t, filepath.Join(dir, "holder")), syscall.SIGKILL) })
	took := time.Since(start)
	if holder := readPid(t, filepath.Join(dir, "holder")); !alive(holder) {
		t.Fatalf("the holder (pid %d) is gone: the test did not hold the output open", holder)
	}
	if took > drainWait+2*time.Second {
		t.Errorf("Wait took %s with the output held open", took)
	}
	out.mu.Lock()
	got := out.b.String()
	out.mu.Unlock()
	if got != "before\nafter\n" {
		t.Errorf("output %q", got)
	}
}
