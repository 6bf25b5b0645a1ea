package testbed

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"
)

//go:embed testdata/programs
var programs embed.FS

// Passphrase is the test bed's state passphrase; it is also a known secret
// that tests can look for in output that must not contain it.
const Passphrase = "correct-horse-battery-staple-testbed"

// Bed is one test's isolated Pulumi world.
type Bed struct {
	Tools Toolchain
	// Home is an empty PULUMI_HOME of this test's own.
	Home string
	// Backend is a file:// backend URL in a temp folder.
	Backend string
	// Mirror serves the toolchain's plugin tarballs.
	Mirror *Mirror
	// Dir is a scratch folder for programs and what they write.
	Dir string
}

// New returns a fresh Bed; see the package doc.
func New(tb testing.TB) *Bed {
	tb.Helper()
	tc := Tools(tb)
	root := tb.TempDir()
	b := &Bed{
		Tools:   tc,
		Home:    filepath.Join(root, "home"),
		Backend: "file://" + filepath.Join(root, "state"),
		Mirror:  NewMirror(tb, tc.Plugins),
		Dir:     root,
	}
	for _, d := range []string{b.Home, strings.TrimPrefix(b.Backend, "file://"), filepath.Join(root, "credentials")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	return b
}

// Env is a complete environment for a pulumi process on this bed, for tests
// that run the CLI themselves: PATH with the toolchain first, PULUMI_HOME,
// the backend, the passphrase, a private credentials folder and HOME, and no
// update checks. Nothing else from the test process leaks in.
func (b *Bed) Env() []string {
	return []string{
		"PATH=" + b.Tools.Bin + string(os.PathListSeparator) + "/usr/local/bin:/usr/bin:/bin",
		"HOME=" + b.Dir,
		"PULUMI_HOME=" + b.Home,
		"PULUMI_BACKEND_URL=" + b.Backend,
		"PULUMI_CONFIG_PASSPHRASE=" + Passphrase,
		"PULUMI_CREDENTIALS_PATH=" + filepath.Join(b.Dir, "credentials"),
		"PULUMI_SKIP_UPDATE_CHECK=true",
	}
}

// ProgramData fills the placeholders of a sample program.
type ProgramData struct {
	// MirrorURL is the pluginDownloadURL of the program's resources.
	MirrorURL string
	// ProviderVersion is the localfile provider's version.
	ProviderVersion string
	// OutDir is where the program's resources write their files.
	OutDir string
}

// Program copies the sample program testdata/programs/<name> into a new
// folder and returns that folder. Its placeholders point the resources at
// this bed's mirror, and their files at <folder>/out. A Node.js program is
// ready to run, as [Bed.WriteProgram] makes it.
func (b *Bed) Program(tb testing.TB, name string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), name)
	b.WriteProgram(tb, name, dst, ProgramData{OutDir: filepath.Join(dst, "out")})
	return dst
}

// WriteProgram renders the sample program name into dst with data, whose
// empty MirrorURL and ProviderVersion default to this bed's. A Node.js
// program (runtime: nodejs) also gets the shared package.json and
// package-lock.json and a node_modules that links to the shared, installed
// one, so that it runs without an npm install; remove that link to get the
// folder as Octopus extracts a package. It skips the test when the Node.js
// toolchain is missing (see [NodeTools]), and writes an .npmrc into the
// bed's HOME (Dir) that points npm at the toolchain's npm cache, offline
// first, without audits.
func (b *Bed) WriteProgram(tb testing.TB, name, dst string, data ProgramData) {
	tb.Helper()
	if data.MirrorURL == "" {
		data.MirrorURL = b.Mirror.URL
	}
	if data.ProviderVersion == "" {
		data.ProviderVersion = b.Tools.Provider.Version
	}
	node := IsNode(name)
	var n Node
	if node {
		n = NodeTools(tb)
	}
	if err := WriteProgram(name, dst, data); err != nil {
		tb.Fatal(err)
	}
	if !node {
		return
	}
	for _, f := range []string{"package.json", "package-lock.json"} {
		raw, err := os.ReadFile(filepath.Join(n.Dir, f))
		if err == nil {
			err = os.WriteFile(filepath.Join(dst, f), raw, 0o644)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.Symlink(n.Modules, filepath.Join(dst, "node_modules")); err != nil {
		tb.Fatal(err)
	}
	npmrc := "cache=" + n.NPMCache + "\nprefer-offline=true\naudit=false\nfund=false\nupdate-notifier=false\n"
	if err := os.WriteFile(filepath.Join(b.Dir, ".npmrc"), []byte(npmrc), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// IsNode reports whether the sample program name is a Node.js program.
func IsNode(name string) bool {
	raw, err := programs.ReadFile("testdata/programs/" + name + "/Pulumi.yaml")
	return err == nil && regexp.MustCompile(`(?m)^runtime:\s*nodejs\s*$`).Match(raw)
}

// WriteProgram renders the sample program name into dst with data.
func WriteProgram(name, dst string, data ProgramData) error {
	src := "testdata/programs/" + name
	return fs.WalkDir(programs, src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("sample program %q: %w", name, err)
		}
		out := filepath.Join(dst, strings.TrimPrefix(p, src))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		raw, err := programs.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Option("missingkey=error").Parse(string(raw))
		if err != nil {
			return err
		}
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		if err := t.Execute(f, data); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}
