package release_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/release"
)

// fakePlugin writes a plugin tarball as Pulumi publishes them (the
// plugin's files at the root of a .tar.gz named
// pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz) into dir, and returns
// the plugin with the tarball's SHA-256 for this platform.
func fakePlugin(t *testing.T, dir string) cache.Plugin {
	t.Helper()
	p := cache.Plugin{Kind: "resource", Name: "fake", Version: "1.2.3"}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	body := []byte("#!/bin/sh\necho fake provider\n")
	if err := tw.WriteHeader(&tar.Header{Name: "pulumi-resource-fake", Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, p.Asset(cache.Platform())), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	p.Checksums = map[string]string{cache.Platform(): hex.EncodeToString(sum[:])}
	return p
}

// TestPluginBundle: with a manifest, the plugin bundle is made from the
// mirror given (the manifest check is left to the end-to-end tests, which
// have the real CLI), named <id>.Plugins.<version>.tar.gz, and restores;
// without one there is a note; with NoPlugins nothing is downloaded; and a
// failed bundle leaves nothing in the output folder.
func TestPluginBundle(t *testing.T) {
	t.Parallel()
	tarballs := t.TempDir()
	plugin := fakePlugin(t, tarballs)
	for _, tc := range []struct {
		name string
		// manifest is the program's manifest (nil: none).
		manifest  *cache.Manifest
		noPlugins bool
		// want are the kinds of the files written; note is in a note.
		want      []string
		note      string
		downloads int
		// err is what the error matches.
		err error
	}{
		{name: "manifest", manifest: &cache.Manifest{Format: cache.ManifestFormat, Plugins: []cache.Plugin{plugin}},
			want: []string{release.KindProgram, release.KindPlugins, release.KindChecksums}, downloads: 1},
		{name: "no manifest", want: []string{release.KindProgram, release.KindChecksums},
			note: "no Pulumi.plugins.json in "},
		{name: "no plugins", manifest: &cache.Manifest{Format: cache.ManifestFormat, Plugins: []cache.Plugin{plugin}}, noPlugins: true,
			want: []string{release.KindProgram, release.KindChecksums}},
		{name: "tampered tarball", manifest: &cache.Manifest{Format: cache.ManifestFormat, Plugins: []cache.Plugin{{
			Kind: plugin.Kind, Name: plugin.Name, Version: plugin.Version,
			Checksums: map[string]string{cache.Platform(): strings.Repeat("0", 64)},
		}}}, downloads: 1, err: cache.ErrIntegrity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mirror := testbed.NewMirror(t, tarballs)
			dir := t.TempDir()
			writeFiles(t, dir, program, sortedKeys(program))
			if tc.manifest != nil {
				if err := cache.WriteManifest(filepath.Join(dir, cache.ManifestFile), tc.manifest); err != nil {
					t.Fatal(err)
				}
			}
			out := t.TempDir()
			r, err := release.Build(context.Background(), release.Options{
				Program: dir, ID: "MyCompany.Infra", Version: "1.4.2", Out: out, Environ: []string{},
				NoPlugins: tc.noPlugins, SkipManifestCheck: true, Server: mirror.URL,
			})
			if n := mirror.Total(); n != tc.downloads {
				t.Errorf("%d downloads from the mirror, want %d", n, tc.downloads)
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Build = %v, want %v", err, tc.err)
				}
				if left, _ := os.ReadDir(out); len(left) != 0 {
					t.Errorf("a failed build left %v in the output folder", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, f := range r.Files {
				kinds = append(kinds, f.Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("wrote %v, want %v", kinds, tc.want)
			}
			if tc.note != "" && !strings.Contains(strings.Join(r.Notes, "\n"), tc.note) {
				t.Errorf("notes %q lack %q", r.Notes, tc.note)
			}
			if len(r.Files) == 3 {
				restorePlugins(t, r.Files[1], tc.manifest)
			}
		})
	}
}

// restorePlugins restores the plugin bundle f into an empty PULUMI_HOME,
// checking every file against m.
func restorePlugins(t *testing.T, f release.File, m *cache.Manifest) {
	t.Helper()
	if f.Name != "MyCompany.Infra.Plugins.1.4.2.tar.gz" {
		t.Errorf("the plugin bundle is named %s", f.Name)
	}
	home := t.TempDir()
	rep, err := cache.Warm(context.Background(), home, cache.FromBundle(f.Path), cache.WithManifest(m))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Installed) != 1 || len(rep.Missing) != 0 {
		t.Errorf("restore installed %v, missing %v", rep.Installed, rep.Missing)
	}
	if _, err := os.Stat(filepath.Join(home, "plugins", m.Plugins[0].Dir(), "pulumi-resource-fake")); err != nil {
		t.Errorf("the restored plugin lacks its binary: %v", err)
	}
}
