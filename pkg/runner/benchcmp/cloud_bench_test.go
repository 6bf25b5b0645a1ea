package benchcmp

import (
	"context"
	"os/exec"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

const cloudStack = "acme/two-files/bench"

// BenchmarkDeployCloud times a deploy of an unchanged stack on the Pulumi
// Cloud backend (the fake of pkg/auth/authtest, over loopback HTTP) three
// ways, in one run: the runner, the guide's script and a bare
// `pulumi up --yes --skip-preview`. Targets as on file: runner/script ≤ 0.6,
// runner over bare < 10 %.
func BenchmarkDeployCloud(b *testing.B) {
	bed := testbed.New(b)
	cloud, token := authtest.StartCloud(b, "acme")
	dir := bed.Program(b, "two-files")
	ctx := context.Background()
	env := bed.CloudEnv(cloud.URL, token)
	envMap := envOf(env)
	shell := func(script string) error {
		cmd := exec.CommandContext(ctx, "sh", "-ec", script)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", script, err, out)
		}
		return nil
	}
	flows := []flow{
		{name: "runner", run: func() error {
			r, err := runner.New(dir,
				runner.WithPulumi(bed.Tools.Pulumi),
				runner.WithPulumiHome(bed.Home),
				runner.WithBackend(cloud.URL),
				runner.WithAccessToken(token),
				runner.WithTempDir(bed.Dir),
				runner.WithoutInheritedEnv(),
				runner.WithEnv(map[string]string{"PATH": envMap["PATH"], "HOME": envMap["HOME"]}),
			)
			if err != nil {
				return err
			}
			defer r.Close()
			res, err := r.Up(ctx, cloudStack, runner.CreateStack())
			if err == nil && len(res.Outputs) != 3 {
				b.Fatalf("runner: outputs %v", res.Outputs)
			}
			return err
		}},
		{name: "script", run: func() error {
			return shell("pulumi install; pulumi stack select " + cloudStack + "; pulumi up --yes")
		}},
		{name: "bare", run: func() error {
			return shell("pulumi up --yes --skip-preview --stack " + cloudStack + " >/dev/null")
		}},
	}
	sec, _ := timeFlows(b, flows)
	b.ReportMetric(sec[0]/sec[1], "runner/script")
	b.ReportMetric((sec[0]/sec[2]-1)*100, "runner-over-bare-%")
}
