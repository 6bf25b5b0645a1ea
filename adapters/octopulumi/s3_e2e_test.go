package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
)

// TestDeployOnS3EndToEnd: `octopulumi deploy` with an s3:// backend on the
// test's loopback S3 server. The bucket's credentials are in the step's
// environment, as a worker or a script would give them; the state lands in
// the bucket, and neither the secret key nor the secret config is in the
// task log.
func TestDeployOnS3EndToEnd(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	bucket := testbed.S3(t)
	dir := bed.Program(t, "two-files")
	env := stepEnv(bed)
	for k, v := range bucket.Env {
		env = append(env, k+"="+v)
	}
	env = append(env, "OCTOPULUMI_SECRET_Pulumi__Config__greeting=bonjour-s3")
	args := []string{"deploy", "--program", dir, "--backend", bucket.URL, "--pulumi-home", bed.Home}

	first := runBinary(t, env, args...)
	if first.code != 0 {
		t.Fatalf("deploy exited %d\nstdout:\n%s\nstderr:\n%s", first.code, first.stdout, first.stderr)
	}
	vars := first.variables()
	if got := value(vars, "firstPath"); got != filepath.Join(dir, "out", "first.txt") {
		t.Errorf("output firstPath = %q", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "first.txt")); err != nil || string(b) != "bonjour-s3" {
		t.Errorf("first.txt = %q, %v", b, err)
	}
	cp, ok := bucket.Get(".pulumi/stacks/two-files/staging.json")
	if !ok || !strings.Contains(string(cp), "localfile:index:File::second") {
		t.Errorf("the bucket holds no state for the staging stack; keys: %v", bucket.Keys(t, ""))
	}
	if locks := bucket.Keys(t, ".pulumi/locks/"); len(locks) != 0 {
		t.Errorf("lock files left in the bucket: %v", locks)
	}
	withoutVar := strings.ReplaceAll(first.stdout, vars["secretGreeting"].String(), "")
	for _, secret := range []string{"bonjour-s3", testbed.Passphrase, bucket.SecretKey()} {
		if strings.Contains(withoutVar+first.stderr, secret) {
			t.Errorf("a secret (%.4s…) appears in the task log", secret)
		}
	}

	again := runBinary(t, env, args...)
	if again.code != 0 || !strings.Contains(again.stdout, "same=3") {
		t.Errorf("second deploy: exit %d, want an update with no changes:\n%s\n%s", again.code, again.stdout, again.stderr)
	}
}
