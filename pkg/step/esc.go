package step

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/octopulumi/octopulumi/internal/safefile"
	"github.com/octopulumi/octopulumi/pkg/auth"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// maxStackConfigFile bounds the stack config file read for its
// environment key.
const maxStackConfigFile = 64 << 20

// checkEnvironments refuses, on a self-managed backend, a stack config file
// that imports Pulumi ESC environments (`environment:`): ESC is a Pulumi
// Cloud service, and the CLI would otherwise fail only once it runs, with
// an error that does not say what to do.
func (s *Settings) checkEnvironments() []error {
	if !s.SelfManaged || s.Stack == "" || s.StackConfigDir == "" {
		return nil
	}
	name := s.Context.Stack.Stack
	// The first that exists is the one the runner copies for the CLI.
	for _, base := range []string{"Pulumi." + name + ".yaml", "Pulumi." + name + ".yml"} {
		path := filepath.Join(s.StackConfigDir, base)
		raw, err := safefile.ReadFile(path, maxStackConfigFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return []error{fmt.Errorf("reading the stack config %s: %w", path, err)}
		}
		var doc struct {
			Environment yaml.Node `yaml:"environment"`
		}
		// A malformed file is the CLI's to report, with its own position.
		if yaml.Unmarshal(raw, &doc) != nil || doc.Environment.Kind == 0 {
			return nil
		}
		return []error{fmt.Errorf("the stack config %s imports Pulumi ESC environments (its environment: key), but ESC needs Pulumi Cloud and the backend %s is self-managed: deploy this stack to Pulumi Cloud, or remove environment: from the file and give the config in it or as %s* variables",
			path, auth.RedactURL(s.Backend), octoenv.ConfigPrefix)}
	}
	return nil
}
