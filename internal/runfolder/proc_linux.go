package runfolder

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// killMarked ends every process of this user whose environment carries
// EnvRunID=id: what a dead run's pulumi left running. Reading another
// user's /proc/<pid>/environ fails, so only our own processes are seen.
func killMarked(id string) (int, error) {
	marker := []byte(EnvRunID + "=" + id + "\x00")
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return 0, err
	}
	killed := 0
	var errs []error
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), append([]byte{0}, marker...)) {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, err)
			continue
		}
		killed++
	}
	return killed, errors.Join(errs...)
}
