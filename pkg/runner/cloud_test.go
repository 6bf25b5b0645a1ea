package runner_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// The Runner on the Pulumi Cloud backend: the real CLI, logged in with a
// token to the fake Pulumi Cloud of pkg/auth/authtest, which keeps the
// state, the locks and the secrets (no passphrase anywhere).

const cloudStack = "acme/two-files/dev"

type cloudBed struct {
	bed   *testbed.Bed
	cloud *authtest.Cloud
	token string
	dir   string
}

func newCloudBed(t *testing.T) *cloudBed {
	t.Helper()
	bed := testbed.New(t)
	cloud, token := authtest.StartCloud(t, "acme")
	return &cloudBed{bed: bed, cloud: cloud, token: token, dir: bed.Program(t, "two-files")}
}

// runner returns a Runner on the bed's program, logged in to the fake.
func (b *cloudBed) runner(t *testing.T, opts ...runner.Option) (*runner.Runner, *syncBuilder) {
	t.Helper()
	log := &syncBuilder{}
	base := []runner.Option{
		runner.WithPulumi(b.bed.Tools.Pulumi),
		runner.WithPulumiHome(b.bed.Home),
		runner.WithBackend(b.cloud.URL),
		runner.WithAccessToken(b.token),
		runner.WithTempDir(b.bed.Dir),
		runner.WithoutInheritedEnv(),
		runner.WithEnv(map[string]string{"HOME": b.bed.Dir, "PATH": "/usr/bin:/bin"}),
		runner.WithLog(log),
	}
	r, err := runner.New(b.dir, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, log
}

func cloudUp(t *testing.T, r *runner.Runner, log *syncBuilder, opts ...runner.OpOption) *runner.Result {
	t.Helper()
	res, err := r.Up(context.Background(), cloudStack, opts...)
	if err != nil {
		t.Fatalf("Up: %v\nlog:\n%s", err, log)
	}
	return res
}

func cloudConfig(t *testing.T, r *runner.Runner, values ...runner.ConfigValue) {
	t.Helper()
	if err := r.SetConfig(context.Background(), cloudStack, values); err != nil {
		t.Fatal(err)
	}
}

// updatesOf returns the stack's updates on the fake that took a version
// (previews left out).
func updatesOf(c *authtest.Cloud) []authtest.Update {
	var out []authtest.Update
	for _, u := range c.Updates(cloudStack) {
		if !u.Preview() && u.Version > 0 {
			out = append(out, u)
		}
	}
	return out
}

func TestCloudCreateUpdateNoChange(t *testing.T) {
	t.Parallel()
	b := newCloudBed(t)
	r, log := b.runner(t)

	res := cloudUp(t, r, log, runner.CreateStack(), runner.Message("first deploy"))
	if res.Summary[apitype.OpCreate] != 3 {
		t.Errorf("create: summary %v, want 3 creates", res.Summary)
	}
	cloudConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "howdy"})
	if res := cloudUp(t, r, log); res.Summary[apitype.OpUpdate] != 2 {
		t.Errorf("update: summary %v, want 2 updates", res.Summary)
	}
	if res := cloudUp(t, r, log); res.Summary.Changes() != 0 || res.Summary[apitype.OpSame] != 3 {
		t.Errorf("no-change update: summary %v, want 3 unchanged", res.Summary)
	}
	if b, _ := os.ReadFile(filepath.Join(r.Dir(), "out", "first.txt")); string(b) != "howdy" {
		t.Errorf("first.txt = %q, want howdy", b)
	}

	st, ok := b.cloud.Stack(cloudStack)
	if !ok || st.Version != 3 || st.LockedBy != "" || st.Resources != 4 {
		t.Errorf("the stack on the fake: %+v (found %v), want version 3, unlocked, 4 resources (stack, provider, two files)", st, ok)
	}
	if st.Tags[apitype.ProjectNameTag] != "two-files" || st.Tags[apitype.ProjectRuntimeTag] != "yaml" {
		t.Errorf("the stack's tags %v lack the project's", st.Tags)
	}
	ups := updatesOf(b.cloud)
	if len(ups) != 3 {
		t.Fatalf("%d updates recorded, want 3: %+v", len(ups), ups)
	}
	wantChanges := []map[apitype.OpType]int{{apitype.OpCreate: 3}, {apitype.OpUpdate: 2, apitype.OpSame: 1}, {apitype.OpSame: 3}}
	for i, u := range ups {
		if u.Kind != apitype.UpdateUpdate || u.Status != apitype.StatusSucceeded || u.Version != i+1 || u.Checkpoints == 0 || len(u.Events) == 0 {
			t.Errorf("update %d: %s %s version %d, %d checkpoints, %d events", i+1, u.Kind, u.Status, u.Version, u.Checkpoints, len(u.Events))
		}
		if !mapsEqual(u.ResourceChanges, wantChanges[i]) {
			t.Errorf("update %d: resource changes %v, want %v", i+1, u.ResourceChanges, wantChanges[i])
		}
		if env := u.Environment(); env["exec.kind"] == "" || env["pulumi.version"] == "" {
			t.Errorf("update %d: metadata environment %v lacks what the CLI tells", i+1, env)
		}
	}
	if ups[0].Message() != "first deploy" || ups[0].Author != "octo-deployer" {
		t.Errorf("the first update's message %q by %q, want \"first deploy\" by octo-deployer", ups[0].Message(), ups[0].Author)
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestCloudPreviewPlanApply(t *testing.T) {
	t.Parallel()
	b := newCloudBed(t)
	r, log := b.runner(t)
	ctx := context.Background()
	cloudUp(t, r, log, runner.CreateStack())
	cloudConfig(t, r, runner.ConfigValue{Key: "greeting", Value: "approved"})

	plan := filepath.Join(t.TempDir(), "plan.json")
	pre, err := r.Preview(ctx, cloudStack, runner.SavePlan(plan))
	if err != nil {
		t.Fatalf("Preview: %v\n%s", err, log)
	}
	if pre.Summary[apitype.OpUpdate] != 2 || !strings.Contains(pre.Diff, `"hello" => "approved"`) {
		t.Errorf("preview: summary %v, diff:\n%s", pre.Summary, pre.Diff)
	}
	if st, _ := b.cloud.Stack(cloudStack); st.Version != 1 {
		t.Errorf("a preview took a version: the stack is at %d", st.Version)
	}
	res := cloudUp(t, r, log, runner.Plan(plan))
	if res.Summary[apitype.OpUpdate] != 2 || !res.Succeeded {
		t.Errorf("up --plan: summary %v, succeeded %v", res.Summary, res.Succeeded)
	}
	var previews int
	for _, u := range b.cloud.Updates(cloudStack) {
		if u.Preview() {
			previews++
			if u.Status != apitype.StatusSucceeded || u.Checkpoints != 0 {
				t.Errorf("preview %s: status %s, %d checkpoints", u.ID, u.Status, u.Checkpoints)
			}
		}
	}
	if previews != 1 {
		t.Errorf("%d previews recorded, want 1", previews)
	}
	if ups := updatesOf(b.cloud); len(ups) != 2 || ups[1].Environment()["updatePlan"] != "true" {
		t.Errorf("the applied plan is not recorded as an update with a plan: %d updates", len(ups))
	}
}

func equalKinds(a, b []apitype.UpdateKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCloudSecretConfigAndOutputs(t *testing.T) {
	t.Parallel()
	const secret = "cloud-kept-greeting-never-printed"
	b := newCloudBed(t)
	r, log := b.runner(t)
	ctx := context.Background()
	if err := r.CreateStack(ctx, cloudStack); err != nil {
		t.Fatal(err)
	}
	cloudConfig(t, r, runner.ConfigValue{Key: "greeting", Value: secret, Secret: true})
	res := cloudUp(t, r, log)
	if o := res.Outputs["secretGreeting"]; !o.Secret || o.Value != nil {
		t.Errorf("secretGreeting from events = %#v, want flagged secret, no value", o)
	}
	outs, err := r.Outputs(ctx, cloudStack)
	if err != nil {
		t.Fatal(err)
	}
	if o := outs["secretGreeting"]; !o.Secret || o.Value != secret {
		t.Errorf("Outputs secretGreeting: secret=%v, not the value set", o.Secret)
	}
	if b, _ := os.ReadFile(filepath.Join(r.Dir(), "out", "first.txt")); string(b) != secret {
		t.Error("the program did not get the secret's value")
	}

	// The service keeps the secret: the stack file holds its ciphertext and
	// no passphrase salt, and nothing the fake recorded holds the value.
	cfg, err := os.ReadFile(filepath.Join(r.Dir(), "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "secure:") || strings.Contains(string(cfg), "encryptionsalt") || strings.Contains(string(cfg), secret) {
		t.Errorf("Pulumi.dev.yaml is not a service-encrypted stack file:\n%s", cfg)
	}
	ups := updatesOf(b.cloud)
	if len(ups) != 1 {
		t.Fatalf("%d updates recorded, want 1", len(ups))
	}
	if cv := ups[0].Program.Config["two-files:greeting"]; !cv.Secret || cv.String == "" || strings.Contains(cv.String, secret) {
		t.Errorf("the update's config sent greeting as %+v, want ciphertext flagged secret", cv)
	}
	dep, _ := b.cloud.Deployment(cloudStack)
	if strings.Contains(string(dep.Deployment), secret) || !strings.Contains(string(dep.Deployment), `"type":"service"`) {
		t.Error("the checkpoint holds the secret in clear, or is not under the service's secrets provider")
	}
	if strings.Contains(log.String(), secret) {
		t.Error("the secret appears in the log")
	}
}

func TestCloudKilledUpdateThenCancel(t *testing.T) {
	t.Parallel()
	b := newCloudBed(t)
	// No time to stop: pulumi is killed right after SIGINT, as when the
	// worker running the step goes away.
	r, log := b.runner(t, runner.WithGracePeriod(10*time.Millisecond))
	ctx := context.Background()
	cloudUp(t, r, log, runner.CreateStack())
	cloudConfig(t, r, runner.ConfigValue{Key: "delaySeconds", Value: "30"}, runner.ConfigValue{Key: "greeting", Value: "killed"})

	// The step dies mid-update: pulumi does not stop within the grace
	// period and is killed, so it never completes its update.
	killCtx, kill := context.WithCancel(ctx)
	defer kill()
	done := make(chan error, 1)
	go func() { _, err := r.Up(killCtx, cloudStack); done <- err }()
	waitFor(t, log, "first updating")
	kill()
	var ke *runner.KilledError
	if err := <-done; !errors.As(err, &ke) {
		t.Fatalf("Up after its context ended = %v, want *KilledError", err)
	}
	st, _ := b.cloud.Stack(cloudStack)
	if st.LockedBy == "" {
		t.Fatal("the killed update left no lock on the fake")
	}

	// The stack stays locked for everyone until the update is cancelled.
	cloudConfig(t, r, runner.ConfigValue{Key: "delaySeconds", Value: "0"})
	if _, err := r.Up(ctx, cloudStack); !runner.IsLocked(err) {
		t.Fatalf("Up on the stack the killed update holds = %v, want a LockedError", err)
	}
	if err := r.Cancel(ctx, cloudStack); err != nil {
		t.Fatalf("Cancel: %v\n%s", err, log)
	}
	if st, _ := b.cloud.Stack(cloudStack); st.LockedBy != "" {
		t.Errorf("still locked by %s after the cancel", st.LockedBy)
	}
	var cancelled int
	for _, u := range b.cloud.Updates(cloudStack) {
		if u.ID == st.LockedBy && u.Status != apitype.UpdateStatusCancelled {
			t.Errorf("the killed update %s is %s, want cancelled", u.ID, u.Status)
		}
		if u.Status == apitype.UpdateStatusCancelled {
			cancelled++
		}
	}
	if cancelled != 1 {
		t.Errorf("%d cancelled updates, want 1", cancelled)
	}
	// Nothing left to cancel: the service's 409.
	if err := r.Cancel(ctx, cloudStack); !errors.Is(err, runner.ErrNothingToCancel) {
		t.Errorf("a second Cancel = %v, want ErrNothingToCancel (the service's \"already completed\")", err)
	}

	res := cloudUp(t, r, log)
	if res.Summary[apitype.OpUpdate] == 0 {
		t.Errorf("the update after the cancel changed nothing (%v)", res.Summary)
	}
	if b, _ := os.ReadFile(filepath.Join(r.Dir(), "out", "first.txt")); string(b) != "killed" {
		t.Errorf("first.txt = %q, want killed", b)
	}
}

// TestCloudUpdateMetadata: what the step tells the CLI about the update —
// its message, the generic CI variables — arrives in the update's metadata
// on the service, and the CLI links the update in the console.
func TestCloudUpdateMetadata(t *testing.T) {
	t.Parallel()
	b := newCloudBed(t)
	ci := map[string]string{
		"PULUMI_CI_SYSTEM":       "Octopus Deploy",
		"PULUMI_CI_BUILD_ID":     "Deployments-42",
		"PULUMI_CI_BUILD_NUMBER": "1.2.3",
		"PULUMI_CI_BUILD_TYPE":   "deployment",
		"PULUMI_CI_BUILD_URL":    "https://octopus.example/app#/Spaces-1/deployments/Deployments-42",
		"PULUMI_CONSOLE_DOMAIN":  b.cloud.ConsoleDomain(),
	}
	r, log := b.runner(t, runner.WithEnv(ci))
	lastResult := cloudUp(t, r, log, runner.CreateStack(), runner.Message("Deploy web 1.2.3 to Production"))

	ups := updatesOf(b.cloud)
	if len(ups) != 1 {
		t.Fatalf("%d updates recorded, want 1", len(ups))
	}
	u := ups[0]
	if u.Message() != "Deploy web 1.2.3 to Production" {
		t.Errorf("message %q", u.Message())
	}
	env := u.Environment()
	for key, want := range map[string]string{
		"ci.system": ci["PULUMI_CI_SYSTEM"], "ci.build.id": ci["PULUMI_CI_BUILD_ID"], "ci.build.number": ci["PULUMI_CI_BUILD_NUMBER"],
		"ci.build.type": ci["PULUMI_CI_BUILD_TYPE"], "ci.build.url": ci["PULUMI_CI_BUILD_URL"],
	} {
		if env[key] != want {
			t.Errorf("metadata %s = %q, want %q", key, env[key], want)
		}
	}
	link := b.cloud.UpdateURL(cloudStack, u.Version)
	if !strings.Contains(log.String(), link) {
		t.Errorf("the log has no link to the update (%s):\n%s", link, log)
	}
	if res := lastResult; res == nil || res.URL != link {
		t.Errorf("Result.URL = %v, want the update's link %s", res, link)
	}
}
