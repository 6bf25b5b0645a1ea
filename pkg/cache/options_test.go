package cache

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEachOptionGoesOnlyToTheFunctionsThatUseIt pins which function takes
// which option: passing any other is a compile error, so no function can
// silently ignore an option it was given.
func TestEachOptionGoesOnlyToTheFunctionsThatUseIt(t *testing.T) {
	t.Parallel()
	const (
		bundle = 1 << iota
		resolve
		restore
		warm
		verify
		prune
		dockerfile
	)
	m := &Manifest{Format: ManifestFormat}
	tests := []struct {
		name string
		opt  any
		to   int
	}{
		{"WithLogger", WithLogger(slog.Default()), bundle | resolve | restore | warm | verify | prune},
		{"WithHTTPClient", WithHTTPClient(http.DefaultClient), bundle | resolve},
		{"WithServer", WithServer("https://m.example"), bundle | resolve | dockerfile},
		{"WithDownloadOverrides", WithDownloadOverrides(""), bundle | resolve | dockerfile},
		{"WithPlatform", WithPlatform("linux-amd64"), bundle | dockerfile},
		{"WithPlatforms", WithPlatforms("linux-arm64"), resolve},
		{"WithPulumi", WithPulumi("pulumi"), resolve},
		{"WithEnv", WithEnv(nil), resolve},
		{"WithManifest", WithManifest(m), restore | warm | verify},
		{"VerifyContents", VerifyContents(), restore | warm | verify},
		{"WithCopy", WithCopy(), restore | warm},
		{"FromBundle", FromBundle("b"), warm},
		{"FromShared", FromShared("s"), warm},
		{"Repair", Repair(), verify},
		{"KeepLatest", KeepLatest(1), prune},
		{"MaxBytes", MaxBytes(1), prune},
		{"WithNow", WithNow(time.Now), prune},
		{"WithImage", WithImage("pulumi/pulumi"), dockerfile},
		{"WithPulumiVersion", WithPulumiVersion("3.274.1"), dockerfile},
		{"WithPulumiHome", WithPulumiHome("/opt/pulumi"), dockerfile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := 0
			for bit, ok := range map[int]bool{
				bundle:     is[BundleOption](tt.opt),
				resolve:    is[ResolveOption](tt.opt),
				restore:    is[RestoreOption](tt.opt),
				warm:       is[WarmOption](tt.opt),
				verify:     is[VerifyOption](tt.opt),
				prune:      is[PruneOption](tt.opt),
				dockerfile: is[DockerfileOption](tt.opt),
			} {
				if ok {
					got |= bit
				}
			}
			if got != tt.to {
				t.Fatalf("%s is taken by functions %07b, want %07b (bits: Dockerfile Prune Verify Warm Restore Resolve Bundle)", tt.name, got, tt.to)
			}
		})
	}
}

func is[O any](opt any) bool {
	_, ok := opt.(O)
	return ok
}

// TestInvalidOptionsAreReportedAtOnce: a caller with two bad options learns
// of both from one call.
func TestInvalidOptionsAreReportedAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := &Manifest{Format: ManifestFormat, Pulumi: "v3.274.1"}
	tests := []struct {
		name string
		call func() error
		want []string
	}{
		{"Prune", func() error {
			_, err := Prune(ctx, t.TempDir(), KeepLatest(0), MaxBytes(-1))
			return err
		}, []string{"cache.KeepLatest", "cache.MaxBytes"}},
		{"Dockerfile", func() error {
			_, err := Dockerfile(m, WithImage("a:b"), WithPulumiHome("rel"), WithPlatform("x"))
			return err
		}, []string{"cache.WithImage", "cache.WithPulumiHome", "cache.WithPlatform"}},
		{"Warm", func() error {
			_, err := Warm(ctx, t.TempDir(), FromBundle(""), FromShared(""), WithManifest(nil))
			return err
		}, []string{"cache.FromBundle", "cache.FromShared", "cache.WithManifest"}},
		{"Resolve", func() error {
			_, err := Resolve(ctx, t.TempDir(), WithServer("ftp://m"), WithPulumi(""), WithPlatforms("?"))
			return err
		}, []string{"cache.WithServer", "cache.WithPulumi", "cache.WithPlatforms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("error = %v; want it to name %s", err, strings.Join(tt.want, ", "))
				}
			}
		})
	}
}

// TestZeroOptionsChangeNothing: an option's zero value, or a nil one, is
// harmless rather than a panic.
func TestZeroOptionsChangeNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []RestoreOption
	}{
		{"zero values", []RestoreOption{LoggerOption{}, ManifestOption{}, ContentsOption{}, CopyOption{}}},
		{"nil", []RestoreOption{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := configure(defaultOptions(), tt.opts, RestoreOption.configureRestore)
			if err != nil || o.deep || o.noLink || o.manifest != nil || o.logger == nil {
				t.Fatalf("configure = %+v, %v; want the defaults", o, err)
			}
		})
	}
}
