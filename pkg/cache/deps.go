package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/octopulumi/octopulumi/internal/pulumicmd"
	"github.com/octopulumi/octopulumi/internal/safefile"
)

// Package managers of Node.js programs, as Pulumi names them (the
// packagemanager runtime option of Pulumi.yaml).
const (
	NPM  = "npm"
	Yarn = "yarn"
	PNPM = "pnpm"
	Bun  = "bun"
)

// DependenciesFolder is where a Node.js program's installed dependencies
// live, beside its package.json.
const DependenciesFolder = "node_modules"

// depsFormat is part of every key: a change in how keys are made, or in
// what a cache entry holds, gives new keys.
const depsFormat = "octopulumi-dependencies/1"

// maxLockfileBytes bounds a lockfile or package.json; real ones are a few
// MiB at most.
const maxLockfileBytes = 64 << 20

// Dependencies are a program's language dependencies as its lockfile pins
// them: what [RestoreDependencies] restores and [SaveDependencies] caches.
// Read them with [ReadDependencies].
type Dependencies struct {
	// Program is the absolute program folder (holding package.json).
	Program string
	// Runtime is the language runtime, "nodejs".
	Runtime string
	// Manager is the package manager `pulumi install` uses: [NPM], [Yarn],
	// [PNPM] or [Bun].
	Manager string
	// Lockfile is the manager's lockfile in Program (e.g.
	// "package-lock.json"), or "" when there is none: then nothing pins the
	// dependencies, and they are neither cached nor restored.
	Lockfile string
	// RuntimeVersion is the version of the node the program runs on
	// ("v20.20.2"), or "" when node was not found; its major version is
	// part of the key, since native modules are built for it.
	RuntimeVersion string
	// Platform is the platform the key is for, e.g. "linux-amd64".
	Platform string
	// Key identifies the installed dependencies: the runtime, the manager,
	// a digest of the lockfile, of package.json's dependency fields, of
	// the platform and of node's major version, e.g.
	// "nodejs-npm-0123456789abcdef0123456789abcdef". Empty without a
	// lockfile.
	Key string
}

// Folder is the program's node_modules.
func (d *Dependencies) Folder() string { return filepath.Join(d.Program, DependenciesFolder) }

// String describes the dependencies for a log line: the runtime, its
// version, the manager and the lockfile.
func (d *Dependencies) String() string {
	v := d.RuntimeVersion
	if v == "" {
		v = "version unknown: node not found"
	}
	lock := d.Lockfile
	if lock == "" {
		lock = "no lockfile"
	}
	return fmt.Sprintf("%s (node %s), %s, %s", d.Runtime, v, d.Manager, lock)
}

// UnsupportedRuntimeError is a runtime whose dependencies this package
// does not cache: only Node.js programs' are.
type UnsupportedRuntimeError struct{ Runtime string }

// Error names the runtime.
func (e *UnsupportedRuntimeError) Error() string {
	return fmt.Sprintf("the %s runtime's dependencies are not cached (only nodejs's are): pulumi install installs them", e.Runtime)
}

// ReadDependencies reads the dependencies of the Node.js program in
// program: the package manager `pulumi install` would use (the
// [WithPackageManager] of Pulumi.yaml's packagemanager option, else
// PULUMI_PREFER_YARN, else the first lockfile of yarn.lock,
// pnpm-lock.yaml, bun.lock or bun.lockb, else npm), its lockfile (for npm
// npm-shrinkwrap.json, else package-lock.json), and the version of the
// node on the PATH of the [WithProcessEnv] environment (`node --version`,
// through the one process starter; [WithRuntimeVersion] gives it instead).
// Any other runtime is an [*UnsupportedRuntimeError].
func ReadDependencies(ctx context.Context, program, runtime string, opts ...ReadDependenciesOption) (*Dependencies, error) {
	o, err := configure(defaultDepsOptions(), opts, ReadDependenciesOption.configureReadDependencies)
	if err != nil {
		return nil, err
	}
	if runtime != "nodejs" {
		return nil, &UnsupportedRuntimeError{Runtime: runtime}
	}
	abs, err := filepath.Abs(program)
	if err != nil {
		return nil, fmt.Errorf("read dependencies: %w", err)
	}
	d := &Dependencies{Program: abs, Runtime: runtime, Platform: Platform()}
	env := o.env
	if env == nil {
		env = os.Environ()
	}
	if d.Manager, d.Lockfile, err = packageManager(abs, o.manager, env); err != nil {
		return nil, err
	}
	d.RuntimeVersion = o.runtimeVersion
	if d.RuntimeVersion == "" {
		d.RuntimeVersion = nodeVersion(ctx, o, abs, env)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if d.Lockfile == "" {
		return d, nil
	}
	if d.Key, err = dependencyKey(d); err != nil {
		return nil, err
	}
	return d, nil
}

// lockfiles are the lockfiles of each manager, in the order each looks
// for them.
var lockfiles = map[string][]string{
	NPM:  {"npm-shrinkwrap.json", "package-lock.json"},
	Yarn: {"yarn.lock"},
	PNPM: {"pnpm-lock.yaml"},
	Bun:  {"bun.lock", "bun.lockb"},
}

// packageManager decides the manager as Pulumi's Node.js language host
// does, and finds its lockfile.
func packageManager(dir, configured string, env []string) (manager, lockfile string, err error) {
	exists := func(name string) bool {
		info, err := os.Stat(filepath.Join(dir, name))
		return err == nil && info.Mode().IsRegular()
	}
	switch configured {
	case NPM, Yarn, PNPM, Bun:
		manager = configured
	case "", "auto":
		if v, _ := pulumicmd.Lookup(env, "PULUMI_PREFER_YARN"); isTruthy(v) {
			manager = Yarn
			break
		}
		manager = NPM
		for _, m := range []string{Yarn, PNPM, Bun} {
			for _, f := range lockfiles[m] {
				if exists(f) {
					manager = m
				}
			}
			if manager != NPM {
				break
			}
		}
	default:
		return "", "", fmt.Errorf("read dependencies: package manager %q: Pulumi knows npm, yarn, pnpm and bun", configured)
	}
	for _, f := range lockfiles[manager] {
		if exists(f) {
			return manager, f, nil
		}
	}
	return manager, "", nil
}

// isTruthy is the CLI's cmdutil.IsTruthy.
func isTruthy(s string) bool {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "y":
		return true
	}
	return false
}

var nodeVersionRE = regexp.MustCompile(`^v(\d+)\.\d+\.\d+\S*$`)

// nodeVersion runs `node --version` as pulumi's language host would find
// it: on the PATH of env. "" when there is no such node.
func nodeVersion(ctx context.Context, o depsOptions, dir string, env []string) string {
	run := o.options
	run.pulumi = "node"
	if path := run.pulumiPath(env); path != "node" {
		run.pulumi = path
	} else {
		return ""
	}
	out, err := run.run(ctx, dir, env, io.Discard, "--version")
	v := strings.TrimSpace(string(out))
	if err != nil || !nodeVersionRE.MatchString(v) {
		o.logger.WarnContext(ctx, "node --version failed", "node", run.pulumi, "error", err)
		return ""
	}
	return v
}

// dependencyKey digests what decides the installed node_modules.
func dependencyKey(d *Dependencies) (string, error) {
	lock, err := safefile.ReadFile(filepath.Join(d.Program, d.Lockfile), maxLockfileBytes)
	if err != nil {
		return "", fmt.Errorf("read dependencies: %w", err)
	}
	fields, err := packageFields(d.Program)
	if err != nil {
		return "", err
	}
	major := ""
	if m := nodeVersionRE.FindStringSubmatch(d.RuntimeVersion); m != nil {
		major = m[1]
	}
	h := sha256.New()
	for _, part := range []string{depsFormat, d.Runtime, d.Manager, d.Platform, "node" + major, d.Lockfile} {
		fmt.Fprintf(h, "%s\x00", part)
	}
	lockSum := sha256.Sum256(lock)
	h.Write(lockSum[:])
	h.Write(fields)
	return fmt.Sprintf("%s-%s-%s", d.Runtime, d.Manager, hex.EncodeToString(h.Sum(nil))[:32]), nil
}

// dependencyFields are the fields of package.json that decide what a
// package manager installs; the others (a version bumped on every
// release, scripts) do not change node_modules.
var dependencyFields = []string{
	"dependencies", "devDependencies", "optionalDependencies", "peerDependencies",
	"bundleDependencies", "bundledDependencies", "overrides", "resolutions", "workspaces", "pnpm",
}

// packageFields is the canonical JSON of package.json's dependency fields.
func packageFields(dir string) ([]byte, error) {
	p := filepath.Join(dir, "package.json")
	raw, err := safefile.ReadFile(p, maxLockfileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read dependencies: %s has a lockfile but no package.json", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read dependencies: %w", err)
	}
	var pkg map[string]json.RawMessage
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return nil, fmt.Errorf("read dependencies: %s is not a JSON object: %w", p, err)
	}
	var buf bytes.Buffer
	for _, f := range dependencyFields {
		v, ok := pkg[f]
		if !ok {
			continue
		}
		// Compacted, so that formatting does not change the key.
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return nil, fmt.Errorf("read dependencies: %s: %q: %w", p, f, err)
		}
		fmt.Fprintf(&buf, "%s=%s\x00", f, c.Bytes())
	}
	return buf.Bytes(), nil
}
