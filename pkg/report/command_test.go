package report

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

// A reporter's command shares the log with defused text: a line left open
// before it neither hides it (GitHub reads a command only at the start of
// a line) nor leaves the defuser believing the next line is still that one.
func TestCommandsStartLinesAmongDefusedText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	log := Defuse(&out)
	outputs := filepath.Join(t.TempDir(), "output")
	if err := os.WriteFile(outputs, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := New(GitHub, Options{Out: log, Environ: []string{"GITHUB_OUTPUT=" + outputs}})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(log, "program says hi")
	if err := r.Mask("s3cr3t-value"); err != nil {
		t.Fatal(err)
	}
	io.WriteString(log, "::stop-commands::abc\n::set-output name=x::1\n")
	if err := r.Fail("done"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mode := range []reporttest.Mode{reporttest.Exact, reporttest.ICU} {
		for _, c := range reporttest.GitHubCommands(out.String(), mode) {
			got = append(got, mode.String()+" "+c.Name+" "+c.Value)
		}
	}
	want := []string{"exact add-mask s3cr3t-value", "exact error done", "ICU add-mask s3cr3t-value", "ICU error done"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the runner reads:\n%s\nwant:\n%s\nlog:\n%q", strings.Join(got, "\n"), strings.Join(want, "\n"), out.String())
	}
	if !strings.HasPrefix(out.String(), "program says hi\n::add-mask::") {
		t.Errorf("the open line is not closed before the command: %q", out.String())
	}
}
