package auth

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Severity grades a [Finding].
type Severity int

// Severities, from harmless to fatal.
const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityError
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// Finding is one result of a check. Message says what is wrong and how to
// fix it; it never contains a token.
type Finding struct {
	Check    string // "audience", "expiry", "issuer", "discovery", "keys", "signature", …
	Severity Severity
	Message  string
}

// Hop is one HTTP request of the issuer probe.
type Hop struct {
	Step    string // "discovery" or "keys"
	URL     string
	Status  int // 0 when no reply came
	Latency time.Duration
	Cached  bool   // served from the process's cache, no request made
	Error   string // what failed, empty on success
}

// Claims is what an OIDC token says about itself, read without trusting it.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	Expiry    time.Time // zero when absent
	NotBefore time.Time
	IssuedAt  time.Time
	ID        string
	KeyID     string // header "kid"
	Algorithm string // header "alg"
	// Octopus holds the https://octopus.com/claims/… claims by full name;
	// they, and the subject, are what Pulumi Cloud issuer policies match.
	Octopus map[string]string
}

// Report is the outcome of [Client.Preflight], [Client.Probe] or
// [Client.Check]: the token's claims, every problem found, and each hop of
// the issuer probe. Its String form is meant for a person reading an
// Octopus task log.
type Report struct {
	ExpectedAudience string
	CheckedAt        time.Time
	Claims           Claims
	Findings         []Finding
	Hops             []Hop
	Probed           bool // the issuer probe ran
}

// OK reports whether no finding is an error.
func (r *Report) OK() bool {
	return !slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Severity == SeverityError })
}

// Err returns a [*CheckError] when a finding is an error, and nil otherwise.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	return &CheckError{Report: r}
}

// Warnings returns the messages of the warning-level findings.
func (r *Report) Warnings() []string {
	var w []string
	for _, f := range r.Findings {
		if f.Severity == SeverityWarning {
			w = append(w, f.Check+": "+f.Message)
		}
	}
	return w
}

func (r *Report) add(check string, sev Severity, format string, args ...any) {
	r.Findings = append(r.Findings, Finding{Check: check, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

// String renders the report as text, one fact per line.
func (r *Report) String() string {
	var b strings.Builder
	_, _ = r.WriteTo(&b)
	return b.String()
}

// WriteTo writes the report as text. Values taken from the token are quoted,
// so a crafted claim cannot forge an Octopus service message in the log.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	c := r.Claims
	line := func(label, value string) { fmt.Fprintf(&b, "  %-11s %s\n", label+":", value) }
	b.WriteString("OIDC token\n")
	line("issuer", quote(c.Issuer))
	line("subject", quote(c.Subject))
	line("audience", quoteList(c.Audience))
	if r.ExpectedAudience != "" {
		line("expected", quote(r.ExpectedAudience))
	}
	line("issued", r.when(c.IssuedAt))
	if !c.NotBefore.IsZero() {
		line("not before", r.when(c.NotBefore))
	}
	line("expires", r.when(c.Expiry))
	if c.KeyID != "" || c.Algorithm != "" {
		line("key", fmt.Sprintf("kid %s, alg %s", quote(c.KeyID), quote(c.Algorithm)))
	}
	keys := make([]string, 0, len(c.Octopus))
	for k := range c.Octopus {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		line("claim", quote(k)+" = "+quote(c.Octopus[k]))
	}
	if r.Probed {
		b.WriteString("Issuer probe (from this worker)\n")
		for _, h := range r.Hops {
			fmt.Fprintf(&b, "  %-11s GET %s", h.Step+":", h.URL)
			switch {
			case h.Cached:
				b.WriteString(" (cached)")
			case h.Status != 0:
				fmt.Fprintf(&b, " -> %d in %s", h.Status, h.Latency.Round(time.Millisecond))
			default:
				fmt.Fprintf(&b, " -> no reply after %s", h.Latency.Round(time.Millisecond))
			}
			if h.Error != "" {
				b.WriteString(": " + oneLine(h.Error))
			}
			b.WriteString("\n")
		}
	}
	errs, warns := 0, 0
	for _, f := range r.Findings {
		switch f.Severity {
		case SeverityError:
			errs++
		case SeverityWarning:
			warns++
		}
	}
	if len(r.Findings) > 0 {
		b.WriteString("Findings\n")
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "  %-7s %s: %s\n", strings.ToUpper(f.Severity.String()), f.Check, oneLine(f.Message))
		}
	}
	if errs == 0 {
		fmt.Fprintf(&b, "Result: OK (%d warning(s))\n", warns)
	} else {
		fmt.Fprintf(&b, "Result: FAILED (%d error(s), %d warning(s))\n", errs, warns)
	}
	n, err := io.WriteString(w, defang(b.String()))
	return int64(n), err
}

func (r *Report) when(t time.Time) string {
	if t.IsZero() {
		return "(absent)"
	}
	s := t.UTC().Format(time.RFC3339)
	if r.CheckedAt.IsZero() {
		return s
	}
	d := t.Sub(r.CheckedAt).Round(time.Second)
	if d >= 0 {
		return s + " (in " + d.String() + ")"
	}
	return s + " (" + (-d).String() + " ago)"
}

const maxShownClaim = 200

// quote shows an untrusted value safely: bounded, quoted, control
// characters escaped.
func quote(s string) string {
	if len(s) > maxShownClaim {
		s = s[:maxShownClaim] + "…"
	}
	return defang(strconv.Quote(s))
}

// defang breaks "##" so that no value shown in a log line can be read by
// Octopus as the start of a service message (##octopus[…]).
func defang(s string) string {
	return strings.ReplaceAll(s, "##", `#\x23`)
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// oneLine keeps a message on one log line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
