package step

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"gopkg.in/yaml.v3"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// maxProjectFile bounds Pulumi.yaml: a project file is a few KiB.
const maxProjectFile = 4 << 20

// project is what the step needs of Pulumi.yaml; the CLI validates the
// rest itself.
type project struct {
	Name string `yaml:"name"`
	// Runtime is the language runtime's name.
	Runtime string `yaml:"-"`
	// StackConfigDir is where the Pulumi.<stack>.yaml files are, relative
	// to the program folder; empty means the program folder.
	StackConfigDir string    `yaml:"stackConfigDir"`
	RawRuntime     yaml.Node `yaml:"runtime"`
}

// readProject reads Pulumi.yaml in dir, a regular file of bounded size,
// and says plainly what is wrong with the folder or the file.
func readProject(dir string) (*project, error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("the program folder %s does not exist: check the step's program folder (--program); for a package, #{Octopus.Action.Package[<name>].ExtractedPath} with the name of the step's package reference", dir)
	case err != nil:
		return nil, fmt.Errorf("the program folder %s: %w", dir, err)
	case !info.IsDir():
		return nil, fmt.Errorf("the program folder %s is a file, not a folder: point the step at the folder holding Pulumi.yaml", dir)
	}
	for _, file := range []string{"Pulumi.yaml", "Pulumi.yml"} {
		path := filepath.Join(dir, file)
		raw, err := safefile.ReadFile(path, maxProjectFile)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		var proj project
		if err := yaml.Unmarshal(raw, &proj); err != nil {
			return nil, fmt.Errorf("%s is not valid YAML: %w", path, err)
		}
		if proj.Name == "" {
			return nil, fmt.Errorf("%s has no project name (name:)", path)
		}
		if err := tokens.ValidateProjectName(proj.Name); err != nil {
			return nil, fmt.Errorf("%s: its name: %q is not a valid Pulumi project name: %w; fix the program's Pulumi.yaml", path, proj.Name, err)
		}
		// runtime: nodejs, or runtime: {name: nodejs, options: …}
		proj.Runtime = proj.RawRuntime.Value
		if proj.RawRuntime.Kind == yaml.MappingNode {
			var r struct {
				Name string `yaml:"name"`
			}
			if err := proj.RawRuntime.Decode(&r); err == nil {
				proj.Runtime = r.Name
			}
		}
		return &proj, nil
	}
	return nil, fmt.Errorf("the program folder %s holds no Pulumi.yaml: point the step at the Pulumi program's folder", dir)
}
