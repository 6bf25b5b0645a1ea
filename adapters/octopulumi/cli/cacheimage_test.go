package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/cache"
)

// imageBundle makes a one-plugin bundle for platform (os-arch) from a
// synthetic tarball served on loopback.
func imageBundle(t *testing.T, platform string) string {
	t.Helper()
	p := cache.Plugin{Kind: "resource", Name: "fake", Version: "1.0.0"}
	var tb bytes.Buffer
	zw := gzip.NewWriter(&tb)
	tw := tar.NewWriter(zw)
	data := []byte("plugin for " + platform)
	if err := tw.WriteHeader(&tar.Header{Name: p.Binary(), Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(data)
	tw.Close()
	zw.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, p.Asset(platform)), tb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tb.Bytes())
	p.Checksums = map[string]string{platform: hex.EncodeToString(sum[:])}
	m := &cache.Manifest{Format: cache.ManifestFormat, Pulumi: "v3.274.1", Plugins: []cache.Plugin{p}}
	out := filepath.Join(t.TempDir(), "plugins.tar.gz")
	if err := cache.BundleFile(context.Background(), m, out, cache.WithServer(testbed.NewMirror(t, dir).URL), cache.WithPlatform(platform)); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCacheImage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	var idx v1.ImageIndex = empty.Index
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: arch, Config: v1.Config{Entrypoint: []string{"pulumi"}}})
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	base, _ := name.ParseReference(host + "/pulumi/pulumi:3.274.1")
	if err := remote.WriteIndex(base, idx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "octopulumi")
	if err := os.WriteFile(bin, []byte("octopulumi"), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"cache", "image", "--base", base.String(),
		"--octopulumi", bin, "--bundle", imageBundle(t, "linux-amd64"),
		"--octopulumi", "linux/arm64=" + bin, "--bundle", "linux/arm64=" + imageBundle(t, "linux-arm64"),
		"--revision", "abc123", "--label", "team=infra"}

	code, out, errOut := runCLI(t, append(args, "--push", host+"/worker:1")...)
	if code != 0 || !strings.Contains(out, "pushed "+host+"/worker:1@sha256:") || !strings.Contains(out, "resource-fake-v1.0.0") {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}
	ref, _ := name.ParseReference(host + "/worker:1")
	pulled, err := remote.Index(ref)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := pulled.Digest(); !strings.Contains(out, d.String()) {
		t.Errorf("pulled %s, printed %s", d, out)
	}

	tarPath := filepath.Join(dir, "worker.tar")
	code, out, errOut = runCLI(t, append(args, "--tarball", tarPath, "--platform", "linux/arm64", "--tag", "worker:1")...)
	if code != 0 {
		t.Fatalf("tarball: exit %d\n%s%s", code, out, errOut)
	}
	img, err := tarball.ImageFromPath(tarPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != "arm64" || cf.Config.Entrypoint != nil || cf.Config.Labels["team"] != "infra" ||
		cf.Config.Labels["org.opencontainers.image.revision"] != "abc123" || !slices.Contains(cf.Config.Env, "PULUMI_HOME=/root/.pulumi") {
		t.Errorf("tarball config %+v", cf.Config)
	}

	for _, bad := range [][]string{
		{"cache", "image", "--base", base.String(), "--octopulumi", bin, "--bundle", bin},
		append(args, "--push", "x", "--tarball", "y"),
		append(args, "--push", "x", "--label", "novalue", "--created", "yesterday"),
	} {
		if code, out, errOut := runCLI(t, bad...); code == 0 {
			t.Errorf("%q succeeded:\n%s%s", bad, out, errOut)
		}
	}
}

func TestPlatformPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]string{
		"bin/octopulumi":               {"linux/amd64", "bin/octopulumi"},
		"linux/arm64=bin/octopulumi":   {"linux/arm64", "bin/octopulumi"},
		"linux/arm64/v8=x":             {"linux/arm64/v8", "x"},
		"/tmp/a=b/octopulumi":          {"linux/amd64", "/tmp/a=b/octopulumi"},
		"dist/octopulumi-1.2=3.tar.gz": {"linux/amd64", "dist/octopulumi-1.2=3.tar.gz"},
	} {
		if p, path := platformPath(in); p != want[0] || path != want[1] {
			t.Errorf("platformPath(%q) = %q, %q; want %q", in, p, path, want)
		}
	}
}
