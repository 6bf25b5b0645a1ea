package octoenv

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Environment variable prefixes: OCTOPULUMI_VAR_<encoded name> carries a plain variable,
// OCTOPULUMI_SECRET_<encoded name> a sensitive one. See [EnvName] for the encoding.
const (
	EnvVarPrefix    = "OCTOPULUMI_VAR_"
	EnvSecretPrefix = "OCTOPULUMI_SECRET_"
)

// envAliases are short, hand-writable environment names for the variables this package
// understands; the OCTOPULUMI_VAR_/OCTOPULUMI_SECRET_ form works for these too.
var envAliases = map[string]struct {
	name      string
	sensitive bool
}{
	"OCTOPULUMI_ORGANIZATION":        {VarOrganization, false},
	"OCTOPULUMI_PROJECT":             {VarProject, false},
	"OCTOPULUMI_STACK":               {VarStack, false},
	"OCTOPULUMI_STACK_TEMPLATE":      {VarStackTemplate, false},
	"OCTOPULUMI_SENSITIVE_VARIABLES": {VarSensitiveVariables, false},
	"OCTOPULUMI_LITERAL_VARIABLES":   {VarLiteralVariables, false},
	"OCTOPULUMI_ACCESS_TOKEN":        {VarAccessToken, true},
	"OCTOPULUMI_CONFIG_PASSPHRASE":   {VarConfigPassphrase, true},
	"OCTOPULUMI_OIDC_TOKEN":          {VarOIDCToken, true},
}

// EnvAliases returns the short environment variable names this package reads, mapped to
// the Octopus variable each one sets (OCTOPULUMI_ACCESS_TOKEN → Pulumi.AccessToken, …).
func EnvAliases() map[string]string {
	out := make(map[string]string, len(envAliases))
	for k, v := range envAliases {
		out[k] = v.name
	}
	return out
}

// EnvName returns the environment variable name that carries the Octopus variable name:
// the prefix (EnvSecretPrefix when sensitive, else EnvVarPrefix) followed by the name with
// ASCII letters and digits kept, '.' written as "__", and every other byte as '_' and two
// upper-case hex digits. So Pulumi.Config.aws:region is
// OCTOPULUMI_VAR_Pulumi__Config__aws_3Aregion. The result is a valid Bash name and the
// mapping is reversible.
func EnvName(name string, sensitive bool) string {
	p := EnvVarPrefix
	if sensitive {
		p = EnvSecretPrefix
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p) + len(name) + len(name)/4)
	b.WriteString(p)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '.':
			b.WriteString("__")
		default:
			b.WriteByte('_')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
		}
	}
	return b.String()
}

// decodeEnvName reverses the encoding of EnvName for the part after the prefix.
func decodeEnvName(enc string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '_':
			if i+1 < len(enc) && enc[i+1] == '_' {
				b.WriteByte('.')
				i++
				continue
			}
			if i+2 >= len(enc) {
				return "", fmt.Errorf("'_' at position %d is not followed by '_' or two hex digits", i)
			}
			hi, ok1 := unhex(enc[i+1])
			lo, ok2 := unhex(enc[i+2])
			if !ok1 || !ok2 {
				return "", fmt.Errorf("'_' at position %d is not followed by '_' or two hex digits", i)
			}
			b.WriteByte(hi<<4 | lo)
			i += 2
		default:
			return "", fmt.Errorf("character %q at position %d cannot appear in an encoded name", c, i)
		}
	}
	s := b.String()
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("the encoded name is empty")
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("the decoded name is not valid UTF-8")
	}
	return s, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// FromEnviron reads the Octopus variables carried by environment variables, given in
// os.Environ form: OCTOPULUMI_VAR_<encoded name>, OCTOPULUMI_SECRET_<encoded name> (see
// [EnvName]) and the aliases of [EnvAliases]. Other environment variables are ignored. Two
// environment variables that carry the same Octopus variable with different values are an
// error naming both (never their values); with equal values they merge, sensitive if
// either is. Variables come back sorted by name.
func FromEnviron(environ []string) ([]Variable, error) {
	type entry struct {
		v   Variable
		env string
	}
	byName := make(map[string]entry)
	for _, kv := range environ {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			continue
		}
		var x Variable
		switch {
		case strings.HasPrefix(key, EnvSecretPrefix), strings.HasPrefix(key, EnvVarPrefix):
			sensitive := strings.HasPrefix(key, EnvSecretPrefix)
			enc := strings.TrimPrefix(strings.TrimPrefix(key, EnvSecretPrefix), EnvVarPrefix)
			name, err := decodeEnvName(enc)
			if err != nil {
				return nil, fmt.Errorf("octoenv: environment variable %s: %v (generate names with EnvName)", key, err)
			}
			x = Variable{Name: name, Value: value, Sensitive: sensitive}
		default:
			a, ok := envAliases[key]
			if !ok {
				continue
			}
			x = Variable{Name: a.name, Value: value, Sensitive: a.sensitive}
		}
		k := foldName(x.Name)
		if prev, dup := byName[k]; dup {
			if prev.v.Value != x.Value {
				return nil, fmt.Errorf("octoenv: environment variables %s and %s both set %q, to different values; unset one", prev.env, key, x.Name)
			}
			prev.v.Sensitive = prev.v.Sensitive || x.Sensitive
			byName[k] = prev
			continue
		}
		byName[k] = entry{v: x, env: key}
	}
	out := make([]Variable, 0, len(byName))
	for _, e := range byName {
		out = append(out, e.v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
