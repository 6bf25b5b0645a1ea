package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	locked, err := os.ReadFile(filepath.Join("testdata", "events", "locked-stderr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const stack = "organization/two-files/dev"
	const second = "urn:pulumi:dev::two-files::localfile:index:File::second"
	resourceErr := failure{urns: []string{second}, diagnostics: []Diagnostic{
		{Severity: "error", URN: second, Message: "failOnCreate is set"},
		{Severity: "error", Message: "update failed"},
	}}
	tests := []struct {
		name   string
		err    error
		f      failure
		check  func(t *testing.T, err error)
		inText []string
	}{
		{
			name: "lock held on a self-managed backend",
			err:  &ExitError{Args: []string{"up"}, Code: 1, Stderr: string(locked)},
			check: func(t *testing.T, err error) {
				var le *LockedError
				if !errors.As(err, &le) || le.Stack != stack {
					t.Fatalf("want *LockedError for the stack, got %#v", err)
				}
				if !strings.HasPrefix(le.Holder, "created by root@vm (pid 30877) at 2026-") {
					t.Errorf("Holder = %q", le.Holder)
				}
				if !IsLocked(fmt.Errorf("wrapped: %w", err)) {
					t.Error("IsLocked is false through a wrap")
				}
			},
			inText: []string{stack, "root@vm"},
		},
		{
			name: "lock held on Pulumi Cloud",
			err:  &ExitError{Args: []string{"up"}, Code: 1, Stderr: "error: [409] Conflict: Another update is currently in progress.\n"},
			check: func(t *testing.T, err error) {
				if !IsLocked(err) {
					t.Fatalf("want a lock error, got %v", err)
				}
			},
		},
		{
			name: "resource failure",
			err:  &ExitError{Args: []string{"up"}, Code: 1, Stderr: "error: update failed\n"},
			f:    resourceErr,
			check: func(t *testing.T, err error) {
				var se *StackError
				if !errors.As(err, &se) || se.Kind != FailureResource || !reflect.DeepEqual(se.URNs, []string{second}) {
					t.Fatalf("want a resource StackError on second, got %#v", err)
				}
				if len(se.Diagnostics) != 1 {
					t.Errorf("Diagnostics = %v, want only the resource's own error", se.Diagnostics)
				}
			},
			inText: []string{second, "failOnCreate is set"},
		},
		{
			name: "plan no longer matches",
			err:  &ExitError{Args: []string{"up"}, Code: 1},
			f: failure{urns: []string{second}, diagnostics: []Diagnostic{
				{Severity: "error", URN: second, Message: "resource " + second + " violates plan: properties changed: =~content[{howdy again}]"},
			}},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrChangedSinceApproval) {
					t.Fatalf("want ErrChangedSinceApproval, got %v", err)
				}
			},
			inText: []string{"changed since the plan was approved", "preview again"},
		},
		{
			name: "stack not found",
			err:  &ExitError{Args: []string{"up"}, Code: 6, Stderr: "error: no stack named 'dev' found\n"},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrStackNotFound) {
					t.Fatalf("want ErrStackNotFound, got %v", err)
				}
			},
		},
		{
			name: "changes where none were expected",
			err:  &ExitError{Args: []string{"preview"}, Code: 7},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrNoChanges) {
					t.Fatalf("want ErrNoChanges, got %v", err)
				}
			},
		},
		{
			name: "configuration",
			err:  &ExitError{Args: []string{"up"}, Code: 2, Stderr: "error: missing required configuration variable 'x'\n"},
			check: func(t *testing.T, err error) {
				var se *StackError
				if !errors.As(err, &se) || se.Kind != FailureProgram {
					t.Fatalf("want a program StackError, got %#v", err)
				}
			},
			inText: []string{"exit code 2", "missing required configuration variable 'x'"},
		},
		{
			name: "program error without a resource",
			err:  &ExitError{Args: []string{"up"}, Code: 1},
			f:    failure{diagnostics: []Diagnostic{{Severity: "error", Message: "Pulumi.yaml: unknown property foo"}}},
			check: func(t *testing.T, err error) {
				var se *StackError
				if !errors.As(err, &se) || se.Kind != FailureProgram {
					t.Fatalf("want a program StackError, got %#v", err)
				}
			},
			inText: []string{"unknown property foo"},
		},
		{
			name: "authentication",
			err:  &ExitError{Args: []string{"up"}, Code: 3},
			check: func(t *testing.T, err error) {
				var se *StackError
				if !errors.As(err, &se) || se.Kind != FailureAuthentication {
					t.Fatalf("want an authentication StackError, got %#v", err)
				}
			},
		},
		{
			name: "cancelled",
			err:  fmt.Errorf("runner: pulumi up: %w", context.Canceled),
			f:    resourceErr,
			check: func(t *testing.T, err error) {
				var se *StackError
				if !errors.Is(err, context.Canceled) || !errors.As(err, &se) || se.Kind != FailureCancelled {
					t.Fatalf("want a cancelled StackError matching context.Canceled, got %#v", err)
				}
			},
		},
		{
			name: "could not start",
			err:  errors.New("runner: starting /nope: no such file"),
			check: func(t *testing.T, err error) {
				var se *StackError
				if !errors.As(err, &se) || se.Kind != FailureOther {
					t.Fatalf("want FailureOther, got %#v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := classify(stack, "update", tt.err, tt.f)
			tt.check(t, err)
			for _, want := range tt.inText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error text lacks %q: %v", want, err)
				}
			}
		})
	}
}

func TestExitErrorText(t *testing.T) {
	t.Parallel()
	e := &ExitError{Args: []string{"up", "--yes"}, Code: 255, Stderr: "panic: x\nerror: first\n  error: second\n"}
	if got, want := e.Error(), "pulumi up failed (exit code 255): first; second"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &ExitError{Args: []string{"up"}, Code: 1}
	if !strings.Contains(e.Error(), "gave no error message: see the log above") {
		t.Errorf("Error() = %q", e.Error())
	}
}
