package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Result is what an operation did (or, for a preview, would do).
type Result struct {
	// Stack is the fully qualified stack name, org/project/stack.
	Stack string
	// Summary counts resources by operation, from the engine's summary.
	Summary Summary
	// Steps lists the resource steps in the order the engine took them.
	Steps []Step
	// Diagnostics are the engine's warnings and errors (debug and info
	// messages are left out).
	Diagnostics []Diagnostic
	// Outputs are the stack's outputs after an update. Secret ones are
	// flagged, and their Value is nil unless fetched with [Runner.Outputs].
	Outputs Outputs
	// Duration is the wall time of the pulumi process.
	Duration time.Duration
	// Diff is a preview's human-readable diff, fit for a reviewer.
	Diff string
	// Fingerprint identifies a preview's planned changes; see [Fingerprint].
	Fingerprint string
	// PlanFile is where a preview saved its update plan, when asked to.
	PlanFile string
	// Succeeded is the engine's own verdict from its summary event.
	Succeeded bool
	// URL is the update's (or preview's) page on Pulumi Cloud, as the CLI
	// printed it; "" on a self-managed backend.
	URL string
}

// Summary counts resources by operation.
type Summary map[apitype.OpType]int

// Changes is the number of resources that change (anything but "same").
func (s Summary) Changes() int {
	n := 0
	for op, c := range s {
		if op != apitype.OpSame {
			n += c
		}
	}
	return n
}

// String renders the summary as "2 to create, 1 to update, 3 unchanged".
func (s Summary) String() string {
	ops := make([]string, 0, len(s))
	for op := range s {
		ops = append(ops, string(op))
	}
	sort.Strings(ops)
	parts := make([]string, 0, len(ops))
	for _, op := range ops {
		parts = append(parts, fmt.Sprintf("%s=%d", op, s[apitype.OpType(op)]))
	}
	if len(parts) == 0 {
		return "no resources"
	}
	return strings.Join(parts, " ")
}

// Step is one resource's step.
type Step struct {
	// URN names the resource.
	URN string
	// Type is the resource's type token, e.g. aws:s3/bucket:Bucket.
	Type string
	// Op is what happens to it; a replacement's parts fold into "replace".
	Op apitype.OpType
	// Diffs names the properties that change.
	Diffs []string
	// Replaces names the properties whose change forces a replacement.
	Replaces []string
	// Failed is set when the engine reported the step failed.
	Failed bool

	inputs map[string]any
}

// Name is the resource's name: the last part of its URN.
func (s Step) Name() string { return lastName(s.URN) }

// Diagnostic is a warning or error from the engine, a provider or the
// program.
type Diagnostic struct {
	// Severity is "warning" or "error".
	Severity string
	// URN names the resource it is about; empty for the program itself.
	URN string
	// Message is the text, redacted.
	Message string
}

// Output is one stack output. Formatting an Output with %v or %s prints
// "[secret]" for a secret one, so it is safe to log.
type Output struct {
	// Value is the output decoded from JSON (string, float64, bool, nil,
	// []any or map[string]any); nil for a secret not read in clear.
	Value any
	// Secret marks a secret output, or one holding a secret: publish it
	// only as sensitive.
	Secret bool
}

// String is the value, or "[secret]" for a secret one, so that an Output
// is safe to log.
func (o Output) String() string {
	if o.Secret {
		return "[secret]"
	}
	return fmt.Sprint(o.Value)
}

// Outputs are stack outputs by name.
type Outputs map[string]Output

// Text renders an output value the way an Octopus variable should hold it:
// strings as they are, everything else as compact JSON.
func (o Output) Text() string {
	switch v := o.Value.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

// Fingerprint is a short, stable digest of planned changes: the same steps
// give the same fingerprint, and any difference in the resources, their
// operations, the properties that change or the new inputs of a changing
// resource gives a different one. Unchanged ("same") resources count by URN
// only. Secret inputs count as "[secret]", so a change that only alters a
// secret's value is not seen; see the package doc.
func Fingerprint(steps []Step) string {
	type entry struct {
		URN      string         `json:"u"`
		Op       string         `json:"o"`
		Diffs    []string       `json:"d,omitempty"`
		Replaces []string       `json:"r,omitempty"`
		Inputs   map[string]any `json:"i,omitempty"`
	}
	entries := make([]entry, 0, len(steps))
	for _, s := range steps {
		e := entry{URN: s.URN, Op: string(s.Op)}
		if s.Op != apitype.OpSame {
			e.Diffs = sorted(s.Diffs)
			e.Replaces = sorted(s.Replaces)
			e.Inputs = s.inputs
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].URN != entries[j].URN {
			return entries[i].URN < entries[j].URN
		}
		return entries[i].Op < entries[j].Op
	})
	// encoding/json sorts map keys, so the encoding is canonical.
	b, err := json.Marshal(entries)
	if err != nil {
		// Inputs come from JSON, so they always encode; be loud if not.
		b = []byte(err.Error())
	}
	sum := sha256.Sum256(b)
	return "v1-" + hex.EncodeToString(sum[:8])
}

// fingerprintPattern is what [Fingerprint] returns.
var fingerprintPattern = regexp.MustCompile(`^v1-[0-9a-f]{16}$`)

// CheckFingerprint says whether fp is a fingerprint as [Fingerprint] makes
// them, and if not, why: empty, an Octopus expression left unsubstituted
// (#{…}: a misspelt step or variable name), or something else.
func CheckFingerprint(fp string) error {
	switch {
	case fp == "":
		return errors.New("it is empty")
	case strings.Contains(fp, "#{"):
		return fmt.Errorf("it is the Octopus expression %q, left unsubstituted: check the step and variable names in it", fp)
	case !fingerprintPattern.MatchString(fp):
		return fmt.Errorf("%q is not a fingerprint made by a preview (v1- and 16 hex digits)", fp)
	}
	return nil
}

func sorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
