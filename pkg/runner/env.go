package runner

import (
	"fmt"
	"sort"
	"strings"
)

// OwnedEnv lists the variables the Runner sets itself, from its options.
// A caller who passes one through [WithEnv] gets an [*OwnedEnvError]; the
// parent process's values of them are never inherited.
var OwnedEnv = []string{
	"PULUMI_ACCESS_TOKEN",
	"PULUMI_BACKEND_URL",
	"PULUMI_HOME",
	"PULUMI_CREDENTIALS_PATH",
	"PULUMI_SKIP_UPDATE_CHECK",
}

// DefaultInherit lists what the child inherits from this process's
// environment unless [WithoutInheritedEnv] is given: the basics a process
// needs, proxy and TLS settings, the state passphrase, and the usual cloud
// credentials that an Octopus account or a worker's identity provides.
// A pattern ending in "*" matches a prefix.
var DefaultInherit = []string{
	"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ", "LANG", "LC_*",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE",
	"AWS_*", "AZURE_*", "ARM_*", "GOOGLE_*", "CLOUDSDK_*", "KUBECONFIG",
}

// OwnedEnvError is returned when a caller sets a variable that the Runner
// owns through [WithEnv].
type OwnedEnvError struct {
	Name string
}

// Error names the variable and the option to use instead.
func (e *OwnedEnvError) Error() string {
	return fmt.Sprintf("runner: %s is set by the runner itself; use its option (WithAccessToken, WithBackend, WithPulumiHome, WithCredentialsPath) instead of WithEnv", e.Name)
}

func isOwned(name string) bool {
	for _, o := range OwnedEnv {
		if name == o {
			return true
		}
	}
	return false
}

func matches(name string, patterns []string) bool {
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

// environ builds the child's environment from the parent's (given as
// os.Environ-style pairs), the options, and per-operation additions. Later
// sources win: inherited, then WithEnv, then what the operation needs, then
// the owned variables.
func (o *options) environ(parent []string, op map[string]string) []string {
	env := map[string]string{}
	if !o.noInherit {
		patterns := append(append([]string(nil), DefaultInherit...), o.inherit...)
		for _, kv := range parent {
			k, v, ok := strings.Cut(kv, "=")
			if ok && !isOwned(k) && matches(k, patterns) {
				env[k] = v
			}
		}
	}
	for k, v := range o.extraEnv {
		env[k] = v
	}
	for k, v := range op {
		env[k] = v
	}
	env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
	set := func(k, v string) {
		if v != "" {
			env[k] = v
		}
	}
	set("PULUMI_ACCESS_TOKEN", o.token)
	set("PULUMI_BACKEND_URL", o.backend)
	set("PULUMI_HOME", o.home)
	set("PULUMI_CREDENTIALS_PATH", o.credentials)
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
