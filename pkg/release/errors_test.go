package release_test

import (
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/release"
)

// TestStaleManifestError: the error names every difference and the
// command that fixes them, with the program folder quoted when a shell
// would split it.
func TestStaleManifestError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  release.StaleManifestError
		says []string
	}{
		{
			name: "both ways",
			err:  release.StaleManifestError{Manifest: "infra/Pulumi.plugins.json", Program: "infra", Missing: []string{"resource-aws-v6.2.0"}, Unneeded: []string{"resource-aws-v6.1.0"}},
			says: []string{"infra/Pulumi.plugins.json is stale", "needs resource-aws-v6.2.0", "lists resource-aws-v6.1.0", "`octopulumi cache manifest --program infra`"},
		},
		{
			name: "missing only",
			err:  release.StaleManifestError{Manifest: "Pulumi.plugins.json", Program: ".", Missing: []string{"resource-a-v1.0.0", "resource-b-v1.0.0"}},
			says: []string{"needs resource-a-v1.0.0, resource-b-v1.0.0, which it does not list", "--program ."},
		},
		{
			name: "a folder with a space",
			err:  release.StaleManifestError{Manifest: "my infra/Pulumi.plugins.json", Program: "my infra", Unneeded: []string{"resource-a-v1.0.0"}},
			says: []string{"no longer needs", `--program "my infra"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msg := tc.err.Error()
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("%q does not say %q", msg, s)
				}
			}
		})
	}
}
