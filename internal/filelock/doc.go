// Package filelock takes advisory whole-file locks (flock on Unix, LockFileEx
// on Windows). The kernel releases them when the holder dies, even by
// SIGKILL, which is what makes them useful to tell a live run from a dead
// one. It is a leaf: it imports nothing of ours.
package filelock
