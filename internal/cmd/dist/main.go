// Command dist builds octopulumi's release packages (make dist): the
// binary for each platform, built reproducibly (-trimpath, no build id,
// CGO off) and stamped with its version, commit and the Pulumi CLI version
// it was tested with; packed as Octopus packages
// octopulumi-<os>-<arch>.<version>.tar.gz (.zip for Windows) with a
// SHA256SUMS file. The same commit gives the same bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/internal/dist"
)

// DefaultPlatforms are the platforms a release covers.
const DefaultPlatforms = "linux/amd64,linux/arm64,windows/amd64,darwin/arm64"

type options struct {
	version, commit, pulumi, out, platforms, pkg string
	date                                         int64
}

func main() {
	var o options
	flag.StringVar(&o.version, "version", "", "the release's SemVer version (the VERSION file)")
	flag.StringVar(&o.commit, "commit", "", "the git commit built")
	flag.Int64Var(&o.date, "date", 0, "the commit's time, in seconds since 1970 (entries carry it)")
	flag.StringVar(&o.pulumi, "pulumi", "", "the Pulumi CLI version octopulumi is tested with")
	flag.StringVar(&o.out, "out", "dist", "where to write the packages")
	flag.StringVar(&o.platforms, "platforms", DefaultPlatforms, "os/arch pairs, comma-separated")
	flag.StringVar(&o.pkg, "package", "./adapters/octopulumi", "the command to build")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	names, err := run(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dist: %v\n", err)
		os.Exit(1)
	}
	for _, n := range names {
		fmt.Println(filepath.Join(o.out, n))
	}
}

// run builds and packs every platform and writes SHA256SUMS; it returns the
// files written.
func run(ctx context.Context, o options) ([]string, error) {
	if o.version == "" || o.commit == "" {
		return nil, errors.New("-version and -commit are required")
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, err
	}
	at := dist.Epoch
	if o.date > 0 {
		at = time.Unix(o.date, 0).UTC()
	}
	sums := map[string]string{}
	var names []string
	for _, plat := range strings.Split(o.platforms, ",") {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(plat), "/")
		if !ok {
			return nil, fmt.Errorf("platform %q: want os/arch", plat)
		}
		bin, err := build(ctx, o, goos, goarch)
		if err != nil {
			return nil, err
		}
		exe, ext := "octopulumi", ".tar.gz"
		if goos == "windows" {
			exe, ext = "octopulumi.exe", ".zip"
		}
		name, err := dist.PackageName("octopulumi-"+goos+"-"+goarch, o.version, ext)
		if err != nil {
			return nil, err
		}
		sum, err := dist.Write(o.out, name, []dist.File{{Name: exe, Mode: 0o755, Data: bin}}, at)
		if err != nil {
			return nil, err
		}
		sums[name] = sum
		names = append(names, name)
	}
	if err := os.WriteFile(filepath.Join(o.out, "SHA256SUMS"), dist.Checksums(sums), 0o644); err != nil {
		return nil, err
	}
	return append(names, "SHA256SUMS"), nil
}

// build compiles the command for one platform and returns the binary.
func build(ctx context.Context, o options, goos, goarch string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "octopulumi-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	const pkg = "github.com/octopulumi/octopulumi/adapters/octopulumi/cli"
	ldflags := strings.Join([]string{
		"-s", "-w", "-buildid=",
		"-X", pkg + ".Version=" + o.version,
		"-X", pkg + ".Commit=" + o.commit,
		"-X", pkg + ".PulumiVersion=" + o.pulumi,
	}, " ")
	out := filepath.Join(tmp, "octopulumi")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, o.pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building for %s/%s: %v\n%s", goos, goarch, err, b)
	}
	return os.ReadFile(out)
}

// host is this machine's platform, for tests.
var host = runtime.GOOS + "/" + runtime.GOARCH
