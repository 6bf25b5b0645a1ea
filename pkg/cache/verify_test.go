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

func TestVerifyReportErr(t *testing.T) {
	t.Parallel()
	broken := Problem{Plugin: "resource-a-v1.0.0", Reason: "executable pulumi-resource-a is missing"}
	repaired := broken
	repaired.Repaired = true
	missing := Plugin{Kind: "resource", Name: "b", Version: "2.0.0"}
	tests := []struct {
		name string
		r    VerifyReport
		want string // "" for no error
	}{
		{"sound", VerifyReport{Home: "/h", Verified: []string{"resource-c-v1.0.0"}}, ""},
		{"unrecorded only", VerifyReport{Home: "/h", Unrecorded: []string{"resource-c-v1.0.0"}}, ""},
		{"repaired", VerifyReport{Home: "/h", Problems: []Problem{repaired}}, ""},
		{"broken", VerifyReport{Home: "/h", Problems: []Problem{broken, repaired}},
			"/h: 1 broken plugin(s): delete them with Repair (octopulumi cache verify --repair), so that the next restore or install redoes them"},
		{"missing", VerifyReport{Home: "/h", Missing: []Plugin{missing}},
			"/h: 1 plugin(s) of the manifest missing, which Pulumi would download: restore them (octopulumi cache restore)"},
		{"both", VerifyReport{Home: "/h", Problems: []Problem{broken}, Missing: []Plugin{missing, missing}},
			"/h: 1 broken plugin(s): delete them with Repair (octopulumi cache verify --repair), so that the next restore or install redoes them; 2 plugin(s) of the manifest missing, which Pulumi would download: restore them (octopulumi cache restore)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.r.Err()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Err() = %v; want nil", err)
				}
				return
			}
			var ve *VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, ErrNotReady) || err.Error() != tt.want {
				t.Fatalf("Err() = %v\nwant a VerifyError %q", err, tt.want)
			}
		})
	}
}

func TestVerifyWithManifestListsWhatPulumiWouldDownload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, bundle := tinyBundle(t, "1.0.0", "1.1.0")
	only10 := &Manifest{Format: ManifestFormat, Plugins: m.Plugins[:1]}
	root := t.TempDir()
	half := filepath.Join(root, "half")
	if _, err := Restore(ctx, bundle, half, WithManifest(only10)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		home    string
		missing string // the missing plugins, comma-separated
		err     error
	}{
		{"one of two restored", half, "resource-tiny-v1.1.0", nil},
		{"home without plugins folder", root, "resource-tiny-v1.0.0,resource-tiny-v1.1.0", nil},
		{"no home", filepath.Join(root, "nonexistent"), "", ErrNoCache},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Verify(ctx, tt.home, WithManifest(m))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Verify = %+v, %v; want %v", r, err, tt.err)
				}
				return
			}
			var got []string
			for _, p := range r.Missing {
				got = append(got, p.Dir())
			}
			if err != nil || strings.Join(got, ",") != tt.missing || !errors.Is(r.Err(), ErrNotReady) || r.Home != tt.home {
				t.Fatalf("Verify = %+v, %v; want %s missing and Err() failing", r, err, tt.missing)
			}
		})
	}
}
