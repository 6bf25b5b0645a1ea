package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// octopus reports with Octopus service messages (see octoenv.Writer).
type octopus struct{ w *octoenv.Writer }

// NewOctopus returns the Octopus reporter writing through w, so that every
// service message of the step goes through one writer.
func NewOctopus(w *octoenv.Writer) Reporter { return octopus{w} }

func newOctopus(opts Options) Reporter { return octopus{octoenv.NewWriter(opts.Out)} }

func (octopus) System() System { return Octopus }

// SetOutput publishes an output variable: #{Octopus.Action[<Step>].Output.<name>}.
func (o octopus) SetOutput(name, value string) error { return o.w.SetVariable(name, value, false) }

// SetSecretOutput publishes a sensitive output variable, which Octopus masks.
func (o octopus) SetSecretOutput(name, value string) error {
	return o.w.SetVariable(name, value, true)
}

func (o octopus) Mask(value string) error {
	if value == "" {
		return nil
	}
	return o.w.Mask(value)
}

// Attach creates an artifact: Octopus collects the file after the step, so
// it must outlive the step's work folder.
func (o octopus) Attach(path, name string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("report: the artifact %s: %w", path, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("report: the artifact %s: %w", path, err)
	}
	return o.w.CreateArtifact(abs, name, info.Size())
}

func (o octopus) Progress(percent int, message string) error {
	return o.w.Progress(min(max(percent, 0), 100), message)
}

// Metric does nothing: Octopus charts no numbers; counts are output variables.
func (octopus) Metric(string, float64) error { return nil }

// Fail sets the step's result message.
func (o octopus) Fail(message string) error { return o.w.ResultMessage(message) }

// Summary highlights the Markdown's first paragraph (the preview's counts),
// which Octopus shows on the task's summary as well as in its log; the
// whole summary is the step's output variable, for Manual Intervention
// instructions, and a table of every resource would crowd the task summary.
func (o octopus) Summary(markdown string) error {
	first, _, _ := strings.Cut(strings.TrimLeft(markdown, "\n"), "\n\n")
	return o.w.Highlight(first)
}

func (octopus) Close() error { return nil }
