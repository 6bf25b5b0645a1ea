//go:build unix

package runfolder

import (
	"io/fs"
	"os"
	"syscall"
)

// ownedByMe reports whether this user owns the folder: a shared temp
// folder holds other users' runs too.
func ownedByMe(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
