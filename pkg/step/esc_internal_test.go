package step

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestImportedEnvironments(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		"environment:\n  - shared/base\n  - web/staging\n":            "shared/base,web/staging",
		"environment:\n  imports:\n    - base\n  values:\n    a: 1\n": "base",
		"environment:\n  values:\n    a: 1\n":                         "(inline)",
	} {
		var doc struct {
			Environment yaml.Node `yaml:"environment"`
		}
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(importedEnvironments(&doc.Environment), ","); got != want {
			t.Errorf("%q: %q, want %q", src, got, want)
		}
	}
}
