package runner

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakePulumi writes a shell script that stands in for pulumi, so that the
// process plumbing can be tested without the toolchain. The script sees
// the path given to --event-log as $log.
func fakePulumi(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pulumi")
	script := "#!/bin/sh\nlog=\nwhile [ $# -gt 0 ]; do [ \"$1\" = --event-log ] && log=$2; shift; done\n" + body + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

const summaryLine = `{"sequence":1,"timestamp":1,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":0,"resourceChanges":{"same":1},"PolicyPacks":{},"result":"succeeded"}}`

func TestDebugLogRedactsSecretConfig(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := testRunner(t, nil, WithPulumi(fakePulumi(t, "exit 0")), WithLogger(logger))
	err := r.SetConfig(context.Background(), "org/p/dev", []ConfigValue{
		{Key: "app:password", Value: "hunter2-very-secret", Secret: true},
		{Key: "app:region", Value: "eu-west-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logged.String(), "hunter2-very-secret") {
		t.Errorf("the debug log holds a secret config value:\n%s", logged.String())
	}
	if !strings.Contains(logged.String(), "eu-west-1") {
		t.Errorf("the debug log lost the plain arguments:\n%s", logged.String())
	}
}

func TestEventLogEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		// want is a text the error must hold; empty means success.
		want string
	}{
		{
			name: "a process pulumi started holds the event log",
			// The background sleep inherits the pipe on fd 3 and outlives
			// the script; its stdout and stderr go elsewhere.
			script: "printf '%s\\n' '" + summaryLine + "' > \"$log\"\nsleep 3 3>\"$log\" >/dev/null 2>&1 &\nexit 0",
		},
		{
			name: "a malformed event, then more than a pipe buffer",
			// Unless the reader keeps draining, the script blocks on a full
			// pipe and never exits.
			script: "{ echo 'not json'; i=0; while [ $i -lt 3000 ]; do printf '%0100d\\n' 0; i=$((i+1)); done; } > \"$log\"\nexit 0",
			want:   "malformed engine event",
		},
		{
			name:   "pulumi never opens the event log and exits 0",
			script: "exit 0",
			want:   "without a summary",
		},
		{
			name:   "pulumi never opens the event log and fails",
			script: "echo 'error: no Pulumi.yaml project file found' >&2; exit 1",
			want:   "no Pulumi.yaml project file found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := testRunner(t, nil, WithPulumi(fakePulumi(t, tt.script)), WithGracePeriod(time.Second))
			r.opts.eventDrain = 200 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			res, err := r.Up(ctx, "org/p/dev")
			if ctx.Err() != nil {
				t.Fatalf("Up hung until the test's deadline: %v", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Up took %s, want it bounded by the drain deadline", took)
			}
			if tt.want == "" {
				if err != nil || !res.Succeeded || res.Summary["same"] != 1 {
					t.Fatalf("Up = %+v, %v; want the summary and success", res, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Up = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestStackNamesCheckedBeforeAnyProcess(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "ran")
	r := testRunner(t, nil, WithPulumi(fakePulumi(t, "touch "+marker)))
	ctx := context.Background()
	calls := map[string]func(string) error{
		"CreateStack": func(s string) error { return r.CreateStack(ctx, s) },
		"Cancel":      func(s string) error { return r.Cancel(ctx, s) },
		"SetConfig":   func(s string) error { return r.SetConfig(ctx, s, []ConfigValue{{Key: "a:b", Value: "c"}}) },
		"Outputs":     func(s string) error { _, err := r.Outputs(ctx, s); return err },
		"Up":          func(s string) error { _, err := r.Up(ctx, s); return err },
	}
	for name, call := range calls {
		for stack, want := range map[string]string{"--remove": "starts with '-'", " ": "is not a stack name"} {
			if err := call(stack); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s(%q) = %v, want an error containing %q", name, stack, err, want)
			}
		}
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pulumi ran for a bad stack name (%v)", err)
	}
}

func TestSetConfigRejectsKeyWithEquals(t *testing.T) {
	t.Parallel()
	r := testRunner(t, nil, WithPulumi(fakePulumi(t, "exit 0")))
	err := r.SetConfig(context.Background(), "org/p/dev", []ConfigValue{{Key: "app:a=b", Value: "c"}})
	if err == nil || !strings.Contains(err.Error(), `"app:a=b"`) {
		t.Fatalf("SetConfig = %v, want an error naming the key", err)
	}
}

func TestWithParentEnv(t *testing.T) {
	t.Parallel()
	r := testRunner(t, nil, WithParentEnv([]string{"AWS_REGION=from-step", "PULUMI_ACCESS_TOKEN=pul-not-inherited", "OTHER=x"}))
	env := envMap(r.command(context.Background(), invocation{args: []string{"version"}}).Env)
	if env["AWS_REGION"] != "from-step" {
		t.Errorf("AWS_REGION = %q, want the given environment's", env["AWS_REGION"])
	}
	for _, name := range []string{"PULUMI_ACCESS_TOKEN", "OTHER"} {
		if v, ok := env[name]; ok {
			t.Errorf("%s=%q inherited, want it left out", name, v)
		}
	}
}

// TestMissingStackIsNoErrorInTheLog: a first deployment looks for its stack,
// finds none and creates it; the CLI's "no stack named" error must not reach
// the task log, where Octopus would show it as an error. Any other stderr
// output still does.
func TestMissingStackIsNoErrorInTheLog(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		wantErr    error
		wantLog    []string
		notLog     []string
	}{
		{
			name:    "stack not found is held back",
			body:    `echo "error: no stack named 'org/p/dev' found" >&2; exit 6`,
			wantErr: ErrStackNotFound,
			notLog:  []string{"no stack named"},
		},
		{
			name:    "another failure is logged",
			body:    `echo "error: the passphrase is wrong" >&2; exit 1`,
			wantLog: []string{"the passphrase is wrong"},
		},
		{
			name:    "stderr after stdout streams",
			body:    `echo "setting config"; echo "warning: deprecated key" >&2; exit 0`,
			wantLog: []string{"setting config", "warning: deprecated key"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			r := testRunner(t, nil, WithPulumi(fakePulumi(t, tc.body)), WithLog(&log))
			err := r.SetConfig(context.Background(), "org/p/dev", []ConfigValue{{Key: "app:region", Value: "eu"}})
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.wantLog {
				if !strings.Contains(log.String(), w) {
					t.Errorf("the log lacks %q:\n%s", w, log.String())
				}
			}
			for _, n := range tc.notLog {
				if strings.Contains(log.String(), n) {
					t.Errorf("the log shows %q:\n%s", n, log.String())
				}
			}
		})
	}
}

// TestSecretConfigNeverOnCommandLine: other processes on a worker can read
// a process's arguments; a secret config value travels on stdin.
func TestSecretConfigNeverOnCommandLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Records each call's arguments, then its stdin.
	fake := filepath.Join(dir, "pulumi")
	script := "#!/bin/sh\n{ printf 'ARGS %s\\nSTDIN ' \"$*\"; cat; echo; } >> " + filepath.Join(dir, "calls") + "\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := testRunner(t, nil, WithPulumi(fake))
	err := r.SetConfig(context.Background(), "org/p/dev", []ConfigValue{
		{Key: "app:region", Value: "eu-west-1"},
		{Key: "app:db.password", Value: "zz-db-secret", Secret: true, Path: true},
		{Key: "app:token", Value: "zz-token-secret", Secret: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "calls"))
	if err != nil {
		t.Fatal(err)
	}
	calls := string(raw)
	for _, line := range strings.Split(calls, "\n") {
		if strings.HasPrefix(line, "ARGS ") && strings.Contains(line, "secret ") && strings.Contains(line, "zz-") {
			t.Errorf("a secret is on a command line: %s", line)
		}
	}
	for _, want := range []string{
		"ARGS config set-all --stack org/p/dev --plaintext app:region=eu-west-1",
		"ARGS config set --stack org/p/dev --secret --path --non-interactive --color=never -- app:db.password",
		"STDIN zz-db-secret",
		"ARGS config set --stack org/p/dev --secret --non-interactive --color=never -- app:token",
		"STDIN zz-token-secret",
	} {
		if !strings.Contains(calls, want) {
			t.Errorf("calls lack %q:\n%s", want, calls)
		}
	}
}
