//go:build darwin || freebsd || netbsd || dragonfly

package cache

import (
	"io/fs"
	"syscall"
)

// changeTime is the inode's change time (ctime), in nanoseconds.
func changeTime(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Ctimespec.Sec*1e9 + st.Ctimespec.Nsec
	}
	return 0
}
