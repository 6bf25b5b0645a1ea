package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/octopulumi/octopulumi"

// cliFrameworks are command-line libraries that only adapters may use.
var cliFrameworks = []string{
	"github.com/spf13/cobra",
	"github.com/spf13/pflag",
	"github.com/urfave/cli",
	"github.com/alecthomas/kingpin",
	"github.com/alecthomas/kong",
	"github.com/peterbourgon/ff",
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func goList(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,Imports,Deps"}, args...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatalf("go list %v listed no package", args)
	}
	return pkgs
}

func TestLibraryImports(t *testing.T) {
	t.Parallel()
	for _, p := range goList(t, "-test", "./pkg/...") {
		for _, imp := range p.Imports {
			for _, banned := range []string{module + "/adapters", module + "/examples"} {
				if imp == banned || strings.HasPrefix(imp, banned+"/") {
					t.Errorf("%s imports %s: pkg/ must never import adapters/ or examples/", p.ImportPath, imp)
				}
			}
		}
		for _, dep := range p.Deps {
			for _, fw := range cliFrameworks {
				if dep == fw || strings.HasPrefix(dep, fw+"/") {
					t.Errorf("%s depends on the CLI framework %s: only adapters/ may", p.ImportPath, dep)
				}
			}
		}
	}
}

// TestStandalonePackages checks DESIGN.md's rule that octoenv, auth and
// cache import nothing of ours, so a user can take one without the others.
func TestStandalonePackages(t *testing.T) {
	t.Parallel()
	for _, p := range goList(t, "./pkg/octoenv/...", "./pkg/auth", "./pkg/cache/...") {
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") {
				t.Errorf("%s imports %s: it must import nothing of ours", p.ImportPath, imp)
			}
		}
	}
}

func TestNoPulumiPkgModule(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "mod", "edit", "-json")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var mod struct{ Require []struct{ Path string } }
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	if len(mod.Require) == 0 {
		t.Fatal("go.mod lists no requirement: the test is not reading the library's go.mod")
	}
	for _, r := range mod.Require {
		if r.Path == "github.com/pulumi/pulumi/pkg/v3" {
			t.Errorf("the library module requires %s; it belongs in tools/ only", r.Path)
		}
	}
	for _, p := range goList(t, "-deps", "./...") {
		if strings.HasPrefix(p.ImportPath, "github.com/pulumi/pulumi/pkg/v3") {
			t.Errorf("the library module builds %s; it must not depend on pkg/v3", p.ImportPath)
		}
	}
}
