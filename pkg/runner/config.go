package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ConfigValue is one stack config value to set.
type ConfigValue struct {
	Key   string
	Value string
	// Secret stores the value encrypted.
	Secret bool
	// Path treats the key as a path into a map or list (app:db.port).
	Path bool
}

// SetConfig sets config values on stack. Plain values take one
// `pulumi config set-all` process (two when path and plain keys are mixed);
// each secret value takes a `pulumi config set --secret` process of its own
// that reads the value from stdin, so that no secret is ever a command-line
// argument, which other processes on the worker could read. Secret values
// are redacted from the log and errors from then on.
func (r *Runner) SetConfig(ctx context.Context, stack string, values []ConfigValue) error {
	if err := checkStack("config set-all", stack); err != nil {
		return err
	}
	var plain, path, secrets []ConfigValue
	for _, v := range values {
		if v.Key == "" {
			return errors.New("runner: SetConfig: a config value has an empty key")
		}
		if strings.Contains(v.Key, "=") {
			// set-all takes key=value and splits at the first "=".
			return fmt.Errorf("runner: SetConfig: config key %q contains \"=\", which Pulumi would split into another key and value; rename the key", v.Key)
		}
		switch {
		case v.Secret:
			r.redact.Add(v.Value)
			secrets = append(secrets, v)
		case v.Path:
			path = append(path, v)
		default:
			plain = append(plain, v)
		}
	}
	var invs []invocation
	for _, group := range []struct {
		values []ConfigValue
		path   bool
	}{{plain, false}, {path, true}} {
		if len(group.values) == 0 {
			continue
		}
		args := []string{"config", "set-all", "--stack", stack}
		if group.path {
			args = append(args, "--path")
		}
		for _, v := range group.values {
			args = append(args, "--plaintext", v.Key+"="+v.Value)
		}
		invs = append(invs, invocation{args: args})
	}
	for _, v := range secrets {
		args := []string{"config", "set", "--secret", "--stack", stack}
		if v.Path {
			args = append(args, "--path")
		}
		// The CLI drops one trailing newline from what it reads: adding
		// one keeps the value exact (a key file's own final newline too).
		invs = append(invs, invocation{args: args, positional: []string{v.Key}, stdin: v.Value + "\n"})
	}
	for _, inv := range invs {
		// A caller may set config before the stack exists, to create it
		// on ErrStackNotFound: that is no error for the log.
		inv.mayBeMissing = true
		if _, err := r.run(ctx, inv, nil); err != nil {
			return classify(stack, "config "+inv.args[1], err, failure{})
		}
	}
	return nil
}
