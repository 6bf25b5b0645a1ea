package runner

import (
	"io"
	"strings"
	"sync"
)

// The CLI runs with --color=never, but plugins and programs write their own
// colour codes and cursor movements (the YAML host colours its errors). In
// a task log they are noise at best and a way to hide or overwrite lines at
// worst, so the runner strips terminal control sequences and control
// characters (all but tab, newline and carriage return) from the log and
// from the text it puts in errors.

// stripControl returns s without terminal control sequences.
func stripControl(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	var f controlFilter
	var b strings.Builder
	f.filter([]byte(s), func(p []byte) { b.Write(p) })
	return b.String()
}

func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r >= 0x80 && r < 0xa0
}

// controlFilter removes ESC sequences (CSI "ESC [ … final", OSC "ESC ] …
// BEL or ESC \\", and two-byte "ESC x") and other control characters from a
// stream, keeping its state across writes.
type controlFilter struct {
	state int // 0 text, 1 after ESC, 2 in CSI, 3 in OSC, 4 OSC after ESC
}

func (f *controlFilter) filter(p []byte, emit func([]byte)) {
	start := 0
	flush := func(i int) {
		if i > start {
			emit(p[start:i])
		}
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch f.state {
		case 0:
			if c == 0x1b {
				flush(i)
				f.state = 1
				i++
				start = i
				continue
			}
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				flush(i)
				i++
				start = i
				continue
			}
			if c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] < 0xa0 {
				// A C1 control character (U+0080–U+009F) in UTF-8.
				flush(i)
				i += 2
				start = i
				continue
			}
			i++
			continue
		case 1:
			switch c {
			case '[':
				f.state = 2
			case ']':
				f.state = 3
			default:
				f.state = 0
			}
		case 2:
			if c >= 0x40 && c <= 0x7e {
				f.state = 0
			}
		case 3:
			switch c {
			case 0x07:
				f.state = 0
			case 0x1b:
				f.state = 4
			}
		case 4:
			f.state = 0
			if c != '\\' {
				f.state = 3
			}
		}
		i++
		start = i
	}
	if f.state == 0 {
		flush(len(p))
	}
}

// controlWriter is a writer that strips control sequences on the way.
type controlWriter struct {
	mu sync.Mutex
	w  io.Writer
	f  controlFilter
}

// Write passes p on without its control sequences; it reports len(p).
func (c *controlWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	c.f.filter(p, func(b []byte) {
		if err == nil {
			_, err = c.w.Write(b)
		}
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}
