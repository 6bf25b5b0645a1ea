package step_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// On a self-managed backend a stack config file that imports ESC
// environments fails the settings, naming the file and saying ESC needs
// Pulumi Cloud; on Pulumi Cloud, or without the key, it does not.
func TestReadSettingsRefusesESCOnSelfManagedBackend(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	const imports = "environment:\n  - octo/staging\nconfig:\n  two-files:greeting: hi\n"
	for name, tc := range map[string]struct {
		backend, file, content string
		refused                bool
	}{
		"file backend":         {bed.Backend, "Pulumi.staging.yaml", imports, true},
		"s3 backend, .yml":     {"s3://state?endpoint=127.0.0.1:9&disableSSL=true&s3ForcePathStyle=true&region=us-east-1", "Pulumi.staging.yml", imports, true},
		"no environment key":   {bed.Backend, "Pulumi.staging.yaml", "config:\n  two-files:greeting: hi\n", false},
		"another stack's file": {bed.Backend, "Pulumi.prod.yaml", imports, false},
		"pulumi cloud":         {"https://api.pulumi.com", "Pulumi.staging.yaml", imports, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := bed.Program(t, "two-files")
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := step.ReadSettings(step.Config{
				Program: dir,
				Backend: tc.backend,
				Vars:    vars(t, octoenv.Variable{Name: octoenv.VarAccessToken, Value: "pul-0123456789abcdef0123456789abcdef01234567", Sensitive: true}),
			})
			mentions := err != nil && strings.Contains(err.Error(), "ESC needs Pulumi Cloud")
			if mentions != tc.refused {
				t.Fatalf("ReadSettings = %v; want a refusal of ESC: %v", err, tc.refused)
			}
			if !tc.refused {
				return
			}
			var se *step.SettingsError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), path) {
				t.Errorf("the refusal %v is not a SettingsError naming %s", err, path)
			}
		})
	}
}
