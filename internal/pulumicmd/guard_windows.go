package pulumicmd

import (
	"fmt"
	"os"
	"os/exec"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// guard is a job object that kills every process in it when its last
// handle closes: when octopulumi ends, however it ends.
type guard struct {
	job windows.Handle
}

func setProcAttr(*exec.Cmd) {}

func newGuard(*exec.Cmd, time.Duration, string, []*os.File) (*guard, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, nil // unguarded
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return nil, nil
	}
	return &guard{job: job}, nil
}

// attach puts the started process in the job; the processes it starts
// from then on join it too.
func (g *guard) attach(pid int) error {
	if g == nil {
		return nil
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("opening process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	return windows.AssignProcessToJobObject(g.job, h)
}

// release closes the job, which kills what is left in it.
func (g *guard) release() {
	if g == nil {
		return
	}
	windows.CloseHandle(g.job)
}

func killedBySignal(*os.ProcessState) bool { return false }
