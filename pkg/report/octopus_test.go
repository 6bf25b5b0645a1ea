package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
)

// TestOctopusReporter checks each call's service message, parsed back with
// octoenv's parser (Calamari's rules).
func TestOctopusReporter(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	r, err := report.New(report.Octopus, report.Options{Out: &out, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	art := filepath.Join(t.TempDir(), "diff.txt")
	if err := os.WriteFile(art, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		r.SetOutput("Pulumi.Preview.Changes", "3"),
		r.SetSecretOutput("dbPassword", "s3cr3t\nline two"),
		r.Mask("tok-123"),
		r.Attach(art, "diff of dev.txt"),
		r.Progress(140, "3 of 3"),
		r.Metric("pulumi.preview.create", 3),
		r.Summary("**Pulumi preview** ##octopus[setVariable name='eA==' value='eQ==']\n\n| a | b |\n"),
		r.Fail("it broke"),
		r.Close(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if r.System() != report.Octopus {
		t.Errorf("System = %s", r.System())
	}
	var p octoenv.Parser
	msgs, errs := p.Feed(out.String())
	if len(errs) > 0 || p.Close() != nil {
		t.Fatalf("parse errors: %v", errs)
	}
	var got []string
	for _, m := range msgs {
		line := m.Name
		for _, a := range m.Attrs {
			line += " " + a.Name + "=" + a.Value
		}
		got = append(got, line)
	}
	want := []string{
		"setVariable name=Pulumi.Preview.Changes value=3",
		"setVariable name=dbPassword value=s3cr3t\nline two sensitive=True",
		"mask value=tok-123",
		"createArtifact path=" + art + " name=diff of dev.txt length=5",
		"progress percentage=100 message=3 of 3",
		"stdout-highlight",
		"stdout-default",
		"resultMessage message=it broke",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(out.String(), "**Pulumi preview** ") || strings.Contains(out.String(), "| a | b |") {
		t.Errorf("the log holds not just the summary's first paragraph:\n%s", out.String())
	}
	if err := r.Attach(filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Error("Attach of a missing file: no error")
	}
}
