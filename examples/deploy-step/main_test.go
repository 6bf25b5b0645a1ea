package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// TestDemo runs the example as `make demo` does, twice: the first run
// creates the stack and publishes its outputs, the second changes nothing.
func TestDemo(t *testing.T) {
	t.Parallel()
	tools := testbed.Tools(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "deploy-step")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := filepath.Join(dir, "work")
	env := []string{"PATH=" + tools.Bin + ":/usr/bin:/bin", "HOME=" + dir, "PULUMI_HOME=" + filepath.Join(work, "home")}
	install := exec.Command(tools.Pulumi, "plugin", "install", "resource", tools.Provider.Name, tools.Provider.Version,
		"--file", tools.Provider.Tarball, "--non-interactive")
	install.Env = env
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("pulumi plugin install: %v\n%s", err, out)
	}

	for i, want := range []string{"create=2", "same=2"} {
		cmd := exec.Command(bin, "-work", work)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out)
		}
		if !strings.Contains(string(out), "deployed organization/hello-octopus/development: "+want) {
			t.Errorf("run %d did not report %s:\n%s", i+1, want, out)
		}
		vars := map[string]octoenv.Message{}
		if err := octoenv.Scan(strings.NewReader(string(out)), func(m octoenv.Message) error {
			if name, _ := m.Get("name"); m.Name == "setVariable" {
				vars[name] = m
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if v, _ := vars["motdPath"].Get("value"); v != filepath.Join(work, "program", "out", "motd.txt") {
			t.Errorf("run %d: motdPath = %q", i+1, v)
		}
		for _, name := range []string{"greeting", "connection"} {
			if s, _ := vars[name].Get("sensitive"); s != "True" {
				t.Errorf("run %d: the output %s, secret or holding a secret, is not a sensitive variable", i+1, name)
			}
		}
		if v, _ := vars["connection"].Get("value"); v != `{"password":"Hello from Octopus","user":"demo"}` {
			t.Errorf("run %d: connection = %q", i+1, v)
		}
	}
	if b, err := os.ReadFile(filepath.Join(work, "program", "out", "motd.txt")); err != nil || !strings.HasPrefix(string(b), "Hello from Octopus") {
		t.Errorf("motd.txt = %q, %v", b, err)
	}
}
