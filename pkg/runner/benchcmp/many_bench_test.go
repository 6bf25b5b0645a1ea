package benchcmp

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/redact"
	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// manyResources is the size of the large program: as many localfile:File
// resources, with an output each.
const manyResources = 300

const manyStack = "organization/many-files/bench"

// writeManyFiles writes a YAML program of n localfile:File resources and
// one output per resource into dir.
func writeManyFiles(tb testing.TB, bed *testbed.Bed, dir string, n int) {
	tb.Helper()
	var s strings.Builder
	fmt.Fprintf(&s, "name: many-files\nruntime: yaml\ndescription: %d files written by the localfile test provider.\nresources:\n", n)
	for i := range n {
		fmt.Fprintf(&s, "  file%03d:\n    type: localfile:File\n    properties:\n      path: %s/file%03d.txt\n      content: content of file %d\n    options:\n      version: %s\n      pluginDownloadURL: %s\n",
			i, filepath.Join(dir, "out"), i, i, bed.Tools.Provider.Version, bed.Mirror.URL)
	}
	s.WriteString("outputs:\n")
	for i := range n {
		fmt.Fprintf(&s, "  path%03d: ${file%03d.path}\n", i, i)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(s.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkDeployMany times a deploy of an unchanged stack of 300
// resources and 300 outputs on the file backend: the runner as the step
// runs it (the log through the step's service-message defuser and a
// redactor with several secrets, progress and every output published as
// an Octopus output variable, to a discarding writer) against a bare
// `pulumi up --yes --skip-preview`. Target: runner over bare < 5 %. A third
// flow, the bare up writing the engine event log the runner needs, shows
// what of that is pulumi's own cost of the events.
func BenchmarkDeployMany(b *testing.B) {
	bed := testbed.New(b)
	dir := filepath.Join(b.TempDir(), "many-files")
	writeManyFiles(b, bed, dir, manyResources)
	ctx := context.Background()
	env := bed.Env()
	envMap := envOf(env)
	eventFile := filepath.Join(b.TempDir(), "events.jsonl")
	red := redact.New(testbed.Passphrase, "pul-0123456789abcdef0123456789abcdef01234567",
		"an-oidc-jwt.eyJhbGciOiJSUzI1NiJ9.signature", "aws-secret-access-key/0123456789ABCDEF")
	shell := func(script string) error {
		cmd := exec.CommandContext(ctx, "sh", "-ec", script)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", script, err, out)
		}
		return nil
	}
	flows := []flow{
		{name: "runner", selfCPU: true, run: func() error {
			msgs := octoenv.NewWriter(io.Discard)
			r, err := runner.New(dir,
				runner.WithPulumi(bed.Tools.Pulumi),
				runner.WithPulumiHome(bed.Home),
				runner.WithBackend(bed.Backend),
				runner.WithTempDir(bed.Dir),
				runner.WithoutInheritedEnv(),
				runner.WithRedactor(red),
				runner.WithLog(octoenv.Defuse(io.Discard)),
				runner.WithProgress(func(p runner.Progress) {
					if pct := p.Percent(); pct >= 0 {
						_ = msgs.Progress(pct, fmt.Sprintf("%d of %d resource changes", p.Done, p.Total))
					}
				}),
				runner.WithEnv(map[string]string{
					"PATH": envMap["PATH"], "HOME": envMap["HOME"],
					"PULUMI_CONFIG_PASSPHRASE": testbed.Passphrase,
				}),
			)
			if err != nil {
				return err
			}
			defer r.Close()
			res, err := r.Up(ctx, manyStack, runner.CreateStack())
			if err != nil {
				return err
			}
			if len(res.Outputs) != manyResources {
				b.Fatalf("runner: %d outputs", len(res.Outputs))
			}
			// As the step publishes them (pkg/step publishOutputs).
			names := make([]string, 0, len(res.Outputs))
			for name := range res.Outputs {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				o := res.Outputs[name]
				text := o.Text()
				if err := msgs.SetVariable(name, text, o.Secret || red.String(text) != text); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "bare", run: func() error {
			return shell("pulumi up --yes --skip-preview --stack " + manyStack + " >/dev/null")
		}},
		// What the engine events cost pulumi itself: the bare up writing
		// the same event log the runner reads (to a file nobody reads).
		{name: "bare-events", run: func() error {
			return shell("PULUMI_DEBUG_COMMANDS=true pulumi up --yes --skip-preview --stack " + manyStack + " --event-log " + eventFile + " >/dev/null")
		}},
	}
	sec, cpu := timeFlows(b, flows)
	b.ReportMetric((sec[0]/sec[1]-1)*100, "runner-over-bare-%")
	// CPU time (the runner's process and its pulumi, against pulumi
	// alone) is what a busy machine disturbs least.
	for i, f := range flows {
		b.ReportMetric(cpu[i], f.name+"-cpu-s/deploy")
	}
	b.ReportMetric((cpu[0]/cpu[1]-1)*100, "runner-cpu-over-bare-%")
	b.ReportMetric((sec[0]/sec[2]-1)*100, "runner-over-bare-events-%")
	b.ReportMetric((cpu[0]/cpu[2]-1)*100, "runner-cpu-over-bare-events-%")
}

type flow struct {
	name string
	run  func() error
	// selfCPU counts this process's CPU time in the flow's (the runner
	// runs in it); child processes' CPU time always counts.
	selfCPU bool
}

// cpuTime is the CPU time (user and system) this process has used, and
// that of its children that ended.
func cpuTime() (self, children time.Duration) {
	var ru syscall.Rusage
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self = tv(ru.Utime) + tv(ru.Stime)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return self, tv(ru.Utime) + tv(ru.Stime)
}

func envOf(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// timeFlows runs every flow once untimed (stack creation, plugin install),
// then each b.N times, interleaved and rotated so that load changes hit all
// alike. It reports each flow's median seconds per deploy, which it
// returns with each flow's mean CPU time (children's, and with selfCPU
// this process's too), and logs each flow's fastest and slowest deploy (the spread).
// Medians, since on a shared machine one slow deploy moves a mean a lot.
func timeFlows(b *testing.B, flows []flow) (sec, cpuSec []float64) {
	b.Helper()
	for _, f := range flows {
		if err := f.run(); err != nil {
			b.Fatalf("%s: %v", f.name, err)
		}
	}
	times := make([][]time.Duration, len(flows))
	cpu, self := make([]time.Duration, len(flows)), make([]time.Duration, len(flows))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for j := range flows {
			k := (i + j) % len(flows)
			self0, children0 := cpuTime()
			start := time.Now()
			if err := flows[k].run(); err != nil {
				b.Fatalf("%s: %v", flows[k].name, err)
			}
			times[k] = append(times[k], time.Since(start))
			self1, children1 := cpuTime()
			cpu[k] += children1 - children0
			if flows[k].selfCPU {
				cpu[k] += self1 - self0
				self[k] += self1 - self0
			}
		}
	}
	b.StopTimer()
	sec, cpuSec = make([]float64, len(flows)), make([]float64, len(flows))
	for i, f := range flows {
		ts := times[i]
		slices.Sort(ts)
		n := len(ts)
		med := ts[n/2]
		if n%2 == 0 {
			med = (ts[n/2-1] + ts[n/2]) / 2
		}
		sec[i] = med.Seconds()
		b.ReportMetric(sec[i], f.name+"-s/deploy")
		cpuSec[i] = cpu[i].Seconds() / float64(n)
		if f.selfCPU {
			b.ReportMetric(self[i].Seconds()/float64(n), f.name+"-own-cpu-s/deploy")
		}
		b.Logf("%s: median %.3fs, fastest %.3fs, slowest %.3fs over %d deploys", f.name, sec[i], ts[0].Seconds(), ts[n-1].Seconds(), n)
	}
	b.ReportMetric(0, "ns/op")
	return sec, cpuSec
}
