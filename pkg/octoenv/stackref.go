package octoenv

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode/utf8"
)

// Stack templates. Placeholders: {org} (Pulumi.Organization), {project} (Pulumi.Project,
// else the Octopus project), {environment}, {tenant} and {space}. Pulumi reads the result
// as "stack", "org/stack" or "org/project/stack".
const (
	// DefaultStackTemplate is used for untenanted deployments.
	DefaultStackTemplate = "{org}/{project}/{environment}"
	// DefaultTenantStackTemplate is used for tenanted deployments: one stack per
	// environment and tenant.
	DefaultTenantStackTemplate = "{org}/{project}/{environment}-{tenant}"
)

// MaxNameLength is the longest organization, project or stack name Pulumi accepts.
const MaxNameLength = 100

// StackRef is a Pulumi stack reference. Organization and Project are empty when the
// reference leaves them to Pulumi (the default organization, the project of Pulumi.yaml).
type StackRef struct {
	Organization string
	Project      string
	Stack        string
}

// String returns the reference the way the Pulumi CLI takes it: org/project/stack,
// org/stack, or stack. A Project without an Organization cannot be expressed and is left out.
func (r StackRef) String() string {
	switch {
	case r.Organization != "" && r.Project != "":
		return r.Organization + "/" + r.Project + "/" + r.Stack
	case r.Organization != "":
		return r.Organization + "/" + r.Stack
	default:
		return r.Stack
	}
}

// ParseStackRef reads a stack reference as Pulumi does: "stack", "org/stack" or
// "org/project/stack", each part 1 to 100 letters, digits, '-', '_' or '.'. It does not
// normalize: an unusable part is an error saying which part and why.
func ParseStackRef(s string) (StackRef, error) {
	parts := strings.Split(s, "/")
	labels := map[int][]string{1: {"stack"}, 2: {"organization", "stack"}, 3: {"organization", "project", "stack"}}[len(parts)]
	if labels == nil {
		return StackRef{}, fmt.Errorf("octoenv: stack reference %q has %d parts; use stack, org/stack or org/project/stack", s, len(parts))
	}
	for i, p := range parts {
		if err := checkName(p); err != nil {
			return StackRef{}, fmt.Errorf("octoenv: stack reference %q: %s part %w", s, labels[i], err)
		}
	}
	switch len(parts) {
	case 1:
		return StackRef{Stack: parts[0]}, nil
	case 2:
		return StackRef{Organization: parts[0], Stack: parts[1]}, nil
	default:
		return StackRef{Organization: parts[0], Project: parts[1], Stack: parts[2]}, nil
	}
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// checkName reports why s is not a valid Pulumi name, or nil. Its error completes "part …".
func checkName(s string) error {
	if s == "" {
		return fmt.Errorf("is empty")
	}
	if len(s) > MaxNameLength {
		return fmt.Errorf("is %d bytes long; Pulumi allows at most %d", len(s), MaxNameLength)
	}
	for i := 0; i < len(s); i++ {
		if !nameByte(s[i]) {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return fmt.Errorf("%q contains %q; Pulumi allows only letters, digits, '-', '_' and '.'", s, r)
		}
	}
	return nil
}

// NormalizeName turns any text into a name Pulumi accepts, stably: it lower-cases, folds
// common Latin accents (é → e, ß → ss), turns each run of other characters into one '-',
// and trims '-' and '.' from both ends. A result longer than MaxNameLength is cut and ends
// in '-' and 8 hex digits of a hash of the input, so different long inputs stay distinct.
// It returns "" when nothing usable is left (e.g. only punctuation or non-Latin script).
func NormalizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	emit := func(r rune) {
		if r == '-' {
			dash = true
			return
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case r < utf8.RuneSelf && nameByte(byte(r)):
			emit(r)
		default:
			if f, ok := accentFold[r]; ok {
				for _, x := range f {
					emit(x)
				}
			} else {
				dash = true
			}
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > MaxNameLength {
		h := fnv.New32a()
		h.Write([]byte(s))
		out = strings.TrimRight(out[:MaxNameLength-9], "-.") + fmt.Sprintf("-%08x", h.Sum32())
	}
	return out
}

// accentFold maps lower-case Latin letters with diacritics to ASCII.
var accentFold = func() map[rune]string {
	groups := []struct{ from, to string }{
		{"àáâãäåāăą", "a"}, {"æ", "ae"}, {"çćĉċč", "c"}, {"ďđð", "d"}, {"èéêëēĕėęě", "e"},
		{"ĝğġģ", "g"}, {"ĥħ", "h"}, {"ìíîïĩīĭįı", "i"}, {"ĳ", "ij"}, {"ĵ", "j"}, {"ķĸ", "k"},
		{"ĺļľŀł", "l"}, {"ñńņňŉŋ", "n"}, {"òóôõöøōŏő", "o"}, {"œ", "oe"}, {"ŕŗř", "r"},
		{"śŝşšſ", "s"}, {"ß", "ss"}, {"ţťŧ", "t"}, {"þ", "th"}, {"ùúûüũūŭůűų", "u"}, {"ŵ", "w"},
		{"ýÿŷ", "y"}, {"źżž", "z"},
	}
	m := make(map[rune]string)
	for _, g := range groups {
		for _, r := range g.from {
			m[r] = g.to
		}
	}
	return m
}()

// StackFromTemplate derives the stack reference from the context with template (see
// [DefaultStackTemplate] for the placeholders), ignoring Pulumi.Stack. Problems come back
// as a *ValidationError naming the variables involved.
func (c *Context) StackFromTemplate(template string) (StackRef, error) {
	var ps problems
	ref := expandStackTemplate(c, template, "the stack template", &ps)
	if len(ps) > 0 {
		return StackRef{}, &ValidationError{Problems: ps}
	}
	return ref, nil
}

// stackFromContext applies Pulumi.Stack, else Pulumi.StackTemplate, else the default template.
func stackFromContext(c *Context, ps *problems) StackRef {
	vars := c.Vars
	for _, name := range []string{VarOrganization, VarProject} {
		if x, ok := vars.Lookup(name); ok && x.Value != "" {
			if err := checkName(x.Value); err != nil {
				ps.add(name, "%v", err)
			}
		}
	}
	if x, ok := vars.Lookup(VarStack); ok && strings.TrimSpace(x.Value) != "" {
		ref, err := ParseStackRef(x.Value)
		if err != nil {
			ps.add(VarStack, "is not a usable stack reference: %v", strings.TrimPrefix(err.Error(), "octoenv: "))
		}
		return ref
	}
	template, source := vars.Value(VarStackTemplate), VarStackTemplate
	if strings.TrimSpace(template) == "" {
		template, source = DefaultStackTemplate, "the default stack template"
		if c.Tenanted() {
			template = DefaultTenantStackTemplate
		}
	}
	return expandStackTemplate(c, template, source, ps)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

func expandStackTemplate(c *Context, template, source string, ps *problems) StackRef {
	parts := strings.Split(template, "/")
	if len(parts) > 3 {
		ps.add(VarStackTemplate, "%q has %d parts; use stack, org/stack or org/project/stack", template, len(parts))
		return StackRef{}
	}
	labels := map[int][]string{1: {"stack"}, 2: {"organization", "stack"}, 3: {"organization", "project", "stack"}}[len(parts)]
	out := make([]string, len(parts))
	failed := false
	for i, part := range parts {
		v, ok := expandPart(c, part, template, source, labels[i], ps)
		failed = failed || !ok
		out[i] = v
	}
	if failed {
		return StackRef{}
	}
	switch len(out) {
	case 1:
		return StackRef{Stack: out[0]}
	case 2:
		return StackRef{Organization: out[0], Stack: out[1]}
	default:
		return StackRef{Organization: out[0], Project: out[1], Stack: out[2]}
	}
}

// expandPart expands one '/'-separated part of a template.
func expandPart(c *Context, part, template, source, label string, ps *problems) (string, bool) {
	var b strings.Builder
	ok := true
	for rest := part; rest != ""; {
		open := strings.IndexByte(rest, '{')
		literal := rest
		if open >= 0 {
			literal = rest[:open]
		}
		for i := 0; i < len(literal); i++ {
			if !nameByte(literal[i]) {
				ps.add(VarStackTemplate, "%q: the %s part has the character %q, which Pulumi does not accept in names", template, label, literal[i])
				return "", false
			}
		}
		b.WriteString(literal)
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			ps.add(VarStackTemplate, "%q has '{' without a matching '}'", template)
			return "", false
		}
		placeholder := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		v, good := placeholderValue(c, placeholder, template, source, ps)
		ok = ok && good
		b.WriteString(v)
	}
	if !ok {
		return "", false
	}
	s := b.String()
	if s == "" {
		ps.add(VarStackTemplate, "%q: the %s part is empty", template, label)
		return "", false
	}
	if len(s) > MaxNameLength {
		s = NormalizeName(s) // shortens with a stable hash
	}
	return s, true
}

// placeholderValue resolves one placeholder; problems name the variable behind it.
func placeholderValue(c *Context, placeholder, template, source string, ps *problems) (string, bool) {
	octopus := func(e Entity, nameVar string, reported bool, hint string) (string, bool) {
		raw := firstNonEmpty(e.Slug, e.Name)
		if raw == "" {
			if !reported { // e.g. a required variable, already reported as missing
				ps.add(nameVar, "is not set, but %s (%s) uses {%s}%s", source, template, placeholder, hint)
			}
			return "", false
		}
		n := NormalizeName(raw)
		if n == "" {
			ps.add(nameVar, "has no letters or digits usable in a Pulumi name; set %s to choose the stack", VarStack)
			return "", false
		}
		return n, true
	}
	switch placeholder {
	case "org":
		if c.Organization == "" {
			ps.add(VarOrganization, "is not set, but %s (%s) uses {org}; set it, or set %s without {org} to use your default organization", source, template, VarStackTemplate)
			return "", false
		}
		return c.Organization, checkName(c.Organization) == nil // reported by stackFromContext
	case "project":
		if p := c.Vars.Value(VarProject); p != "" {
			return p, checkName(p) == nil
		}
		return octopus(c.Project, VarProjectName, true, "")
	case "environment":
		return octopus(c.Environment, VarEnvironmentName, true, "")
	case "tenant":
		// With a tenant id but no name, NewContext has already reported the name.
		return octopus(c.Tenant, VarTenantName, c.Tenant.ID != "", " (an untenanted deployment has no tenant; use a template without {tenant})")
	case "space":
		return octopus(c.Space, VarSpaceName, false, "")
	default:
		ps.add(VarStackTemplate, "%q has the unknown placeholder {%s}; use {org}, {project}, {environment}, {tenant} or {space}", template, placeholder)
		return "", false
	}
}
