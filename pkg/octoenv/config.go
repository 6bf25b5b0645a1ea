package octoenv

import (
	"sort"
	"strings"
	"unicode"
)

// ConfigPrefix marks the variables that become Pulumi stack config: Pulumi.Config.<key>.
// The key is a Pulumi config key, "namespace:name" or just "name" (the project's
// namespace). A name holding '.' or '[' is a path (`pulumi config set --path`), so
// Pulumi.Config.app:db.port sets port inside the object app:db.
const ConfigPrefix = "Pulumi.Config."

// ConfigValue is one stack config value, ready for the runner to apply.
type ConfigValue struct {
	Key   string
	Value string
	// Secret values come from sensitive variables and must be set as Pulumi secrets.
	Secret bool
	// Path keys are set with --path.
	Path bool
}

// ConfigFromVariables returns the stack config held by the Pulumi.Config.* variables,
// sorted by key. Problems (an empty key, an empty namespace or name, whitespace in a key, a
// plain key that a path key writes into, a value holding a NUL byte or an expression
// Octopus could not substitute, see [Unsubstituted]) come back as a *ValidationError.
func ConfigFromVariables(vars *Variables) ([]ConfigValue, error) {
	var ps problems
	cfg := configFromVariables(vars, &ps)
	if len(ps) > 0 {
		return nil, &ValidationError{Problems: ps}
	}
	return cfg, nil
}

func configFromVariables(vars *Variables, ps *problems) []ConfigValue {
	if vars == nil {
		return nil
	}
	type entry struct {
		ConfigValue
		variable string // for problems
	}
	var found []entry
	for _, x := range vars.vars {
		if !hasPrefixFold(x.Name, ConfigPrefix) {
			continue
		}
		key := x.Name[len(ConfigPrefix):]
		if !checkConfigVariable(vars, x, key, ps) {
			continue
		}
		name := key
		if _, n, ok := strings.Cut(key, ":"); ok {
			name = n
		}
		found = append(found, entry{ConfigValue{
			Key:    key,
			Value:  x.Value,
			Secret: x.Sensitive,
			Path:   strings.ContainsAny(name, ".["),
		}, x.Name})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Key < found[j].Key })
	// Keys sharing a prefix sort together, right after the prefix itself, so a plain key
	// is followed by the path keys that would write into it.
	for i, c := range found {
		if c.Path {
			continue
		}
		for _, d := range found[i+1:] {
			if !strings.HasPrefix(d.Key, c.Key) {
				break
			}
			if rest := d.Key[len(c.Key):]; d.Path && (rest[0] == '.' || rest[0] == '[') {
				ps.add(d.variable, "writes into %s, which %s sets as a whole; keep one of them", c.Key, c.variable)
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	out := make([]ConfigValue, len(found))
	for i, e := range found {
		out[i] = e.ConfigValue
	}
	return out
}

// checkConfigVariable adds a problem for each reason the config variable x (whose key is
// key) is not usable, and reports whether it is.
func checkConfigVariable(vars *Variables, x Variable, key string, ps *problems) bool {
	n := len(*ps)
	if reason := checkConfigKey(key); reason != "" {
		ps.add(x.Name, "%s", reason)
	}
	if strings.IndexByte(x.Value, 0) >= 0 {
		// No process argument or environment variable can hold a NUL, and that is how
		// config reaches Pulumi and the program: the run would fail with a bare
		// "fork/exec: invalid argument".
		ps.add(x.Name, "holds a NUL byte, which Pulumi cannot pass to a program; remove it from the value")
	}
	if expr, ok := Unsubstituted(x.Value); ok && !vars.Literal(x.Name) {
		ps.add(x.Name, "%s", unsubstitutedReason(x.Name, expr, x.Sensitive))
	}
	return len(*ps) == n
}

// checkConfigKey returns why key is not a usable config key, or "".
func checkConfigKey(key string) string {
	if key == "" {
		return "has an empty config key; write Pulumi.Config.<namespace>:<name>"
	}
	if strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "has whitespace or a control character in its config key"
	}
	ns, name, ok := strings.Cut(key, ":")
	if ok && ns == "" {
		return "has an empty namespace before ':' in its config key"
	}
	if ok && name == "" {
		return "has an empty name after ':' in its config key"
	}
	if !ok {
		name = key
	}
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "[") || strings.HasSuffix(name, ".") {
		return "has a malformed config path (a path may not start with '.' or '[' nor end with '.')"
	}
	return ""
}
