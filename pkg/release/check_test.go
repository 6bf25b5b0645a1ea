package release

import (
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/cache"
)

func manifestOf(dirs ...string) *cache.Manifest {
	m := &cache.Manifest{Format: cache.ManifestFormat}
	for _, d := range dirs {
		kind, rest, _ := strings.Cut(d, "-")
		name, version, _ := strings.Cut(rest, "-v")
		m.Plugins = append(m.Plugins, cache.Plugin{Kind: kind, Name: name, Version: version})
	}
	return m
}

// TestDiffPlugins: plugins are compared by kind, name and version.
func TestDiffPlugins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		have, need        []string
		missing, unneeded []string
	}{
		{name: "in step", have: []string{"resource-aws-v6.1.0", "resource-random-v4.0.0"}, need: []string{"resource-random-v4.0.0", "resource-aws-v6.1.0"}},
		{name: "a plugin added", have: []string{"resource-aws-v6.1.0"}, need: []string{"resource-aws-v6.1.0", "resource-random-v4.0.0"}, missing: []string{"resource-random-v4.0.0"}},
		{name: "a plugin dropped", have: []string{"resource-aws-v6.1.0", "resource-random-v4.0.0"}, need: []string{"resource-aws-v6.1.0"}, unneeded: []string{"resource-random-v4.0.0"}},
		{name: "a version moved", have: []string{"resource-aws-v6.1.0"}, need: []string{"resource-aws-v6.2.0"}, missing: []string{"resource-aws-v6.2.0"}, unneeded: []string{"resource-aws-v6.1.0"}},
		{name: "empty manifest", need: []string{"resource-b-v1.0.0", "resource-a-v1.0.0"}, missing: []string{"resource-a-v1.0.0", "resource-b-v1.0.0"}},
		{name: "same name, other kind", have: []string{"converter-x-v1.0.0"}, need: []string{"resource-x-v1.0.0"}, missing: []string{"resource-x-v1.0.0"}, unneeded: []string{"converter-x-v1.0.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			missing, unneeded := diffPlugins(manifestOf(tc.have...), manifestOf(tc.need...))
			if !slices.Equal(missing, tc.missing) || !slices.Equal(unneeded, tc.unneeded) {
				t.Errorf("diffPlugins = missing %v, unneeded %v; want %v, %v", missing, unneeded, tc.missing, tc.unneeded)
			}
		})
	}
}
