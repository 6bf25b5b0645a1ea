package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/pkg/auth"
)

// Runner runs Pulumi operations on one project folder with the real CLI,
// one process per operation. It is safe for concurrent use, though Pulumi
// itself allows one update at a time per stack (see [LockedError]).
type Runner struct {
	dir    string
	opts   *options
	redact *auth.Redactor
}

// New returns a Runner for the Pulumi project in dir (the folder holding
// Pulumi.yaml).
func New(dir string, opts ...Option) (*Runner, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("runner: project folder %q: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(abs, "Pulumi.yaml")); err != nil {
		if _, err2 := os.Stat(filepath.Join(abs, "Pulumi.yml")); err2 != nil {
			return nil, fmt.Errorf("runner: %s is not a Pulumi project folder (no Pulumi.yaml): %w", abs, err)
		}
	}
	red := auth.NewRedactor(o.secrets...)
	// An inherited passphrase is a secret too.
	for _, kv := range o.environ(o.parentEnv(), nil) {
		if k, v, _ := strings.Cut(kv, "="); k == "PULUMI_CONFIG_PASSPHRASE" {
			red.Add(v)
		}
	}
	return &Runner{dir: abs, opts: o, redact: red}, nil
}

// Dir is the project folder.
func (r *Runner) Dir() string { return r.dir }

// AddSecrets redacts more values from the log and errors from now on, such
// as secret config values read after the Runner was made.
func (r *Runner) AddSecrets(values ...string) { r.redact.Add(values...) }

// OpOption configures one operation.
type OpOption func(*opOptions)

type opOptions struct {
	create          bool
	savePlan        string
	plan            string
	expectNoChanges bool
	refresh         bool
	targets         []string
	expectedSteps   int
	message         string
	removeStack     bool
	lockWait        time.Duration
	mayBeMissing    bool
}

// CreateStack creates the stack when it does not exist yet. Selecting an
// existing stack costs no extra process; a missing one costs two (stack
// init, then the operation again).
func CreateStack() OpOption { return func(o *opOptions) { o.create = true } }

// SavePlan makes a preview save its update plan to path, for [Plan].
func SavePlan(path string) OpOption { return func(o *opOptions) { o.savePlan = path } }

// Plan makes an update apply exactly the plan a preview saved at path, and
// fail if the program now wants anything else.
func Plan(path string) OpOption { return func(o *opOptions) { o.plan = path } }

// ExpectNoChanges makes a preview or update fail with [ErrNoChanges] if
// it finds any change; use it to detect drift.
func ExpectNoChanges() OpOption { return func(o *opOptions) { o.expectNoChanges = true } }

// RefreshFirst refreshes the stack's state from the real resources before
// previewing or updating.
func RefreshFirst() OpOption { return func(o *opOptions) { o.refresh = true } }

// Targets limits the operation to the given resource URNs.
func Targets(urns ...string) OpOption {
	return func(o *opOptions) { o.targets = append(o.targets, urns...) }
}

// ExpectedSteps is how many resource steps the operation should take (a
// preview's len(Steps)), so that [Progress] can report a total.
func ExpectedSteps(n int) OpOption { return func(o *opOptions) { o.expectedSteps = n } }

// Message sets the update's message, shown in the stack's history.
func Message(msg string) OpOption { return func(o *opOptions) { o.message = msg } }

// RemoveStack makes [Runner.Destroy] remove the stack itself, its history
// and its Pulumi.<stack>.yaml once its resources are gone, as a review stack
// wants; in the same process (`destroy --remove`).
func RemoveStack() OpOption { return func(o *opOptions) { o.removeStack = true } }

// MayBeMissing says the caller expects the stack may not exist and handles
// [ErrStackNotFound] itself (a teardown of a review stack already removed):
// the CLI's "no stack named" error then stays out of the log.
func MayBeMissing() OpOption { return func(o *opOptions) { o.mayBeMissing = true } }

// WaitForLock makes an operation that finds its stack locked by another
// update try again, with backoff (0.25 s doubling up to 5 s, with jitter),
// until it gets the stack or d has passed since it began; then it returns
// the last [*LockedError]. Cancelling the context stops the wait at once.
func WaitForLock(d time.Duration) OpOption { return func(o *opOptions) { o.lockWait = d } }

func collect(opts []OpOption) opOptions {
	var o opOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Install runs `pulumi install`: the program's dependencies and plugins.
func (r *Runner) Install(ctx context.Context) error {
	_, err := r.run(ctx, invocation{args: []string{"install"}}, nil)
	return err
}

// CreateStack creates stack (org/project/stack), or does nothing if it
// exists.
func (r *Runner) CreateStack(ctx context.Context, stack string) error {
	if err := checkStack("stack init", stack); err != nil {
		return err
	}
	_, err := r.run(ctx, invocation{args: []string{"stack", "init", stack, "--no-select"}}, nil)
	var ee *ExitError
	// The CLI has no exit code for this case: its stderr is all there is.
	if errors.As(err, &ee) && strings.Contains(ee.Stderr, "already exists") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating stack %s: %w", stack, err)
	}
	return nil
}

// Up updates stack and returns what it did, with the stack's outputs taken
// from the same process's engine events (secret values are not in events:
// see [Runner.Outputs]). With [Plan] it applies exactly a saved plan and
// fails with [ErrChangedSinceApproval] if the program now wants anything
// else.
func (r *Runner) Up(ctx context.Context, stack string, opts ...OpOption) (*Result, error) {
	return r.operation(ctx, opUpdate, stack, collect(opts))
}

// Preview shows what an update of stack would do, with a human diff and a
// [Fingerprint] of the planned changes. With [SavePlan] it also saves the
// plan for [Plan].
func (r *Runner) Preview(ctx context.Context, stack string, opts ...OpOption) (*Result, error) {
	o := collect(opts)
	res, err := r.operation(ctx, opPreview, stack, o)
	if res != nil {
		res.Diff = reviewerDiff(res.Diff)
		res.Fingerprint = Fingerprint(res.Steps)
		if err == nil {
			res.PlanFile = o.savePlan
		}
	}
	return res, err
}

// reviewerDiff drops the CLI's advice on how to apply a saved plan: the
// runner applies it, and a reviewer has nothing to run.
func reviewerDiff(text string) string {
	lines := strings.SplitAfter(text, "\n")
	out := lines[:0]
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "Update plan written to ") || strings.HasPrefix(t, "Run `pulumi up --plan=") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}

// Refresh reads the real state of stack's resources into its state. With
// [ExpectNoChanges] it fails with [ErrNoChanges] on drift.
func (r *Runner) Refresh(ctx context.Context, stack string, opts ...OpOption) (*Result, error) {
	return r.operation(ctx, opRefresh, stack, collect(opts))
}

// Destroy deletes every resource of stack, and with [RemoveStack] the stack
// itself, in one process.
func (r *Runner) Destroy(ctx context.Context, stack string, opts ...OpOption) (*Result, error) {
	o := collect(opts)
	o.create = false
	return r.operation(ctx, opDestroy, stack, o)
}

// Cancel cancels the update running on stack (`pulumi cancel`): on Pulumi
// Cloud it ends the update; on a self-managed backend it removes the stack's
// lock. Only for an update whose process died: a running one is cancelled by
// cancelling the context of its call.
func (r *Runner) Cancel(ctx context.Context, stack string) error {
	if err := checkStack("cancel", stack); err != nil {
		return err
	}
	if _, err := r.run(ctx, invocation{args: []string{"cancel", "--yes", "--stack", stack}}, nil); err != nil {
		return classify(stack, "cancel", err, failure{})
	}
	return nil
}

// operation runs one engine operation with its events parsed, creating the
// stack first when asked and it is missing.
func (r *Runner) operation(ctx context.Context, op, stack string, o opOptions) (*Result, error) {
	inv, err := engineInvocation(op, stack, o)
	if err != nil {
		return nil, err
	}
	inv.mayBeMissing = o.create || o.mayBeMissing
	res, err := r.lockAware(ctx, op, stack, inv, o)
	inv.mayBeMissing = o.mayBeMissing
	if o.create && errors.Is(err, ErrStackNotFound) {
		if err := r.CreateStack(ctx, stack); err != nil {
			return nil, err
		}
		res, err = r.lockAware(ctx, op, stack, inv, o)
	}
	return res, err
}

// Lock waits back off from 0.25 s up to 5 s.
const (
	lockBackoffMin = 250 * time.Millisecond
	lockBackoffMax = 5 * time.Second
)

// lockAware runs the operation once, or with [WaitForLock] again while the
// stack is locked, until the deadline.
func (r *Runner) lockAware(ctx context.Context, op, stack string, inv invocation, o opOptions) (*Result, error) {
	deadline := time.Now().Add(o.lockWait)
	backoff := lockBackoffMin
	for attempt := 1; ; attempt++ {
		res, err := r.once(ctx, op, stack, inv, o)
		if o.lockWait <= 0 || !IsLocked(err) {
			return res, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return res, fmt.Errorf("runner: stack %s still locked after waiting %s (%d attempts): %w", stack, o.lockWait, attempt, err)
		}
		// Full jitter keeps two waiting steps from retrying in step.
		wait := min(backoff/2+rand.N(backoff/2+1), left)
		r.opts.logger.InfoContext(ctx, "stack locked; waiting", "stack", stack, "wait", wait, "attempt", attempt)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, &StackError{Stack: stack, Op: op, Kind: FailureCancelled, Err: fmt.Errorf("waiting for the lock: %w", ctx.Err())}
		case <-t.C:
		}
		backoff = min(backoff*2, lockBackoffMax)
	}
}

func (r *Runner) once(ctx context.Context, op, stack string, inv invocation, o opOptions) (*Result, error) {
	res := &Result{Stack: stack}
	c := newCollector(res, o.expectedSteps, r.opts.progress, r.redact.String)
	c.preview = op == opPreview
	start := time.Now()
	out, err := r.run(ctx, inv, c.event)
	res.Duration = time.Since(start)
	if inv.capture {
		res.Diff = out.stdout
	}
	if errors.Is(err, errEventLogHeld) && c.summary {
		// pulumi wrote every event, its summary included; only the end of
		// the pipe was late.
		r.opts.logger.WarnContext(ctx, "pulumi exited but a process it started still held the event log open", "stack", stack, "op", op)
		err = nil
	}
	if err != nil {
		// An update applied with a plan may exit non-zero although the
		// engine reports success (seen on some CLI versions): trust the
		// engine's own summary then.
		var ee *ExitError
		if o.plan != "" && c.summary && res.Succeeded && errors.As(err, &ee) {
			r.opts.logger.WarnContext(ctx, "pulumi exited non-zero after a successful update with a plan; trusting the engine's summary", "exit", ee.Code)
			return res, nil
		}
		return res, classify(stack, op, err, c.failure())
	}
	if !c.summary {
		// Without the summary the steps and outputs may be incomplete:
		// calling that a success would publish a partial result.
		return res, &StackError{Stack: stack, Op: op, Kind: FailureOther, Err: fmt.Errorf("pulumi %s exited with code 0 but its engine event log ended without a summary, so what it did is unknown; check the log above, and that %s is a Pulumi CLI that supports --event-log", inv.args[0], r.opts.pulumi)}
	}
	if !res.Succeeded {
		f := c.failure()
		return res, &StackError{Stack: stack, Op: op, Kind: FailureOther, URNs: f.urns, Diagnostics: f.errors(), Err: errors.New("the engine reported the operation failed")}
	}
	return res, nil
}

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

// Outputs reads stack's outputs with secret values in clear, flagged as
// secret, in one process (`pulumi stack export --show-secrets`). Only the
// top level of an output is checked for secrecy.
func (r *Runner) Outputs(ctx context.Context, stack string) (Outputs, error) {
	if err := checkStack("stack export", stack); err != nil {
		return nil, err
	}
	out, err := r.run(ctx, invocation{args: []string{"stack", "export", "--show-secrets", "--stack", stack}, quiet: true}, nil)
	if err != nil {
		return nil, classify(stack, "stack export", err, failure{})
	}
	var dep apitype.UntypedDeployment
	if err := json.Unmarshal([]byte(out.stdout), &dep); err != nil {
		return nil, fmt.Errorf("runner: reading the export of %s: %w", stack, err)
	}
	var state struct {
		Resources []struct {
			Type    string         `json:"type"`
			Outputs map[string]any `json:"outputs"`
		} `json:"resources"`
	}
	if len(dep.Deployment) > 0 {
		if err := json.Unmarshal(dep.Deployment, &state); err != nil {
			return nil, fmt.Errorf("runner: reading the export of %s: %w", stack, err)
		}
	}
	for _, res := range state.Resources {
		if res.Type == stackType {
			outs := outputsOf(res.Outputs)
			for _, o := range outs {
				if o.Secret {
					r.redact.Add(o.Text())
				}
			}
			r.redact.Add(secretValues(res.Outputs)...)
			return outs, nil
		}
	}
	return Outputs{}, nil
}
