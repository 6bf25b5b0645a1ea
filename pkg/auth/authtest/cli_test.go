package authtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// cli runs the real pulumi CLI on a program folder, logged in to a fake
// Cloud with a token.
type cli struct {
	t   *testing.T
	bed *testbed.Bed
	env []string
	dir string
}

func newCLI(t *testing.T) (*cli, *authtest.Cloud) {
	t.Helper()
	bed := testbed.New(t)
	cloud, token := authtest.StartCloud(t, "acme")
	return &cli{t: t, bed: bed, env: bed.CloudEnv(cloud.URL, token), dir: bed.Program(t, "two-files")}, cloud
}

// run runs pulumi with args (and --non-interactive) and returns its
// stdout, stderr and exit code.
func (c *cli) run(extraEnv []string, args ...string) (string, string, int) {
	c.t.Helper()
	cmd := exec.Command(c.bed.Tools.Pulumi, append(args, "--non-interactive")...)
	cmd.Dir, cmd.Env = c.dir, append(append([]string{}, c.env...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		c.t.Fatalf("pulumi %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// ok runs pulumi and fails the test unless it exits 0; it returns stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(nil, args...)
	if code != 0 {
		c.t.Fatalf("pulumi %v exited %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
	}
	return out
}

// TestCLIStackCommands drives the fake with the real CLI through the stack
// commands a deploy step and its user run: init, select, ls, tags, config
// with a service-managed secret, up, output, history, export and import,
// cancel, rm.
func TestCLIStackCommands(t *testing.T) {
	t.Parallel()
	c, cloud := newCLI(t)
	const stack = "acme/two-files/dev"
	s := "--stack=" + stack

	c.ok("stack", "init", stack)
	if _, errOut, code := c.run(nil, "stack", "init", stack); code == 0 || !strings.Contains(errOut, "already exists") {
		t.Errorf("a second stack init exited %d: %s", code, errOut)
	}
	c.ok("stack", "select", stack)
	if _, errOut, code := c.run(nil, "stack", "select", "acme/two-files/nope"); code == 0 || !strings.Contains(errOut, "no stack named") {
		t.Errorf("selecting a missing stack exited %d: %s", code, errOut)
	}
	// A stack never updated has no update to cancel.
	if _, errOut, code := c.run(nil, "cancel", "--yes", s); code == 0 || !strings.Contains(errOut, "has never been updated") {
		t.Errorf("cancel on a new stack exited %d: %s", code, errOut)
	}

	c.ok("config", "set", s, "--secret", "greeting", "kept-by-the-service")
	c.ok("stack", "tag", "set", s, "owner", "platform-team")
	if out := c.ok("up", "--yes", "--skip-preview", s, "-m", "first"); !strings.Contains(out, "3 created") {
		t.Errorf("up did not create the resources:\n%s", out)
	}
	var outputs map[string]any
	if err := json.Unmarshal([]byte(c.ok("stack", "output", s, "--json", "--show-secrets")), &outputs); err != nil || outputs["secretGreeting"] != "kept-by-the-service" {
		t.Errorf("stack output --show-secrets = %v (%v)", outputs, err)
	}
	if out := c.ok("stack", "output", s, "secretGreeting"); strings.Contains(out, "kept-by-the-service") {
		t.Error("stack output shows the secret without --show-secrets")
	}
	var tags map[string]string
	if err := json.Unmarshal([]byte(c.ok("stack", "tag", "ls", s, "--json")), &tags); err != nil ||
		tags["owner"] != "platform-team" || tags["pulumi:project"] != "two-files" {
		t.Errorf("stack tag ls = %v (%v): want the user's tag kept beside the project's", tags, err)
	}
	var ls []struct {
		Name          string `json:"name"`
		ResourceCount *int   `json:"resourceCount"`
	}
	if err := json.Unmarshal([]byte(c.ok("stack", "ls", "--json")), &ls); err != nil || len(ls) != 1 ||
		!strings.HasSuffix(ls[0].Name, "dev") || ls[0].ResourceCount == nil || *ls[0].ResourceCount != 4 {
		t.Errorf("stack ls = %+v (%v)", ls, err)
	}

	// Export, then import the same state: a version of its own.
	exported := c.ok("stack", "export", s)
	file := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(file, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(exported, "kept-by-the-service") || !strings.Contains(exported, `"type": "service"`) {
		t.Errorf("the export holds the secret in clear, or no service secrets provider:\n%s", exported)
	}
	c.ok("stack", "import", s, "--file", file)
	if out := c.ok("preview", s); !strings.Contains(out, "3 unchanged") {
		t.Errorf("a preview after the import is not clean:\n%s", out)
	}

	var history []struct {
		Kind    string            `json:"kind"`
		Message string            `json:"message"`
		Version int               `json:"version"`
		Result  string            `json:"result"`
		Changes map[string]int    `json:"resourceChanges"`
		Env     map[string]string `json:"environment"`
	}
	if err := json.Unmarshal([]byte(c.ok("stack", "history", s, "--json")), &history); err != nil || len(history) != 2 {
		t.Fatalf("stack history = %+v (%v), want the import and the update", history, err)
	}
	if h := history[1]; h.Kind != "update" || h.Message != "first" || h.Version != 1 || h.Result != "succeeded" || h.Changes["create"] != 3 || h.Env["exec.kind"] == "" {
		t.Errorf("the update in the history: %+v", h)
	}
	if h := history[0]; h.Kind != "import" || h.Version != 2 {
		t.Errorf("the import in the history: %+v", h)
	}

	if _, errOut, code := c.run(nil, "cancel", "--yes", s); code == 0 || !strings.Contains(errOut, "[409] Conflict: The Update has already completed") {
		t.Errorf("cancel with no update running exited %d: %s", code, errOut)
	}
	if _, errOut, code := c.run(nil, "stack", "rm", "--yes", s); code == 0 || !strings.Contains(errOut, "still has resources") {
		t.Errorf("stack rm of a stack with resources exited %d: %s", code, errOut)
	}
	c.ok("stack", "rm", "--yes", "--force", s)
	if _, ok := cloud.Stack(stack); ok {
		t.Error("the stack is still on the fake after stack rm --force")
	}
}

// TestCLIConsoleLinks: with PULUMI_CONSOLE_DOMAIN set to the fake, the CLI
// prints links to the fake's console pages, which open.
func TestCLIConsoleLinks(t *testing.T) {
	t.Parallel()
	c, cloud := newCLI(t)
	const stack = "acme/two-files/dev"
	console := []string{"PULUMI_CONSOLE_DOMAIN=" + cloud.ConsoleDomain()}
	c.ok("stack", "init", stack)
	out, errOut, code := c.run(console, "up", "--yes", "--skip-preview", "--stack", stack, "-m", "linked")
	if code != 0 {
		t.Fatalf("up exited %d: %s", code, errOut)
	}
	link := cloud.UpdateURL(stack, 1)
	if !strings.Contains(out, link) {
		t.Fatalf("the CLI did not print %s:\n%s", link, out)
	}
	resp, err := cloud.Client().Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page bytes.Buffer
	_, _ = page.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(page.String(), "linked") {
		t.Errorf("GET %s: %s\n%s", link, resp.Status, page.String())
	}

	out, _, _ = c.run(console, "preview", "--stack", stack)
	ups := cloud.Updates(stack)
	last := ups[len(ups)-1]
	if last.Kind != apitype.PreviewUpdate || !strings.Contains(out, cloud.PreviewURL(stack, last.ID)) {
		t.Errorf("the preview's link %s is not in:\n%s", cloud.PreviewURL(stack, last.ID), out)
	}
}
