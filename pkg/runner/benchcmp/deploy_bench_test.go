package benchcmp

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

const stack = "organization/two-files/bench"

// BenchmarkDeploy times a deploy of an unchanged stack four ways and
// reports each (seconds per deploy) and the ratios the issue sets targets
// for: runner/script ≤ 0.6, runner/auto ≤ 0.35, runner over bare < 10 %.
func BenchmarkDeploy(b *testing.B) {
	bed := testbed.New(b)
	dir := bed.Program(b, "two-files")
	ctx := context.Background()
	env := bed.Env()
	envMap := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		envMap[k] = v
	}
	newRunner := func() (*runner.Runner, error) {
		return runner.New(dir,
			runner.WithPulumi(bed.Tools.Pulumi),
			runner.WithPulumiHome(bed.Home),
			runner.WithBackend(bed.Backend),
			runner.WithTempDir(bed.Dir),
			runner.WithoutInheritedEnv(),
			runner.WithEnv(map[string]string{
				"PATH": envMap["PATH"], "HOME": envMap["HOME"],
				"PULUMI_CONFIG_PASSPHRASE": testbed.Passphrase,
			}),
		)
	}
	shell := func(script string) error {
		cmd := exec.CommandContext(ctx, "sh", "-ec", script)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", script, err, out)
		}
		return nil
	}
	pulumiCmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(bed.Tools.Bin)})
	if err != nil {
		b.Fatal(err)
	}

	flows := []struct {
		name string
		run  func() error
	}{
		{"runner", func() error {
			r, err := newRunner()
			if err != nil {
				return err
			}
			defer r.Close()
			res, err := r.Up(ctx, stack, runner.CreateStack())
			if err == nil && len(res.Outputs) != 3 {
				b.Fatalf("runner: outputs %v", res.Outputs)
			}
			return err
		}},
		{"script", func() error {
			return shell("pulumi install; pulumi stack select " + stack + "; pulumi up --yes")
		}},
		{"auto", func() error {
			s, err := auto.UpsertStackLocalSource(ctx, stack, dir, auto.Pulumi(pulumiCmd), auto.EnvVars(envMap))
			if err != nil {
				return err
			}
			if _, err := s.Up(ctx); err != nil {
				return err
			}
			outs, err := s.Outputs(ctx)
			if err == nil && len(outs) != 3 {
				b.Fatalf("auto: outputs %v", outs)
			}
			return err
		}},
		{"bare", func() error {
			return shell("pulumi up --yes --skip-preview --stack " + stack + " >/dev/null")
		}},
	}
	// Create the stack and install the plugin once, outside the timing.
	for _, f := range flows {
		if err := f.run(); err != nil {
			b.Fatalf("%s: %v", f.name, err)
		}
	}
	total := make([]time.Duration, len(flows))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for j := range flows {
			k := (i + j) % len(flows)
			start := time.Now()
			if err := flows[k].run(); err != nil {
				b.Fatalf("%s: %v", flows[k].name, err)
			}
			total[k] += time.Since(start)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	sec := func(i int) float64 { return total[i].Seconds() / n }
	for i, f := range flows {
		b.ReportMetric(sec(i), f.name+"-s/deploy")
	}
	b.ReportMetric(sec(0)/sec(1), "runner/script")
	b.ReportMetric(sec(0)/sec(2), "runner/auto")
	b.ReportMetric((sec(0)/sec(3)-1)*100, "runner-over-bare-%")
	b.ReportMetric(0, "ns/op")
}
