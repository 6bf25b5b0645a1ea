package runner

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// replay feeds a recorded --event-log (testdata/events, recorded from the
// real CLI v3.274.1 on the two-files program) through a collector.
func replay(t *testing.T, name string, preview bool, total int, progress func(Progress)) (*Result, *collector) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "events", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res := &Result{}
	c := newCollector(res, total, progress, func(s string) string { return strings.ReplaceAll(s, "failOnCreate", "[secret]") })
	c.preview = preview
	if err := readEvents(f, c.event); err != nil {
		t.Fatal(err)
	}
	return res, c
}

// opsByName maps each resource's name to its step's operation.
func opsByName(steps []Step) map[string]apitype.OpType {
	m := map[string]apitype.OpType{}
	for _, s := range steps {
		m[lastName(s.URN)] = s.Op
	}
	return m
}

func TestCollectorOnRecordedEvents(t *testing.T) {
	t.Parallel()
	const provider = "default_0_1_0_http_/127.0.0.1_40000"
	tests := []struct {
		name      string
		preview   bool
		summary   Summary
		ops       map[string]apitype.OpType
		outputs   []string // output names, nil = not set
		failed    []string
		succeeded bool
	}{
		{
			name: "up-create", summary: Summary{"create": 3},
			ops:     map[string]apitype.OpType{"two-files-dev": "create", provider: "create", "first": "create", "second": "create"},
			outputs: []string{"firstPath", "secondSize", "secretGreeting"}, succeeded: true,
		},
		{
			name: "up-same", summary: Summary{"same": 3},
			ops:     map[string]apitype.OpType{"two-files-dev": "same", provider: "same", "first": "same", "second": "same"},
			outputs: []string{"firstPath", "secondSize", "secretGreeting"}, succeeded: true,
		},
		{
			name: "up-replace", summary: Summary{"replace": 1, "same": 2},
			ops:     map[string]apitype.OpType{"two-files-dev": "same", provider: "same", "first": "replace", "second": "same"},
			outputs: []string{"firstPath", "secondSize", "secretGreeting"}, succeeded: true,
		},
		{
			name: "up-delete", summary: Summary{"delete": 1, "same": 2},
			ops:     map[string]apitype.OpType{"two-files-dev": "same", provider: "same", "first": "same", "second": "delete"},
			outputs: []string{"firstPath", "secretGreeting"}, succeeded: true,
		},
		{
			name: "up-update-plan", summary: Summary{"update": 2, "same": 1},
			ops:     map[string]apitype.OpType{"two-files-dev": "same", provider: "same", "first": "update", "second": "update"},
			outputs: []string{"firstPath", "secondSize", "secretGreeting"}, succeeded: true,
		},
		{
			name: "destroy", summary: Summary{"delete": 2},
			ops:     map[string]apitype.OpType{"two-files-dev": "delete", provider: "delete", "first": "delete"},
			outputs: []string{}, succeeded: true,
		},
		{
			name: "refresh", summary: Summary{"same": 2},
			ops:     map[string]apitype.OpType{"two-files-dev": "refresh", provider: "refresh", "first": "refresh"},
			outputs: []string{"firstPath", "secretGreeting"}, succeeded: true,
		},
		{
			name: "preview-replace", preview: true, summary: Summary{"replace": 1, "same": 2},
			ops:       map[string]apitype.OpType{"two-files-dev": "same", provider: "same", "first": "replace", "second": "same"},
			succeeded: true,
		},
		{
			name: "up-fail-create", summary: Summary{"create": 2},
			ops:     map[string]apitype.OpType{"two-files-dev": "create", provider: "create", "first": "create", "second": "create"},
			outputs: nil, failed: []string{"second"},
		},
		{
			name: "up-plan-violate", summary: Summary{"same": 1},
			failed: []string{"second"},
		},
		{
			name: "up-held", summary: Summary{"same": 1, "update": 1},
			failed: []string{"first"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, c := replay(t, tt.name, tt.preview, 0, nil)
			if !reflect.DeepEqual(res.Summary, tt.summary) {
				t.Errorf("Summary = %v, want %v", res.Summary, tt.summary)
			}
			if tt.ops != nil {
				if got := opsByName(res.Steps); !reflect.DeepEqual(got, tt.ops) {
					t.Errorf("step ops = %v, want %v", got, tt.ops)
				}
			}
			if tt.outputs == nil {
				if res.Outputs != nil {
					t.Errorf("Outputs = %v, want none", res.Outputs)
				}
			} else {
				var names []string
				for k := range res.Outputs {
					names = append(names, k)
				}
				if got := sorted(names); len(got) != len(tt.outputs) || (len(got) > 0 && !reflect.DeepEqual(got, tt.outputs)) {
					t.Errorf("output names = %v, want %v", got, tt.outputs)
				}
			}
			var failed []string
			for _, u := range c.failure().urns {
				failed = append(failed, lastName(u))
			}
			if !reflect.DeepEqual(failed, tt.failed) {
				t.Errorf("failed = %v, want %v", failed, tt.failed)
			}
			if res.Succeeded != tt.succeeded {
				t.Errorf("Succeeded = %v, want %v", res.Succeeded, tt.succeeded)
			}
		})
	}
}

func TestCollectorDetails(t *testing.T) {
	t.Parallel()
	res, _ := replay(t, "up-replace", false, 0, nil)
	for _, s := range res.Steps {
		if lastName(s.URN) == "first" {
			if !reflect.DeepEqual(s.Diffs, []string{"path"}) || !reflect.DeepEqual(s.Replaces, []string{"path"}) {
				t.Errorf("replaced step diffs %v replaces %v, want [path] [path]", s.Diffs, s.Replaces)
			}
		}
	}
	if o := res.Outputs["secretGreeting"]; !o.Secret || o.Value != nil {
		t.Errorf("secretGreeting = %#v, want a secret without value", o)
	}
	if o := res.Outputs["secondSize"]; o.Secret || o.Value != float64(11) {
		t.Errorf("secondSize = %#v, want 11", o)
	}

	fail, _ := replay(t, "up-fail-create", false, 0, nil)
	var msgs []string
	for _, d := range fail.Diagnostics {
		msgs = append(msgs, d.Severity+": "+d.Message)
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0], "[secret] is set: refusing") {
		t.Errorf("diagnostics = %q, want the provider's error, redacted, then update failed", msgs)
	}
}

func TestCollectorProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		expected int
		want     []string // done/total per report
	}{
		// A replacement takes three steps but is one change; unchanged
		// resources and providers are no changes.
		{"up-replace", 1, []string{"1/1"}},
		// The provider is created too, but the summary (and the reviewer's
		// "3 to create") does not count it.
		{"up-create", 3, []string{"1/3", "2/3", "3/3"}},
		// Without ExpectedChanges the total is unknown.
		{"up-create", 0, []string{"1/0", "2/0", "3/0"}},
		// Never more done than total.
		{"up-create", 2, []string{"1/2", "2/2", "3/3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			replay(t, tt.name, false, tt.expected, func(p Progress) {
				got = append(got, strconv.Itoa(p.Done)+"/"+strconv.Itoa(p.Total))
			})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("progress = %v, want %v", got, tt.want)
			}
		})
	}
	if p := (Progress{Done: 3, Total: 4}); p.Percent() != 75 {
		t.Errorf("Percent = %d, want 75", p.Percent())
	}
	if p := (Progress{Done: 3}); p.Percent() != -1 {
		t.Errorf("Percent without a total = %d, want -1", p.Percent())
	}
}

func TestReadEventsRejectsMalformedLines(t *testing.T) {
	t.Parallel()
	err := readEvents(strings.NewReader("{\"sequence\":1}\n\nnot json\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "malformed engine event") {
		t.Fatalf("readEvents = %v, want a malformed-event error", err)
	}
}

func TestReviewerDiffDropsPlanAdvice(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "events", "preview-update.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	f := &lineFilter{w: &out, keep: func(l []byte) bool { return !isPlanAdvice(l) }}
	// Cut anywhere: the filter works on whole lines.
	for _, part := range []string{string(raw[:7]), string(raw[7:100]), string(raw[100:])} {
		if _, err := f.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "Update plan written") || strings.Contains(got, "pulumi up --plan") {
		t.Errorf("the diff still tells the reviewer to run pulumi:\n%s", got)
	}
	for _, want := range []string{"~ content: \"hello\" => \"howdy\"", "~ 2 to update", "1 unchanged"} {
		if !strings.Contains(got, want) {
			t.Errorf("the diff lost %q:\n%s", want, got)
		}
	}
}

// TestFailureRedactsURNs: a secret in a resource's name must not reach an
// error through the URNs it names.
func TestFailureRedactsURNs(t *testing.T) {
	t.Parallel()
	const secret = "zz-secret-in-a-name"
	c := newCollector(&Result{}, 0, nil, func(s string) string { return strings.ReplaceAll(s, secret, "[secret]") })
	urn := "urn:pulumi:dev::p::localfile:index:File::file-" + secret
	c.event(apitype.EngineEvent{ResOpFailedEvent: &apitype.ResOpFailedEvent{Metadata: apitype.StepEventMetadata{URN: urn, Op: apitype.OpCreate}}})
	c.event(apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{URN: urn, Severity: "error", Message: "failed: " + secret}})
	err := (&StackError{Stack: "org/p/dev", Op: "update", URNs: c.failure().urns, Diagnostics: c.failure().errors()}).Error()
	if strings.Contains(err, secret) {
		t.Errorf("the error shows the secret: %s", err)
	}
	if !strings.Contains(err, "file-[secret]") {
		t.Errorf("the error does not name the resource: %s", err)
	}
}

func TestPermalink(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]string{
		"View Live: https://app.pulumi.com/acme/web/prod/updates/7":                  "https://app.pulumi.com/acme/web/prod/updates/7",
		"  View in Browser (Ctrl+O): https://app.pulumi.com/acme/web/prod/updates/8": "https://app.pulumi.com/acme/web/prod/updates/8",
		"View Live: not-a-url":              "",
		"Updating (prod):":                  "",
		"resource says View Live: ftp://x/": "",
	} {
		if got := permalink([]byte(line)); got != want {
			t.Errorf("permalink(%q) = %q, want %q", line, got, want)
		}
	}
}
