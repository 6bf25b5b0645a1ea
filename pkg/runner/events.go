package runner

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Progress reports an operation's advance: Done resource changes finished
// out of Total expected. It counts what the engine's summary counts as
// changes (creates, updates, replacements, deletes…; not unchanged
// resources, not providers), so it matches the reviewer's "3 to create".
// Total comes from [ExpectedChanges] (a preview's Summary.Changes()) and is
// never less than Done; it is 0 (unknown) without it.
type Progress struct {
	// Done is how many resource changes have finished.
	Done int
	// Total is how many are expected.
	Total int
	// URN and Op name the step that just finished.
	URN string
	Op  apitype.OpType
}

// Percent is Done out of Total as 0–100, or -1 when Total is unknown (0).
func (p Progress) Percent() int {
	if p.Total <= 0 {
		return -1
	}
	pct := p.Done * 100 / p.Total
	return min(pct, 100)
}

const stackType = "pulumi:pulumi:Stack"

// secretSig marks a serialized secret ({"4dabf…": "1b47…", …}).
const (
	sigKey    = "4dabf18193072939515e22adb298388d"
	secretSig = "1b47061264138c4ac30d75fd1eb44270"
)

// collector builds a Result from engine events as they arrive.
type collector struct {
	mu       sync.Mutex
	res      *Result
	index    map[string]int // URN → position in res.Steps
	finished map[string]bool
	failed   []string
	// stderrText is what the program and its language host wrote to
	// stderr ("info#err" diagnostics), bounded: the cause of a failure that
	// the engine reports with no error diagnostic (a plugin that could not
	// be downloaded, a program that crashed).
	stderrText []Diagnostic
	total      int
	progress   func(Progress)
	redact     func(string) string
	// preview leaves Outputs alone: a preview's are planned, not real.
	preview bool
	summary bool
}

func newCollector(res *Result, total int, progress func(Progress), redact func(string) string) *collector {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	return &collector{res: res, index: map[string]int{}, finished: map[string]bool{}, total: total, progress: progress, redact: redact}
}

// failure is what the collector learnt about a failure.
func (c *collector) failure() failure {
	c.mu.Lock()
	defer c.mu.Unlock()
	// A resource's name may hold a secret: the URNs an error names are
	// redacted like its messages.
	f := failure{diagnostics: append([]Diagnostic(nil), c.res.Diagnostics...), stderr: append([]Diagnostic(nil), c.stderrText...)}
	for _, urn := range c.failed {
		f.urns = append(f.urns, c.redact(urn))
	}
	for _, ds := range [][]Diagnostic{f.diagnostics, f.stderr} {
		for i := range ds {
			ds[i].URN = c.redact(ds[i].URN)
		}
	}
	return f
}

// maxStderrDiagnostics bounds what keepStderr keeps: the last few lines say
// why a program failed.
const (
	maxStderrDiagnostics = 8
	maxDiagnosticLen     = 1 << 10
)

// keepStderr keeps the last few lines a program wrote to stderr.
func (c *collector) keepStderr(urn, msg string) {
	msg = strings.TrimSpace(stripControl(msg))
	if msg == "" || strings.HasPrefix(msg, "Will retry in ") {
		return
	}
	if len(msg) > maxDiagnosticLen {
		msg = msg[:maxDiagnosticLen] + "…"
	}
	c.stderrText = append(c.stderrText, Diagnostic{Severity: "info#err", URN: urn, Message: c.redact(msg)})
	if over := len(c.stderrText) - maxStderrDiagnostics; over > 0 {
		c.stderrText = c.stderrText[over:]
	}
}

// isStackURN reports whether urn names the stack's root resource.
func isStackURN(urn string) bool {
	return strings.Contains(urn, "::"+stackType+"::")
}

// primaryOp folds the engine's auxiliary steps into the step a reviewer
// means: a replacement is one "replace", whatever it takes to do it.
func primaryOp(op apitype.OpType) (apitype.OpType, bool) {
	switch op {
	case apitype.OpCreateReplacement, apitype.OpDeleteReplaced,
		apitype.OpDiscardReplaced, apitype.OpImportReplacement, apitype.OpReadReplacement:
		return apitype.OpReplace, false
	}
	return op, true
}

// countsAsChange is what the engine's summary counts as a change.
func countsAsChange(md apitype.StepEventMetadata) bool {
	return md.Op != apitype.OpSame && md.Op != apitype.OpRead && !strings.HasPrefix(md.Type, "pulumi:providers:")
}

func (c *collector) event(ev apitype.EngineEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ev.ResourcePreEvent != nil:
		c.pre(ev.ResourcePreEvent.Metadata)
	case ev.ResOutputsEvent != nil:
		md := ev.ResOutputsEvent.Metadata
		if md.Type == stackType && !c.preview {
			switch {
			case md.Op == apitype.OpDelete:
				c.res.Outputs = Outputs{}
			case md.New != nil:
				c.res.Outputs = outputsOf(md.New.Outputs)
			}
		}
		// A resource is done once, whatever steps it took (a replacement
		// takes three; a preview reports the stack twice).
		if _, primary := primaryOp(md.Op); primary && countsAsChange(md) && !c.finished[md.URN] {
			c.finished[md.URN] = true
			if c.progress != nil {
				done, total := len(c.finished), 0
				if c.total > 0 {
					total = max(c.total, done)
				}
				c.progress(Progress{Done: done, Total: total, URN: md.URN, Op: md.Op})
			}
		}
	case ev.ResOpFailedEvent != nil:
		md := ev.ResOpFailedEvent.Metadata
		c.fail(md.URN)
	case ev.DiagnosticEvent != nil:
		d := ev.DiagnosticEvent
		sev := d.Severity
		if sev == "info#err" {
			c.keepStderr(d.URN, d.Message)
			return
		}
		if sev != "warning" && sev != "error" {
			return
		}
		c.res.Diagnostics = append(c.res.Diagnostics, Diagnostic{
			Severity: sev, URN: d.URN, Message: c.redact(strings.TrimSpace(d.Message)),
		})
		if sev == "error" && d.URN != "" && !isStackURN(d.URN) {
			c.fail(d.URN)
		}
	case ev.SummaryEvent != nil:
		s := ev.SummaryEvent
		c.summary = true
		c.res.Summary = Summary{}
		for op, n := range s.ResourceChanges {
			c.res.Summary[op] = n
		}
		// CLIs older than the result field leave it empty: then the summary
		// itself is the sign the engine finished.
		c.res.Succeeded = s.Result == "" || s.Result == apitype.OperationResultSucceeded
	}
}

func (c *collector) pre(md apitype.StepEventMetadata) {
	op, _ := primaryOp(md.Op)
	if i, ok := c.index[md.URN]; ok {
		// A later step of the same resource (a replacement's parts) adds
		// to the one already recorded.
		s := &c.res.Steps[i]
		s.Diffs = union(s.Diffs, md.Diffs)
		if op == apitype.OpReplace {
			s.Op = op
		}
		return
	}
	s := Step{URN: md.URN, Type: md.Type, Op: op, Diffs: append([]string(nil), md.Diffs...)}
	for k, d := range md.DetailedDiff {
		switch d.Kind {
		case apitype.DiffAddReplace, apitype.DiffDeleteReplace, apitype.DiffUpdateReplace:
			s.Replaces = append(s.Replaces, k)
		}
	}
	if md.New != nil {
		s.inputs = md.New.Inputs
	}
	c.index[md.URN] = len(c.res.Steps)
	c.res.Steps = append(c.res.Steps, s)
}

func (c *collector) fail(urn string) {
	if urn == "" {
		return
	}
	if i, ok := c.index[urn]; ok {
		c.res.Steps[i].Failed = true
	}
	for _, u := range c.failed {
		if u == urn {
			return
		}
	}
	c.failed = append(c.failed, urn)
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			a = append(a, s)
			seen[s] = true
		}
	}
	return a
}

// outputsOf reads the stack resource's outputs from an event, or from a
// stack export: a secret is a map carrying the secret signature, with its
// value in "plaintext" (as JSON) when shown, and blinded otherwise.
func outputsOf(m map[string]any) Outputs {
	out := make(Outputs, len(m))
	for k, v := range m {
		out[k] = outputOf(v)
	}
	return out
}

// outputOf reads one output. A secret anywhere inside it (an object with
// one secret property, say) makes the whole output secret: publishing the
// rest as plain text would publish the secret with it.
func outputOf(v any) Output {
	val, secret := unwrapSecrets(v, nil)
	return Output{Value: val, Secret: secret}
}

// secretValues lists the text of every secret inside outputs as a stack
// export shows them (with plaintext), for the redactor.
func secretValues(outputs map[string]any) []string {
	var secrets []string
	for _, v := range outputs {
		unwrapSecrets(v, &secrets)
	}
	return secrets
}

// unwrapSecrets replaces every serialized secret inside v by its plaintext
// value (nil when blinded), appends the secret values' text to secrets when
// it is not nil, and reports whether there was any.
func unwrapSecrets(v any, secrets *[]string) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		if v[sigKey] == secretSig {
			var val any
			if pt, ok := v["plaintext"].(string); ok {
				if err := json.Unmarshal([]byte(pt), &val); err != nil {
					val = nil
				}
				// A secret's plaintext may itself hold secrets' markers.
				val, _ = unwrapSecrets(val, secrets)
				if secrets != nil {
					*secrets = append(*secrets, Output{Value: val}.Text())
				}
			}
			return val, true
		}
		out := make(map[string]any, len(v))
		found := false
		for k, e := range v {
			var s bool
			out[k], s = unwrapSecrets(e, secrets)
			found = found || s
		}
		return out, found
	case []any:
		out := make([]any, len(v))
		found := false
		for i, e := range v {
			var s bool
			out[i], s = unwrapSecrets(e, secrets)
			found = found || s
		}
		return out, found
	default:
		return v, false
	}
}
