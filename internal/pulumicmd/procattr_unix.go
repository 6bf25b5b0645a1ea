//go:build unix && !linux

package pulumicmd

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts pulumi in a process group of its own.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
