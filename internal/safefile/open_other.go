//go:build !unix

package safefile

import "os"

// openRegular opens path and checks the opened file's type. Windows has no
// FIFO in the file system (its named pipes live under \\.\pipe\, and the
// check before opening refuses them).
func openRegular(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(path, info.Mode())
	}
	return f, nil
}
