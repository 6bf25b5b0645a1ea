// Package safefile opens and reads files whose paths come from outside the
// program (a bundle's index, a manifest, a project file, a record left in a
// shared folder) without letting such a path hang or exhaust the process.
//
// [Open] refuses anything that is not a regular file, after following
// symlinks: a directory, a named pipe (FIFO), a device such as /dev/zero, a
// socket. On Unix it opens without blocking, so a FIFO with no writer cannot
// stall the open, and checks the opened file itself, so a path swapped
// between the check and the open is caught too. [ReadFile] reads such a file
// whole, up to a bound. Errors name the path and say what it is
// ([*NotRegularError], [*TooLargeError]); a missing file stays an
// [fs.ErrNotExist].
//
// It is a leaf: it imports only the standard library.
package safefile
