//go:build unix

package pulumicmd

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// guardScript runs in the guard process, the leader of pulumi's process
// group, with its standard input on a pipe that only octopulumi writes to.
// It reads pulumi's pid, then waits: "done" means octopulumi finished
// with pulumi normally; end of input means octopulumi is gone. Then it
// drains pulumi's output pipes (fds from 3 on, which it was given and
// has not touched), so that pulumi is not killed by SIGPIPE while it
// cancels; it sends SIGINT where Linux did not already (parent-death
// signal), gives pulumi the grace period, and ends every process marked
// with pulumi's token (plugins run in process groups of their own). Either
// way it ends the group — what pulumi left running. It ignores SIGINT,
// which a terminal sends to the whole group.
const guardScript = `trap '' INT
read -r pid || pid=
if [ -n "$pid" ] && { ! read -r msg || [ "$msg" != done ]; }; then
  fd=3
  while [ "$fd" -lt "$((3 + OCTOPULUMI_GUARD_DRAIN))" ]; do
    eval "cat <&$fd >/dev/null 2>&1 &"
    fd=$((fd+1))
  done
  [ "$OCTOPULUMI_GUARD_SIGNAL" = 1 ] && kill -INT "$pid" 2>/dev/null
  i=0
  while [ "$i" -lt "$OCTOPULUMI_GUARD_GRACE" ] && kill -0 "$pid" 2>/dev/null; do sleep 1; i=$((i+1)); done
  kill -KILL "$pid" 2>/dev/null
  for p in /proc/[0-9]*; do
    tr '\000' '\n' < "$p/environ" 2>/dev/null | grep -qx "` + EnvProcess + `=$OCTOPULUMI_GUARD_TOKEN" && kill -KILL "${p#/proc/}" 2>/dev/null
  done
fi
kill -KILL 0`

type guard struct {
	proc *exec.Cmd
	w    *os.File
}

// shell is the guard's interpreter; every Unix, and every execution
// container image Octopus can use, has it.
var shell = "/bin/sh"

func newGuard(cmd *exec.Cmd, grace time.Duration, token string, drain []*os.File) (*guard, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("the process guard's pipe: %w", err)
	}
	defer r.Close()
	proc := exec.Command(shell, "-c", guardScript)
	proc.Stdin = r
	signal := "1"
	if runtime.GOOS == "linux" {
		signal = "0"
	}
	proc.Env = []string{
		"PATH=/usr/bin:/bin",
		"OCTOPULUMI_GUARD_GRACE=" + strconv.Itoa(int(grace.Seconds())+1),
		"OCTOPULUMI_GUARD_SIGNAL=" + signal,
		"OCTOPULUMI_GUARD_TOKEN=" + token,
		"OCTOPULUMI_GUARD_DRAIN=" + strconv.Itoa(len(drain)),
	}
	proc.ExtraFiles = drain
	proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := proc.Start(); err != nil {
		w.Close()
		// No shell: pulumi runs in a group of its own, unguarded.
		return nil, nil
	}
	// pulumi joins the guard's group.
	cmd.SysProcAttr.Pgid = proc.Process.Pid
	return &guard{proc: proc, w: w}, nil
}

func (g *guard) attach(pid int) error {
	if g == nil {
		return nil
	}
	_, err := fmt.Fprintf(g.w, "%d\n", pid)
	return err
}

// release tells the guard pulumi is done, so it ends what is left of the
// group, and reaps it.
func (g *guard) release() {
	if g == nil {
		return
	}
	_, _ = g.w.WriteString("done\n")
	g.w.Close()
	_ = g.proc.Wait()
}

func killedBySignal(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
