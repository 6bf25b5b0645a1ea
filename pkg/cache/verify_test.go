package cache

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVerifyWithoutCacheIsAnError(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tests := []struct {
		name, home string
		plugins    bool
		want       string
	}{
		{"no home", filepath.Join(root, "nonexistent", "home"), false, "does not exist"},
		{"home without plugins", root, true, "no plugins folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Verify(context.Background(), tt.home)
			var nc *NoCacheError
			if !errors.As(err, &nc) || nc.Plugins != tt.plugins || !errors.Is(err, ErrNoCache) || !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("Verify(%s) = %+v, %v; want a NoCacheError (plugins folder: %v)", tt.home, r, err, tt.plugins)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.home) || !strings.Contains(msg, tt.want) {
				t.Fatalf("error = %q; want it to name %s and say %q", msg, tt.home, tt.want)
			}
		})
	}
}

func TestVerifyReportsUnrecordedPlugins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, bundle := tinyBundle(t, "1.0.0", "1.1.0")
	home := t.TempDir()
	if _, err := Restore(ctx, bundle, home); err != nil {
		t.Fatal(err)
	}
	// As `pulumi plugin install` leaves it: the plugin, no octopulumi record.
	if err := os.Remove(filepath.Join(home, "plugins", "resource-tiny-v1.1.0"+recordSuffix)); err != nil {
		t.Fatal(err)
	}
	r, err := Verify(ctx, home, VerifyContents())
	if err != nil || len(r.Problems) != 0 {
		t.Fatalf("Verify = %+v, %v; want no problems", r, err)
	}
	if strings.Join(r.Verified, ",") != "resource-tiny-v1.0.0" || strings.Join(r.Unrecorded, ",") != "resource-tiny-v1.1.0" {
		t.Fatalf("verified %v, unrecorded %v; want 1.0.0 verified and 1.1.0 unrecorded", r.Verified, r.Unrecorded)
	}
}
