package main_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/cache"
)

// TestDeployFromPluginBundle is the warm start: the step restores the
// provider from a bundle (as an Octopus package would bring it) into an
// empty PULUMI_HOME, through a worker-shared cache, and Pulumi downloads
// nothing.
func TestDeployFromPluginBundle(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	pr := bed.Tools.Provider
	// Upstream CI builds the bundle from the manifest, from a mirror of its own.
	ciMirror := testbed.NewMirror(t, bed.Tools.Plugins)
	raw, err := os.ReadFile(pr.Tarball)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	m := &cache.Manifest{Format: cache.ManifestFormat, Pulumi: "v3.274.1", Plugins: []cache.Plugin{{
		Kind: pr.Kind, Name: pr.Name, Version: pr.Version, Server: ciMirror.URL,
		Checksums: map[string]string{cache.Platform(): hex.EncodeToString(sum[:])},
	}}}
	bundle := filepath.Join(t.TempDir(), "plugins.1.0.0.tar.gz")
	if err := cache.BundleFile(context.Background(), m, bundle); err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(t.TempDir(), "shared-cache")

	dir := bed.Program(t, "two-files")
	if err := cache.WriteManifest(filepath.Join(dir, cache.ManifestFile), m); err != nil {
		t.Fatal(err)
	}
	r := deploy(t, bed, dir, nil, "--plugin-bundle", bundle, "--plugin-cache", shared)
	if r.code != 0 {
		t.Fatalf("deploy exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "octopulumi: plugins: 1 restored") {
		t.Errorf("the log does not report the restore:\n%s", r.stdout)
	}
	if n := bed.Mirror.Total(); n != 0 {
		t.Errorf("the mirror had %d requests; a restored plugin must not be downloaded", n)
	}
	if _, err := os.Stat(filepath.Join(shared, "plugins", "resource-localfile-v"+pr.Version, "pulumi-resource-localfile")); err != nil {
		t.Errorf("the shared cache was not filled: %v", err)
	}
}
