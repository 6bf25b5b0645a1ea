package step

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

func TestDiffArtifactIsPrivateAndNeverClobbers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := &runner.Result{Summary: runner.Summary{"create": 1}, Diff: "+ first\n", Fingerprint: "v1-0123456789abcdef"}
	// Something planted at the name a predictable scheme would use, as
	// another user of a shared temp folder could.
	planted := filepath.Join(dir, "pulumi-preview-org-p-dev-"+res.Fingerprint+".txt")
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, planted); err != nil {
		t.Fatal(err)
	}

	var paths []string
	for range 2 {
		var out bytes.Buffer
		s := &Session{Stack: "org/p/dev", reporter: report.NewOctopus(octoenv.NewWriter(&out))}
		if _, err := s.publishPreview(res, dir); err != nil {
			t.Fatal(err)
		}
		err := octoenv.Scan(&out, func(m octoenv.Message) error {
			if m.Name == octoenv.MessageCreateArtifact {
				path, _ := m.Get("path")
				name, _ := m.Get("name")
				if name != "pulumi-preview-org-p-dev-"+res.Fingerprint+".txt" {
					t.Errorf("artifact name %q, want the stack and fingerprint", name)
				}
				paths = append(paths, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(paths) != 2 || paths[0] == paths[1] {
		t.Fatalf("artifact paths %q, want two distinct files", paths)
	}
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want a regular file readable only by its owner", p, fi.Mode())
		}
		if b, _ := os.ReadFile(p); string(b) != res.Diff {
			t.Errorf("%s holds %q, want the diff", p, b)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("a planted link was followed: the victim now holds %q", b)
	}
}

func TestMarkdownEscapesResourceNames(t *testing.T) {
	t.Parallel()
	res := &runner.Result{
		Summary: runner.Summary{"create": 1},
		Steps: []runner.Step{{
			URN:   "urn:pulumi:dev::p::app:Thing::<img src=x onerror=alert(1)>|[click](javascript:x)",
			Type:  "app:Thing",
			Op:    "create",
			Diffs: []string{"b", "a"},
		}},
		Fingerprint: "v1-00",
	}
	md := Markdown("org/p/dev", res)
	for _, bad := range []string{"<img", "[click]", "|[", "javascript:x)|"} {
		if strings.Contains(md, bad) {
			t.Errorf("Markdown holds %q unescaped:\n%s", bad, md)
		}
	}
	if !strings.Contains(md, "&lt;img src=x onerror=alert(1)&gt;\\|\\[click\\](javascript:x) | app:Thing | create | a, b |") {
		t.Errorf("Markdown row not as expected:\n%s", md)
	}
}
