package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// The Runner on an S3 backend: the real CLI keeps the state, the history and
// its lock files in a bucket on an S3 server that runs in the test process
// on loopback (testbed.S3). The bucket's AWS credentials go to the pulumi
// process only, through the Runner.

type s3Bed struct {
	bed    *testbed.Bed
	bucket *testbed.S3Bucket
	dir    string
}

func newS3Bed(t *testing.T) *s3Bed {
	t.Helper()
	bed := testbed.New(t)
	return &s3Bed{bed: bed, bucket: testbed.S3(t), dir: bed.Program(t, "two-files")}
}

// runner returns a Runner on the bed's program and bucket, with its log.
func (b *s3Bed) runner(t *testing.T, opts ...runner.Option) (*runner.Runner, *syncBuilder) {
	t.Helper()
	env := map[string]string{
		"PULUMI_CONFIG_PASSPHRASE": testbed.Passphrase,
		"HOME":                     b.bed.Dir,
		"PATH":                     "/usr/bin:/bin",
	}
	for k, v := range b.bucket.Env {
		env[k] = v
	}
	log := &syncBuilder{}
	base := []runner.Option{
		runner.WithPulumi(b.bed.Tools.Pulumi),
		runner.WithPulumiHome(b.bed.Home),
		runner.WithBackend(b.bucket.URL),
		runner.WithTempDir(b.bed.Dir),
		runner.WithoutInheritedEnv(),
		runner.WithEnv(env),
		runner.WithSecrets(testbed.Passphrase, b.bucket.SecretKey()),
		runner.WithLog(log),
	}
	r, err := runner.New(b.dir, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, log
}

// checkpoint returns the stack's state file in the bucket.
func (b *s3Bed) checkpoint(t *testing.T) string {
	t.Helper()
	cp, ok := b.bucket.Get(".pulumi/stacks/two-files/dev.json")
	if !ok {
		t.Fatalf("no checkpoint in the bucket; keys: %v", b.bucket.Keys(t, ""))
	}
	return string(cp)
}

func TestS3CreateUpdateNoChange(t *testing.T) {
	t.Parallel()
	b := newS3Bed(t)
	r, log := b.runner(t)

	if res := up(t, r, log, runner.CreateStack()); res.Summary[apitype.OpCreate] != 3 {
		t.Errorf("create: summary %v, want 3 creates", res.Summary)
	}
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "howdy"})
	if res := up(t, r, log); res.Summary[apitype.OpUpdate] != 2 {
		t.Errorf("update: summary %v, want 2 updates", res.Summary)
	}
	if res := up(t, r, log); res.Summary.Changes() != 0 || res.Summary[apitype.OpSame] != 3 {
		t.Errorf("no-change update: summary %v, want 3 unchanged", res.Summary)
	}
	if got, _ := os.ReadFile(filepath.Join(r.Dir(), "out", "first.txt")); string(got) != "howdy" {
		t.Errorf("first.txt = %q, want howdy", got)
	}
	if cp := b.checkpoint(t); !strings.Contains(cp, "howdy") || !strings.Contains(cp, "localfile") {
		t.Errorf("the checkpoint in the bucket does not hold the last update:\n%s", cp)
	}
	if hist := b.bucket.Keys(t, ".pulumi/history/two-files/dev/"); len(hist) < 3 {
		t.Errorf("the bucket holds %d history objects, want those of 3 updates: %v", len(hist), hist)
	}
	if locks := b.bucket.Keys(t, ".pulumi/locks/"); len(locks) != 0 {
		t.Errorf("lock files left in the bucket: %v", locks)
	}
	if strings.Contains(log.String(), b.bucket.SecretKey()) {
		t.Error("the bucket's secret key appears in the log")
	}
	if _, ok := b.bucket.Get(".pulumi/stacks/two-files/dev.json"); !ok {
		t.Error("the stack is not in the bucket")
	}
	if _, err := os.Stat(filepath.Join(strings.TrimPrefix(b.bed.Backend, "file://"), ".pulumi")); err == nil {
		t.Error("the state went to the file backend, not the bucket")
	}
}

func TestS3PreviewPlanApply(t *testing.T) {
	t.Parallel()
	b := newS3Bed(t)
	r, log := b.runner(t)
	up(t, r, log, runner.CreateStack())
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "approved"})

	plan := filepath.Join(t.TempDir(), "plan.json")
	pre := preview(t, r, log, runner.SavePlan(plan))
	if pre.Summary[apitype.OpUpdate] != 2 || !strings.Contains(pre.Diff, `"hello" => "approved"`) {
		t.Errorf("preview: summary %v, diff:\n%s", pre.Summary, pre.Diff)
	}
	if res := up(t, r, log, runner.Plan(plan)); res.Summary[apitype.OpUpdate] != 2 || !res.Succeeded {
		t.Errorf("up --plan: summary %v, succeeded %v", res.Summary, res.Succeeded)
	}
	if cp := b.checkpoint(t); !strings.Contains(cp, "approved") {
		t.Error("the applied plan is not in the bucket's checkpoint")
	}
}

func TestS3SecretConfig(t *testing.T) {
	t.Parallel()
	const secret = "s3-kept-greeting-never-printed"
	b := newS3Bed(t)
	r, log := b.runner(t)
	ctx := context.Background()
	if err := r.CreateStack(ctx, stack); err != nil {
		t.Fatal(err)
	}
	setConfig(t, r, runner.ConfigValue{Key: "greeting", Value: secret, Secret: true})
	res := up(t, r, log)
	if o := res.Outputs["secretGreeting"]; !o.Secret || o.Value != nil {
		t.Errorf("secretGreeting from events = %#v, want flagged secret, no value", o)
	}
	outs, err := r.Outputs(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	if o := outs["secretGreeting"]; !o.Secret || o.Value != secret {
		t.Errorf("Outputs secretGreeting: secret=%v, not the value set", o.Secret)
	}
	cfg, err := os.ReadFile(filepath.Join(r.Dir(), "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "encryptionsalt") || strings.Contains(string(cfg), secret) {
		t.Errorf("Pulumi.dev.yaml is not a passphrase-encrypted stack file:\n%s", cfg)
	}
	if cp := b.checkpoint(t); strings.Contains(cp, secret) || !strings.Contains(cp, `"secrets_providers":{"type":"passphrase"`) {
		t.Errorf("the bucket's checkpoint holds the secret in clear, or is not under the passphrase provider:\n%s", cp)
	}
	for _, s := range []string{secret, testbed.Passphrase, b.bucket.SecretKey()} {
		if strings.Contains(log.String(), s) {
			t.Errorf("the log holds %q", s)
		}
	}
}
