package runner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/internal/pulumicmd"
	"github.com/octopulumi/octopulumi/internal/redact"
)

// invocation is one pulumi process.
type invocation struct {
	args []string
	// env adds variables for this process only.
	env map[string]string
	// events asks for the engine's JSON events, through --event-log.
	events bool
	// capture keeps the (redacted) stdout text, e.g. a preview's diff.
	capture bool
	// quiet keeps stdout out of the log (for machine-readable output).
	quiet bool
	// mayBeMissing marks a call that may find the stack missing on
	// purpose (the caller then creates it): stderr is held back until
	// pulumi writes to stdout or exits, and dropped from the log if it
	// exits with "stack not found", so the task log shows no error for
	// what is a normal first deployment.
	mayBeMissing bool
	// dropPlanAdvice drops the CLI's advice to run `pulumi up --plan` from
	// the log and the captured text: the runner applies a saved plan itself.
	dropPlanAdvice bool
	// positional arguments come last, after "--".
	positional []string
	// stdin is the process's standard input (a secret config value).
	stdin string
}

// output is what a finished process left.
type output struct {
	stdout   string
	stderr   string // bounded tail, redacted
	exitCode int
	link     string // the update's Pulumi Cloud page, when the CLI printed one
}

// stderrTail bounds how much of stderr an error keeps.
const stderrTail = 8 << 10

// command builds the *exec.Cmd for inv: no I/O, so tests can assert its
// arguments and environment. Every pulumi process passes through here and
// pulumicmd, the one command builder.
func (r *Runner) command(ctx context.Context, inv invocation) *exec.Cmd {
	args := append([]string{}, inv.args...)
	args = append(args, "--non-interactive", "--color=never")
	if r.configFile != "" && takesConfigFile(args[0]) {
		args = append(args, "--config-file", r.configFile)
	}
	if len(inv.positional) > 0 {
		// After "--", so that a config key starting with '-' is no flag.
		args = append(append(args, "--"), inv.positional...)
	}
	return pulumicmd.Command(ctx, pulumicmd.Spec{
		Pulumi: r.opts.pulumi,
		Dir:    r.dir,
		Args:   args,
		Env:    r.env().Environ(inv.env),
		Grace:  r.opts.grace,
	})
}

// takesConfigFile reports whether the pulumi command accepts
// --config-file: the engine operations and config do; stack, install and
// cancel refuse it.
func takesConfigFile(command string) bool {
	switch command {
	case "up", "preview", "refresh", "destroy", "config":
		return true
	}
	return false
}

// run starts inv, streams its human log to the log writer, hands each engine
// event to onEvent as it arrives, and waits for it to end.
func (r *Runner) run(ctx context.Context, inv invocation, onEvent func(apitype.EngineEvent)) (output, error) {
	if err := ctx.Err(); err != nil {
		return output{}, err
	}
	var events eventLog
	if inv.events {
		var err error
		if events, err = openEventLog(r.folder.Path(), r.opts.eventFile); err != nil {
			return output{}, err
		}
		defer events.Close()
		inv.args = append(inv.args, "--event-log", events.Path())
	}
	cmd := r.command(ctx, inv)

	// exec copies stdout and stderr in two goroutines: the log must take
	// writes from both.
	logW := &lockedWriter{w: r.opts.log}
	var stdout bytes.Buffer
	var stdoutW *redact.Writer
	// The CLI prints its plan advice on stderr (older versions on stdout),
	// and an update's Pulumi Cloud link ("View Live: <url>") on stdout.
	var lines []*lineFilter
	var link string
	// Each filter runs in its stream's copying goroutine: only stdout's
	// notes the link.
	humane := func(w io.Writer, stdout bool) io.Writer {
		if inv.events {
			f := &lineFilter{w: w, keep: func(line []byte) bool {
				if stdout && link == "" {
					link = permalink(line)
				}
				return !inv.dropPlanAdvice || !isPlanAdvice(line)
			}}
			lines = append(lines, f)
			w = f
		}
		// Redacted first (a secret may hold control characters), then
		// free of terminal control sequences, then line by line.
		return &controlWriter{w: w}
	}
	if inv.quiet {
		// Machine-readable output (a stack export with its secrets shown)
		// stays in memory and must keep its values: no redaction here.
		stdoutW = redact.New().Writer(&stdout)
	} else {
		var human io.Writer = logW
		if inv.capture {
			human = io.MultiWriter(logW, &stdout)
		}
		stdoutW = r.redact.Writer(humane(human, true))
	}
	tail := &tailBuffer{max: stderrTail}
	var stderrLog io.Writer = logW
	var held *heldWriter
	if inv.mayBeMissing {
		held = &heldWriter{w: logW}
		stderrLog = held
	}
	stderrW := r.redact.Writer(humane(io.MultiWriter(stderrLog, tail), false))
	cmd.Stdout = stdoutW
	if held != nil {
		// Output on stdout means the stack was found: stop holding.
		cmd.Stdout = releasingWriter{w: stdoutW, held: held}
	}
	cmd.Stderr = stderrW
	if inv.stdin != "" {
		cmd.Stdin = strings.NewReader(inv.stdin)
	}

	start := time.Now()
	// Redacted anyway: a config key or a caller-given argument may hold a
	// secret.
	logArgs := redactArgs(r.redact, cmd.Args[1:])
	r.opts.logger.DebugContext(ctx, "pulumi", "args", logArgs, "dir", cmd.Dir)
	var drain []*os.File
	if events != nil && events.Drain() != nil {
		drain = append(drain, events.Drain())
	}
	proc, err := pulumicmd.Start(cmd, r.opts.grace, drain...)
	if err != nil {
		return output{}, fmt.Errorf("runner: starting %s: %w", r.opts.pulumi, err)
	}
	var eventsDone chan struct{}
	var eventErr error
	if events != nil {
		eventsDone = make(chan struct{})
		go func(r io.Reader) {
			defer close(eventsDone)
			eventErr = readEvents(r, onEvent)
		}(events.Reader())
	}
	waitErr := proc.Wait()
	if events != nil {
		// The child is gone: once the reader drains what it wrote, it
		// ends. A process that inherited the log from pulumi could keep
		// a pipe open for ever: the drain deadline bounds that wait.
		events.Finish(r.opts.eventDrain)
		<-eventsDone
		if errors.Is(eventErr, os.ErrDeadlineExceeded) {
			eventErr = fmt.Errorf("%w: still open %s after pulumi exited", errEventLogHeld, r.opts.eventDrain)
		}
	}
	flushErr := errors.Join(stdoutW.Flush(), stderrW.Flush())
	for _, f := range lines {
		flushErr = errors.Join(flushErr, f.Flush())
	}
	out := output{stdout: stdout.String(), stderr: tail.String(), link: link}
	if cmd.ProcessState != nil {
		out.exitCode = cmd.ProcessState.ExitCode()
	}
	if held != nil {
		if out.exitCode == exitStackNotFound {
			held.discard()
		} else {
			flushErr = errors.Join(flushErr, held.release())
		}
	}
	r.opts.logger.DebugContext(ctx, "pulumi done", "args", logArgs, "exit", out.exitCode, "duration", time.Since(start))
	if ctx.Err() != nil {
		if pulumicmd.Killed(cmd, waitErr) {
			return out, &KilledError{Command: inv.args[0], Grace: r.opts.grace, Err: ctx.Err()}
		}
		return out, fmt.Errorf("runner: pulumi %s: %w", inv.args[0], ctx.Err())
	}
	if waitErr != nil {
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			return out, &ExitError{Args: redactArgs(r.redact, inv.args), Code: out.exitCode, Stderr: out.stderr}
		}
		return out, fmt.Errorf("runner: pulumi %s: %w", inv.args[0], r.redact.Error(waitErr))
	}
	if eventErr != nil {
		return out, fmt.Errorf("runner: reading engine events: %w", eventErr)
	}
	return out, flushErr
}

// errEventLogHeld is a run whose event log another process (one that
// inherited it from pulumi) kept open after pulumi exited: the events pulumi
// wrote were all read, but the reader had to stop waiting for the end.
var errEventLogHeld = errors.New("the engine event log was held open by another process")

func redactArgs(red *redact.Redactor, args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = red.String(a)
	}
	return out
}

// maxEventLine bounds one engine event; a resource with huge inputs can
// produce large lines, but not unbounded ones.
const maxEventLine = 64 << 20

// defaultEventDrain is how long the reader waits, once pulumi has exited,
// for the end of its event log. What pulumi wrote is at most a pipe buffer
// and is read in milliseconds; only a process that inherited the pipe can
// hold it open longer.
const defaultEventDrain = 5 * time.Second

// readEvents hands each event read from r to onEvent until EOF. On a
// malformed or oversized event it stops parsing but keeps reading to the
// end, so that pulumi never blocks on a full pipe that nobody reads.
func readEvents(r io.Reader, onEvent func(apitype.EngineEvent)) error {
	err := scanEvents(r, onEvent)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		if _, derr := io.Copy(io.Discard, r); errors.Is(derr, os.ErrDeadlineExceeded) {
			return errors.Join(err, derr)
		}
	}
	return err
}

func scanEvents(r io.Reader, onEvent func(apitype.EngineEvent)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		ev, err := decodeEvent(line)
		if err != nil {
			return fmt.Errorf("malformed engine event: %w", err)
		}
		if onEvent != nil {
			onEvent(ev)
		}
	}
	return sc.Err()
}

// heldWriter buffers what is written until release (which passes it on,
// and everything after) or discard (which drops it).
type heldWriter struct {
	mu       sync.Mutex
	w        io.Writer
	buf      []byte
	released bool
	dropped  bool
}

func (h *heldWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.released:
		return h.w.Write(p)
	case h.dropped:
		return len(p), nil
	}
	h.buf = append(h.buf, p...)
	return len(p), nil
}

func (h *heldWriter) release() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released || h.dropped {
		return nil
	}
	h.released = true
	_, err := h.w.Write(h.buf)
	h.buf = nil
	return err
}

func (h *heldWriter) discard() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.released {
		h.dropped, h.buf = true, nil
	}
}

// releasingWriter releases a heldWriter on the first write.
type releasingWriter struct {
	w    io.Writer
	held *heldWriter
}

func (r releasingWriter) Write(p []byte) (int, error) {
	if err := r.held.release(); err != nil {
		return 0, err
	}
	return r.w.Write(p)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write serialises writes from stdout and stderr.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write appends p, dropping what falls out of the tail.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String is the tail kept.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// lineFilter passes text on line by line, the lines keep says to keep;
// keep also sees each line, to note what it says. Used to drop the CLI's
// advice on how to apply a saved plan ("Update plan written to …", "Run
// `pulumi up --plan=…`": the runner applies the plan itself, from a file
// that is gone once the step ends, and a reviewer has nothing to run), and
// to find an update's link.
type lineFilter struct {
	w    io.Writer
	keep func(line []byte) bool
	buf  []byte
}

// Write passes on the complete lines of p to keep, and holds a partial line
// back until it ends. The filters of one process run in its two copying
// goroutines, one filter each.
func (f *lineFilter) Write(p []byte) (int, error) {
	f.buf = append(f.buf, p...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if f.keep(f.buf[:i]) {
			if _, err := f.w.Write(f.buf[:i+1]); err != nil {
				return 0, err
			}
		}
		f.buf = f.buf[:copy(f.buf, f.buf[i+1:])]
	}
}

// Flush passes on a last line without a line ending.
func (f *lineFilter) Flush() error {
	defer func() { f.buf = f.buf[:0] }()
	if len(f.buf) == 0 || !f.keep(f.buf) {
		return nil
	}
	_, err := f.w.Write(f.buf)
	return err
}

// permalink is the URL of a "View Live: <url>" (or "View in Browser
// (Ctrl+O): <url>") line, the link the CLI prints to an update's page on
// Pulumi Cloud; "" for any other line.
func permalink(line []byte) string {
	t := string(bytes.TrimSpace(line))
	for _, label := range []string{"View Live: ", "View in Browser (Ctrl+O): "} {
		if i := strings.Index(t, label); i >= 0 {
			url := strings.TrimSpace(t[i+len(label):])
			if strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://") {
				return url
			}
		}
	}
	return ""
}

func isPlanAdvice(line []byte) bool {
	t := bytes.TrimSpace(line)
	return bytes.HasPrefix(t, []byte("Update plan written to ")) || bytes.HasPrefix(t, []byte("Run `pulumi up --plan="))
}
