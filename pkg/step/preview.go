package step

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Output variables published by [Session.Preview], read in later steps as
// #{Octopus.Action[<Step>].Output.<Name>}.
const (
	// OutFingerprint is the preview's fingerprint, for Apply.
	OutFingerprint = "Pulumi.Preview.Fingerprint"
	// OutSummaryMarkdown is a Markdown summary for Manual Intervention
	// instructions.
	OutSummaryMarkdown = "Pulumi.Preview.SummaryMarkdown"
	// OutChanges is how many resources change; OutHasChanges is True or False.
	OutChanges    = "Pulumi.Preview.Changes"
	OutHasChanges = "Pulumi.Preview.HasChanges"
	// OutCountPrefix precedes an operation's count: Pulumi.Preview.Count.create …
	OutCountPrefix = "Pulumi.Preview.Count."
)

// PreviewOptions tune [Session.Preview].
type PreviewOptions struct {
	// ExpectNoChanges fails the preview with runner.ErrNoChanges on any
	// change (a drift check).
	ExpectNoChanges bool
	// ArtifactDir is where the diff artifact is written. It must outlive the
	// step (Octopus collects artifacts after the step ends, and deletes the
	// step's work folder): the default is the system temp folder, and in a
	// GitHub Actions or Azure Pipelines job the job's temp folder.
	ArtifactDir string
	// Comment, when set, keeps the preview as a comment on the GitHub pull
	// request the job runs for.
	Comment *PullRequestComment
}

// Preview applies the stack's config, previews the update, and publishes
// the change summary, a Markdown summary and the fingerprint as output
// variables, and the human diff as an artifact.
func (s *Session) Preview(ctx context.Context, opts PreviewOptions) (*runner.Result, error) {
	if opts.ArtifactDir != "" {
		// Fail before the preview, not after its variables are published.
		if err := os.MkdirAll(opts.ArtifactDir, 0o755); err != nil {
			return nil, fmt.Errorf("step: the artifact folder: %w", err)
		}
	}
	if err := s.applyConfig(ctx); err != nil {
		return nil, err
	}
	ops := append(s.opOptions(true), runner.CreateStack())
	if opts.ExpectNoChanges || s.Settings.Update.ExpectNoChanges {
		ops = append(ops, runner.ExpectNoChanges())
	}
	res, err := s.Runner.Preview(ctx, s.Stack, ops...)
	// Publish a preview that finished, also when it found changes that
	// were not expected (the drift is what the runbook's reader wants to
	// see); never one that was cancelled or failed, whose counts and
	// fingerprint would describe a plan nobody saw.
	if res == nil || res.Summary == nil || err != nil && !errors.Is(err, runner.ErrNoChanges) {
		return res, err
	}
	summary, perr := s.publishPreview(res, opts.ArtifactDir)
	if perr != nil && err == nil {
		err = perr
	}
	if opts.Comment != nil && perr == nil {
		s.comment(ctx, opts.Comment, summary, res)
	}
	if perr := s.publishURL(ctx, OutPreviewURL, res); perr != nil && err == nil {
		err = perr
	}
	return res, err
}

// publishPreview publishes the preview and returns its Markdown summary,
// redacted.
func (s *Session) publishPreview(res *runner.Result, dir string) (string, error) {
	// Resource names and types are the program's text: no secret may ride
	// along (redacted), and in the output variable, which a later step may
	// print to its log, no command of any system (defused). The summary
	// files and the comment are not a log: they keep the text as it is.
	summary := s.redactor.String(Markdown(s.Stack, res))
	vars := [][2]string{
		{OutFingerprint, res.Fingerprint},
		{OutChanges, strconv.Itoa(res.Summary.Changes())},
		{OutHasChanges, map[bool]string{true: "True", false: "False"}[res.Summary.Changes() > 0]},
		{OutSummaryMarkdown, report.DefuseString(summary)},
	}
	for _, op := range []apitype.OpType{apitype.OpCreate, apitype.OpUpdate, apitype.OpReplace, apitype.OpDelete, apitype.OpSame} {
		vars = append(vars, [2]string{OutCountPrefix + string(op), strconv.Itoa(res.Summary[op])})
	}
	for _, v := range vars {
		if _, err := s.publish(v[0], v[1], false); err != nil {
			return "", err
		}
	}
	for _, op := range []apitype.OpType{apitype.OpCreate, apitype.OpUpdate, apitype.OpReplace, apitype.OpDelete} {
		if err := s.reporter.Metric("pulumi.preview."+string(op), float64(res.Summary[op])); err != nil {
			return "", fmt.Errorf("step: reporting the preview's counts: %w", err)
		}
	}
	// The summary for the people who look at the run: where the system
	// shows one (a job summary, a build tab), else highlighted in the log.
	if err := s.reporter.Summary(summary); err != nil {
		return "", fmt.Errorf("step: reporting the preview's summary: %w", err)
	}
	if dir == "" {
		dir = s.artifactDir()
	}
	base := "pulumi-preview-" + fileSafe.ReplaceAllString(s.Stack, "-") + "-" + res.Fingerprint
	path, err := writeArtifact(dir, base, s.redactor.String(res.Diff))
	if err != nil {
		return "", err
	}
	if err := s.reporter.Attach(path, base+".txt"); err != nil {
		return "", fmt.Errorf("step: attaching the diff: %w", err)
	}
	return summary, nil
}

// artifactDir is where the diff goes by default: the system temp folder,
// which outlives the step as Octopus needs; in a CI job the job's own temp
// folder, which its runner empties after the job (GitHub's RUNNER_TEMP,
// Azure's AGENT_TEMPDIRECTORY), where there is one.
func (s *Session) artifactDir() string {
	for _, v := range []string{"RUNNER_TEMP", "AGENT_TEMPDIRECTORY"} {
		if d := Getenv(s.environ, v); d != "" && s.Settings != nil && outsideOctopus(s.Settings.Build) {
			return d
		}
	}
	return os.TempDir()
}

// writeArtifact writes text to a new file in dir and returns its absolute
// path. The file must outlive the step, often in a temp folder that other
// users of the worker share, so it gets a name of its own (no other step's
// file is overwritten, and no planted file or link is followed) and is
// readable only by the step's user.
func writeArtifact(dir, base, text string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("step: the artifact folder %s: %w", dir, err)
	}
	f, err := os.CreateTemp(abs, base+"-*.txt")
	if err != nil {
		return "", fmt.Errorf("step: creating the diff artifact in %s (set the artifact folder to one the step can write): %w", abs, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("step: writing the diff artifact %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("step: writing the diff artifact %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

var fileSafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Markdown summarises a preview for a reviewer (Manual Intervention
// instructions): the counts, a table of the resources that change with
// the properties that change, and the fingerprint. It names properties,
// never their values, so it holds no secret.
func Markdown(stack string, res *runner.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Pulumi preview of `%s`**: %s\n\n", stack, counts(res.Summary))
	var rows []runner.Step
	for _, st := range res.Steps {
		if st.Op != apitype.OpSame && !strings.HasPrefix(st.Type, "pulumi:providers:") {
			rows = append(rows, st)
		}
	}
	if len(rows) > 0 {
		b.WriteString("| Resource | Type | Change | Properties |\n|---|---|---|---|\n")
		for _, st := range rows {
			props := append([]string(nil), st.Diffs...)
			sort.Strings(props)
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(st.Name()), cell(st.Type), st.Op, cell(strings.Join(props, ", ")))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Fingerprint: `%s`\n", res.Fingerprint)
	return b.String()
}

func counts(s runner.Summary) string {
	var parts []string
	for _, c := range []struct {
		op   apitype.OpType
		verb string
	}{{apitype.OpCreate, "to create"}, {apitype.OpUpdate, "to update"}, {apitype.OpReplace, "to replace"}, {apitype.OpDelete, "to delete"}} {
		if n := s[c.op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c.verb))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no changes")
	}
	if n := s[apitype.OpSame]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d unchanged", n))
	}
	return strings.Join(parts, ", ")
}

// cellEscaper keeps a table cell one cell, and resource names (which a
// program chooses freely) from being read as HTML or Markdown markup.
var cellEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "&", "&amp;", "`", "\\`", "[", "\\[", "]", "\\]")

// cell escapes a Markdown table cell.
func cell(s string) string { return cellEscaper.Replace(s) }
