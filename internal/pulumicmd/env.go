package pulumicmd

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Owned lists the variables only the builder sets, from the caller's typed
// inputs ([Env.Owned]); the parent's values of them are never inherited and
// [Env.Set] may not name them.
var Owned = []string{
	"PULUMI_ACCESS_TOKEN",
	"PULUMI_BACKEND_URL",
	"PULUMI_HOME",
	"PULUMI_CREDENTIALS_PATH",
	"PULUMI_SKIP_UPDATE_CHECK",
}

// DefaultInherit lists what a child inherits from the parent environment
// unless the caller says otherwise: the basics a process needs, proxy and
// TLS settings, the state passphrase, and the usual cloud credentials that
// a worker's identity provides. A pattern ending in "*" matches a prefix.
var DefaultInherit = []string{
	"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ", "LANG", "LC_*",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE",
	// A self-hosted Pulumi Cloud's console, for the update links.
	"PULUMI_CONSOLE_DOMAIN",
	"AWS_*", "AZURE_*", "ARM_*", "GOOGLE_*", "CLOUDSDK_*", "KUBECONFIG",
	// Windows needs these to start processes and find its folders.
	"SYSTEMROOT", "SystemRoot", "COMSPEC", "PATHEXT", "TEMP", "TMP", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "ProgramData",
}

// OwnedError is a caller setting an owned variable through [Env.Set].
type OwnedError struct {
	Name string
}

// Error names the variable.
func (e *OwnedError) Error() string {
	return fmt.Sprintf("%s is set by octopulumi itself from its own settings and cannot be passed as an extra environment variable", e.Name)
}

// IsOwned reports whether name is in [Owned].
func IsOwned(name string) bool { return slices.Contains(Owned, name) }

// Env describes a pulumi child's environment. Later sources win:
// inherited, then Set, then the per-process additions, then Owned.
type Env struct {
	// Parent is the environment inherited from (os.Environ-style pairs).
	Parent []string
	// Inherit are the patterns of Parent that pass ("*" suffix: a prefix);
	// nil means DefaultInherit.
	Inherit []string
	// Set adds variables; none may be owned (see Check).
	Set map[string]string
	// Owned are the values of owned variables; empty values are left unset.
	// PULUMI_SKIP_UPDATE_CHECK is always "true".
	Owned map[string]string
}

// Check reports a Set variable that is owned, or one without a name.
func (e Env) Check() error {
	for k := range e.Set {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("%q is not an environment variable name", k)
		}
		if IsOwned(k) {
			return &OwnedError{Name: k}
		}
	}
	for k := range e.Owned {
		if !IsOwned(k) {
			return fmt.Errorf("%s is not a variable octopulumi owns", k)
		}
	}
	return nil
}

// Environ builds the environment, with extra variables for one process,
// sorted by name.
func (e Env) Environ(extra map[string]string) []string {
	patterns := e.Inherit
	if patterns == nil {
		patterns = DefaultInherit
	}
	env := map[string]string{}
	for _, kv := range e.Parent {
		k, v, ok := strings.Cut(kv, "=")
		if ok && !IsOwned(k) && Matches(k, patterns) {
			env[k] = v
		}
	}
	for k, v := range e.Set {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
	for k, v := range e.Owned {
		if v != "" {
			env[k] = v
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// Matches reports whether name matches one of patterns (a pattern ending
// in "*" matches a prefix), as Env.Inherit does.
func Matches(name string, patterns []string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		} else if name == p {
			return true
		}
	}
	return false
}

// Lookup returns the value of name in environ (os.Environ-style pairs).
func Lookup(environ []string, name string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(environ[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}
