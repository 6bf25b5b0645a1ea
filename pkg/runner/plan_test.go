package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/pkg/runner"
)

func TestPlanApprovedAppliedAndRejected(t *testing.T) {
	t.Parallel()
	r, _, log := newRunner(t)
	ctx := context.Background()
	up(t, r, log, runner.CreateStack())
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "approved"})

	// Step "Preview": what the reviewer approves.
	approved := preview(t, r, log)
	if !strings.Contains(approved.Diff, `~ content: "hello" => "approved"`) || !strings.Contains(approved.Diff, "2 to update") {
		t.Errorf("the diff does not show the change to a reviewer:\n%s", approved.Diff)
	}
	// Step "Apply": preview again with a plan; the same fingerprint.
	plan := filepath.Join(t.TempDir(), "plan.json")
	again := preview(t, r, log, runner.SavePlan(plan))
	if again.Fingerprint != approved.Fingerprint {
		t.Fatalf("fingerprint changed between two previews of the same state: %s then %s", approved.Fingerprint, again.Fingerprint)
	}
	if again.PlanFile != plan {
		t.Errorf("PlanFile = %q, want %q", again.PlanFile, plan)
	}
	res := up(t, r, log, runner.Plan(plan))
	if res.Summary[apitype.OpUpdate] != 2 || !res.Succeeded {
		t.Errorf("applying the plan: summary %v succeeded %v, want 2 updates", res.Summary, res.Succeeded)
	}

	// A plan made, then the world changes before it is applied.
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "planned"})
	stale := filepath.Join(t.TempDir(), "stale.json")
	preview(t, r, log, runner.SavePlan(stale))
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "sneaked-in"})
	_, err := r.Up(ctx, stack, runner.Plan(stale))
	if !errors.Is(err, runner.ErrChangedSinceApproval) {
		t.Fatalf("Up with a stale plan = %v, want ErrChangedSinceApproval", err)
	}
	if !strings.Contains(err.Error(), "changed since the plan was approved") {
		t.Errorf("the error does not say so plainly: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(r.Dir(), "out", "first.txt")); string(b) == "sneaked-in" {
		t.Error("the change that was never approved was applied")
	}
}

func TestFingerprintFollowsThePlannedChanges(t *testing.T) {
	t.Parallel()
	r, _, log := newRunner(t)
	up(t, r, log, runner.CreateStack())
	dir := r.Dir()
	seen := map[string]string{}
	// Stability is checked on a state without changes and on one with
	// them; every state is checked to be told apart from the others.
	check := func(name string, twice bool) {
		t.Helper()
		a := preview(t, r, log)
		if b := a; twice {
			if b = preview(t, r, log); a.Fingerprint != b.Fingerprint {
				t.Errorf("%s: two previews of the same state differ: %s, %s", name, a.Fingerprint, b.Fingerprint)
			}
		}
		if prev, dup := seen[a.Fingerprint]; dup {
			t.Errorf("%s has the fingerprint of %s (%s)", name, prev, a.Fingerprint)
		}
		seen[a.Fingerprint] = name
	}
	check("no changes", true)
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "one"})
	check("a property's value", true)
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "two"})
	check("another value of the same property", false)
	editProgram(t, dir, "first.txt", "moved.txt")
	check("an operation (replace)", false)
	dropSecond(t, dir)
	check("a resource less", false)
}

func TestExpectNoChangesDetectsDrift(t *testing.T) {
	t.Parallel()
	r, _, log := newRunner(t)
	ctx := context.Background()
	up(t, r, log, runner.CreateStack())
	if res, err := r.Preview(ctx, stack, runner.ExpectNoChanges()); err != nil || res.Summary.Changes() != 0 {
		t.Fatalf("Preview(ExpectNoChanges) on an up-to-date stack = %v, %v", res.Summary, err)
	}
	if res, err := r.Refresh(ctx, stack, runner.ExpectNoChanges()); err != nil || res.Summary.Changes() != 0 {
		t.Fatalf("Refresh(ExpectNoChanges) on an up-to-date stack = %v, %v", res.Summary, err)
	}
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "drifted"})
	res, err := r.Preview(ctx, stack, runner.ExpectNoChanges())
	if !errors.Is(err, runner.ErrNoChanges) {
		t.Fatalf("Preview(ExpectNoChanges) with drift = %v, want ErrNoChanges", err)
	}
	if res == nil || res.Summary[apitype.OpUpdate] != 2 {
		t.Errorf("the failed preview still reports what changed; got %+v", res)
	}
}

func TestReviewStackLifecycle(t *testing.T) {
	t.Parallel()
	r, _, log := newRunner(t)
	ctx := context.Background()
	const review = "organization/two-files/pr-42"
	if _, err := r.Up(ctx, review, runner.CreateStack()); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	ref, err := r.Refresh(ctx, review)
	if err != nil || ref.Summary[apitype.OpSame] != 3 {
		t.Fatalf("Refresh = %v, %v; want 3 unchanged", ref, err)
	}
	res, err := r.Destroy(ctx, review, runner.RemoveStack())
	if err != nil {
		t.Fatalf("Destroy: %v\n%s", err, log)
	}
	if res.Summary[apitype.OpDelete] != 3 || len(res.Outputs) != 0 {
		t.Errorf("Destroy summary %v outputs %v; want 3 deleted, no outputs", res.Summary, res.Outputs)
	}
	if _, err := os.Stat(filepath.Join(r.Dir(), "out", "first.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("first.txt survived the destroy: %v", err)
	}
	if _, err := r.Preview(ctx, review); !errors.Is(err, runner.ErrStackNotFound) {
		t.Errorf("Preview of the removed stack = %v, want ErrStackNotFound", err)
	}
}

// fakePulumi writes a script that plays pulumi: it writes events to the
// --event-log path it is given, then exits with code.
func fakePulumi(t *testing.T, events []string, code int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pulumi")
	script := `#!/bin/sh
log=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--event-log" ]; then log="$2"; fi
  shift
done
[ -n "$log" ] || exit 3
cat > "$log" <<'EVENTS'
` + strings.Join(events, "\n") + `
EVENTS
echo "error: something the CLI did not like" >&2
exit ` + fmt.Sprint(code) + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlanSuccessDecidedByTheEngineSummary(t *testing.T) {
	t.Parallel()
	const pre = `{"sequence":1,"resourcePreEvent":{"metadata":{"op":"update","urn":"urn:pulumi:dev::p::t:m:R::a","type":"t:m:R","diffs":["x"],"provider":""}}}`
	summary := func(result string) string {
		return `{"sequence":2,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":1,"resourceChanges":{"update":1},"PolicyPacks":{},"isPreview":false,"result":"` + result + `"}}`
	}
	tests := []struct {
		name    string
		events  []string
		opts    []runner.OpOption
		wantErr bool
	}{
		{"plan, engine succeeded, exit 1", []string{pre, summary("succeeded")}, []runner.OpOption{runner.Plan("/plan.json")}, false},
		{"plan, engine failed, exit 1", []string{pre, summary("failed")}, []runner.OpOption{runner.Plan("/plan.json")}, true},
		{"plan, no summary, exit 1", []string{pre}, []runner.OpOption{runner.Plan("/plan.json")}, true},
		{"no plan, exit 1", []string{pre, summary("succeeded")}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: p\nruntime: yaml\n"), 0o644)
			r, err := runner.New(dir, runner.WithPulumi(fakePulumi(t, tt.events, 1)), runner.WithoutInheritedEnv(), runner.WithTempDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Up(context.Background(), "org/p/dev", tt.opts...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Up = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && (!res.Succeeded || res.Summary[apitype.OpUpdate] != 1) {
				t.Errorf("result %+v, want the engine's successful summary", res)
			}
			var ee *runner.ExitError
			if tt.wantErr && (!errors.As(err, &ee) || ee.Code != 1) {
				t.Errorf("error %v does not carry the exit code", err)
			}
		})
	}
}

func TestProcessesPerOperation(t *testing.T) {
	t.Parallel()
	r0, bed, _ := newRunner(t)
	count := filepath.Join(t.TempDir(), "count")
	wrapper := filepath.Join(t.TempDir(), "pulumi")
	script := fmt.Sprintf("#!/bin/sh\necho \"$1 $2\" >> %q\nexec %q \"$@\"\n", count, bed.Tools.Pulumi)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r, log := runnerOn(t, bed, r0.Dir(), runner.WithPulumi(wrapper))
	ctx := context.Background()
	tests := []struct {
		name string
		op   func() error
		want []string
	}{
		{"Up with CreateStack on a missing stack", func() error { _, err := r.Up(ctx, stack, runner.CreateStack()); return err },
			[]string{"up --yes", "stack init", "up --yes"}},
		{"Up on an existing stack", func() error { _, err := r.Up(ctx, stack, runner.CreateStack()); return err },
			[]string{"up --yes"}},
		{"Preview", func() error { _, err := r.Preview(ctx, stack); return err }, []string{"preview --diff"}},
		{"SetConfig", func() error {
			return r.SetConfig(ctx, stack, []runner.ConfigValue{{Key: "greeting", Value: "x"}, {Key: "delaySeconds", Value: "0"}})
		}, []string{"config set-all"}},
		{"Outputs", func() error { _, err := r.Outputs(ctx, stack); return err }, []string{"stack export"}},
		{"Destroy with RemoveStack", func() error { _, err := r.Destroy(ctx, stack, runner.RemoveStack()); return err },
			[]string{"destroy --yes"}},
	}
	for _, tt := range tests {
		os.Remove(count)
		if err := tt.op(); err != nil {
			t.Fatalf("%s: %v\n%s", tt.name, err, log)
		}
		b, _ := os.ReadFile(count)
		got := strings.Split(strings.TrimSpace(string(b)), "\n")
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s started %d processes %q, want %q", tt.name, len(got), got, tt.want)
		}
	}
}
