package runner_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// TestCloudESCEnvironment: a stack whose Pulumi.dev.yaml imports an ESC
// environment gets its pulumiConfig as config (a secret value as a secret)
// and its environmentVariables in the provider's environment; the real CLI
// opens the environment on the fake Cloud itself.
func TestCloudESCEnvironment(t *testing.T) {
	t.Parallel()
	const password = "esc-password-never-printed"
	bed := testbed.New(t)
	cloud, token := authtest.StartCloud(t, "acme")
	b := &cloudBed{bed: bed, cloud: cloud, token: token, dir: bed.Program(t, "esc-probe")}
	cloud.AddEnvironment("acme", "shared", "base", authtest.Environment{Values: map[string]any{
		"pulumiConfig": map[string]any{"greeting": "from-base", "password": authtest.ESCSecret(password)},
	}})
	cloud.AddEnvironment("acme", "octo", "staging", authtest.Environment{
		Imports: []string{"shared/base"},
		Values: map[string]any{
			"pulumiConfig":         map[string]any{"greeting": "from-esc"},
			"environmentVariables": map[string]any{"ESC_GREETING": "hello-from-esc"},
		},
	})
	if err := os.WriteFile(filepath.Join(b.dir, "Pulumi.dev.yaml"), []byte("environment:\n  - octo/staging\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, log := b.runner(t)
	const escStack = "acme/esc-probe/dev"
	res, err := r.Up(context.Background(), escStack, runner.CreateStack())
	if err != nil {
		t.Fatalf("Up: %v\n%s", err, log)
	}
	outs, err := r.Outputs(context.Background(), escStack)
	if err != nil {
		t.Fatal(err)
	}
	if g := outs["greeting"]; g.Value != "from-esc" || g.Secret {
		t.Errorf("greeting = %#v, want the environment's from-esc (its own value over the import's)", g)
	}
	if p := outs["password"]; p.Value != password || !p.Secret {
		t.Errorf("password: secret=%v, want the imported environment's secret value, as a secret", p.Secret)
	}
	if o := res.Outputs["password"]; !o.Secret {
		t.Error("password from the update's events is not flagged secret")
	}
	sum := sha256.Sum256([]byte("hello-from-esc"))
	set, _ := outs["set"].Value.(map[string]any)
	digests, _ := outs["sha256"].Value.(map[string]any)
	if set["ESC_GREETING"] != true || digests["ESC_GREETING"] != hex.EncodeToString(sum[:]) {
		t.Errorf("the provider did not get ESC_GREETING from the environment: set %v, sha256 %v", set, digests)
	}
	if n := cloud.EnvironmentOpens("acme", "octo", "staging"); n == 0 {
		t.Error("the CLI never opened octo/staging on the fake")
	}
	if n := cloud.EnvironmentOpens("acme", "shared", "base"); n == 0 {
		t.Error("the import shared/base was never evaluated")
	}
	if strings.Contains(log.String(), password) {
		t.Error("the environment's secret appears in the log")
	}
}

// TestCloudESCUnknownEnvironment: an import the service does not know
// fails the update with the service's diagnostic, naming the environment.
func TestCloudESCUnknownEnvironment(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	cloud, token := authtest.StartCloud(t, "acme")
	b := &cloudBed{bed: bed, cloud: cloud, token: token, dir: bed.Program(t, "esc-probe")}
	if err := os.WriteFile(filepath.Join(b.dir, "Pulumi.dev.yaml"), []byte("environment:\n  - octo/missing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, log := b.runner(t)
	_, err := r.Up(context.Background(), "acme/esc-probe/dev", runner.CreateStack())
	if err == nil || !strings.Contains(err.Error()+log.String(), `unknown environment "octo/missing"`) {
		t.Errorf("Up with an unknown environment = %v, want the service's diagnostic\n%s", err, log)
	}
}
