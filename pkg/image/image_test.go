package image_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/octopulumi/octopulumi/internal/dist"
	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/image"
)

var platforms = []string{"linux/amd64", "linux/arm64"}

func contents(t *testing.T) map[string]image.Contents {
	t.Helper()
	c := map[string]image.Contents{}
	for _, p := range platforms {
		c[p] = image.Contents{Octopulumi: []byte("octopulumi for " + p), Bundle: bundleFor(t, strings.ReplaceAll(p, "/", "-"))}
	}
	return c
}

func TestBuildPushPull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	host := startRegistry(t)
	pushIndex(t, host+"/pulumi/pulumi:3.274.1", baseIndex(t, platforms...))
	c := contents(t)
	opts := []image.Option{image.WithSource("https://example.com/infra"), image.WithRevision("abc123"), image.WithVersion("1.2.3")}

	built, err := image.Build(ctx, image.FromRef(host+"/pulumi/pulumi:3.274.1"), c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := image.Push(ctx, built, host+"/worker:1.2.3")
	if err != nil {
		t.Fatal(err)
	}

	again, err := image.Build(ctx, image.FromRef(host+"/pulumi/pulumi:3.274.1"), contents(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := again.Digest(); d != digest {
		t.Errorf("same inputs, new bundles: digest %s, then %s", digest, d)
	}
	other, err := image.Build(ctx, image.FromRef(host+"/pulumi/pulumi:3.274.1"), c, append(opts, image.WithRevision("def456"))...)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := other.Digest(); d == digest {
		t.Error("another revision label gave the same digest")
	}

	ref, err := name.ParseReference(host + "/worker:1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := idx.Digest(); d != digest {
		t.Errorf("pulled index %s, pushed %s", d, digest)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != len(platforms) {
		t.Fatalf("index has %d manifests, want %d", len(im.Manifests), len(platforms))
	}
	for _, d := range im.Manifests {
		p := d.Platform.String()
		t.Run(p, func(t *testing.T) {
			img, err := idx.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			checkImage(t, img, p, "/root/.pulumi")
		})
	}
}

// checkImage checks the config and the files of a built image for platform.
func checkImage(t *testing.T, img v1.Image, platform, home string) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cf.OS + "/" + cf.Architecture; got != platform {
		t.Errorf("config platform %s, want %s", got, platform)
	}
	if cf.Config.Entrypoint != nil || cf.Config.Cmd != nil {
		t.Errorf("Entrypoint %q, Cmd %q: want none", cf.Config.Entrypoint, cf.Config.Cmd)
	}
	for _, kv := range []string{"PULUMI_HOME=" + home, "PULUMI_SKIP_UPDATE_CHECK=true", "PATH=/usr/local/bin:/usr/bin:/bin"} {
		if !slices.Contains(cf.Config.Env, kv) {
			t.Errorf("Env %q lacks %s", cf.Config.Env, kv)
		}
	}
	if slices.Contains(cf.Config.Env, "PULUMI_HOME=/elsewhere") {
		t.Errorf("Env %q keeps the base's PULUMI_HOME", cf.Config.Env)
	}
	for k, v := range map[string]string{
		"org.opencontainers.image.source":   "https://example.com/infra",
		"org.opencontainers.image.revision": "abc123",
		"org.opencontainers.image.version":  "1.2.3",
		"org.opencontainers.image.title":    "pulumi",
		image.PluginsLabel:                  fakePlugin.Dir(),
	} {
		if got := cf.Config.Labels[k]; got != v {
			t.Errorf("label %s = %q, want %q", k, got, v)
		}
	}
	if !cf.Created.Time.Equal(image.Epoch) {
		t.Errorf("created %s, want %s", cf.Created.Time, image.Epoch)
	}
	files := filesOf(t, img)
	rel := strings.TrimPrefix(home, "/")
	want := map[string]file{
		"bin/sh":                             {mode: 0o755, data: "not a shell " + platform},
		"usr/local/bin/octopulumi":           {mode: 0o755, data: "octopulumi for " + platform},
		rel:                                  {mode: 0o777, dir: true},
		rel + "/plugins":                     {mode: 0o777, dir: true},
		rel + "/plugins/" + fakePlugin.Dir(): {mode: 0o777, dir: true},
		rel + "/plugins/" + fakePlugin.Dir() + "/" + fakePlugin.Binary(): {mode: 0o755, data: "plugin for " + strings.ReplaceAll(platform, "/", "-")},
	}
	for n, w := range want {
		if got, ok := files[n]; !ok || got != w {
			t.Errorf("%s = %+v (present %v), want %+v", n, got, ok, w)
		}
	}
	var names []string
	for n := range files {
		if strings.HasPrefix(n, rel+"/plugins/") {
			names = append(names, n)
		}
		if strings.HasSuffix(n, ".lock") || strings.Contains(n, "partial") {
			t.Errorf("image holds %s", n)
		}
	}
	if !slices.Contains(names, rel+"/plugins/"+fakePlugin.Dir()+".octopulumi.json") {
		t.Errorf("no restore record among %q", names)
	}
}

func TestTarball(t *testing.T) {
	t.Parallel()
	built, err := image.Build(context.Background(), image.FromIndex(baseIndex(t, platforms...)), contents(t),
		image.WithSource("https://example.com/infra"), image.WithRevision("abc123"), image.WithVersion("1.2.3"), image.WithPulumiHome("/opt/pulumi"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "worker.tar")
	if err := image.WriteTarball(built, "linux/arm64", "worker:1.2.3", out); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("worker:1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatal(err)
	}
	want, err := built.Platform("linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := want.Digest()
	if d, _ := loaded.Digest(); d != wd {
		t.Errorf("tarball image %s, built %s", d, wd)
	}
	checkImage(t, loaded, "linux/arm64", "/opt/pulumi")
	if err := image.WriteTarball(built, "", "worker:1", out); err == nil {
		t.Error("a tarball of a multi-platform result without a platform succeeded")
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := contents(t)
	delete(c, "linux/arm64")
	if _, err := image.Build(ctx, image.FromIndex(baseIndex(t, platforms...)), c); err == nil || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("a platform without contents: %v", err)
	}
	if _, err := image.Build(ctx, image.FromImage(baseImage(t, "linux/amd64")), c, image.WithPulumiHome("relative"), image.WithBinaryPath("/")); err == nil || !strings.Contains(err.Error(), "relative") || !strings.Contains(err.Error(), "octopulumi's path") {
		t.Errorf("bad paths: %v", err)
	}
	if _, err := image.DefaultBase(&cache.Manifest{}); err == nil {
		t.Error("a default base without a CLI version")
	}
	if ref, err := image.DefaultBase(&cache.Manifest{Pulumi: "v3.274.1"}); ref != "pulumi/pulumi:3.274.1" || err != nil {
		t.Errorf("DefaultBase = %q, %v", ref, err)
	}
}

func TestReadBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := filepath.Join(dir, "octopulumi")
	if err := os.WriteFile(plain, []byte("\x7fELF binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := dist.Write(dir, "octopulumi-linux-arm64.1.2.3.tar.gz", []dist.File{{Name: "octopulumi", Mode: 0o755, Data: []byte("\x7fELF arm64")}}, dist.Epoch)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{plain: "\x7fELF binary", filepath.Join(dir, "octopulumi-linux-arm64.1.2.3.tar.gz"): "\x7fELF arm64"} {
		got, err := image.ReadBinary(p)
		if err != nil || string(got) != want {
			t.Errorf("ReadBinary(%s) = %q, %v; want %q", p, got, err, want)
		}
	}
}

// TestRunFromExtractedImage builds an image with the real octopulumi and
// the test bed's real plugin, pushes it, pulls it back, extracts its
// filesystem and runs octopulumi from it: version, and cache verify on the
// image's PULUMI_HOME.
func TestRunFromExtractedImage(t *testing.T) {
	t.Parallel()
	tc := testbed.Tools(t)
	ctx := context.Background()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	bin := filepath.Join(t.TempDir(), "octopulumi")
	if out, err := exec.Command("go", "build", "-o", bin, "../../adapters/octopulumi").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	exe, err := image.ReadBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := sha256File(tc.Provider.Tarball)
	if err != nil {
		t.Fatal(err)
	}
	plugin := cache.Plugin{Kind: tc.Provider.Kind, Name: tc.Provider.Name, Version: tc.Provider.Version, Checksums: map[string]string{cache.Platform(): sum}}
	bundle := bundleOf(t, filepath.Dir(tc.Provider.Tarball), cache.Platform(), plugin)

	host := startRegistry(t)
	built, err := image.Build(ctx, image.FromImage(baseImage(t, platform)), map[string]image.Contents{platform: {Octopulumi: exe, Bundle: bundle}},
		image.WithPulumiHome("/home/octopus/.pulumi"), image.WithCreated(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := image.Push(ctx, built, host+"/worker:run"); err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host + "/worker:run")
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	extract(t, img, root)
	home := filepath.Join(root, "home/octopus/.pulumi")
	manifest := filepath.Join(t.TempDir(), cache.ManifestFile)
	if err := cache.WriteManifest(manifest, &cache.Manifest{Format: cache.ManifestFormat, Pulumi: "v3.274.1", Plugins: []cache.Plugin{plugin}}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"version"},
		{"cache", "verify", "--contents", "--pulumi-home", home, "--manifest", manifest},
	} {
		cmd := exec.Command(filepath.Join(root, "usr/local/bin/octopulumi"), args...)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + root}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("octopulumi %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("octopulumi %s:\n%s", strings.Join(args, " "), out)
		if args[0] == "cache" && !strings.Contains(string(out), "is in order: 1 plugin(s) match") {
			t.Errorf("cache verify: %s", out)
		}
	}
}

// TestOnlyImageImportsContainerRegistry keeps go-containerregistry out of
// the rest of the library: only this package (and adapters) may import it.
func TestOnlyImageImportsContainerRegistry(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./pkg/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if pkg == "github.com/octopulumi/octopulumi/pkg/image" {
			continue
		}
		if strings.Contains(" "+imports, " github.com/google/go-containerregistry") {
			t.Errorf("%s imports go-containerregistry: only pkg/image may", pkg)
		}
	}
}
