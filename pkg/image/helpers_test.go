package image_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// startRegistry starts go-containerregistry's registry on loopback and
// returns its host:port (plain HTTP, as ggcr uses for 127.0.0.1).
func startRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// tarOf is a tar of name → (mode, content) files.
func tarOf(t *testing.T, files map[string]string, modes map[string]int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for n, data := range files {
		mode := int64(0o644)
		if m, ok := modes[n]; ok {
			mode = m
		}
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// baseImage is a tiny pulumi/pulumi-like image for platform (os/arch): a
// /bin/sh stand-in, ENTRYPOINT ["pulumi"], a CMD and a PULUMI_HOME of its own.
func baseImage(t *testing.T, platform string) v1.Image {
	t.Helper()
	raw := tarOf(t, map[string]string{"bin/sh": "not a shell " + platform}, map[string]int64{"bin/sh": 0o755})
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, _ = strings.Cut(platform, "/")
	cf.Config.Entrypoint = []string{"pulumi"}
	cf.Config.Cmd = []string{"version"}
	cf.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "PULUMI_HOME=/elsewhere"}
	cf.Config.Labels = map[string]string{"org.opencontainers.image.title": "pulumi"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// baseIndex is a two-platform index of [baseImage]s.
func baseIndex(t *testing.T, platforms ...string) v1.ImageIndex {
	t.Helper()
	var idx v1.ImageIndex = empty.Index
	for _, p := range platforms {
		osName, arch, _ := strings.Cut(p, "/")
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: baseImage(t, p), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: osName, Architecture: arch}}})
	}
	return idx
}

// pushIndex pushes idx to ref on the loopback registry.
func pushIndex(t *testing.T, ref string, idx v1.ImageIndex) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
}

// fakePlugin is the synthetic plugin every bundle of [bundleFor] holds.
var fakePlugin = cache.Plugin{Kind: "resource", Name: "fake", Version: "1.0.0"}

// bundleFor makes a plugin bundle for platform (os-arch) with the cache
// package, from a synthetic plugin tarball served on loopback; the
// plugin binary says which platform it is for.
func bundleFor(t *testing.T, platform string) string {
	t.Helper()
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(tarOf(t, map[string]string{fakePlugin.Binary(): "plugin for " + platform}, map[string]int64{fakePlugin.Binary(): 0o755})); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fakePlugin.Asset(platform)), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	p := fakePlugin
	p.Checksums = map[string]string{platform: hex.EncodeToString(sum[:])}
	return bundleOf(t, dir, platform, p)
}

// bundleOf bundles p for platform from the tarballs in dir.
func bundleOf(t *testing.T, dir, platform string, p cache.Plugin) string {
	t.Helper()
	mirror := testbed.NewMirror(t, dir)
	m := &cache.Manifest{Format: cache.ManifestFormat, Pulumi: "v3.274.1", Plugins: []cache.Plugin{p}}
	out := filepath.Join(t.TempDir(), "plugins.tar.gz")
	if err := cache.BundleFile(context.Background(), m, out, cache.WithServer(mirror.URL), cache.WithPlatform(platform)); err != nil {
		t.Fatal(err)
	}
	return out
}

type file struct {
	mode int64
	dir  bool
	data string
}

// filesOf reads the flattened filesystem of img.
func filesOf(t *testing.T, img v1.Image) map[string]file {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]file{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(h.Name, "/")] = file{mode: h.Mode, dir: h.Typeflag == tar.TypeDir, data: string(b)}
	}
}

// extract writes img's filesystem under dir.
func extract(t *testing.T, img v1.Image, dir string) {
	t.Helper()
	for n, f := range filesOf(t, img) {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if f.dir {
			if err := os.MkdirAll(p, os.FileMode(f.mode)&0o777|0o700); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.data), os.FileMode(f.mode)&0o777); err != nil {
			t.Fatal(err)
		}
	}
}

func sha256File(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
