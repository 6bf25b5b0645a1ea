package release_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/release"
)

// TestProgramContents: what the program package holds, by the fixed rules,
// the ignore file, the output folder's place and the symlink rules.
func TestProgramContents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		files map[string]string
		// links are symlinks: path → target; "$OUTSIDE" is a file outside
		// the program folder.
		links map[string]string
		// out is the output folder inside the program folder ("": beside it).
		out string
		// want are the entries, sorted; or the error's FileError path and
		// what it says.
		want             []string
		errPath, errSays string
	}{
		{
			name: "left out by name at any depth",
			files: map[string]string{
				"Pulumi.yaml": project, "index.yaml": "x",
				"node_modules/a/index.js": "x", "lib/node_modules/b.js": "x",
				".pulumi/stacks/infra/dev.json": "{}", ".git/HEAD": "ref", "lib/sub/.git": "gitdir: ../..",
				".pulumi-notes/keep.txt": "a lookalike is kept", "lib/util.yaml": "x",
			},
			want: []string{".pulumi-notes/keep.txt", "Pulumi.yaml", "index.yaml", "lib/util.yaml"},
		},
		{
			name: "ignore file in gitignore syntax",
			files: map[string]string{
				release.IgnoreFile: "# build outputs\n*.log\n!keep.log\n/build/\ndocs/**/draft.md\nsecrets/*\n!secrets/README.md\n\n",
				"Pulumi.yaml":      project, "a.log": "x", "logs/b.log": "x", "keep.log": "x",
				"build/out.bin": "x", "src/build/kept.txt": "not anchored at the top",
				"docs/x/y/draft.md": "x", "docs/final.md": "x",
				"secrets/key.pem": "x", "secrets/README.md": "x",
			},
			want: []string{release.IgnoreFile, "Pulumi.yaml", "docs/final.md", "keep.log", "secrets/README.md", "src/build/kept.txt"},
		},
		{
			name: "the ignore file as git reads it",
			files: map[string]string{
				release.IgnoreFile: "*.pem\n!config\nsecret*\n!app\n[!a]*.txt\nabc/**\n!abc/keep\n",
				"Pulumi.yaml":      project,
				"config/key.pem":   "x", "config/app.yaml": "x",
				"app/secrets.json": "x", "app/main.yaml": "x",
				"a.txt": "x", "b.txt": "x",
				"abc/keep": "x", "abc/drop": "x",
			},
			want: []string{release.IgnoreFile, "Pulumi.yaml", "a.txt", "abc/keep", "app/main.yaml", "config/app.yaml"},
		},
		{
			name: "the report folder at the top",
			files: map[string]string{
				"Pulumi.yaml": project, release.ReportFolder + "/summary.md": "x",
				"lib/" + release.ReportFolder + "/kept.txt": "x", release.ReportFolder + "s/kept.txt": "x",
			},
			want: []string{"Pulumi.yaml", "lib/" + release.ReportFolder + "/kept.txt", release.ReportFolder + "s/kept.txt"},
		},
		{
			name:  "ignore file saved on Windows",
			files: map[string]string{release.IgnoreFile: "*.tmp\r\nscratch/\r\n", "Pulumi.yaml": project, "a.tmp": "x", "scratch/b": "x"},
			want:  []string{release.IgnoreFile, "Pulumi.yaml"},
		},
		{
			name:  "output folder inside the program, with an earlier release in it",
			files: map[string]string{"Pulumi.yaml": project, "dist/Infra.0.9.0.zip": "old", "distribution/kept.txt": "x"},
			out:   "dist",
			want:  []string{"Pulumi.yaml", "distribution/kept.txt"},
		},
		{
			name:  "output folder inside the program, not there yet",
			files: map[string]string{"Pulumi.yaml": project},
			out:   "out/packages",
			want:  []string{"Pulumi.yaml"},
		},
		{
			name:  "a symlink to a file inside is packed as that file",
			files: map[string]string{"Pulumi.yaml": project, "docs/readme.md": "read me"},
			links: map[string]string{"docs/link.md": "readme.md", "node_modules": "docs"},
			want:  []string{"Pulumi.yaml", "docs/link.md", "docs/readme.md"},
		},
		{
			name:  "an ignored symlink is not followed",
			files: map[string]string{release.IgnoreFile: "creds\n", "Pulumi.yaml": project},
			links: map[string]string{"creds": "$OUTSIDE"},
			want:  []string{release.IgnoreFile, "Pulumi.yaml"},
		},
		{
			name:    "a symlink out of the folder",
			files:   map[string]string{"Pulumi.yaml": project},
			links:   map[string]string{"config/creds": "$OUTSIDE"},
			errPath: "config/creds", errSays: "outside the program folder",
		},
		{
			name:    "a relative symlink out of the folder",
			files:   map[string]string{"Pulumi.yaml": project},
			links:   map[string]string{"up": "../outside.txt"},
			errPath: "up", errSays: "outside the program folder",
		},
		{
			name:    "a symlink to a folder",
			files:   map[string]string{"Pulumi.yaml": project, "lib/a.yaml": "x"},
			links:   map[string]string{"lib2": "lib"},
			errPath: "lib2", errSays: "symlink to a folder",
		},
		{
			name:    "a symlink to an ignored file",
			files:   map[string]string{release.IgnoreFile: "secret.txt\n", "Pulumi.yaml": project, "secret.txt": "x"},
			links:   map[string]string{"visible.txt": "secret.txt"},
			errPath: "visible.txt", errSays: "left out of the package",
		},
		{
			name:    "a symlink into .git",
			files:   map[string]string{"Pulumi.yaml": project, ".git/config": "[remote]"},
			links:   map[string]string{"gitconfig": ".git/config"},
			errPath: "gitconfig", errSays: "left out of the package",
		},
		{
			name:    "a symlink into the output folder",
			files:   map[string]string{"Pulumi.yaml": project, "dist/Infra.0.9.0.zip": "old"},
			links:   map[string]string{"old.zip": "dist/Infra.0.9.0.zip"},
			out:     "dist",
			errPath: "old.zip", errSays: "left out of the package",
		},
		{
			name:    "a dangling symlink",
			files:   map[string]string{"Pulumi.yaml": project},
			links:   map[string]string{"gone": "nowhere.txt"},
			errPath: "gone", errSays: "symlink to nothing",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			parent := t.TempDir()
			outside := filepath.Join(parent, "outside.txt")
			if err := os.WriteFile(outside, []byte("a secret from outside"), 0o600); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(parent, "infra")
			writeFiles(t, dir, tc.files, sortedKeys(tc.files))
			for link, target := range tc.links {
				p := filepath.Join(dir, filepath.FromSlash(link))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(strings.ReplaceAll(target, "$OUTSIDE", outside), p); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(parent, "dist")
			if tc.out != "" {
				out = filepath.Join(dir, tc.out)
			}
			r, err := release.Build(context.Background(), release.Options{Program: dir, ID: "Infra", Version: "1.0.0", Out: out, Environ: []string{}})
			if tc.errPath != "" {
				fe, ok := errors.AsType[*release.FileError](err)
				if !ok || fe.Path != tc.errPath || !strings.Contains(err.Error(), tc.errSays) || !strings.Contains(err.Error(), release.IgnoreFile) {
					t.Fatalf("Build = %v; want a FileError on %s saying %q and naming the ignore file", err, tc.errPath, tc.errSays)
				}
				if strings.Contains(err.Error(), "a secret from outside") {
					t.Error("the error carries the outside file's content")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Contents, tc.want) {
				t.Errorf("Contents = %q\nwant       %q", r.Contents, tc.want)
			}
			entries, order := readZip(t, r.Files[0].Path)
			if !slices.Equal(order, tc.want) {
				t.Errorf("the zip holds %q, want %q", order, tc.want)
			}
			for link, target := range tc.links {
				if e, ok := entries[link]; ok {
					want := tc.files[filepath.ToSlash(filepath.Join(filepath.Dir(link), target))]
					if e.data != want {
						t.Errorf("%s holds %q, want its target's %q", link, e.data, want)
					}
				}
			}
		})
	}
}

// TestProgramPackageModes: modes are 0755 for a file with any execute bit,
// else 0644, whatever the checkout's umask made them.
func TestProgramPackageModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{"Pulumi.yaml": 0o600, "run.sh": 0o700, "tool": 0o751, "data.json": 0o664} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(project), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	r, err := release.Build(context.Background(), release.Options{Program: dir, ID: "Infra", Version: "1.0.0", Out: t.TempDir(), Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := readZip(t, r.Files[0].Path)
	for name, want := range map[string]os.FileMode{"Pulumi.yaml": 0o644, "run.sh": 0o755, "tool": 0o755, "data.json": 0o644} {
		if got := entries[name].mode; got != want {
			t.Errorf("%s has mode %o in the zip, want %o", name, got, want)
		}
	}
}

// TestNoProjectFile: a package without Pulumi.yaml is refused.
func TestNoProjectFile(t *testing.T) {
	t.Parallel()
	for name, files := range map[string]map[string]string{
		"missing":           {"index.ts": "x"},
		"left out by rules": {release.IgnoreFile: "Pulumi.*\n", "Pulumi.yaml": project},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, files, sortedKeys(files))
			out := t.TempDir()
			_, err := release.Build(context.Background(), release.Options{Program: dir, ID: "Infra", Version: "1.0.0", Out: out, Environ: []string{}})
			if err == nil || !strings.Contains(err.Error(), "no Pulumi.yaml") {
				t.Fatalf("Build = %v, want an error saying the package would hold no Pulumi.yaml", err)
			}
			if left, _ := os.ReadDir(out); len(left) != 0 {
				t.Errorf("a failed build left %v in the output folder", left)
			}
		})
	}
}
