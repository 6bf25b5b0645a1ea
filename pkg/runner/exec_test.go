package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testRunner makes a Runner on an empty project folder with a fake parent
// environment; nothing here starts a process.
func testRunner(t *testing.T, parent []string, opts ...Option) *Runner {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: p\nruntime: yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts = append([]Option{WithPulumi("/opt/pulumi/bin/pulumi"), func(o *options) error {
		o.parentEnv = func() []string { return parent }
		return nil
	}}, opts...)
	r, err := New(dir, append([]Option{WithTempDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestCommandEnvironment(t *testing.T) {
	t.Parallel()
	parent := []string{
		"PATH=/usr/bin", "HOME=/home/octo", "LC_ALL=C",
		"PULUMI_ACCESS_TOKEN=pul-parent-token-must-not-leak",
		"PULUMI_BACKEND_URL=https://parent.example",
		"PULUMI_HOME=/parent/home",
		"PULUMI_CONFIG_PASSPHRASE=parent-passphrase",
		"AWS_REGION=eu-west-1",
		"OCTOPUS_SECRET=not-for-pulumi",
		"GITHUB_TOKEN=ghp_not-for-pulumi",
		"PULUMI_EXPERIMENTAL=true",
	}
	tests := []struct {
		name    string
		opts    []Option
		want    map[string]string
		missing []string
	}{
		{
			name: "defaults inherit the basics only",
			want: map[string]string{
				"PATH": "/usr/bin", "HOME": "/home/octo", "LC_ALL": "C", "AWS_REGION": "eu-west-1",
				"PULUMI_CONFIG_PASSPHRASE": "parent-passphrase", "PULUMI_SKIP_UPDATE_CHECK": "true",
			},
			missing: []string{"PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_HOME", "OCTOPUS_SECRET", "GITHUB_TOKEN", "PULUMI_EXPERIMENTAL"},
		},
		{
			name: "owned variables come from options only",
			opts: []Option{WithAccessToken("pul-option-token"), WithBackend("file:///state"), WithPulumiHome("/ph")},
			want: map[string]string{
				"PULUMI_ACCESS_TOKEN": "pul-option-token", "PULUMI_BACKEND_URL": "file:///state",
				"PULUMI_HOME": "/ph", "PULUMI_SKIP_UPDATE_CHECK": "true",
			},
		},
		{
			name:    "without inherited environment",
			opts:    []Option{WithoutInheritedEnv(), WithEnv(map[string]string{"PATH": "/bin"})},
			want:    map[string]string{"PATH": "/bin", "PULUMI_SKIP_UPDATE_CHECK": "true"},
			missing: []string{"HOME", "AWS_REGION", "PULUMI_CONFIG_PASSPHRASE"},
		},
		{
			name:    "inherit more by pattern",
			opts:    []Option{WithInheritEnv("OCTOPUS_*")},
			want:    map[string]string{"OCTOPUS_SECRET": "not-for-pulumi"},
			missing: []string{"GITHUB_TOKEN"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := testRunner(t, parent, tt.opts...)
			cmd := r.command(context.Background(), invocation{args: []string{"up"}})
			env := envMap(cmd.Env)
			for k, v := range tt.want {
				if env[k] != v {
					t.Errorf("%s = %q, want %q", k, env[k], v)
				}
			}
			for _, k := range tt.missing {
				if v, ok := env[k]; ok {
					t.Errorf("%s leaked into the child: %q", k, v)
				}
			}
			if got, want := env["PULUMI_CREDENTIALS_PATH"], filepath.Join(r.TempDir(), "credentials"); got != want {
				t.Errorf("PULUMI_CREDENTIALS_PATH = %q, want the run folder's %q", got, want)
			}
			if env[runIDVar] == "" {
				t.Errorf("%s is not set: a later run could not find what this one left", runIDVar)
			}
			delete(env, "PULUMI_CREDENTIALS_PATH")
			delete(env, runIDVar)
			if tt.name == "without inherited environment" && len(env) != len(tt.want) {
				t.Errorf("env = %v, want exactly %v", env, tt.want)
			}
		})
	}
}

func TestCommandShape(t *testing.T) {
	t.Parallel()
	r := testRunner(t, nil, WithGracePeriod(7*time.Second))
	cmd := r.command(context.Background(), invocation{
		args: []string{"up", "--yes"},
		env:  map[string]string{"PULUMI_EXPERIMENTAL": "true"},
	})
	if cmd.Path != "/opt/pulumi/bin/pulumi" {
		t.Errorf("Path = %q", cmd.Path)
	}
	if want := []string{"/opt/pulumi/bin/pulumi", "up", "--yes", "--non-interactive", "--color=never"}; !reflect.DeepEqual(cmd.Args, want) {
		t.Errorf("Args = %q, want %q", cmd.Args, want)
	}
	if cmd.Dir != r.Dir() {
		t.Errorf("Dir = %q, want the project folder %q", cmd.Dir, r.Dir())
	}
	if cmd.Cancel == nil || cmd.WaitDelay != 7*time.Second {
		t.Errorf("Cancel set = %v, WaitDelay = %s; want SIGINT then kill after the grace period", cmd.Cancel != nil, cmd.WaitDelay)
	}
	if envMap(cmd.Env)["PULUMI_EXPERIMENTAL"] != "true" {
		t.Error("the operation's own variables are missing")
	}
}

func TestOwnedEnv(t *testing.T) {
	t.Parallel()
	for _, name := range OwnedEnv {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := New(t.TempDir(), WithPulumi("/bin/true"), WithEnv(map[string]string{name: "x"}))
			var oe *OwnedEnvError
			if !errors.As(err, &oe) || oe.Name != name {
				t.Fatalf("WithEnv(%s) = %v, want *OwnedEnvError naming it", name, err)
			}
			if !strings.Contains(err.Error(), "option") {
				t.Errorf("the error does not say what to use instead: %v", err)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		dir  string
		opts []Option
		want string
	}{
		{"no project", dir, []Option{WithPulumi("/bin/true")}, "no Pulumi.yaml"},
		{"negative grace", ".", []Option{WithPulumi("/bin/true"), WithGracePeriod(-time.Second)}, "negative"},
		{"empty pulumi", ".", []Option{WithPulumi("")}, "empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := tt.dir
			if d == "." {
				d = t.TempDir()
				os.WriteFile(filepath.Join(d, "Pulumi.yaml"), []byte("name: p\n"), 0o644)
			}
			_, err := New(d, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestEngineInvocation(t *testing.T) {
	t.Parallel()
	const s = "org/proj/dev"
	tests := []struct {
		name    string
		op      string
		opts    []OpOption
		args    []string
		env     map[string]string
		capture bool
	}{
		{"up", opUpdate, nil, []string{"up", "--yes", "--skip-preview", "--stack", s}, map[string]string{"PULUMI_DEBUG_COMMANDS": "true"}, false},
		{"up with plan", opUpdate, []OpOption{Plan("/p.json"), Message("release 1.2")},
			[]string{"up", "--yes", "--skip-preview", "--stack", s, "--plan", "/p.json", "--message", "release 1.2"},
			map[string]string{"PULUMI_DEBUG_COMMANDS": "true", "PULUMI_EXPERIMENTAL": "true"}, false},
		{"preview saving a plan", opPreview, []OpOption{SavePlan("/p.json"), ExpectNoChanges(), RefreshFirst()},
			[]string{"preview", "--diff", "--stack", s, "--save-plan", "/p.json", "--expect-no-changes", "--refresh"},
			map[string]string{"PULUMI_DEBUG_COMMANDS": "true", "PULUMI_EXPERIMENTAL": "true"}, true},
		{"refresh", opRefresh, []OpOption{ExpectNoChanges(), RefreshFirst()},
			[]string{"refresh", "--yes", "--skip-preview", "--stack", s, "--expect-no-changes"},
			map[string]string{"PULUMI_DEBUG_COMMANDS": "true"}, false},
		{"up with targets, replacements and parallelism", opUpdate, []OpOption{Targets("urn:a"), Replace("urn:b"), Parallel(4), RefreshFirst()},
			[]string{"up", "--yes", "--skip-preview", "--stack", s, "--refresh", "--target", "urn:a", "--replace", "urn:b", "--parallel", "4"},
			map[string]string{"PULUMI_DEBUG_COMMANDS": "true"}, false},
		{"destroy and remove", opDestroy, []OpOption{RemoveStack(), Targets("urn:a", "urn:b")},
			[]string{"destroy", "--yes", "--skip-preview", "--stack", s, "--remove", "--target", "urn:a", "--target", "urn:b"},
			map[string]string{"PULUMI_DEBUG_COMMANDS": "true"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv, err := engineInvocation(tt.op, s, collect(tt.opts))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inv.args, tt.args) {
				t.Errorf("args = %q\nwant   %q", inv.args, tt.args)
			}
			if !reflect.DeepEqual(inv.env, tt.env) {
				t.Errorf("env = %v, want %v", inv.env, tt.env)
			}
			if !inv.events || inv.capture != tt.capture {
				t.Errorf("events %v capture %v, want events and capture %v", inv.events, inv.capture, tt.capture)
			}
		})
	}
}

func TestEngineInvocationRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, op, stack string
		opts            []OpOption
		want            string
	}{
		{"empty stack", opUpdate, "", nil, "is not a stack name"},
		{"flag as stack", opUpdate, "--yes", nil, "starts with '-'"},
		{"plan on preview", opPreview, "s", []OpOption{Plan("p")}, "only to Up"},
		{"save plan on up", opUpdate, "s", []OpOption{SavePlan("p")}, "only to Preview"},
		{"unknown op", "import", "s", nil, "unknown operation"},
		{"replace on refresh", opRefresh, "s", []OpOption{Replace("urn:a")}, "only to Up and Preview"},
		{"negative parallelism", opUpdate, "s", []OpOption{Parallel(-1)}, "positive number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := engineInvocation(tt.op, tt.stack, collect(tt.opts))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	t.Parallel()
	tb := &tailBuffer{max: 8}
	for _, s := range []string{"0123", "4567", "89ab"} {
		tb.Write([]byte(s))
	}
	if got := tb.String(); got != "456789ab" {
		t.Errorf("tail = %q, want 456789ab", got)
	}
}

func TestRedactArgs(t *testing.T) {
	t.Parallel()
	r := testRunner(t, nil, WithSecrets("s3cr3t-value"))
	got := redactArgs(r.redact, []string{"config", "set-all", "--secret", "db:password=s3cr3t-value"})
	if slices.ContainsFunc(got, func(a string) bool { return strings.Contains(a, "s3cr3t-value") }) {
		t.Errorf("redacted args still hold the secret: %q", got)
	}
}

func TestConfigFileOnlyWhereTheCLITakesIt(t *testing.T) {
	t.Parallel()
	r := testRunner(t, nil, WithConfigFile("/tmp/run/Pulumi.dev.yaml"))
	for _, tc := range []struct {
		args, positional []string
		want             bool
	}{
		{[]string{"up", "--stack", "o/p/dev", "--message", "--"}, nil, true},
		{[]string{"config", "set", "--secret"}, []string{"-odd:key"}, true},
		{[]string{"stack", "init", "o/p/dev"}, nil, false},
		{[]string{"install"}, nil, false},
	} {
		cmd := r.command(context.Background(), invocation{args: tc.args, positional: tc.positional})
		if tc.positional != nil && !slices.Equal(cmd.Args[len(cmd.Args)-2:], []string{"--", "-odd:key"}) {
			t.Errorf("%v: the positional key is not last, after --: %v", tc.args, cmd.Args)
		}
		got := slices.Contains(cmd.Args, "--config-file")
		if got != tc.want {
			t.Errorf("%v: --config-file given %v, want %v (%v)", tc.args, got, tc.want, cmd.Args)
		}
		if i := slices.Index(cmd.Args, "--"); tc.positional != nil && slices.Index(cmd.Args, "--config-file") > i {
			t.Errorf("%v: --config-file after --: %v", tc.args, cmd.Args)
		}
	}
	if _, err := New(t.TempDir(), WithConfigFile("relative.yaml")); err == nil {
		t.Error("WithConfigFile accepted a relative path")
	}
}

// TestCloudCredentials: an account's variables reach the child, and the
// worker's ambient variables of that cloud do not mix in.
func TestCloudCredentials(t *testing.T) {
	t.Parallel()
	parent := []string{"PATH=/bin", "AWS_SESSION_TOKEN=ambient-token", "AWS_PROFILE=worker", "ARM_CLIENT_ID=other-cloud"}
	r := testRunner(t, parent)
	if err := r.UseCloudCredentials(map[string]string{"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s3cret"}, []string{"AWS_*"}); err != nil {
		t.Fatal(err)
	}
	env := envMap(r.command(context.Background(), invocation{args: []string{"up"}}).Env)
	if env["AWS_ACCESS_KEY_ID"] != "AKIAEXAMPLE" || env["AWS_SECRET_ACCESS_KEY"] != "s3cret" {
		t.Errorf("the account's variables are missing: %v", env)
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		if v, ok := env[k]; ok {
			t.Errorf("the worker's %s=%q mixed with the account's keys", k, v)
		}
	}
	if env["ARM_CLIENT_ID"] != "other-cloud" {
		t.Error("another cloud's inherited variable was dropped")
	}
	for _, bad := range []struct {
		env  map[string]string
		pats []string
	}{
		{map[string]string{"PULUMI_ACCESS_TOKEN": "x"}, nil},
		{nil, []string{"*"}},
		{nil, []string{"PULUMI_*"}},
	} {
		if err := r.UseCloudCredentials(bad.env, bad.pats); err == nil {
			t.Errorf("UseCloudCredentials(%v, %v) was accepted", bad.env, bad.pats)
		}
	}
}
