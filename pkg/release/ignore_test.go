package release

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ignoreCases are ignore files, the paths they are asked about and the
// paths they leave out, as gitignore(5) and git itself say. A path that
// ends in '/' is a folder; every other path is a file.
var ignoreCases = []struct {
	name  string
	rules string
	paths []string
	want  []string
}{
	{
		name:  "a negated folder name does not bring back a file matched by name",
		rules: "*.pem\n!config\n",
		paths: []string{"config/key.pem", "config/app.yaml", "key.pem", "config/"},
		want:  []string{"config/key.pem", "key.pem"},
	},
	{
		name:  "a negated folder name does not bring back a file matched by prefix",
		rules: "secret*\n!app\n",
		paths: []string{"app/secrets.json", "app/main.yaml", "secrets.json", "app/"},
		want:  []string{"app/secrets.json", "secrets.json"},
	},
	{
		name:  "a set negated with !",
		rules: "[!a]*.txt\n",
		paths: []string{"a.txt", "b.txt", "sub/a.txt", "sub/b.txt", "ab.txt", "ba.txt"},
		want:  []string{"b.txt", "ba.txt", "sub/b.txt"},
	},
	{
		name:  "a set negated with ^",
		rules: "[^a]*.txt\n",
		paths: []string{"a.txt", "b.txt"},
		want:  []string{"b.txt"},
	},
	{
		name:  "what a folder/** leaves out can be brought back, but not inside a subfolder it leaves out",
		rules: "abc/**\n!abc/keep\n",
		paths: []string{"abc/keep", "abc/drop", "abc/sub/keep", "abc/", "abc/sub/"},
		want:  []string{"abc/drop", "abc/sub/", "abc/sub/keep"},
	},
	{
		name:  "a brought-back folder under folder/** keeps its own contents out",
		rules: "abc/**\n!abc/keep/\n",
		paths: []string{"abc/keep/", "abc/keep/x", "abc/other"},
		want:  []string{"abc/keep/x", "abc/other"},
	},
	{
		name:  "nothing comes back from inside a folder left out",
		rules: "build/\n!build/keep.txt\n",
		paths: []string{"build/keep.txt", "build/x.o", "src/build/y", "build/", "src/build/"},
		want:  []string{"build/", "build/keep.txt", "build/x.o", "src/build/", "src/build/y"},
	},
	{
		name:  "a folder's contents left out, one brought back",
		rules: "build/*\n!build/keep.txt\n",
		paths: []string{"build/keep.txt", "build/x.o", "build/sub/z", "build/"},
		want:  []string{"build/sub/z", "build/x.o"},
	},
	{
		name:  "a trailing slash matches folders only",
		rules: "logs/\n",
		paths: []string{"logs/a.txt", "src/logs", "logs/"},
		want:  []string{"logs/", "logs/a.txt"},
	},
	{
		name:  "a leading slash anchors",
		rules: "/todo.txt\n",
		paths: []string{"todo.txt", "docs/todo.txt"},
		want:  []string{"todo.txt"},
	},
	{
		name:  "a slash in the middle anchors",
		rules: "doc/frotz\n",
		paths: []string{"doc/frotz", "a/doc/frotz"},
		want:  []string{"doc/frotz"},
	},
	{
		name:  "a star before a slash stays in one folder",
		rules: "*/cache/\n",
		paths: []string{"a/cache/x", "cache/y", "a/b/cache/z", "a/cache/", "cache/", "a/b/cache/"},
		want:  []string{"a/cache/", "a/cache/x"},
	},
	{
		name:  "leading **/ matches at any depth",
		rules: "**/foo\n",
		paths: []string{"foo", "a/foo", "a/b/foo/bar", "a/b/foo/"},
		want:  []string{"a/b/foo/", "a/b/foo/bar", "a/foo", "foo"},
	},
	{
		name:  "leading **/ then a path",
		rules: "**/foo/bar\n",
		paths: []string{"foo/bar", "x/foo/bar", "foo/x/bar"},
		want:  []string{"foo/bar", "x/foo/bar"},
	},
	{
		name:  "/**/ matches no folder or many",
		rules: "a/**/b\n",
		paths: []string{"a/b", "a/x/b", "a/x/y/b", "a/xb", "b"},
		want:  []string{"a/b", "a/x/b", "a/x/y/b"},
	},
	{
		name:  "other runs of stars are one star",
		rules: "x/a**b\n",
		paths: []string{"x/ab", "x/ayyb", "x/a/b"},
		want:  []string{"x/ab", "x/ayyb"},
	},
	{
		name:  "stars after a path's literal head reach into folders, as in git",
		rules: "d/foo**\n!d/foobar/\n",
		paths: []string{"d/foobar/", "d/foobar/baz", "d/foo.txt"},
		want:  []string{"d/foo.txt", "d/foobar/baz"},
	},
	{
		name:  "a name pattern's stars are plain stars",
		rules: "a**b\n",
		paths: []string{"ab", "axxb", "x/ayb"},
		want:  []string{"ab", "axxb", "x/ayb"},
	},
	{
		name:  "? and * do not match a slash",
		rules: "x/a?b\nx/c*d\n",
		paths: []string{"x/acb", "x/a/b", "x/cxxd", "x/c/d"},
		want:  []string{"x/acb", "x/cxxd"},
	},
	{
		name:  "a backslash makes ! # * and [ literal",
		rules: "\\!important.txt\n\\#notes.md\nfoo\\*\nbar\\[x]\n",
		paths: []string{"!important.txt", "important.txt", "#notes.md", "foo*", "foox", "bar[x]", "barx"},
		want:  []string{"!important.txt", "#notes.md", "bar[x]", "foo*"},
	},
	{
		name:  "trailing spaces are dropped unless escaped",
		rules: "spaced.txt   \nkeep\\ \n",
		paths: []string{"spaced.txt", "keep ", "keep"},
		want:  []string{"keep ", "spaced.txt"},
	},
	{
		name:  "the last matching rule wins",
		rules: "!important.log\n*.log\n*.tmp\n!keep.tmp\n",
		paths: []string{"a.log", "important.log", "a.tmp", "keep.tmp"},
		want:  []string{"a.log", "a.tmp", "important.log"},
	},
	{
		name:  "comments, blank lines and lines of spaces",
		rules: "# *.txt\n\n   \nfile.md\n",
		paths: []string{"a.txt", "file.md", "# *.txt"},
		want:  []string{"file.md"},
	},
	{
		name:  "ranges, classes and a leading ]",
		rules: "[0-9]*.tmp\n*.[[:upper:]]\nfile[a-]\n[]]x\n[[:digit:][:space:]]y\n",
		paths: []string{"1.tmp", "a.tmp", "x.Z", "x.z", "file-", "filea", "fileb", "]x", "ax", "5y", " y", "ay"},
		want:  []string{" y", "1.tmp", "5y", "]x", "file-", "filea", "x.Z"},
	},
	{
		name:  "an unclosed set or unknown class matches nothing",
		rules: "[abc\n[[:nope:]]x\n",
		paths: []string{"[abc", "a", "ax", "[[:nope:]]x"},
		want:  nil,
	},
	{
		name:  "lines ending in CR LF",
		rules: "*.tmp\r\nscratch/\r\n",
		paths: []string{"a.tmp", "scratch/b", "scratch/"},
		want:  []string{"a.tmp", "scratch/", "scratch/b"},
	},
	{
		name:  "case matters",
		rules: "*.TXT\n",
		paths: []string{"a.txt", "b.TXT"},
		want:  []string{"b.TXT"},
	},
	{
		name:  "an allowlist: everything out, then folders and YAML back",
		rules: "*\n!*/\n!*.yaml\n",
		paths: []string{"a.yaml", "a.txt", "d/b.yaml", "d/b.txt", "d/"},
		want:  []string{"a.txt", "d/b.txt"},
	},
	{
		name:  "a trailing /** leaves out the contents, not the folder",
		rules: "logs/**\n!logs/b/\n",
		paths: []string{"logs/a", "logs/b/c", "logs/", "logs/b/"},
		want:  []string{"logs/a", "logs/b/c"},
	},
	{
		name:  "a UTF-8 byte order mark is not part of the first pattern",
		rules: "\ufeffa.txt\n",
		paths: []string{"a.txt", "b.txt"},
		want:  []string{"a.txt"},
	},
}

// TestIgnoreRules: each ignore file leaves out what gitignore(5) says,
// checked against `git check-ignore` when git is there (always in CI).
func TestIgnoreRules(t *testing.T) {
	t.Parallel()
	for _, tc := range ignoreCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rules := parseIgnore([]byte(tc.rules))
			var got []string
			for _, p := range tc.paths {
				if rules.ignores(strings.TrimSuffix(p, "/"), strings.HasSuffix(p, "/")) {
					got = append(got, p)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("left out %q\nwant        %q", got, tc.want)
			}
			t.Run("git", func(t *testing.T) {
				t.Parallel()
				if git := gitIgnored(t, tc.rules, tc.paths); !slices.Equal(git, tc.want) {
					t.Errorf("git check-ignore leaves out %q\nthe table says        %q", git, tc.want)
				}
			})
		})
	}
}

// gitIgnored asks git which of paths a .gitignore of rules ignores, in a
// new repository with no other ignore file (no global or system
// configuration). It skips the test without git, or fails it with CI=true.
// Folders (paths ending in '/') are made, since git asks the disk whether a
// path is a folder; files need not exist, as git judges them by name.
func gitIgnored(t *testing.T, rules string, paths []string) []string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		msg := "git is not on PATH, so the ignore rules are not checked against git check-ignore: install git"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	// No GIT_DIR or other GIT_* of the caller's (a test run from a git
	// hook has some), no configuration but the repository's.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GIT_") })
	env = append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+dir, "XDG_CONFIG_HOME="+dir)
	repo := filepath.Join(dir, "repo")
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(git, append([]string{"-C", repo, "-c", "core.ignoreCase=false"}, args...)...)
		cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if err != nil && errOut.Len() > 0 {
			err = errors.New(err.Error() + ": " + errOut.String())
		}
		return out.String(), err
	}
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := run("", "init", "-q"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, ".gitignore"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(filepath.Join(repo, filepath.FromSlash(p)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		names = append(names, strings.TrimSuffix(p, "/"))
	}
	// -z: paths in and out are NUL-separated, never quoted. Exit status 1
	// means that no path is ignored.
	out, err := run(strings.Join(names, "\x00"), "check-ignore", "--no-index", "-z", "--stdin")
	if exit, ok := errors.AsType[*exec.ExitError](err); ok && exit.ExitCode() == 1 && out == "" {
		return nil
	}
	if err != nil {
		t.Fatalf("git check-ignore: %v", err)
	}
	var ignored []string
	for name := range strings.SplitSeq(strings.TrimSuffix(out, "\x00"), "\x00") {
		i := slices.Index(names, name)
		if i < 0 {
			t.Fatalf("git check-ignore answered %q, which was not asked", name)
		}
		ignored = append(ignored, paths[i])
	}
	slices.Sort(ignored)
	return ignored
}
