package runner_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/pkg/runner"
)

func TestCreateUpdateReplaceDeleteWithProgress(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var reports []runner.Progress
	r, _, log := newRunner(t, runner.WithProgress(func(p runner.Progress) {
		mu.Lock()
		reports = append(reports, p)
		mu.Unlock()
	}))
	dir := r.Dir()
	tests := []struct {
		name    string
		change  func()
		summary runner.Summary
		ops     map[string]apitype.OpType
	}{
		{"create", func() {}, runner.Summary{"create": 3},
			map[string]apitype.OpType{"two-files-dev": "create", "first": "create", "second": "create"}},
		{"update", func() { setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "howdy"}) }, runner.Summary{"update": 2, "same": 1},
			map[string]apitype.OpType{"two-files-dev": "same", "first": "update", "second": "update"}},
		{"replace", func() { editProgram(t, dir, "first.txt", "first-renamed.txt") }, runner.Summary{"replace": 1, "same": 2},
			map[string]apitype.OpType{"two-files-dev": "same", "first": "replace", "second": "same"}},
		{"delete", func() { dropSecond(t, dir) }, runner.Summary{"delete": 1, "same": 2},
			map[string]apitype.OpType{"two-files-dev": "same", "first": "same", "second": "delete"}},
	}
	for i, tt := range tests {
		if i > 0 {
			tt.change()
		}
		opts := []runner.OpOption{}
		if i == 0 {
			opts = append(opts, runner.CreateStack())
		}
		pre := preview(t, r, log, opts...)
		if !reflect.DeepEqual(pre.Summary, tt.summary) || !reflect.DeepEqual(opsByName(pre.Steps), tt.ops) {
			t.Errorf("%s: preview summary %v steps %v, want %v %v", tt.name, pre.Summary, opsByName(pre.Steps), tt.summary, tt.ops)
		}
		mu.Lock()
		reports = nil
		mu.Unlock()
		res := up(t, r, log, runner.ExpectedChanges(pre.Summary.Changes()))
		if !reflect.DeepEqual(res.Summary, tt.summary) || !reflect.DeepEqual(opsByName(res.Steps), tt.ops) {
			t.Errorf("%s: update summary %v steps %v, want %v %v", tt.name, res.Summary, opsByName(res.Steps), tt.summary, tt.ops)
		}
		mu.Lock()
		// Progress counts what the reviewer was shown: the changes.
		last := reports[len(reports)-1]
		if n := pre.Summary.Changes(); last.Done != n || last.Total != n || len(reports) != n {
			t.Errorf("%s: %d progress reports, the last %d/%d; want %d ending %d/%d", tt.name, len(reports), last.Done, last.Total, n, n, n)
		}
		mu.Unlock()
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "second.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("second.txt still exists after its resource was deleted: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "first-renamed.txt")); err != nil || string(b) != "howdy" {
		t.Errorf("first-renamed.txt = %q, %v; want howdy", b, err)
	}
}

func TestSecretsAndPartialFailure(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-greeting-never-printed"
	r, _, log := newRunner(t)
	ctx := context.Background()
	if err := r.CreateStack(ctx, stack); err != nil {
		t.Fatal(err)
	}
	setConfig(t, r,
		runner.ConfigValue{Key: "greeting", Value: secret, Secret: true},
		runner.ConfigValue{Key: "failSecond", Value: "true"},
	)
	_, upErr := r.Up(ctx, stack)
	err := upErr
	var se *runner.StackError
	if !errors.As(err, &se) || se.Kind != runner.FailureResource {
		t.Fatalf("Up with failSecond = %v, want a resource *StackError", err)
	}
	if len(se.URNs) != 1 || !strings.HasSuffix(se.URNs[0], "localfile:index:File::second") {
		t.Errorf("URNs = %v, want the second file", se.URNs)
	}
	if !strings.Contains(err.Error(), "failOnCreate is set") {
		t.Errorf("the error does not carry the provider's reason: %v", err)
	}
	// The first file was created and is in the state: a preview of the
	// fixed program only creates the second.
	if _, err := os.Stat(filepath.Join(r.Dir(), "out", "first.txt")); err != nil {
		t.Errorf("first.txt is missing after the partial update: %v", err)
	}
	setConfig(t, r, runner.ConfigValue{Key: "failSecond", Value: "false"})
	pre := preview(t, r, log)
	if ops := opsByName(pre.Steps); ops["first"] != apitype.OpSame || ops["second"] != apitype.OpCreate {
		t.Errorf("after the partial update the preview plans %v, want first unchanged and second created", ops)
	}
	res := up(t, r, log)
	if o := res.Outputs["secretGreeting"]; !o.Secret || o.Value != nil {
		t.Errorf("secretGreeting from events = %#v, want flagged secret, no value", o)
	}
	outs, err := r.Outputs(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	if o := outs["secretGreeting"]; !o.Secret || o.Value != secret {
		t.Errorf("Outputs secretGreeting is not the secret, flagged: secret=%v", o.Secret)
	}
	for what, text := range map[string]string{"log": log.String(), "error": upErr.Error(), "diff": pre.Diff} {
		if strings.Contains(text, secret) {
			t.Errorf("the secret config value appears in the %s", what)
		}
	}
	if !strings.Contains(pre.Diff, "[secret]") {
		t.Errorf("the preview diff does not show the secret as [secret]:\n%s", pre.Diff)
	}
}

func TestCancelMidUpdate(t *testing.T) {
	t.Parallel()
	r, _, log := newRunner(t, runner.WithGracePeriod(20*time.Second))
	up(t, r, log, runner.CreateStack())
	setConfig(t, r, runner.ConfigValue{Key: "delaySeconds", Value: "30"}, runner.ConfigValue{Key: "greeting", Value: "held"})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { _, err := r.Up(ctx, stack); done <- err }()
	waitFor(t, log, "first updating")
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Up after cancel = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the cancelled update took %s: SIGINT did not stop the held create", d)
	}

	// No manual `pulumi cancel`: the next update takes the stack.
	setConfig(t, r, runner.ConfigValue{Key: "delaySeconds", Value: "0"})
	res := up(t, r, log)
	if res.Summary[apitype.OpUpdate] == 0 {
		t.Errorf("the update after the cancel changed nothing (%v): the cancelled one was not left undone", res.Summary)
	}
	if b, _ := os.ReadFile(filepath.Join(r.Dir(), "out", "first.txt")); string(b) != "held" {
		t.Errorf("first.txt = %q, want held", b)
	}
	if pre := preview(t, r, log); pre.Summary.Changes() != 0 {
		t.Errorf("state is not consistent after the cancel: a preview plans %v", pre.Summary)
	}
}

// waitFor waits until the log contains s, or fails the test after a while.
func waitFor(t *testing.T, log *syncBuilder, s string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(log.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never showed %q:\n%s", s, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestLockContention(t *testing.T) {
	t.Parallel()
	r, bed, log := newRunner(t)
	up(t, r, log, runner.CreateStack())
	setConfig(t, r, runner.ConfigValue{Key: "delaySeconds", Value: "4"}, runner.ConfigValue{Key: "greeting", Value: "first-holder"})

	done := make(chan error, 1)
	go func() { _, err := r.Up(context.Background(), stack); done <- err }()
	waitFor(t, log, "first updating")

	other, otherLog := runnerOn(t, bed, r.Dir())
	_, err := other.Up(context.Background(), stack)
	var le *runner.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("a second concurrent update = %v, want *LockedError\n%s", err, otherLog)
	}
	if le.Stack != stack || !strings.Contains(le.Holder, "created by ") || !strings.Contains(err.Error(), le.Holder) {
		t.Errorf("LockedError names stack %q holder %q; want %q and the lock's holder", le.Stack, le.Holder, stack)
	}

	// Waiting for the lock gets the stack once the first update is done.
	waiter, waiterLog := runnerOn(t, bed, r.Dir())
	res, err := waiter.Up(context.Background(), stack, runner.WaitForLock(60*time.Second))
	if err != nil {
		t.Fatalf("Up with WaitForLock = %v\n%s", err, waiterLog)
	}
	if err := <-done; err != nil {
		t.Fatalf("the first update failed: %v\n%s", err, log)
	}
	if res.Summary.Changes() != 0 {
		t.Errorf("the waiting update found changes %v after the first one applied them", res.Summary)
	}

	// A deadline too short to outwait a held lock gives the LockedError.
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "second-holder"})
	holder, holderLog := runnerOn(t, bed, r.Dir())
	go func() { _, err := holder.Up(context.Background(), stack); done <- err }()
	waitFor(t, holderLog, "first updating")
	_, err = waiter.Up(context.Background(), stack, runner.WaitForLock(time.Second))
	if !runner.IsLocked(err) || !strings.Contains(err.Error(), "still locked after waiting 1s") {
		t.Errorf("Up with a short WaitForLock = %v, want a LockedError after waiting", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPluginDownloadFailureNamesTheCause: when the provider cannot be
// downloaded (a mirror that answers 500, or a truncated tarball), the error
// carries the CLI's own explanation, not "no error message", and no
// terminal colour codes.
func TestPluginDownloadFailureNamesTheCause(t *testing.T) {
	t.Parallel()
	for name, handler := range map[string]http.HandlerFunc{
		"http 500": func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "mirror broken", http.StatusInternalServerError)
		},
		"truncated tarball": func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00})
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(handler)
			defer srv.Close()
			r, _, log := newRunner(t)
			editProgram(t, r.Dir(), "pluginDownloadURL: ", "pluginDownloadURL: "+srv.URL+"/#")
			_, err := r.Up(context.Background(), stack, runner.CreateStack())
			if err == nil {
				t.Fatal("Up succeeded without its provider")
			}
			msg := err.Error()
			if !strings.Contains(msg, "localfile") || !strings.Contains(msg, "download") || strings.Contains(msg, "no error message") {
				t.Errorf("the error does not say the provider could not be downloaded: %s", msg)
			}
			if strings.Contains(msg, "\x1b") || strings.Contains(log.String(), "\x1b") {
				t.Errorf("terminal control codes in the error or the log:\n%q", msg)
			}
		})
	}
}
