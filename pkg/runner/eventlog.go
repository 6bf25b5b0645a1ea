package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// eventLog is where pulumi's --event-log goes and how it is read while
// pulumi runs.
type eventLog interface {
	// Path is the file name given to --event-log.
	Path() string
	// Reader yields the events as pulumi writes them, and ends once
	// Finish was called and everything written was read.
	Reader() io.Reader
	// Finish says pulumi has exited; the reader may take up to drain to
	// reach the end before it fails with os.ErrDeadlineExceeded.
	Finish(drain time.Duration)
	// Close releases the log and removes its files.
	Close()
	// Drain is a read end that the process guard keeps and drains if this
	// process dies, so that pulumi is not stopped by a pipe without a
	// reader while it cancels; nil when the log is a file.
	Drain() *os.File
}

// openEventLog opens a named pipe where the platform has them, else (or
// when asked) a file that is tailed.
// Its files go in a new folder inside runDir, removed by Close.
func openEventLog(runDir string, file bool) (eventLog, error) {
	if pipesSupported && !file {
		return openEventPipe(runDir)
	}
	return openEventFile(runDir)
}

// eventFile is an event log in a regular file, read by polling for what
// pulumi appends: for platforms without named pipes.
type eventFile struct {
	dir  string
	path string
	f    *os.File
	done atomic.Bool
}

// eventPoll is how often a tailed event file is checked for more events.
const eventPoll = 20 * time.Millisecond

func openEventFile(runDir string) (*eventFile, error) {
	dir, err := os.MkdirTemp(runDir, "events-")
	if err != nil {
		return nil, fmt.Errorf("runner: event log: %w", err)
	}
	e := &eventFile{dir: dir, path: filepath.Join(dir, "events.jsonl")}
	// Created here, so that reading can start before pulumi writes; pulumi
	// truncates and writes the same file.
	if e.f, err = os.OpenFile(e.path, os.O_RDONLY|os.O_CREATE, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("runner: event log: %w", err)
	}
	return e, nil
}

func (e *eventFile) Path() string { return e.path }

func (e *eventFile) Drain() *os.File { return nil }

func (e *eventFile) Reader() io.Reader { return e }

// Finish marks pulumi as exited: everything it wrote is in the file, so
// the reader ends at the next end of file. Reading a file never blocks, so
// drain needs no deadline.
func (e *eventFile) Finish(time.Duration) { e.done.Store(true) }

func (e *eventFile) Close() {
	e.f.Close()
	os.RemoveAll(e.dir)
}

// Read reads what pulumi appended, waiting for more until Finish.
func (e *eventFile) Read(p []byte) (int, error) {
	for {
		// Check before reading: what was written before Finish is then
		// read before EOF is believed.
		done := e.done.Load()
		n, err := e.f.Read(p)
		if n > 0 || (err != nil && err != io.EOF) {
			return n, err
		}
		if done {
			return 0, io.EOF
		}
		time.Sleep(eventPoll)
	}
}
