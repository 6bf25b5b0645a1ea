package pulumicmd

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts pulumi in a process group of its own and has Linux send
// it SIGINT, pulumi's "cancel gracefully", when octopulumi dies.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGINT}
}
