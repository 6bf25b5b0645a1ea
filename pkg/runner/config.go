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
// `pulumi config set-all` process (two when path and plain keys are mixed,
// more when they would not fit one command line); a plain value over 32 KiB
// and each secret value take a `pulumi config set` process of their own that
// reads the value from stdin, so that no secret is ever a command-line
// argument, which other processes on the worker could read, and config of
// any size fits. Secret values are redacted from the log and errors from
// then on. A value with a NUL byte is refused: no program can be given it.
func (r *Runner) SetConfig(ctx context.Context, stack string, values []ConfigValue) error {
	if err := checkStack("config set-all", stack); err != nil {
		return err
	}
	var plain, path, secrets []ConfigValue
	for _, v := range values {
		if v.Key == "" {
			return errors.New("runner: SetConfig: a config value has an empty key")
		}
		if strings.ContainsRune(v.Key+v.Value, 0) {
			return fmt.Errorf("runner: SetConfig: config %q holds a NUL byte, which no program can be given (Pulumi passes config through the environment); remove it", v.Key)
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
		invs = append(invs, plainConfigInvocations(stack, group.values, group.path)...)
	}
	for _, v := range secrets {
		invs = append(invs, stdinConfigInvocation(stack, v))
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

// Limits on the plain values set in one `config set-all`: Linux refuses a
// single argument over 128 KiB and a command line over about 2 MiB (with
// the environment). A larger value goes on stdin, in a process of its own.
const (
	maxArgValue = 32 << 10
	maxArgBatch = 256 << 10
)

// plainConfigInvocations sets plain values with as few processes as the
// command line allows: set-all in batches, and each value too large for a
// command line through stdin.
func plainConfigInvocations(stack string, values []ConfigValue, path bool) []invocation {
	var invs []invocation
	var args []string
	size := 0
	flush := func() {
		if len(args) > 0 {
			base := []string{"config", "set-all", "--stack", stack}
			if path {
				base = append(base, "--path")
			}
			invs = append(invs, invocation{args: append(base, args...)})
			args, size = nil, 0
		}
	}
	for _, v := range values {
		if len(v.Value) > maxArgValue {
			invs = append(invs, stdinConfigInvocation(stack, v))
			continue
		}
		if size+len(v.Key)+len(v.Value) > maxArgBatch {
			flush()
		}
		args = append(args, "--plaintext", v.Key+"="+v.Value)
		size += len(v.Key) + len(v.Value)
	}
	flush()
	return invs
}

// stdinConfigInvocation sets one value through stdin: a secret, which must
// never be a command-line argument, or a value too large to be one.
func stdinConfigInvocation(stack string, v ConfigValue) invocation {
	args := []string{"config", "set", "--stack", stack}
	if v.Secret {
		args = append(args, "--secret")
	} else {
		args = append(args, "--plaintext")
	}
	if v.Path {
		args = append(args, "--path")
	}
	// The CLI drops one trailing newline from what it reads: adding one
	// keeps the value exact (a key file's own final newline too).
	return invocation{args: args, positional: []string{v.Key}, stdin: v.Value + "\n"}
}
