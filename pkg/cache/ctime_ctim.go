//go:build linux || openbsd || solaris || illumos || aix

package cache

import (
	"io/fs"
	"syscall"
)

// changeTime is the inode's change time (ctime), in nanoseconds.
func changeTime(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Ctim.Sec*1e9 + st.Ctim.Nsec
	}
	return 0
}
