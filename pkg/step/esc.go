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

// checkEnvironments reads which Pulumi ESC environments the stack config
// file imports (`environment:`), for the task log, and refuses them on a
// self-managed backend: ESC is a Pulumi Cloud service, and the CLI would
// otherwise fail only once it runs, with an error that does not say what to
// do.
func (s *Settings) checkEnvironments() []error {
	if s.Stack == "" || s.StackConfigDir == "" {
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
		s.Environments = importedEnvironments(&doc.Environment)
		if !s.SelfManaged {
			return nil
		}
		return []error{fmt.Errorf("the stack config %s imports Pulumi ESC environments (its environment: key), but ESC needs Pulumi Cloud and the backend %s is self-managed: deploy this stack to Pulumi Cloud, or remove environment: from the file and give the config in it or as %s* variables",
			path, auth.RedactURL(s.Backend), octoenv.ConfigPrefix)}
	}
	return nil
}

// importedEnvironments names the environments an `environment:` key
// imports: a list of names, or a definition with `imports:` (an inline
// definition shows as "(inline)").
func importedEnvironments(n *yaml.Node) []string {
	list := n
	if n.Kind == yaml.MappingNode {
		list = nil
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "imports" {
				list = n.Content[i+1]
			}
		}
		if list == nil {
			return []string{"(inline)"}
		}
	}
	var names []string
	if list.Kind == yaml.SequenceNode {
		for _, item := range list.Content {
			if item.Kind == yaml.ScalarNode {
				names = append(names, item.Value)
			} else if item.Kind == yaml.MappingNode && len(item.Content) > 0 {
				names = append(names, item.Content[0].Value)
			}
		}
	}
	return names
}
