package testbed

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
)

// Toolchain is the pinned Pulumi toolchain built by `make toolchain`.
type Toolchain struct {
	// Bin holds pulumi and its language hosts (pulumi-language-yaml,
	// pulumi-language-nodejs); put it first on PATH.
	Bin string
	// Pulumi is the CLI binary.
	Pulumi string
	// LanguageYAML is the YAML language host binary.
	LanguageYAML string
	// Plugins holds plugin tarballs, served by the [Mirror].
	Plugins string
	// Provider is the localfile test provider's plugin.
	Provider Plugin
	// Node is what JavaScript and TypeScript programs need; see [NodeTools].
	Node Node
	// nodeErr says why Node is not usable.
	nodeErr error
}

// Node is the Node.js part of the toolchain. make toolchain builds the
// language host beside pulumi and installs the npm packages of
// tools/node/package-lock.json once (npm ci) into .tools/node, which every
// JavaScript and TypeScript sample program shares.
type Node struct {
	// LanguageHost is pulumi-language-nodejs, in Bin.
	LanguageHost string
	// Dir holds package.json, package-lock.json and the installed
	// node_modules.
	Dir string
	// Modules is Dir's node_modules.
	Modules string
	// NPMCache is the npm cache that npm ci filled: an npm install of the
	// same lockfile with it needs no network.
	NPMCache string
	// Node is the node binary found on PATH.
	Node string
}

// Plugin is one plugin tarball, named as Pulumi downloads it.
type Plugin struct {
	Kind, Name, Version string
	// Asset is the tarball's file name, pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz.
	Asset string
	// Tarball is its absolute path.
	Tarball string
}

// ToolsDirEnv overrides where the toolchain is looked for (default: .tools
// at the repository root).
const ToolsDirEnv = "OCTOPULUMI_TOOLS_DIR"

var (
	findOnce sync.Once
	found    Toolchain
	findErr  error
)

// Tools returns the toolchain, or skips the test (fails it when CI=true)
// with a message that says to run `make toolchain`.
func Tools(tb testing.TB) Toolchain {
	tb.Helper()
	findOnce.Do(func() { found, findErr = find() })
	if findErr != nil {
		Missing(tb, findErr.Error())
	}
	return found
}

// Missing skips the test, or fails it when CI=true, explaining that the
// toolchain must be built first.
func Missing(tb testing.TB, why string) {
	tb.Helper()
	msg := fmt.Sprintf("Pulumi test toolchain not available (%s): run `make toolchain` at the repository root", why)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

var tarballName = regexp.MustCompile(`^pulumi-(resource)-(localfile)-v([0-9][^-]*)-` + runtime.GOOS + `-` + runtime.GOARCH + `\.tar\.gz$`)

func find() (Toolchain, error) {
	dir := os.Getenv(ToolsDirEnv)
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return Toolchain{}, err
		}
		dir = filepath.Join(root, ".tools")
	}
	tc := Toolchain{
		Bin:     filepath.Join(dir, "bin"),
		Plugins: filepath.Join(dir, "plugins"),
	}
	tc.Pulumi = filepath.Join(tc.Bin, "pulumi")
	tc.LanguageYAML = filepath.Join(tc.Bin, "pulumi-language-yaml")
	for _, p := range []string{tc.Pulumi, tc.LanguageYAML} {
		if _, err := os.Stat(p); err != nil {
			return Toolchain{}, fmt.Errorf("%s is missing", p)
		}
	}
	entries, err := os.ReadDir(tc.Plugins)
	if err != nil {
		return Toolchain{}, fmt.Errorf("no plugin tarballs: %w", err)
	}
	for _, e := range entries {
		m := tarballName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		tc.Provider = Plugin{Kind: m[1], Name: m[2], Version: m[3], Asset: e.Name(), Tarball: filepath.Join(tc.Plugins, e.Name())}
	}
	if tc.Provider.Tarball == "" {
		return Toolchain{}, fmt.Errorf("no localfile plugin tarball in %s", tc.Plugins)
	}
	tc.Node, tc.nodeErr = findNode(dir, tc.Bin)
	return tc, nil
}

// NodeTools returns the Node.js toolchain, or skips the test (fails it
// when CI=true) with a message that says to run `make toolchain`.
func NodeTools(tb testing.TB) Node {
	tb.Helper()
	tc := Tools(tb)
	if tc.nodeErr != nil {
		Missing(tb, tc.nodeErr.Error())
	}
	return tc.Node
}

func findNode(dir, bin string) (Node, error) {
	n := Node{
		LanguageHost: filepath.Join(bin, "pulumi-language-nodejs"),
		Dir:          filepath.Join(dir, "node"),
		NPMCache:     filepath.Join(dir, "npm-cache"),
	}
	n.Modules = filepath.Join(n.Dir, "node_modules")
	// .installed is written after npm ci succeeded.
	for _, p := range []string{n.LanguageHost, filepath.Join(n.Dir, ".installed"), filepath.Join(n.Dir, "package-lock.json")} {
		if _, err := os.Stat(p); err != nil {
			return Node{}, fmt.Errorf("%s is missing", p)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return Node{}, fmt.Errorf("node is not on PATH (install Node.js 20): %w", err)
	}
	n.Node = node
	return n, nil
}

// repoRoot walks up from the working directory (a package folder under go
// test) to the folder of the root go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			regexp.MustCompile(`(?m)^module github\.com/octopulumi/octopulumi\s*$`).Match(b) {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no octopulumi go.mod above %s", dir)
		}
		d = parent
	}
}
