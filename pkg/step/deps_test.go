package step_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// TestPrepareRefusesBadRuntimeSettings: a dependency source Octopus could
// not substitute (given as a flag: the variables' are refused when they
// are read) and a transpile switch that is not a boolean are named, all at
// once, before anything runs.
func TestPrepareRefusesBadRuntimeSettings(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	_, err := step.Prepare(context.Background(), step.Config{
		Program:      bed.Program(t, "two-files"),
		Vars:         vars(t, octoenv.Variable{Name: step.VarTranspileOnly, Value: "sometimes"}),
		Backend:      bed.Backend,
		Pulumi:       bed.Tools.Pulumi,
		Dependencies: step.Dependencies{Bundle: "#{Octopus.Action.Package[deps].ExtractedPath}"},
	})
	for _, want := range []string{step.VarDependencyBundle, "Octopus.Action.Package[deps]", step.VarTranspileOnly + ` is "sometimes"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to name %s", err, want)
		}
	}
	if bed.Mirror.Total() != 0 {
		t.Error("pulumi ran although the settings were invalid")
	}
}

// TestReadDependencies reads Pulumi.yaml's runtime and packagemanager
// option as a deploy step does.
func TestReadDependencies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Pulumi.yaml":       "name: app\nruntime:\n  name: nodejs\n  options:\n    packagemanager: pnpm\n",
		"package.json":      `{}`,
		"package-lock.json": `{}`,
		"pnpm-lock.yaml":    "lockfileVersion: '9.0'\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := step.ReadDependencies(context.Background(), dir, []string{"PATH=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if d.Runtime != "nodejs" || d.Manager != "pnpm" || d.Lockfile != "pnpm-lock.yaml" || d.Key == "" {
		t.Errorf("%+v", d)
	}
	if _, err := step.ReadDependencies(context.Background(), testbed.New(t).Program(t, "two-files"), nil); err == nil || !strings.Contains(err.Error(), "yaml runtime's dependencies are not cached") {
		t.Errorf("a YAML program: %v", err)
	}
}
