//go:build unix

package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// pipesSupported: on Unix, pulumi's event log is a named pipe, read as the
// events are written.
const pipesSupported = true

// eventPipe is a named pipe that pulumi's --event-log writes to, so events
// are parsed as they arrive instead of polling a file.
type eventPipe struct {
	dir    string
	path   string
	reader *os.File
	writer *os.File
	// guard is a read end of its own for the process guard, which
	// drains it if this process dies; a separate open, since the guard's
	// copy is put in blocking mode and ours needs read deadlines.
	guard *os.File
}

func openEventPipe(runDir string) (*eventPipe, error) {
	dir, err := os.MkdirTemp(runDir, "events-")
	if err != nil {
		return nil, fmt.Errorf("runner: event pipe: %w", err)
	}
	p := &eventPipe{dir: dir, path: filepath.Join(dir, "events.jsonl")}
	if err := syscall.Mkfifo(p.path, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("runner: event pipe: %w", err)
	}
	// Open the read end without blocking, then a write end of our own so
	// that the reader does not see EOF before pulumi opens the pipe, nor
	// block forever if pulumi fails before opening it.
	if p.reader, err = os.OpenFile(p.path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("runner: event pipe: %w", err)
	}
	if p.guard, err = os.OpenFile(p.path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err != nil {
		p.reader.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("runner: event pipe: %w", err)
	}
	if p.writer, err = os.OpenFile(p.path, os.O_WRONLY, 0); err != nil {
		p.reader.Close()
		p.guard.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("runner: event pipe: %w", err)
	}
	return p, nil
}

// Path is where pulumi writes.
func (p *eventPipe) Path() string { return p.path }

// Drain is the guard's read end.
func (p *eventPipe) Drain() *os.File { return p.guard }

// Reader reads the events.
func (p *eventPipe) Reader() io.Reader { return p.reader }

// Finish drops our write end once the child has ended, so that the reader
// sees EOF once it has read what the child wrote, and bounds that wait.
func (p *eventPipe) Finish(drain time.Duration) {
	p.closeWriter()
	_ = p.reader.SetReadDeadline(time.Now().Add(drain))
}

func (p *eventPipe) closeWriter() {
	if p.writer != nil {
		p.writer.Close()
		p.writer = nil
	}
}

// Close releases the pipe and its folder.
func (p *eventPipe) Close() {
	p.closeWriter()
	p.reader.Close()
	p.guard.Close()
	os.RemoveAll(p.dir)
}
