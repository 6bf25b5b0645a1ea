package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// plain writes files that any CI system can keep and a later stage can read:
// Jenkins (archiveArtifacts, stash) and anything else.
//
// In the report folder (Options.Dir; empty means "octopulumi-report" under
// the working folder, created):
//
//	report.json   outputs, names of secret outputs, metrics, attachments, failure,
//	              and the summary's file name; rewritten on every change and on Close
//	summary.md    the Markdown summary
//	<name>        each attached file, copied in
//
// report.json has this shape (encoding/json; keys of objects sorted):
//
//	{"outputs": {"<name>": "<value>"}, "secretOutputs": ["<name>"],
//	 "metrics": {"<name>": <number>}, "attachments": [{"name": "<name>", "path": "<name>"}],
//	 "failure": "<message>", "summary": "summary.md"}
//
// An attachment's path is relative to the report folder, so the folder can be
// archived and unpacked elsewhere.
//
// Secret outputs: a file in the workspace is readable by every later stage
// and by whoever can read the archived artifacts, and no stage can tell
// which of its values must be hidden; so a secret's value is never written.
// SetSecretOutput records only the name in secretOutputs (so a later stage
// learns that a value exists and was withheld) and returns an
// *UnsupportedError. Pass secrets between Jenkins stages with the
// Credentials plugin (withCredentials) instead. Mask does nothing: these
// systems read no masking command from a step.
type plain struct {
	mu  sync.Mutex
	out io.Writer
	dir string
	rep plainReport
	// written is whether report.json has been written: from then on it is
	// kept up to date.
	written bool
}

// plainReport is report.json.
type plainReport struct {
	Outputs       map[string]string  `json:"outputs"`
	SecretOutputs []string           `json:"secretOutputs"`
	Metrics       map[string]float64 `json:"metrics"`
	Attachments   []plainAttachment  `json:"attachments"`
	Failure       string             `json:"failure,omitempty"`
	Summary       string             `json:"summary,omitempty"`
}

type plainAttachment struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// The plain reporter's own files in its folder.
const (
	plainReportFile = "report.json"
	summaryFile     = "summary.md"
)

func newPlain(opts Options) (Reporter, error) {
	dir, err := reportFolder(opts.Dir, opts.Environ)
	if err != nil {
		return nil, err
	}
	p := &plain{out: opts.Out, dir: dir, rep: plainReport{
		Outputs:       map[string]string{},
		SecretOutputs: []string{},
		Metrics:       map[string]float64{},
		Attachments:   []plainAttachment{},
	}}
	return p, nil
}

func (*plain) System() System { return Plain }

// SetOutput records name = value in report.json. JSON holds text only, so a
// value that is not valid UTF-8 is refused with an *UnsupportedError.
func (p *plain) SetOutput(name, value string) error {
	if err := checkOutputName(Plain, name); err != nil {
		return err
	}
	if !utf8.ValidString(name) || !utf8.ValidString(value) {
		return &UnsupportedError{System: Plain, What: "an output that is not valid UTF-8", Name: strings.ToValidUTF8(name, "\uFFFD"),
			Reason: "report.json is JSON text; encode binary values (base64) before publishing them"}
	}
	return p.change(func(r *plainReport) { r.Outputs[name] = value })
}

// SetSecretOutput records the name only and returns an *UnsupportedError:
// see the type's documentation.
func (p *plain) SetSecretOutput(name, _ string) error {
	if err := checkOutputName(Plain, name); err != nil {
		return err
	}
	name = strings.ToValidUTF8(name, "\uFFFD")
	if err := p.change(func(r *plainReport) {
		if !slices.Contains(r.SecretOutputs, name) {
			r.SecretOutputs = append(r.SecretOutputs, name)
		}
	}); err != nil {
		return err
	}
	return &UnsupportedError{System: Plain, What: "a secret output", Name: name,
		Reason: "plain report files are readable by every later stage and by anyone who can read the archived artifacts, " +
			"so only the name is recorded in report.json (secretOutputs); pass the secret to later stages " +
			"through your CI system's credentials store (Jenkins: the Credentials plugin and withCredentials)"}
}

// Mask does nothing: a plain log reads no masking command.
func (*plain) Mask(string) error { return nil }

// Attach copies the file into the report folder as name and lists it in
// report.json.
func (p *plain) Attach(path, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	kept, err := keepCopy(Plain, p.dir, path, name, plainReportFile, summaryFile)
	if err != nil {
		return err
	}
	base := filepath.Base(kept)
	p.rep.Attachments = slices.DeleteFunc(p.rep.Attachments, func(a plainAttachment) bool { return a.Name == base })
	p.rep.Attachments = append(p.rep.Attachments, plainAttachment{Name: base, Path: base})
	return p.writeReport()
}

// Progress prints "[octopulumi] <n>% <message>".
func (p *plain) Progress(percent int, message string) error {
	return writeLogLines(p.out, fmt.Sprintf("[octopulumi] %d%% ", min(max(percent, 0), 100)), message)
}

// Metric records the number in report.json; JSON has no NaN or infinity, so
// those are refused with an *UnsupportedError.
func (p *plain) Metric(name string, value float64) error {
	if err := checkMetric(Plain, name, value); err != nil {
		return err
	}
	name = strings.ToValidUTF8(name, "\uFFFD")
	return p.change(func(r *plainReport) { r.Metrics[name] = value })
}

// Fail prints "[octopulumi] failed: <message>" and records the message in
// report.json (failure) when the run reported anything else: a command
// that fails before it reports (a usage error, say) leaves no folder.
func (p *plain) Fail(message string) error {
	if err := writeLogLines(p.out, "[octopulumi] failed: ", message); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rep.Failure = strings.ToValidUTF8(message, "\uFFFD")
	if !p.written {
		return nil
	}
	return p.writeReport()
}

// Summary writes summary.md and names it in report.json.
func (p *plain) Summary(markdown string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := replaceFile(filepath.Join(p.dir, summaryFile), []byte(markdown)); err != nil {
		return err
	}
	p.rep.Summary = summaryFile
	return p.writeReport()
}

// Close writes report.json (again), when the run reported anything.
func (p *plain) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.written {
		return nil
	}
	return p.writeReport()
}

// change applies f to the report and rewrites report.json.
func (p *plain) change(f func(*plainReport)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.rep)
	return p.writeReport()
}

func (p *plain) writeReport() error {
	p.written = true
	data, err := json.MarshalIndent(p.rep, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encoding %s: %w", plainReportFile, err)
	}
	return replaceFile(filepath.Join(p.dir, plainReportFile), append(data, '\n'))
}

// The helpers below are shared by the reporters that write files (plain,
// GitLab, TeamCity's summary).

// defaultReportFolder is the report folder's name, under the job's
// workspace, when Options.Dir is empty.
const defaultReportFolder = "octopulumi-report"

// reportFolder returns the absolute report folder: dir, else
// defaultReportFolder in the job's workspace (GitLab's $CI_PROJECT_DIR,
// Jenkins' $WORKSPACE), else in the working folder, so that the paths a job
// names in its artifacts hold wherever the step ran. The folder is made
// when a file is first written into it (ensureFolder): a run that reports
// nothing leaves none.
func reportFolder(dir string, environ []string) (string, error) {
	if dir == "" {
		dir = defaultReportFolder
		for _, ws := range []string{"CI_PROJECT_DIR", "WORKSPACE"} {
			if v := getenv(environ, ws); v != "" && filepath.IsAbs(v) {
				dir = filepath.Join(v, defaultReportFolder)
				break
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("report: the report folder %s: %w", dir, err)
	}
	return abs, nil
}

// ensureFolder makes the report folder dir.
func ensureFolder(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: creating the report folder (choose another with --report-dir or OCTOPULUMI_REPORT_DIR): %w", err)
	}
	return nil
}

// replaceFile writes data to path through a temporary file in the same
// folder and a rename, so that a crash of the process leaves either the old
// file or the new one, never a half-written one (no fsync: the files are
// rewritten on every change and a power loss ends the CI job anyway).
// Report files hold no secret: mode 0644.
func replaceFile(path string, data []byte) error {
	if err := ensureFolder(filepath.Dir(path)); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".octopulumi-*.tmp")
	if err != nil {
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	return finishFile(f, path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// finishFile fills the temporary file f with fill, then renames it to path
// with mode 0644; on any error f is removed.
func finishFile(f *os.File, path string, fill func(io.Writer) error) (err error) {
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			err = fmt.Errorf("report: writing %s: %w", path, err)
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// keepCopy copies the file at src into dir as name (src's base name when
// empty), through a temporary file and a rename, and returns the copy's
// path. name must be a plain file name, portable to every system (no
// folder, none of <>:"/\|?* or control characters), and none of reserved
// (the reporter's own files, compared case-insensitively for Windows and
// macOS).
func keepCopy(system System, dir, src, name string, reserved ...string) (string, error) {
	if name == "" {
		name = filepath.Base(src)
	}
	if err := checkFileName(name, reserved); err != nil {
		return "", &UnsupportedError{System: system, What: "an attachment with that name", Name: name, Reason: err.Error()}
	}
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("report: the file to attach: %w", err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return "", fmt.Errorf("report: the file to attach: %w", err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("report: the file to attach, %s, is not a regular file: attach a file (archive a folder first)", src)
	}
	if err := ensureFolder(dir); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, name)
	if same, err := os.Stat(dst); err == nil && os.SameFile(info, same) {
		return dst, nil
	}
	f, err := os.CreateTemp(dir, ".octopulumi-*.tmp")
	if err != nil {
		return "", fmt.Errorf("report: copying %s into the report folder: %w", src, err)
	}
	if err := finishFile(f, dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	}); err != nil {
		return "", err
	}
	return dst, nil
}

// checkFileName says what is wrong with name as a file name in a report
// folder, or nil.
func checkFileName(name string, reserved []string) error {
	switch {
	case name == "." || name == "..":
		return errors.New("the name must be a file name, not . or ..")
	case !utf8.ValidString(name):
		return errors.New("the name is not valid UTF-8")
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r) }):
		return errors.New(`the name must be a file name without a folder, control characters or any of <>:"/\|?*`)
	case strings.TrimRight(name, " .") != name:
		return errors.New("the name must not end with a space or a dot (Windows drops them)")
	}
	for _, r := range reserved {
		if strings.EqualFold(name, r) {
			return fmt.Errorf("%s is the reporter's own file; attach under another name", r)
		}
	}
	return nil
}

// checkOutputName refuses an empty output name.
func checkOutputName(system System, name string) error {
	if strings.TrimSpace(name) == "" {
		return &UnsupportedError{System: system, What: "an output without a name", Reason: "give the output a name"}
	}
	return nil
}

// checkMetric refuses an empty name and a number that is not finite.
func checkMetric(system System, name string, value float64) error {
	if strings.TrimSpace(name) == "" {
		return &UnsupportedError{System: system, What: "a metric without a name", Reason: "give the metric a name"}
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return &UnsupportedError{System: system, What: "a metric that is not a finite number", Name: name,
			Reason: "report a finite number (a count, a duration)"}
	}
	return nil
}

// writeLogLines writes text to w, each of its lines after prefix, in one
// Write. Control characters (but tab) are written as Go escapes (\x1b), so
// the text cannot drive the log viewer: no ANSI sequence (GitLab's
// collapsible sections start with ESC[0K), no Jenkins console note (ESC[8m),
// no carriage return that overwrites the line before. The lines also go
// through [DefuseString], so that a log read by another system (a job that
// runs octopulumi inside a TeamCity or Azure build) takes none of it as a
// command.
func writeLogLines(w io.Writer, prefix, text string) error {
	text = strings.ReplaceAll(strings.ToValidUTF8(text, "\uFFFD"), "\r\n", "\n")
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		b.WriteString(prefix)
		for _, r := range line {
			switch {
			case r == '\t' || (r >= 0x20 && r < 0x7f) || r > 0x9f:
				b.WriteRune(r)
			case r <= 0xff:
				fmt.Fprintf(&b, `\x%02x`, r)
			}
		}
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(w, DefuseString(b.String())); err != nil {
		return fmt.Errorf("report: writing to the log: %w", err)
	}
	return nil
}
