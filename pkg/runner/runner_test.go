package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// newRunner returns a Runner on a fresh copy of the two-files sample program
// in a fresh test bed, with its log captured.
func newRunner(t *testing.T, opts ...runner.Option) (*runner.Runner, *testbed.Bed, *syncBuilder) {
	t.Helper()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	r, log := runnerOn(t, bed, dir, opts...)
	return r, bed, log
}

// runnerOn returns another Runner on the same bed and program folder, with a
// log of its own.
func runnerOn(t *testing.T, bed *testbed.Bed, dir string, opts ...runner.Option) (*runner.Runner, *syncBuilder) {
	t.Helper()
	log := &syncBuilder{}
	base := []runner.Option{
		runner.WithPulumi(bed.Tools.Pulumi),
		runner.WithPulumiHome(bed.Home),
		runner.WithBackend(bed.Backend),
		runner.WithTempDir(bed.Dir),
		runner.WithoutInheritedEnv(),
		runner.WithEnv(map[string]string{
			"PULUMI_CONFIG_PASSPHRASE": testbed.Passphrase,
			"HOME":                     bed.Dir,
			"PATH":                     "/usr/bin:/bin",
		}),
		runner.WithSecrets(testbed.Passphrase),
		runner.WithLog(log),
	}
	r, err := runner.New(dir, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, log
}

// syncBuilder is a log that tests may read while pulumi writes to it.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const stack = "organization/two-files/dev"

// editProgram replaces old with new in the program's Pulumi.yaml.
func editProgram(t *testing.T, dir, old, new string) {
	t.Helper()
	p := filepath.Join(dir, "Pulumi.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("Pulumi.yaml has no %q", old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dropSecond removes the second resource (and its output) from the program.
func dropSecond(t *testing.T, dir string) {
	t.Helper()
	p := filepath.Join(dir, "Pulumi.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "  second:"), strings.Index(s, "outputs:")
	s = s[:i] + s[j:]
	s = strings.Replace(s, "  secondSize: ${second.size}\n", "", 1)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setConfig(t *testing.T, r *runner.Runner, values ...runner.ConfigValue) {
	t.Helper()
	if err := r.SetConfig(context.Background(), stack, values); err != nil {
		t.Fatal(err)
	}
}

func up(t *testing.T, r *runner.Runner, log *syncBuilder, opts ...runner.OpOption) *runner.Result {
	t.Helper()
	res, err := r.Up(context.Background(), stack, opts...)
	if err != nil {
		t.Fatalf("Up: %v\nlog:\n%s", err, log)
	}
	return res
}

func preview(t *testing.T, r *runner.Runner, log *syncBuilder, opts ...runner.OpOption) *runner.Result {
	t.Helper()
	res, err := r.Preview(context.Background(), stack, opts...)
	if err != nil {
		t.Fatalf("Preview: %v\nlog:\n%s", err, log)
	}
	return res
}

// opsByName maps each resource's name to its step's operation.
func opsByName(steps []runner.Step) map[string]apitype.OpType {
	m := map[string]apitype.OpType{}
	for _, s := range steps {
		if i := strings.LastIndex(s.URN, "::"); i >= 0 && !strings.Contains(s.URN, "pulumi:providers:") {
			m[s.URN[i+2:]] = s.Op
		}
	}
	return m
}

func TestUpCreatesStackAndReturnsOutputs(t *testing.T) {
	t.Parallel()
	r, bed, log := newRunner(t)
	ctx := context.Background()

	if _, err := r.Up(ctx, stack); !errors.Is(err, runner.ErrStackNotFound) {
		t.Fatalf("Up on a missing stack without CreateStack: got %v, want ErrStackNotFound", err)
	}

	res := up(t, r, log, runner.CreateStack())
	if !res.Succeeded {
		t.Error("Succeeded is false after a successful update")
	}
	if got := res.Summary[apitype.OpCreate]; got != 3 {
		t.Errorf("created %d resources, want 3 (stack + two files); summary %v", got, res.Summary)
	}
	want := filepath.Join(r.Dir(), "out", "first.txt")
	if got := res.Outputs["firstPath"]; got.Value != want || got.Secret {
		t.Errorf("firstPath = %#v, want %q, not secret", got, want)
	}
	if got := res.Outputs["secondSize"]; got.Value != float64(len("hello again")) {
		t.Errorf("secondSize = %#v, want 11", got)
	}
	if got := res.Outputs["secretGreeting"]; !got.Secret || got.Value != nil {
		t.Errorf("secretGreeting = %#v, want secret with no value from the events", got)
	}
	if b, err := os.ReadFile(want); err != nil || string(b) != "hello" {
		t.Errorf("first.txt = %q, %v; want the provider to have written hello", b, err)
	}
	if n := bed.Mirror.Requests(bed.Tools.Provider.Asset); n != 1 {
		t.Errorf("the mirror served the provider %d times, want 1", n)
	}
	if !strings.Contains(log.String(), "Updating (") {
		t.Errorf("the human log was not streamed:\n%s", log)
	}

	outs, err := r.Outputs(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	if got := outs["secretGreeting"]; !got.Secret || got.Value != "hello" {
		t.Errorf("Outputs secretGreeting = %#v, want secret hello", got.Value)
	}
	if s := outs["secretGreeting"].String(); s != "[secret]" {
		t.Errorf("a secret output formats as %q, want [secret]", s)
	}

	again := up(t, r, log, runner.CreateStack())
	if again.Summary.Changes() != 0 || again.Summary[apitype.OpSame] != 3 {
		t.Errorf("second update summary %v, want 3 unchanged", again.Summary)
	}
	if len(again.Outputs) != 3 {
		t.Errorf("an update without changes returned outputs %v, want all three", again.Outputs)
	}
}

// TestSecretConfigRoundTripsExactly: a secret config value travels on
// stdin, and comes back byte for byte, trailing newline included (a key
// file's last line).
func TestSecretConfigRoundTripsExactly(t *testing.T) {
	t.Parallel()
	r, _, log := newRunner(t)
	ctx := context.Background()
	if err := r.CreateStack(ctx, stack); err != nil {
		t.Fatal(err)
	}
	value := "-----BEGIN KEY-----\nzz-key-material\n-----END KEY-----\n"
	if err := r.SetConfig(ctx, stack, []runner.ConfigValue{{Key: "greeting", Value: value, Secret: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Up(ctx, stack); err != nil {
		t.Fatalf("Up: %v\n%s", err, log)
	}
	outs, err := r.Outputs(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	if got := outs["secretGreeting"].Value; got != value {
		t.Errorf("the secret came back as %q, want %q", got, value)
	}
	if strings.Contains(log.String(), "zz-key-material") {
		t.Error("the secret appears in the log")
	}
}

// TestLargePlainConfig: a plain value larger than a command-line argument
// may be (128 KiB on Linux), among many others, reaches the program exactly.
func TestLargePlainConfig(t *testing.T) {
	t.Parallel()
	r, _, log := newRunner(t)
	ctx := context.Background()
	if err := r.CreateStack(ctx, stack); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("0123456789abcdef", 200<<10/16) + "\n-end"
	values := []runner.ConfigValue{{Key: "greeting", Value: big}}
	for i := range 20 {
		values = append(values, runner.ConfigValue{Key: fmt.Sprintf("filler%d", i), Value: strings.Repeat("f", 100<<10)})
	}
	if err := r.SetConfig(ctx, stack, values); err != nil {
		t.Fatalf("SetConfig: %v", err)
	}
	if _, err := r.Up(ctx, stack); err != nil {
		t.Fatalf("Up: %v\n%s", err, log)
	}
	if b, err := os.ReadFile(filepath.Join(r.Dir(), "out", "first.txt")); err != nil || string(b) != big {
		t.Errorf("first.txt holds %d bytes (%v), want the %d-byte value", len(b), err, len(big))
	}
	err := r.SetConfig(ctx, stack, []runner.ConfigValue{{Key: "greeting", Value: "nul\x00byte"}})
	if err == nil || !strings.Contains(err.Error(), "greeting") || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("a value with a NUL byte: %v, want an error naming the key", err)
	}
}
