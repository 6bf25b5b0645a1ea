package pulumicmd

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// Spec is one pulumi process.
type Spec struct {
	// Pulumi is the CLI binary.
	Pulumi string
	// Dir is the working folder (the Pulumi project).
	Dir string
	// Args are the arguments after the binary.
	Args []string
	// Env is the complete environment (see [Env.Environ]).
	Env []string
	// Grace is how long the process may take to stop after SIGINT when the
	// context ends, before it is killed.
	Grace time.Duration
}

// Command builds the *exec.Cmd for s: no I/O, so tests can assert its
// arguments and environment. When ctx ends, pulumi gets SIGINT ("cancel
// gracefully": finish in-flight operations, save state, release the lock)
// and is killed only after the grace period; Windows cannot deliver SIGINT
// to another process, so there it is killed at once.
func Command(ctx context.Context, s Spec) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.Pulumi, s.Args...)
	cmd.Dir = s.Dir
	cmd.Env = s.Env
	cmd.Cancel = func() error {
		if runtime.GOOS == "windows" {
			return cmd.Process.Kill()
		}
		return cmd.Process.Signal(os.Interrupt)
	}
	cmd.WaitDelay = s.Grace
	setProcAttr(cmd)
	return cmd
}

// Process is a started pulumi process with its guard.
type Process struct {
	cmd   *exec.Cmd
	guard *guard
}

// Start starts cmd (made by [Command]) so that its whole process tree —
// pulumi, its language host, its providers — ends with this process, even
// when this process is killed with SIGKILL: on Unix pulumi runs in a
// process group of its own, watched by a small guard process that ends the
// group when this process is gone (after giving pulumi the grace period to
// cancel its update, on a SIGINT that Linux sends as pulumi's parent-death
// signal); on Windows pulumi runs in a job object that is killed when its
// last handle, held by this process, closes. Call Wait, which also ends
// whatever the tree left running.
//
// Call Wait from the goroutine that called Start: Start pins it to its OS
// thread until Wait, since Linux sends the parent-death signal when the
// thread that started the child ends, not the process.
func Start(cmd *exec.Cmd, grace time.Duration) (*Process, error) {
	runtime.LockOSThread()
	g, err := newGuard(cmd, grace)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		g.release()
		runtime.UnlockOSThread()
		return nil, err
	}
	if err := g.attach(cmd.Process.Pid); err != nil {
		// The process runs unguarded; it still gets SIGINT on cancel.
		g.release()
		g = nil
	}
	return &Process{cmd: cmd, guard: g}, nil
}

// Wait waits for the process, then ends anything of its tree still running.
func (p *Process) Wait() error {
	defer runtime.UnlockOSThread()
	err := p.cmd.Wait()
	p.guard.release()
	return err
}

// Killed reports whether the process did not stop after SIGINT within its
// grace period and was killed: an update may then have left its stack
// locked.
func Killed(cmd *exec.Cmd, waitErr error) bool {
	if errors.Is(waitErr, exec.ErrWaitDelay) {
		return true
	}
	return cmd.ProcessState != nil && killedBySignal(cmd.ProcessState)
}
