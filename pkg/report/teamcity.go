package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// teamCity reports with TeamCity service messages on standard output, one
// message per line, each in a single Write (JetBrains, TeamCity docs
// "Service Messages"). Values are escaped as those docs say ('|' before
// ', |, [, ], and n and r for line feed and carriage return), U+0085,
// U+2028 and U+2029 as |x, |l and |p, and every other character outside
// printable ASCII as |0xNNNN, one per UTF-16 code unit, as JetBrains' own
// writer does (JetBrains/TeamCity.ServiceMessages
// ServiceMessageReplacements.cs): the lines are plain ASCII, so no console
// code page can garble them, and no value can close a message or start
// another.
//
// SetOutput sets a build parameter with setParameter: the name as given
// (Pulumi.Preview.Changes is the configuration parameter
// %Pulumi.Preview.Changes% for later steps and dependent builds; an "env."
// prefix makes an environment variable). SetSecretOutput is refused: no
// service message makes a parameter a password, and TeamCity masks only the
// values of Password parameters defined in the build's settings, so a value
// set at run time would show in clear on the build's Parameters tab. Mask
// does nothing, for want of a service message to do it.
//
// Attach copies the file into the report folder under its name and
// publishes it with publishArtifacts into the artifact folder "octopulumi"
// (an artifact path's "=> target" names a folder, not a file, so the copy
// carries the name). Summary writes summary.md there, publishes it the same
// way and appends the summary's first line to the build's status text
// (buildStatus with {build.status.text}). The report folder is Options.Dir,
// else a new folder in the temporary folder of the build, which TeamCity
// cleans after the build (artifacts may be published from there: "Service
// Messages", Publishing Artifacts).
type teamCity struct {
	mu      sync.Mutex
	out     io.Writer
	dir     string // the report folder, "" until first needed
	wantDir string // Options.Dir
	environ []string
}

// teamCityArtifacts is the artifact folder octopulumi publishes into.
const teamCityArtifacts = "octopulumi"

// TeamCity's documented limits ("Service Messages"): a build problem's
// description is truncated at 4000 characters, its identity is a Java
// identifier of up to 60; a statistic is an integer of up to 13 digits, or
// a number with up to 6 decimal places.
const (
	teamCityMaxDescription  = 4000
	teamCityStatisticDigits = 13
	teamCityStatusLine      = 100
)

// teamCityPredefinedKeys are the statistic keys TeamCity reports itself
// (TeamCity docs "Custom Chart", Default Statistics Values Provided by
// TeamCity); a build's own value must not use one.
var teamCityPredefinedKeys = []string{
	"AllTestsDuration", "ArtifactsSize", "VisibleArtifactsSize", "BuildDuration", "BuildDurationNetTime",
	"CodeCoverageB", "CodeCoverageC", "CodeCoverageL", "CodeCoverageM", "CodeCoverageR", "CodeCoverageS",
	"CodeCoverageAbsBCovered", "CodeCoverageAbsBTotal", "CodeCoverageAbsCCovered", "CodeCoverageAbsCTotal",
	"CodeCoverageAbsLCovered", "CodeCoverageAbsLTotal", "CodeCoverageAbsMCovered", "CodeCoverageAbsMTotal",
	"CodeCoverageAbsRCovered", "CodeCoverageAbsRTotal", "CodeCoverageAbsSCovered", "CodeCoverageAbsSTotal",
	"DuplicatorStats", "TotalTestCount", "PassedTestCount", "FailedTestCount", "IgnoredTestCount",
	"InspectionStatsE", "InspectionStatsW", "SuccessRate", "TimeSpentInQueue",
}

func newTeamCity(opts Options) (Reporter, error) {
	return &teamCity{out: opts.Out, wantDir: opts.Dir, environ: opts.Environ}, nil
}

func (*teamCity) System() System { return TeamCity }

// SetOutput sends ##teamcity[setParameter name='<name>' value='<value>'].
// A value that is not valid UTF-8 is refused with an *UnsupportedError.
func (t *teamCity) SetOutput(name, value string) error {
	if err := checkOutputName(TeamCity, name); err != nil {
		return err
	}
	if !utf8.ValidString(name) || !utf8.ValidString(value) {
		return &UnsupportedError{System: TeamCity, What: "an output that is not valid UTF-8", Name: strings.ToValidUTF8(name, "\uFFFD"),
			Reason: "service messages carry text; encode binary values (base64) before publishing them"}
	}
	return t.send("setParameter", "name", name, "value", value)
}

// SetSecretOutput refuses: see teamCity.
func (*teamCity) SetSecretOutput(name, _ string) error {
	return &UnsupportedError{System: TeamCity, What: "a secret output", Name: name,
		Reason: "no service message can make a parameter a password, and a value set while the build runs would show " +
			"in clear on the build's Parameters tab; define a Password parameter in the build configuration (or use a " +
			"remote secret such as HashiCorp Vault) and read the secret from there in later steps"}
}

// Mask does nothing: TeamCity has no service message to mask a value.
func (*teamCity) Mask(string) error { return nil }

// Attach copies the file into the report folder and publishes the copy.
func (t *teamCity) Attach(path, name string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	dir, err := t.folder()
	if err != nil {
		return err
	}
	kept, err := keepCopy(TeamCity, dir, path, name, summaryFile)
	if err != nil {
		return err
	}
	return t.publish(kept)
}

// Progress sends ##teamcity[progressMessage '<n>% <message>'].
func (t *teamCity) Progress(percent int, message string) error {
	return t.send("progressMessage", "", fmt.Sprintf("%d%% %s", min(max(percent, 0), 100), message))
}

// Metric sends ##teamcity[buildStatisticValue key='<name>' value='<number>'],
// the number rounded to 6 decimal places. A name TeamCity reports itself, or
// a number beyond 13 integer digits, is refused with an *UnsupportedError.
func (t *teamCity) Metric(name string, value float64) error {
	if err := checkMetric(TeamCity, name, value); err != nil {
		return err
	}
	if slices.Contains(teamCityPredefinedKeys, name) {
		return &UnsupportedError{System: TeamCity, What: "a statistic with a predefined key", Name: name,
			Reason: "TeamCity reports this key itself; use another name"}
	}
	number, ok := teamCityNumber(value)
	if !ok {
		return &UnsupportedError{System: TeamCity, What: "a statistic that large", Name: name,
			Reason: fmt.Sprintf("TeamCity takes at most %d integer digits", teamCityStatisticDigits)}
	}
	return t.send("buildStatisticValue", "key", name, "value", number)
}

// Fail sends ##teamcity[buildProblem description='<message>' identity='<id>'],
// which fails the build. The description is cut at TeamCity's limit (on a
// character boundary, ending in "…"); the identity is "octopulumi_" and 16
// hex digits of the message's SHA-256, so the same failure keeps its
// identity from build to build, as TeamCity asks.
func (t *teamCity) Fail(message string) error {
	if strings.TrimSpace(message) == "" {
		message = "octopulumi failed"
	}
	sum := sha256.Sum256([]byte(message))
	return t.send("buildProblem",
		"description", truncateUTF16(message, teamCityMaxDescription),
		"identity", "octopulumi_"+hex.EncodeToString(sum[:8]))
}

// Summary writes summary.md to the report folder, publishes it, and appends
// its first line to the build's status text.
func (t *teamCity) Summary(markdown string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	dir, err := t.folder()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, summaryFile)
	if err := replaceFile(path, []byte(markdown)); err != nil {
		return err
	}
	if err := t.publish(path); err != nil {
		return err
	}
	line := statusLine(markdown, teamCityStatusLine)
	if line == "" {
		return nil
	}
	return t.write("buildStatus", "text", "{build.status.text}; "+line)
}

// Close does nothing: every message is already written.
func (*teamCity) Close() error { return nil }

// folder returns the report folder, creating it on first use. t.mu is held.
func (t *teamCity) folder() (string, error) {
	if t.dir != "" {
		return t.dir, nil
	}
	if t.wantDir != "" {
		dir, err := reportFolder(t.wantDir, nil)
		if err != nil {
			return "", err
		}
		t.dir = dir
		return dir, nil
	}
	// TeamCity points the build's temporary folder variables at its
	// buildTmp folder, cleaned after each build (docs "Agent Home
	// Directory").
	tmp := os.TempDir()
	for _, v := range []string{"TMPDIR", "TMP", "TEMP"} {
		if d := getenv(t.environ, v); d != "" {
			tmp = d
			break
		}
	}
	dir, err := os.MkdirTemp(tmp, "octopulumi-report-")
	if err != nil {
		return "", fmt.Errorf("report: creating a report folder in %s (or set one with the report folder option): %w", tmp, err)
	}
	t.dir = dir
	return dir, nil
}

// publish sends ##teamcity[publishArtifacts '<path> => octopulumi']. t.mu is
// held. An artifact path is a rule ("Configuring General Settings",
// Artifact Paths): "," and line breaks separate rules, "*" and "?" are
// wildcards and "=>" starts the target, so a path holding any of them is
// refused rather than published wrongly.
func (t *teamCity) publish(path string) error {
	if strings.ContainsAny(path, ",*?\r\n") || strings.Contains(path, "=>") {
		return fmt.Errorf("report: TeamCity cannot publish %s: an artifact path must not contain \",\", \"*\", \"?\", \"=>\" or a line break; set a report folder without them", path)
	}
	return t.write("publishArtifacts", "", path+" => "+teamCityArtifacts)
}

func (t *teamCity) send(name string, attrs ...string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.write(name, attrs...)
}

// write writes one service message with attrs as name, value pairs
// (name='value'); a pair with an empty name is the single-attribute form
// ('value'). t.mu is held.
func (t *teamCity) write(message string, attrs ...string) error {
	var b strings.Builder
	b.WriteString("##teamcity[" + message)
	for i := 0; i+1 < len(attrs); i += 2 {
		b.WriteByte(' ')
		if attrs[i] != "" {
			b.WriteString(attrs[i] + "=")
		}
		b.WriteString("'" + teamCityEscape(attrs[i+1]) + "'")
	}
	b.WriteString("]\n")
	if err := writeOut(t.out, b.String()); err != nil {
		return fmt.Errorf("report: writing the TeamCity %s message: %w", message, err)
	}
	return nil
}

// teamCityEscape escapes a value (see teamCity).
func teamCityEscape(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch r {
		case '\'', '|', '[', ']':
			b.WriteByte('|')
			b.WriteRune(r)
		case '\n':
			b.WriteString("|n")
		case '\r':
			b.WriteString("|r")
		case '\u0085':
			b.WriteString("|x")
		case '\u2028':
			b.WriteString("|l")
		case '\u2029':
			b.WriteString("|p")
		default:
			if r >= 0x20 && r < 0x7f {
				b.WriteRune(r)
				continue
			}
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, "|0x%04x", u)
			}
		}
	}
	return b.String()
}

// teamCityNumber writes v as TeamCity takes a statistic: an integer, or up
// to 6 decimal places; false when the integer part has more than 13 digits.
func teamCityNumber(v float64) (string, bool) {
	if math.Abs(v) >= 1e13 {
		return "", false
	}
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s, true
}

// truncateUTF16 cuts s to at most n UTF-16 code units (Java's characters,
// which TeamCity counts), on a character boundary, ending in "…" when cut.
func truncateUTF16(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	units := 0
	for _, r := range s {
		units += utf16.RuneLen(r)
	}
	if units <= n {
		return s
	}
	units = 1 // the ellipsis
	for i, r := range s {
		if units+utf16.RuneLen(r) > n {
			return s[:i] + "…"
		}
		units += utf16.RuneLen(r)
	}
	return s
}

var (
	markdownLink   = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	markdownTag    = regexp.MustCompile(`<[^>]*>`)
	markdownMarker = regexp.MustCompile(`^(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)+`)
	markdownRule   = regexp.MustCompile(`^\s*(?:[-*_=|:\s]+|` + "```.*|~~~.*" + `)$`)
)

// statusLine is the first line of markdown with text in it, stripped of
// Markdown (headings, quotes, list markers, emphasis, links, HTML tags,
// table bars) and cut at n characters.
func statusLine(markdown string, n int) string {
	for line := range strings.SplitSeq(strings.ReplaceAll(markdown, "\r\n", "\n"), "\n") {
		if markdownRule.MatchString(line) {
			continue
		}
		line = markdownMarker.ReplaceAllString(strings.TrimSpace(line), "")
		line = markdownLink.ReplaceAllString(line, "$1")
		line = markdownTag.ReplaceAllString(line, "")
		line = strings.NewReplacer("**", "", "__", "", "*", "", "`", "", "~~", "", "|", " ").Replace(line)
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) > n {
			r := []rune(line)
			line = string(r[:n-1]) + "…"
		}
		return line
	}
	return ""
}
