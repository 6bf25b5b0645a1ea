package safefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Sentinels for the errors of this package; test with errors.Is.
var (
	// ErrNotRegular matches a [NotRegularError].
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge matches a [TooLargeError].
	ErrTooLarge = errors.New("file too large")
)

// NotRegularError is a path that is not a regular file, or a symlink to
// something that is not one.
type NotRegularError struct {
	// Path is the path as given.
	Path string
	// Target is where Path leads when it is a symlink, when known.
	Target string
	// Mode is the type of what Path leads to (fs.ModeDir, fs.ModeNamedPipe,
	// fs.ModeDevice, ...).
	Mode fs.FileMode
}

// Error names the path and says what it is instead of a file.
func (e *NotRegularError) Error() string {
	what := describe(e.Mode)
	if e.Target != "" {
		return fmt.Sprintf("%s is a symlink to %s, which is %s, not a regular file", e.Path, e.Target, what)
	}
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, what)
}

// Is makes errors.Is(err, ErrNotRegular) true.
func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

// describe says what a non-regular file is, for a person.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO), which could keep a read waiting forever"
	case m&fs.ModeCharDevice != 0:
		return "a character device, which could be read without end"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	default:
		return fmt.Sprintf("a special file (mode %v)", m.Type())
	}
}

// TooLargeError is a file larger than its reader allows.
type TooLargeError struct {
	// Path is the file.
	Path string
	// Size is its size in bytes when known, else -1 (it grew while read).
	Size int64
	// Max is the limit it exceeded, in bytes.
	Max int64
}

// Error names the file, its size and the limit.
func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("%s is larger than the %s it may hold (it grew while being read)", e.Path, humanBytes(e.Max))
	}
	return fmt.Sprintf("%s is %s, larger than the %s it may hold: is it the right file?", e.Path, humanBytes(e.Size), humanBytes(e.Max))
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// humanBytes writes n in the largest binary unit that keeps it at least 1,
// with the exact count when a unit is used: "5 MiB (5242880 bytes)".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.4g %ciB (%d bytes)", v, "KMGTP"[i], n)
}

// Open opens path for reading if it is a regular file, or a symlink to one.
// Anything else is a [*NotRegularError], checked before opening (opening a
// device can have effects of its own) and again on the opened file; a
// missing path is an *fs.PathError matching fs.ErrNotExist. On Unix, a FIFO
// put in place between the check and the open does not block the open.
func Open(path string) (*os.File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, notRegular(path, info.Mode())
	}
	return openRegular(path)
}

// ReadFile reads the whole regular file at path, as [Open] opens it, and
// returns a [*TooLargeError] rather than read more than max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > max {
		return nil, &TooLargeError{Path: path, Size: info.Size(), Max: max}
	}
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + 1) // +1: so that reaching EOF needs no growth
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(buf.Len()) > max {
		return nil, &TooLargeError{Path: path, Size: -1, Max: max}
	}
	return buf.Bytes(), nil
}

// notRegular is the error for path, whose target has mode m.
func notRegular(path string, m fs.FileMode) *NotRegularError {
	e := &NotRegularError{Path: path, Mode: m.Type()}
	if li, err := os.Lstat(path); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		if t, err := filepath.EvalSymlinks(path); err == nil {
			e.Target = t
		}
	}
	return e
}
