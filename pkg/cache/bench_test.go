//go:build cachebench

package cache

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/internal/testbed"
)

// TestRestoreBenchmark compares, in one run, a restore from an extracted
// bundle into a fresh PULUMI_HOME with `pulumi plugin install` of the same
// plugins from a loopback mirror, for 100 MB and 1 GB of plugins. It is
// behind the cachebench build tag: `make bench-cache`.
func TestRestoreBenchmark(t *testing.T) {
	tc := testbed.Tools(t)
	ctx := context.Background()
	sets := []struct {
		name  string
		sizes []int64 // MB per plugin
	}{
		{"100 MB", []int64{30, 70}},
		{"1 GB", []int64{300, 700}},
	}
	type result struct {
		name             string
		bytes            int64
		restore, install time.Duration
	}
	var results []result
	for si, set := range sets {
		root, err := os.MkdirTemp(filepath.Dir(t.TempDir()), "bench-*")
		if err != nil {
			t.Fatal(err)
		}
		tarballs := filepath.Join(root, "mirror")
		if err := os.Mkdir(tarballs, 0o755); err != nil {
			t.Fatal(err)
		}
		mirror := testbed.NewMirror(t, tarballs)
		m := &Manifest{Format: ManifestFormat}
		var total int64
		for i, mb := range set.sizes {
			p := Plugin{Kind: "resource", Name: fmt.Sprintf("bench%d", si*10+i), Version: "1.0.0", Server: mirror.URL}
			sum := syntheticTarball(t, filepath.Join(tarballs, p.Asset(Platform())), p.Binary(), mb<<20, uint64(si*10+i))
			p.Checksums = map[string]string{Platform(): sum}
			m.Plugins = append(m.Plugins, p)
			total += mb << 20
		}
		// The bundle, extracted as Tentacle would.
		bundle := filepath.Join(root, "bundle.tar")
		if err := BundleFile(ctx, m, bundle); err != nil {
			t.Fatal(err)
		}
		extracted := filepath.Join(root, "extracted")
		os.Mkdir(extracted, 0o755)
		if out, err := exec.Command("tar", "-xf", bundle, "-C", extracted).CombinedOutput(); err != nil {
			t.Fatalf("tar -x: %v %s", err, out)
		}
		os.Remove(bundle)

		var restores, installs []time.Duration
		for run := range 5 {
			home := filepath.Join(root, fmt.Sprintf("restore-%d", run))
			start := time.Now()
			r, err := Restore(ctx, extracted, home, WithManifest(m))
			restores = append(restores, time.Since(start))
			if err != nil || len(r.Installed) != len(m.Plugins) {
				t.Fatalf("Restore = %+v, %v", r, err)
			}
			if missing, _ := Check(home, m); len(missing) != 0 {
				t.Fatalf("after restore, missing %v", missing)
			}
			os.RemoveAll(home)
		}
		for run := range 2 {
			home := filepath.Join(root, fmt.Sprintf("install-%d", run))
			env := []string{"PATH=" + tc.Bin + ":/usr/bin:/bin", "HOME=" + root, "PULUMI_HOME=" + home, "PULUMI_SKIP_UPDATE_CHECK=true"}
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, len(m.Plugins))
			for i, p := range m.Plugins {
				wg.Go(func() {
					cmd := exec.Command(tc.Pulumi, "plugin", "install", p.Kind, p.Name, p.Version, "--server", mirror.URL, "--checksum", p.Checksums[Platform()])
					cmd.Env = env
					if out, err := cmd.CombinedOutput(); err != nil {
						errs[i] = fmt.Errorf("%v: %s", err, out)
					}
				})
			}
			wg.Wait()
			installs = append(installs, time.Since(start))
			for _, err := range errs {
				if err != nil {
					t.Fatalf("pulumi plugin install: %v", err)
				}
			}
			if missing, _ := Check(home, m); len(missing) != 0 {
				t.Fatalf("after pulumi plugin install, missing %v", missing)
			}
			os.RemoveAll(home)
		}
		results = append(results, result{set.name, total, median(restores), median(installs)})
		os.RemoveAll(root)
	}
	fmt.Printf("\n%-8s %14s %14s %24s %8s\n", "plugins", "bytes", "restore", "pulumi plugin install", "ratio")
	for _, r := range results {
		ratio := float64(r.install) / float64(r.restore)
		fmt.Printf("%-8s %14d %14s %24s %7.0fx\n", r.name, r.bytes, r.restore.Round(10*time.Microsecond), r.install.Round(time.Millisecond), ratio)
		if ratio < 20 {
			t.Errorf("%s: restore is only %.1fx faster than pulumi plugin install, target 20x", r.name, ratio)
		}
	}
	fmt.Printf("restore time, 1 GB vs 100 MB: %.2fx (flat is 1x)\n\n", float64(results[1].restore)/float64(results[0].restore))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// syntheticTarball writes a plugin tarball holding one binary of size bytes:
// an ELF header, then alternating 64 KiB blocks of random bytes and of
// repetitive text, which compress about as well as a real Go provider
// binary (to roughly half). It returns the tarball's SHA-256.
func syntheticTarball(t *testing.T, path, binary string, size int64, seed uint64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: binary, Mode: 0o755, Size: size, Typeflag: tar.TypeReg, ModTime: epoch}); err != nil {
		t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{byte(seed)})
	block := make([]byte, 64<<10)
	text := []byte("github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin.(*provider).Create\x00")
	header := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 57)...)
	var written int64
	for i := 0; written < size; i++ {
		if i%2 == 0 {
			rng.Read(block)
		} else {
			for j := 0; j < len(block); j += len(text) {
				copy(block[j:], text)
			}
		}
		if i == 0 {
			copy(block, header)
		}
		n := min(int64(len(block)), size-written)
		if _, err := tw.Write(block[:n]); err != nil {
			t.Fatal(err)
		}
		written += n
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
