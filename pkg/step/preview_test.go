package step_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/runner"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// session prepares a step on the bed's program with greeting as config,
// its service messages going to the returned buffer.
func session(t *testing.T, bed *testbed.Bed, program, greeting string) (*step.Session, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	s, err := step.Prepare(context.Background(), step.Config{
		Program:    program,
		Vars:       vars(t, octoenv.Variable{Name: octoenv.ConfigPrefix + "greeting", Value: greeting}),
		Backend:    bed.Backend,
		Pulumi:     bed.Tools.Pulumi,
		PulumiHome: bed.Home,
		Messages:   octoenv.NewWriter(&out),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, &out
}

// messages reads the service messages from out.
func messages(t *testing.T, out *bytes.Buffer) (vars map[string]string, artifacts []octoenv.Message) {
	t.Helper()
	vars = map[string]string{}
	err := octoenv.Scan(bytes.NewReader(out.Bytes()), func(m octoenv.Message) error {
		switch m.Name {
		case octoenv.MessageSetVariable:
			n, _ := m.Get("name")
			v, _ := m.Get("value")
			vars[n] = v
		case octoenv.MessageCreateArtifact:
			artifacts = append(artifacts, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return vars, artifacts
}

func TestPreviewApproveApply(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	program := bed.Program(t, "two-files")
	artifacts := t.TempDir()

	// Step "Preview".
	s, out := session(t, bed, program, "approved")
	res, err := s.Preview(context.Background(), step.PreviewOptions{ArtifactDir: artifacts})
	if err != nil {
		t.Fatal(err)
	}
	vars, arts := messages(t, out)
	fp := vars[step.OutFingerprint]
	if fp == "" || fp != res.Fingerprint {
		t.Fatalf("fingerprint variable %q, want %q", fp, res.Fingerprint)
	}
	if vars[step.OutChanges] != "3" || vars[step.OutHasChanges] != "True" || vars[step.OutCountPrefix+"create"] != "3" {
		t.Errorf("change variables %v, want 3 to create", vars)
	}
	md := vars[step.OutSummaryMarkdown]
	for _, want := range []string{"3 to create", "| first | localfile:index:File | create |", fp} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown summary lacks %q:\n%s", want, md)
		}
	}
	if len(arts) != 1 {
		t.Fatalf("artifacts %v, want the diff", arts)
	}
	path, _ := arts[0].Get("path")
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), `content     : "approved"`) {
		t.Errorf("diff artifact %s = %q, %v; want the human diff", path, b, err)
	}

	// Step "Apply", in a session of its own, as in another Octopus step.
	a, aout := session(t, bed, program, "approved")
	applied, err := a.Apply(context.Background(), fp)
	if err != nil {
		t.Fatalf("Apply of the approved fingerprint: %v", err)
	}
	if applied.Summary.Changes() != 3 {
		t.Errorf("Apply summary %v, want 3 created", applied.Summary)
	}
	if outs, _ := messages(t, aout); outs["firstPath"] == "" {
		t.Errorf("Apply did not publish the outputs: %v", outs)
	}

	// The world changes after approval: Apply refuses.
	s2, out2 := session(t, bed, program, "reviewed")
	if _, err := s2.Preview(context.Background(), step.PreviewOptions{ArtifactDir: artifacts}); err != nil {
		t.Fatal(err)
	}
	approved, _ := messages(t, out2)
	changed, _ := session(t, bed, program, "not-reviewed")
	_, err = changed.Apply(context.Background(), approved[step.OutFingerprint])
	if !errors.Is(err, step.ErrNotApproved) || !strings.Contains(err.Error(), "preview again") {
		t.Fatalf("Apply after a change = %v, want ErrNotApproved saying to preview again", err)
	}
	if b, _ := os.ReadFile(program + "/out/first.txt"); string(b) != "approved" {
		t.Errorf("first.txt = %q after a refused apply, want approved", b)
	}
}

func TestDriftRunbookAndReviewStackTeardown(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	program := bed.Program(t, "two-files")
	s, _ := session(t, bed, program, "hello")
	if _, err := s.Deploy(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Preview(context.Background(), step.PreviewOptions{ExpectNoChanges: true, ArtifactDir: t.TempDir()}); err != nil {
		t.Fatalf("drift check on an up-to-date stack: %v", err)
	}
	if _, err := s.Refresh(context.Background(), true); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	drifted, out := session(t, bed, program, "drifted")
	_, err := drifted.Preview(context.Background(), step.PreviewOptions{ExpectNoChanges: true, ArtifactDir: t.TempDir()})
	if !errors.Is(err, runner.ErrNoChanges) {
		t.Fatalf("drift check with drift = %v, want runner.ErrNoChanges", err)
	}
	if v, _ := messages(t, out); v[step.OutChanges] != "2" {
		t.Errorf("the drift was not published: %v", v)
	}
	res, err := s.Destroy(context.Background(), true)
	if err != nil || res.Summary["delete"] != 3 {
		t.Fatalf("Destroy = %v, %v", res, err)
	}
	if _, err := s.Refresh(context.Background(), false); !errors.Is(err, runner.ErrStackNotFound) {
		t.Errorf("the review stack still exists after Destroy(remove): %v", err)
	}
}
