package runner_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/pkg/runner"
)

// stateBackend is one backend of the runner's table tests: Pulumi Cloud
// (the fake) or S3 (a loopback bucket), each with what only it can check.
type stateBackend struct {
	name  string
	stack string
	// runner makes a Runner on the backend's program, with its log.
	runner func(t *testing.T, opts ...runner.Option) (*runner.Runner, *syncBuilder)
	// locks counts the locks the backend holds on the stack.
	locks func(t *testing.T) int
	// stackGone reports that the backend no longer keeps the stack.
	stackGone func(t *testing.T) bool
	// refused checks what the backend says to an update refused for the lock.
	refused func(t *testing.T, err error, le *runner.LockedError, log string)
	// tornDown checks the backend's record of update, refresh and destroy.
	tornDown func(t *testing.T)
}

func cloudBackend(t *testing.T) stateBackend {
	b := newCloudBed(t)
	return stateBackend{
		name: "cloud", stack: cloudStack, runner: b.runner,
		locks: func(*testing.T) int {
			if st, _ := b.cloud.Stack(cloudStack); st.LockedBy != "" {
				return 1
			}
			return 0
		},
		stackGone: func(*testing.T) bool { _, ok := b.cloud.Stack(cloudStack); return !ok },
		refused: func(t *testing.T, _ error, _ *runner.LockedError, log string) {
			if !strings.Contains(log, "[409] Conflict: Another update is currently in progress.") {
				t.Errorf("the CLI did not print the service's conflict:\n%s", log)
			}
		},
		tornDown: func(t *testing.T) {
			var kinds []apitype.UpdateKind
			for _, u := range updatesOf(b.cloud) {
				kinds = append(kinds, u.Kind)
			}
			if want := []apitype.UpdateKind{apitype.UpdateUpdate, apitype.RefreshUpdate, apitype.DestroyUpdate}; !equalKinds(kinds, want) {
				t.Errorf("updates recorded %v, want %v", kinds, want)
			}
		},
	}
}

func s3Backend(t *testing.T) stateBackend {
	b := newS3Bed(t)
	return stateBackend{
		name: "s3", stack: stack, runner: b.runner,
		locks:     func(t *testing.T) int { return len(b.bucket.Keys(t, ".pulumi/locks/")) },
		stackGone: func(*testing.T) bool { _, ok := b.bucket.Get(".pulumi/stacks/two-files/dev.json"); return !ok },
		refused: func(t *testing.T, err error, le *runner.LockedError, log string) {
			if !strings.Contains(le.Holder, "created by ") {
				t.Errorf("LockedError names holder %q; want the lock file's holder", le.Holder)
			}
			if strings.Contains(err.Error(), b.bucket.SecretKey()) || strings.Contains(log, b.bucket.SecretKey()) {
				t.Error("the bucket's secret key appears in the error or the log")
			}
		},
		tornDown: func(*testing.T) {},
	}
}

var stateBackends = []func(*testing.T) stateBackend{cloudBackend, s3Backend}

func TestBackendRefreshDriftAndDestroyRemove(t *testing.T) {
	t.Parallel()
	for _, newBackend := range stateBackends {
		b := newBackend(t)
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r, log := b.runner(t)
			ctx := context.Background()
			if _, err := r.Up(ctx, b.stack, runner.CreateStack()); err != nil {
				t.Fatalf("Up: %v\n%s", err, log)
			}
			ref, err := r.Refresh(ctx, b.stack)
			if err != nil {
				t.Fatalf("Refresh: %v\n%s", err, log)
			}
			if ref.Summary[apitype.OpSame] != 3 {
				t.Errorf("refresh: summary %v, want 3 unchanged", ref.Summary)
			}
			// A drift check: the program no longer matches the state.
			if err := r.SetConfig(ctx, b.stack, []runner.ConfigValue{{Key: "greeting", Value: "drifted"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Preview(ctx, b.stack, runner.ExpectNoChanges()); !errors.Is(err, runner.ErrNoChanges) {
				t.Errorf("a drift check = %v, want ErrNoChanges", err)
			}
			des, err := r.Destroy(ctx, b.stack, runner.RemoveStack())
			if err != nil {
				t.Fatalf("Destroy --remove: %v\n%s", err, log)
			}
			if des.Summary[apitype.OpDelete] != 3 {
				t.Errorf("destroy: summary %v, want 3 deletes", des.Summary)
			}
			if !b.stackGone(t) {
				t.Errorf("the %s backend still keeps the stack after destroy --remove", b.name)
			}
			b.tornDown(t)
			if _, err := r.Destroy(ctx, b.stack, runner.RemoveStack(), runner.MayBeMissing()); !errors.Is(err, runner.ErrStackNotFound) {
				t.Errorf("a second teardown = %v, want ErrStackNotFound", err)
			}
		})
	}
}

func TestBackendLockContention(t *testing.T) {
	t.Parallel()
	for _, newBackend := range stateBackends {
		b := newBackend(t)
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			r, log := b.runner(t)
			ctx := context.Background()
			if _, err := r.Up(ctx, b.stack, runner.CreateStack()); err != nil {
				t.Fatalf("Up: %v\n%s", err, log)
			}
			if err := r.SetConfig(ctx, b.stack, []runner.ConfigValue{{Key: "delaySeconds", Value: "4"}, {Key: "greeting", Value: "first-holder"}}); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := r.Up(ctx, b.stack); done <- err }()
			waitFor(t, log, "first updating")
			if n := b.locks(t); n != 1 {
				t.Errorf("%d locks on the stack during an update, want one", n)
			}

			other, otherLog := b.runner(t)
			_, err := other.Up(ctx, b.stack)
			var le *runner.LockedError
			if !errors.As(err, &le) || le.Stack != b.stack {
				t.Fatalf("a second concurrent update = %v, want *LockedError for %s\n%s", err, b.stack, otherLog)
			}
			b.refused(t, err, le, otherLog.String())

			waiter, waiterLog := b.runner(t)
			res, err := waiter.Up(ctx, b.stack, runner.WaitForLock(60*time.Second))
			if err != nil {
				t.Fatalf("Up with WaitForLock = %v\n%s", err, waiterLog)
			}
			if err := <-done; err != nil {
				t.Fatalf("the first update failed: %v\n%s", err, log)
			}
			if res.Summary.Changes() != 0 {
				t.Errorf("the waiting update found changes %v after the first one applied them", res.Summary)
			}
			if n := b.locks(t); n != 0 {
				t.Errorf("%d locks left on the stack", n)
			}
		})
	}
}
