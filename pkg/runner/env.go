package runner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/octopulumi/octopulumi/internal/pulumicmd"
)

// OwnedEnv lists the variables the Runner sets itself: PULUMI_ACCESS_TOKEN
// ([WithAccessToken]), PULUMI_BACKEND_URL ([WithBackend]), PULUMI_HOME
// ([WithPulumiHome]), PULUMI_CREDENTIALS_PATH (the run folder's, always)
// and PULUMI_SKIP_UPDATE_CHECK. A caller who passes one through [WithEnv]
// gets an [*OwnedEnvError]; the parent process's values are never inherited.
var OwnedEnv = pulumicmd.Owned

// DefaultInherit lists what the child inherits from this process's
// environment unless [WithoutInheritedEnv] is given: the basics a process
// needs, proxy and TLS settings, the state passphrase, and the usual cloud
// credentials that a worker's identity provides. A pattern ending in "*"
// matches a prefix.
var DefaultInherit = pulumicmd.DefaultInherit

// OwnedEnvError is returned when a caller sets a variable that the Runner
// owns through [WithEnv].
type OwnedEnvError struct {
	Name string
}

// Error names the variable and the option to use instead.
func (e *OwnedEnvError) Error() string {
	return fmt.Sprintf("runner: %s is set by the runner itself; use its option (WithAccessToken, WithBackend, WithPulumiHome; PULUMI_CREDENTIALS_PATH is the run folder's) instead of WithEnv", e.Name)
}

// env is the child environment the options describe; every pulumi process
// of the Runner gets it, plus what its operation adds.
func (r *Runner) env() pulumicmd.Env {
	o := r.opts
	inherit := append(append([]string(nil), DefaultInherit...), o.inherit...)
	if o.noInherit {
		inherit = []string{}
	}
	set := map[string]string{runIDVar: r.folder.ID()}
	for k, v := range o.extraEnv {
		set[k] = v
	}
	parent := o.parentEnv()
	if c := r.cloud.Load(); c != nil {
		parent = slices.DeleteFunc(slices.Clone(parent), func(kv string) bool {
			name, _, _ := strings.Cut(kv, "=")
			return pulumicmd.Matches(name, c.supersedes)
		})
		for k, v := range c.env {
			set[k] = v
		}
	}
	return pulumicmd.Env{
		Parent:  parent,
		Inherit: inherit,
		Set:     set,
		Owned: map[string]string{
			"PULUMI_ACCESS_TOKEN":     o.token,
			"PULUMI_BACKEND_URL":      o.backend,
			"PULUMI_HOME":             o.home,
			"PULUMI_CREDENTIALS_PATH": r.credentials,
		},
	}
}
