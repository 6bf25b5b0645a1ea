package archtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// leaves are the internal packages any library package may use: each does
// one thing and imports nothing of ours but other leaves.
var leaves = []string{
	module + "/internal/filelock",
	module + "/internal/pulumicmd",
	module + "/internal/redact",
	module + "/internal/runfolder",
	module + "/internal/safefile",
	module + "/internal/zwsp",
}

func isLeaf(imp string) bool {
	for _, l := range leaves {
		if imp == l {
			return true
		}
	}
	return false
}

// TestStandalonePackages checks DESIGN.md's rule that octoenv, auth, cache,
// runner, accounts and prcomment import nothing of ours (but internal leaves), so a
// user can take one without the others (and the AWS SDK comes only with
// accounts), and that the leaves are leaves.
func TestStandalonePackages(t *testing.T) {
	t.Parallel()
	args := []string{"./pkg/octoenv/...", "./pkg/auth", "./pkg/cache/...", "./pkg/runner", "./pkg/accounts", "./pkg/prcomment/..."}
	for _, l := range leaves {
		args = append(args, "./"+strings.TrimPrefix(l, module+"/"))
	}
	for _, p := range goList(t, args...) {
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") && !isLeaf(imp) {
				t.Errorf("%s imports %s: it must import nothing of ours but the internal leaves", p.ImportPath, imp)
			}
		}
	}
}

// TestReportersStandApart checks that pkg/report builds on octoenv alone
// (the Octopus specifics stay there), and that the parsers its tests and the
// CI jobs' tests read its formats with (reporttest) are independent of it:
// a parser that shared the reporters' code would agree with their mistakes.
func TestReportersStandApart(t *testing.T) {
	t.Parallel()
	allowed := map[string][]string{
		module + "/pkg/report":            {module + "/pkg/octoenv"},
		module + "/pkg/report/reporttest": {module + "/pkg/octoenv"},
	}
	for _, p := range goList(t, "./pkg/report/...") {
		ok, listed := allowed[p.ImportPath]
		if !listed {
			t.Errorf("%s is not listed here: say what it may import", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") && !isLeaf(imp) && !slices.Contains(ok, imp) {
				t.Errorf("%s imports %s: it may import only %v and the internal leaves", p.ImportPath, imp, ok)
			}
		}
	}
}

// TestOneComposer checks that pkg/step is the one place that composes the
// library's packages: no other package imports two of them.
func TestOneComposer(t *testing.T) {
	t.Parallel()
	parts := []string{module + "/pkg/octoenv", module + "/pkg/auth", module + "/pkg/cache", module + "/pkg/runner", module + "/pkg/accounts"}
	for _, p := range goList(t, "./pkg/...", "./internal/...") {
		if p.ImportPath == module+"/pkg/step" || strings.HasSuffix(p.ImportPath, "_test") || strings.HasPrefix(p.ImportPath, module+"/pkg/auth/") {
			continue
		}
		var used []string
		for _, imp := range p.Imports {
			for _, part := range parts {
				if imp == part {
					used = append(used, imp)
				}
			}
		}
		if len(used) > 1 {
			t.Errorf("%s imports %v: only pkg/step composes the library's packages", p.ImportPath, used)
		}
	}
}

// TestAdaptersAreThin checks that adapters call the step (or one library
// function) and print: they never drive the runner or a process themselves.
func TestAdaptersAreThin(t *testing.T) {
	t.Parallel()
	banned := []string{module + "/pkg/runner", module + "/internal/pulumicmd", module + "/internal/runfolder", "os/exec"}
	for _, p := range goList(t, "./adapters/...") {
		for _, imp := range p.Imports {
			for _, b := range banned {
				if imp == b {
					t.Errorf("%s imports %s: an adapter parses, calls the step or one library function, and prints", p.ImportPath, imp)
				}
			}
		}
	}
}

// TestOneProcessOwner checks that only internal/pulumicmd starts a
// process in the library: every pulumi process passes through its one
// command builder, environment builder and guard.
func TestOneProcessOwner(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../pkg/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../internal/*/*.go")
	files = append(files, more...)
	if len(files) < 20 {
		t.Fatalf("found only %d files: the test is not reading the library", len(files))
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.Contains(f, "/internal/pulumicmd/") || strings.Contains(f, "/internal/testbed/") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range []string{"exec.Command(", "exec.CommandContext(", "os.StartProcess(", "syscall.ForkExec("} {
			if bytes.Contains(src, []byte(call)) {
				t.Errorf("%s calls %s: only internal/pulumicmd starts processes", f, call)
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
