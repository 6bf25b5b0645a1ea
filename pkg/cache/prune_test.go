package cache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestPruneWithoutCache: a mistyped home is an error, not a silent prune
// of nothing; a home where nothing was ever installed has nothing to prune,
// and the report says so.
func TestPruneWithoutCache(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		home      string
		err       error
		noPlugins bool
	}{
		{"no such home", filepath.Join(root, "nonexistent"), ErrNoCache, false},
		{"home is a file", file, ErrNoCache, false},
		{"home without plugins folder", root, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Prune(context.Background(), tt.home, KeepLatest(1))
			if tt.err != nil {
				if !errors.Is(err, tt.err) || r != nil {
					t.Fatalf("Prune = %+v, %v; want %v", r, err, tt.err)
				}
				return
			}
			if err != nil || r.NoPlugins != tt.noPlugins || len(r.Removed) != 0 {
				t.Fatalf("Prune = %+v, %v; want NoPlugins %v", r, err, tt.noPlugins)
			}
		})
	}
}
