package pulumicmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
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
	cmd     *exec.Cmd
	guard   *guard
	copies  sync.WaitGroup
	readers []*os.File
	gates   []*gate
}

// gate passes writes on until it is shut: a copy that outlives Wait (a
// process left holding pulumi's output) writes nowhere after Wait.
type gate struct {
	mu   sync.Mutex
	w    io.Writer
	shut bool
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) close() {
	g.mu.Lock()
	g.shut = true
	g.mu.Unlock()
}

// EnvProcess marks each guarded process and what it starts with a token of
// its own, so that its guard can find them all when octopulumi is gone:
// pulumi starts each plugin in a process group of its own, beyond the
// reach of a group signal.
const EnvProcess = "OCTOPULUMI_PROCESS"

// drainWait bounds how long Wait waits, once pulumi has exited, for the
// end of its output: only a process it left behind can hold it open.
const drainWait = 5 * time.Second

// Start starts cmd (made by [Command]) so that its whole process tree —
// pulumi, its language host, its providers — ends with this process, even
// when this process is killed with SIGKILL. On Unix pulumi runs in a
// process group of its own, watched by a small guard process. When this
// process is gone, pulumi gets SIGINT to cancel its update (Linux sends it
// as pulumi's parent-death signal; elsewhere the guard does) and keeps a
// reader for its output, drains, and any other pipe given in drain (such as
// its event log), so that it is not killed by SIGPIPE mid-update; after the
// grace period the guard ends pulumi, every process marked with its token
// ([EnvProcess]: plugins run in groups of their own) and the group. On
// Windows pulumi runs in a job object that is killed when its last handle,
// held by this process, closes. Call Wait, which also ends whatever the
// tree left running.
//
// cmd's Stdout and Stderr, when they are not files, are copied through
// pipes that Start makes. Call Wait from the goroutine that called Start:
// Start pins it to its OS thread until Wait, since Linux sends the
// parent-death signal when the thread that started the child ends, not the
// process.
func Start(cmd *exec.Cmd, grace time.Duration, drain ...*os.File) (*Process, error) {
	p := &Process{cmd: cmd}
	var token [8]byte
	if _, err := rand.Read(token[:]); err != nil {
		return nil, fmt.Errorf("a process token: %w", err)
	}
	tok := hex.EncodeToString(token[:])
	cmd.Env = append(cmd.Env, EnvProcess+"="+tok)
	var writers []*os.File
	for _, out := range []*io.Writer{&cmd.Stdout, &cmd.Stderr} {
		if *out == nil {
			continue
		}
		if _, isFile := (*out).(*os.File); isFile {
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			p.closeAll(writers)
			return nil, fmt.Errorf("an output pipe: %w", err)
		}
		dst := &gate{w: *out}
		*out = w
		writers = append(writers, w)
		p.readers = append(p.readers, r)
		p.gates = append(p.gates, dst)
		p.copies.Add(1)
		go func() {
			defer p.copies.Done()
			_, _ = io.Copy(dst, r)
		}()
	}
	runtime.LockOSThread()
	g, err := newGuard(cmd, grace, tok, append(append([]*os.File(nil), p.readers...), drain...))
	if err == nil {
		err = cmd.Start()
		if err != nil {
			g.release()
		}
	}
	// The child has its copies of the write ends: ours must go, so that
	// the copies end when the child's do.
	p.closeAll(writers)
	if err != nil {
		runtime.UnlockOSThread()
		// No writer is left: the copies end at once.
		p.copies.Wait()
		p.closeAll(p.readers)
		return nil, err
	}
	if err := g.attach(cmd.Process.Pid); err != nil {
		// The process runs unguarded; it still gets SIGINT on cancel.
		g.release()
		g = nil
	}
	p.guard = g
	return p, nil
}

func (p *Process) closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// Wait waits for the process, ends anything of its tree still running, and
// for the end of its output (bounded).
func (p *Process) Wait() error {
	defer runtime.UnlockOSThread()
	err := p.cmd.Wait()
	p.guard.release()
	done := make(chan struct{})
	go func() { p.copies.Wait(); close(done) }()
	select {
	case <-done:
		p.closeAll(p.readers)
	case <-time.After(drainWait):
		// Something pulumi started holds its output open. The guard
		// holds the read ends too (in blocking mode, which a Close could
		// wait on for ever): the copies are left to end by themselves,
		// writing nowhere.
		for _, g := range p.gates {
			g.close()
		}
	}
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
