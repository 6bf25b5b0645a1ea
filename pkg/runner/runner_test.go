package runner_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// newRunner returns a Runner on a fresh copy of the two-files sample program
// in a fresh test bed, with its log captured.
func newRunner(t *testing.T, opts ...runner.Option) (*runner.Runner, *testbed.Bed, *strings.Builder) {
	t.Helper()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	log := &strings.Builder{}
	base := []runner.Option{
		runner.WithPulumi(bed.Tools.Pulumi),
		runner.WithPulumiHome(bed.Home),
		runner.WithBackend(bed.Backend),
		runner.WithCredentialsPath(filepath.Join(bed.Dir, "credentials")),
		runner.WithoutInheritedEnv(),
		runner.WithEnv(map[string]string{
			"PULUMI_CONFIG_PASSPHRASE": testbed.Passphrase,
			"HOME":                     bed.Dir,
			"PATH":                     "/usr/bin:/bin",
		}),
		runner.WithLog(&syncBuilder{b: log}),
	}
	r, err := runner.New(dir, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r, bed, log
}

type syncBuilder struct{ b *strings.Builder }

func (s *syncBuilder) Write(p []byte) (int, error) { return s.b.Write(p) }

const stack = "organization/two-files/dev"

func TestUpCreatesStackAndReturnsOutputs(t *testing.T) {
	t.Parallel()
	r, bed, log := newRunner(t)
	ctx := context.Background()

	if _, err := r.Up(ctx, stack); !errors.Is(err, runner.ErrStackNotFound) {
		t.Fatalf("Up on a missing stack without CreateStack: got %v, want ErrStackNotFound", err)
	}

	res, err := r.Up(ctx, stack, runner.CreateStack())
	if err != nil {
		t.Fatalf("Up: %v\nlog:\n%s", err, log)
	}
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

	again, err := r.Up(ctx, stack, runner.CreateStack())
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Changes() != 0 || again.Summary[apitype.OpSame] != 3 {
		t.Errorf("second update summary %v, want 3 unchanged", again.Summary)
	}
}
