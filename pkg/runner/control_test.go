package runner

import (
	"strings"
	"testing"
)

func TestStripControl(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"plain text\n":                                 "plain text\n",
		"\x1b[31mError\x1b[0m: bad":                    "Error: bad",
		"type: \x1b[1;4mlocalfile:File\x1b[0m":         "type: localfile:File",
		"title \x1b]0;owned\x07done":                   "title done",
		"osc \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\": "osc link",
		"bell\x07 and del\x7f and nul\x00":             "bell and del and nul",
		"c1 \u0085next \u009b31m":                      "c1 next 31m",
		"tabs\tand\r\nlines":                           "tabs\tand\r\nlines",
		"unicode é ü 漢字 ok":                            "unicode é ü 漢字 ok",
	}
	for in, want := range tests {
		if got := stripControl(in); got != want {
			t.Errorf("stripControl(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestControlWriterSplits: a sequence cut across writes is still removed.
func TestControlWriterSplits(t *testing.T) {
	t.Parallel()
	in := "a\x1b[31mred\x1b[0m b \x1b]0;t\x07c\n"
	for cut := 0; cut <= len(in); cut++ {
		var out strings.Builder
		w := &controlWriter{w: &out}
		for _, part := range []string{in[:cut], in[cut:]} {
			if n, err := w.Write([]byte(part)); err != nil || n != len(part) {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		if got := out.String(); got != "ared b c\n" {
			t.Errorf("cut at %d: %q", cut, got)
		}
	}
}

func TestLastErrorKeepsContinuationLines(t *testing.T) {
	t.Parallel()
	stderr := "some log\nerror: 2 errors occurred:\n\t* first: bad thing\n\t* second: \x1b[31mworse\x1b[0m\n\nmore log\n"
	got := lastError(stderr)
	if got != "2 errors occurred: * first: bad thing * second: worse" {
		t.Errorf("lastError = %q", got)
	}
	long := "error: " + strings.Repeat("x", 10<<10)
	if got := lastError(long); len(got) > maxErrorText+len("…") {
		t.Errorf("lastError kept %d bytes, want at most %d", len(got), maxErrorText)
	}
}
