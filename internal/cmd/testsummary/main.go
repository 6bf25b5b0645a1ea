// Command testsummary reads `go test -json` on stdin and prints what a
// person needs from a long run: each package's result, every skipped or
// failed test with its reason, the output of failed tests, and a closing
// line "N passed, N failed, N skipped". It exits non-zero when a test or a
// package failed, or when no test ran at all.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type key struct{ pkg, test string }

type timing struct {
	key
	elapsed float64
}

// slowest is how many of the slowest tests the summary lists.
const slowest = 10

func main() {
	code, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func summarize(r io.Reader, w io.Writer) (int, error) {
	output := map[key][]string{}
	var timings []timing
	reasons := map[key]string{}
	var passed, failed, skipped []key
	var pkgFailed []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var ev event
		if err := json.Unmarshal(line, &ev); err != nil {
			// Build errors and other plain text go straight through.
			fmt.Fprintln(w, string(line))
			continue
		}
		k := key{ev.Package, ev.Test}
		switch ev.Action {
		case "output":
			output[k] = append(output[k], ev.Output)
		case "pass", "fail", "skip":
			if ev.Test == "" {
				if ev.Action == "skip" {
					// go test skips a package only when it has no test files.
					fmt.Fprintf(w, "---- %s (no test files)\n", ev.Package)
					continue
				}
				fmt.Fprintf(w, "%-4s %s (%s)\n", strings.ToUpper(ev.Action), ev.Package, time.Duration(ev.Elapsed*float64(time.Second)).Round(time.Millisecond))
				if ev.Action == "fail" {
					pkgFailed = append(pkgFailed, ev.Package)
					if len(output[k]) > 0 {
						fmt.Fprint(w, indent(output[k]))
					}
				}
				continue
			}
			switch ev.Action {
			case "pass":
				passed = append(passed, k)
				if !strings.Contains(ev.Test, "/") {
					timings = append(timings, timing{k, ev.Elapsed})
				}
			case "fail":
				failed = append(failed, k)
				fmt.Fprintf(w, "--- FAIL %s %s\n%s", ev.Package, ev.Test, indent(output[k]))
			case "skip":
				skipped = append(skipped, k)
				reasons[k] = reason(output[k])
			}
			delete(output, k)
		}
	}
	if err := sc.Err(); err != nil {
		return 2, err
	}
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].pkg+skipped[i].test < skipped[j].pkg+skipped[j].test })
	for _, k := range skipped {
		fmt.Fprintf(w, "--- SKIP %s %s: %s\n", k.pkg, k.test, reasons[k])
	}
	// The slowest tests are the end-to-end ones: seeing them here shows
	// they ran.
	sort.SliceStable(timings, func(i, j int) bool { return timings[i].elapsed > timings[j].elapsed })
	if len(timings) > 0 {
		fmt.Fprintln(w, "slowest tests:")
		for _, t := range timings[:min(len(timings), slowest)] {
			fmt.Fprintf(w, "  %6.2fs %s %s\n", t.elapsed, t.pkg, t.test)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", len(passed), len(failed), len(skipped))
	switch {
	case len(failed) > 0 || len(pkgFailed) > 0:
		return 1, nil
	case len(passed) == 0:
		fmt.Fprintln(w, "no test ran")
		return 1, nil
	}
	return 0, nil
}

// reason is what a skipped test said, without go test's own lines.
func reason(lines []string) string {
	var out []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}

func indent(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("    ")
		b.WriteString(l)
	}
	return b.String()
}
