package cache

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReadDependenciesChoosesThePackageManagerAsPulumi(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		files      []string
		configured string
		env        []string
		manager    string
		lockfile   string
	}{
		{"npm", []string{"package-lock.json"}, "", nil, NPM, "package-lock.json"},
		{"npm shrinkwrap wins", []string{"package-lock.json", "npm-shrinkwrap.json"}, "", nil, NPM, "npm-shrinkwrap.json"},
		{"no lockfile", nil, "", nil, NPM, ""},
		{"yarn", []string{"yarn.lock"}, "", nil, Yarn, "yarn.lock"},
		{"yarn before pnpm", []string{"yarn.lock", "pnpm-lock.yaml"}, "", nil, Yarn, "yarn.lock"},
		{"pnpm", []string{"pnpm-lock.yaml", "package-lock.json"}, "", nil, PNPM, "pnpm-lock.yaml"},
		{"bun", []string{"bun.lockb"}, "", nil, Bun, "bun.lockb"},
		{"PULUMI_PREFER_YARN", []string{"package-lock.json"}, "", []string{"PULUMI_PREFER_YARN=true"}, Yarn, ""},
		{"configured in Pulumi.yaml", []string{"yarn.lock", "package-lock.json"}, "npm", nil, NPM, "package-lock.json"},
		{"auto", []string{"pnpm-lock.yaml"}, "auto", nil, PNPM, "pnpm-lock.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, filepath.Join(dir, "package.json"), `{"dependencies": {"a": "1"}}`, 0o644)
			for _, f := range tt.files {
				write(t, filepath.Join(dir, f), "{}", 0o644)
			}
			d, err := ReadDependencies(context.Background(), dir, "nodejs", WithPackageManager(tt.configured),
				WithRuntimeVersion("v20.1.0"), WithProcessEnv(append([]string{"PATH=/nonexistent"}, tt.env...)))
			if err != nil {
				t.Fatal(err)
			}
			if d.Manager != tt.manager || d.Lockfile != tt.lockfile {
				t.Errorf("manager %s, lockfile %q; want %s, %q", d.Manager, d.Lockfile, tt.manager, tt.lockfile)
			}
			if (d.Key == "") != (tt.lockfile == "") || d.Key != "" && !depsKeyRE.MatchString(d.Key) {
				t.Errorf("key %q for lockfile %q", d.Key, d.Lockfile)
			}
		})
	}
}

func TestReadDependenciesRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	var ur *UnsupportedRuntimeError
	if _, err := ReadDependencies(ctx, dir, "python"); !errors.As(err, &ur) || ur.Runtime != "python" {
		t.Errorf("python: %v, want an UnsupportedRuntimeError", err)
	}
	_, err := ReadDependencies(ctx, dir, "nodejs", WithPackageManager("cargo"), WithRuntimeVersion("20"))
	for _, want := range []string{"cache.WithPackageManager", "cache.WithRuntimeVersion"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	write(t, filepath.Join(dir, "package-lock.json"), "{}", 0o644)
	if _, err := ReadDependencies(ctx, dir, "nodejs", WithRuntimeVersion("v20.1.0")); err == nil || !strings.Contains(err.Error(), "no package.json") {
		t.Errorf("a lockfile without package.json: %v", err)
	}
}

// TestReadDependenciesAsksNode: node's version comes from the node on the
// PATH that pulumi's language host gets.
func TestReadDependenciesAsksNode(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH")
	}
	dir := npmProgram(t, fakePkgs, false)
	d, err := ReadDependencies(context.Background(), dir, "nodejs", WithProcessEnv([]string{"PATH=" + filepath.Dir(node)}))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(node, "--version").Output()
	if d.RuntimeVersion == "" || d.RuntimeVersion != strings.TrimSpace(string(out)) {
		t.Errorf("RuntimeVersion %q, want %q", d.RuntimeVersion, out)
	}
	none, err := ReadDependencies(context.Background(), dir, "nodejs", WithProcessEnv([]string{"PATH=" + t.TempDir()}))
	if err != nil || none.RuntimeVersion != "" || !strings.Contains(none.String(), "node not found") {
		t.Errorf("without node: %v, %q, %v", none, none.RuntimeVersion, err)
	}
}

func TestDependencyKey(t *testing.T) {
	t.Parallel()
	base := npmProgram(t, fakePkgs, false)
	key := func(mutate func(dir string), version string) string {
		t.Helper()
		dir := freshCopy(t, base)
		if mutate != nil {
			mutate(dir)
		}
		d, err := ReadDependencies(context.Background(), dir, "nodejs", WithRuntimeVersion(version))
		must(t, err)
		return d.Key
	}
	k := key(nil, "v20.20.2")
	tests := []struct {
		name    string
		mutate  func(string)
		version string
		same    bool
	}{
		{"node minor", nil, "v20.1.0", true},
		{"node major", nil, "v22.1.0", false},
		{"package.json's version and scripts", func(d string) {
			write(t, filepath.Join(d, "package.json"), `{"name":"program","version":"9.9.9","scripts":{"x":"y"},
			  "dependencies":{"left-pad":"^1.3.0","@scope/tool":"2.0.0"}}`, 0o644)
		}, "v20.20.2", true},
		{"a dependency in package.json", func(d string) {
			write(t, filepath.Join(d, "package.json"), `{"dependencies":{"left-pad":"^1.3.1","@scope/tool":"2.0.0"}}`, 0o644)
		}, "v20.20.2", false},
		{"the lockfile", func(d string) {
			raw, _ := os.ReadFile(filepath.Join(d, "package-lock.json"))
			write(t, filepath.Join(d, "package-lock.json"), strings.Replace(string(raw), "1.3.0", "1.3.1", 1), 0o644)
		}, "v20.20.2", false},
	}
	for _, tt := range tests {
		if got := key(tt.mutate, tt.version); (got == k) != tt.same {
			t.Errorf("%s: key %s vs %s, want same=%v", tt.name, got, k, tt.same)
		}
	}
}

func TestInstalled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(t *testing.T, dir string)
		want   bool
		why    string
	}{
		{"as npm installed it", nil, true, "npm's record"},
		{"no node_modules", func(t *testing.T, dir string) { must(t, os.RemoveAll(filepath.Join(dir, "node_modules"))) }, false, "no node_modules"},
		{"no npm record", func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, "node_modules", npmHiddenLockfile)))
		}, false, "no npm record"},
		{"another version pinned", func(t *testing.T, dir string) {
			raw, _ := os.ReadFile(filepath.Join(dir, "package-lock.json"))
			write(t, filepath.Join(dir, "package-lock.json"), strings.Replace(string(raw), `"version": "1.3.0"`, `"version": "1.4.0"`, 1), 0o644)
		}, false, "the lockfile pins 1.4.0"},
		{"a package removed from the lockfile", func(t *testing.T, dir string) {
			writeJSON(t, filepath.Join(dir, "package-lock.json"), map[string]any{"lockfileVersion": 3, "packages": map[string]any{"": map[string]any{}}})
		}, false, "is installed but not in the lockfile"},
		{"lockfile version 1", func(t *testing.T, dir string) {
			writeJSON(t, filepath.Join(dir, "package-lock.json"), map[string]any{"lockfileVersion": 1, "dependencies": map[string]any{}})
		}, false, "lockfileVersion 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := npmProgram(t, fakePkgs, true)
			if tt.mutate != nil {
				tt.mutate(t, dir)
			}
			ok, why, err := readDeps(t, dir).Installed()
			if err != nil || ok != tt.want || !strings.Contains(why, tt.why) {
				t.Errorf("Installed = %v, %q, %v; want %v, %q", ok, why, err, tt.want, tt.why)
			}
		})
	}
	// Without npm's record, octopulumi's marker for the same key counts
	// (yarn, pnpm and bun leave no record octopulumi reads).
	dir := npmProgram(t, fakePkgs, true)
	d := readDeps(t, dir)
	must(t, os.Remove(filepath.Join(dir, "node_modules", npmHiddenLockfile)))
	must(t, writeDepsMarker(d.Folder(), d))
	if ok, why, _ := d.Installed(); !ok || !strings.Contains(why, "octopulumi") {
		t.Errorf("with the marker: %v, %q", ok, why)
	}
}

// TestSaveAndRestoreDependencies is the worker's story: the first
// deployment installs and saves; the next ones, each in a fresh work
// folder, get a copy of their own: copied, then moved in once a ready copy
// exists; one that writes into its node_modules changes nothing for the
// others.
func TestSaveAndRestoreDependencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cache := t.TempDir()
	installed := npmProgram(t, fakePkgs, true)
	first := readDeps(t, installed)

	r, err := RestoreDependencies(ctx, first, FromDependencyCache(cache))
	if err != nil || r.Source != DependenciesPresent {
		t.Fatalf("an installed program: %+v, %v; want present", r, err)
	}
	fresh := readDeps(t, freshCopy(t, installed))
	if r, err := RestoreDependencies(ctx, fresh, FromDependencyCache(cache)); err != nil || r.Source != "" || !strings.Contains(r.Why, "not in the dependencies cache") {
		t.Fatalf("an empty cache: %+v, %v; want nothing restored", r, err)
	}
	if r, err := SaveDependencies(ctx, first, cache); err != nil || !r.Saved || !r.Lent() {
		t.Fatalf("save: %+v, %v", r, err)
	}
	if r, err := SaveDependencies(ctx, first, cache); err != nil || r.Saved {
		t.Fatalf("save again: %+v, %v; want nothing to do", r, err)
	}

	// No ready copy yet: copied.
	r, err = RestoreDependencies(ctx, fresh, FromDependencyCache(cache))
	if err != nil || r.Source != DependenciesFromCache || r.Moved {
		t.Fatalf("restore: %+v, %v; want copied from the cache", r, err)
	}
	sameTree(t, fresh.Folder(), first.Folder())
	if ok, why, _ := fresh.Installed(); !ok {
		t.Errorf("the restored copy does not count as installed: %s", why)
	}

	// A ready copy: moved in.
	if made, err := ReplenishDependencies(ctx, first, cache, KeepSpares(2)); err != nil || made != 2 {
		t.Fatalf("replenish: %d, %v", made, err)
	}
	moved := readDeps(t, freshCopy(t, installed))
	r, err = RestoreDependencies(ctx, moved, FromDependencyCache(cache))
	if err != nil || r.Source != DependenciesFromCache || !r.Moved {
		t.Fatalf("restore with a ready copy: %+v, %v; want moved", r, err)
	}
	sameTree(t, moved.Folder(), first.Folder())

	// A program that writes into its own copy, in place.
	victim := filepath.Join(moved.Folder(), "left-pad", "index.js")
	f, err := os.OpenFile(victim, os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteAt([]byte("SCRIBBLED"), 0)
	must(t, errors.Join(err, f.Close()))
	vr, err := VerifyDependencies(ctx, cache, VerifyContents())
	if err != nil || vr.Err() != nil || len(vr.Verified) != 1 || vr.Spares != 1 {
		t.Errorf("after a program wrote into its copy, verify: %+v, %v, %v", vr, err, vr.Err())
	}
	for range 2 { // the last ready copy, then a copy again
		next := readDeps(t, freshCopy(t, installed))
		if _, err := RestoreDependencies(ctx, next, FromDependencyCache(cache)); err != nil {
			t.Fatal(err)
		}
		sameTree(t, next.Folder(), first.Folder())
	}
}

// TestRestoreReplacesAStaleFolderOnlyWithSomething: a node_modules that
// does not match the lockfile is replaced when the cache has the key, and
// left for the install when it has not.
func TestRestoreReplacesAStaleFolderOnlyWithSomething(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	installed := npmProgram(t, fakePkgs, true)
	stale := readDeps(t, freshCopy(t, installed))
	write(t, filepath.Join(stale.Folder(), "old", "index.js"), "old", 0o644)

	empty := t.TempDir()
	if r, err := RestoreDependencies(ctx, stale, FromDependencyCache(empty)); err != nil || r.Source != "" {
		t.Fatalf("%+v, %v", r, err)
	}
	if _, err := os.Stat(filepath.Join(stale.Folder(), "old")); err != nil {
		t.Errorf("the stale node_modules was removed with nothing to replace it: %v", err)
	}
	cache := t.TempDir()
	if _, err := SaveDependencies(ctx, readDeps(t, installed), cache); err != nil {
		t.Fatal(err)
	}
	if r, err := RestoreDependencies(ctx, stale, FromDependencyCache(cache)); err != nil || r.Source != DependenciesFromCache {
		t.Fatalf("%+v, %v", r, err)
	}
	sameTree(t, stale.Folder(), installed+"/node_modules")
}

// TestParallelDeploymentsShareOneCache: deployments that start together on
// one worker each end with a sound node_modules of their own; exactly one
// saves the entry.
func TestParallelDeploymentsShareOneCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cache := t.TempDir()
	installed := npmProgram(t, fakePkgs, true)
	const n = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		saves int
		errs  []error
		dirs  []*Dependencies
	)
	for i := range n {
		d := readDeps(t, freshCopy(t, installed))
		dirs = append(dirs, d)
		wg.Go(func() {
			r, err := RestoreDependencies(ctx, d, FromDependencyCache(cache))
			if err == nil && r.Source == "" {
				// "Install": what npm would have put there.
				err = os.CopyFS(d.Folder(), os.DirFS(filepath.Join(installed, "node_modules")))
				var sr *DependencyReport
				if err == nil {
					sr, err = SaveDependencies(ctx, d, cache)
				}
				mu.Lock()
				if sr != nil && sr.Saved {
					saves++
				}
				mu.Unlock()
			}
			if err == nil && i%2 == 0 {
				_, err = ReplenishDependencies(ctx, d, cache)
			}
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if saves != 1 {
		t.Errorf("%d deployments saved the entry, want 1", saves)
	}
	for _, d := range dirs {
		// CopyFS does not copy symlinks: compare what every copy must hold.
		if _, err := os.Stat(filepath.Join(d.Folder(), "@scope", "tool", "node_modules", "left-pad", "index.js")); err != nil {
			t.Errorf("%s: %v", d.Program, err)
		}
	}
	if r, err := VerifyDependencies(ctx, cache, VerifyContents()); err != nil || r.Err() != nil {
		t.Errorf("verify: %+v, %v", r, err)
	}
}

// TestDependencyBundle: a bundle is deterministic, restores as an archive
// or an extracted folder, fills a cache, is refused for another key, and
// is hashed against its index.
func TestDependencyBundle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	installed := npmProgram(t, fakePkgs, true)
	d := readDeps(t, installed)
	var a, b bytes.Buffer
	must(t, BundleDependencies(ctx, d, &a))
	must(t, BundleDependencies(ctx, d, &b))
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two bundles of the same node_modules differ")
	}
	archive := filepath.Join(t.TempDir(), "deps.tar.gz")
	must(t, BundleDependenciesFile(ctx, d, archive))
	folder := extractTar(t, a.Bytes())

	for _, tt := range []struct {
		name string
		opts func() []RestoreDependenciesOption
		src  DependencySource
	}{
		{"archive", func() []RestoreDependenciesOption { return []RestoreDependenciesOption{FromDependencyBundle(archive)} }, DependenciesFromBundle},
		{"folder", func() []RestoreDependenciesOption { return []RestoreDependenciesOption{FromDependencyBundle(folder)} }, DependenciesFromBundle},
		{"archive into a cache", func() []RestoreDependenciesOption {
			return []RestoreDependenciesOption{FromDependencyBundle(archive), FromDependencyCache(t.TempDir())}
		}, DependenciesFromCache},
		{"folder into a cache", func() []RestoreDependenciesOption {
			return []RestoreDependenciesOption{FromDependencyBundle(folder), FromDependencyCache(t.TempDir())}
		}, DependenciesFromCache},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fresh := readDeps(t, freshCopy(t, installed))
			r, err := RestoreDependencies(ctx, fresh, tt.opts()...)
			if err != nil || r.Source != tt.src {
				t.Fatalf("%+v, %v; want %s", r, err, tt.src)
			}
			sameTree(t, fresh.Folder(), d.Folder())
			if ok, why, _ := fresh.Installed(); !ok {
				t.Errorf("not installed after the restore: %s", why)
			}
		})
	}

	other := npmProgram(t, fakePkgs[:2], false)
	od := readDeps(t, other)
	r, err := RestoreDependencies(ctx, od, FromDependencyBundle(archive))
	if err != nil || r.Source != "" || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "not used") {
		t.Errorf("a bundle for another lockfile: %+v, %v", r, err)
	}

	// One byte changed inside the archive.
	raw := a.Bytes()
	i := bytes.Index(raw, []byte(`module.exports = "node_modules/left-pad"`))
	tampered := bytes.Clone(raw)
	tampered[i+len("module.exports = ")+1] = 'N'
	bad := filepath.Join(t.TempDir(), "bad.tar")
	must(t, os.WriteFile(bad, tampered, 0o644))
	fresh := readDeps(t, freshCopy(t, installed))
	_, err = RestoreDependencies(ctx, fresh, FromDependencyBundle(bad), FromDependencyCache(t.TempDir()))
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "dependencies "+d.Key) {
		t.Errorf("a tampered bundle: %v, want an integrity error naming the dependencies", err)
	}
	if _, err := os.Stat(fresh.Folder()); err == nil {
		t.Error("a tampered bundle left a node_modules")
	}

	stale := npmProgram(t, fakePkgs, true)
	must(t, os.Remove(filepath.Join(stale, "node_modules", "left-pad", "index.js")))
	write(t, filepath.Join(stale, "node_modules", npmHiddenLockfile), `{"lockfileVersion":3,"packages":{}}`, 0o644)
	if err := BundleDependencies(ctx, readDeps(t, stale), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("bundling a stale node_modules: %v", err)
	}
}

func TestVerifyAndPruneDependencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cache := t.TempDir()
	installed := npmProgram(t, fakePkgs, true)
	d := readDeps(t, installed)
	if _, err := SaveDependencies(ctx, d, cache); err != nil {
		t.Fatal(err)
	}
	if _, err := ReplenishDependencies(ctx, d, cache); err != nil {
		t.Fatal(err)
	}
	st := depsStoreOf(cache)
	entry := st.dir(d.Key)

	// Same size, other bytes: only a hash finds it.
	write(t, filepath.Join(entry, "left-pad", "index.js"), strings.Repeat("x", len(`module.exports = "node_modules/left-pad";`)+1), 0o644)
	if r, err := VerifyDependencies(ctx, cache); err != nil || r.Err() != nil {
		t.Errorf("by sizes: %+v, %v", r, err)
	}
	r, err := VerifyDependencies(ctx, cache, VerifyContents())
	if err != nil || !errors.Is(r.Err(), ErrNotReady) || len(r.Problems) != 1 || r.Problems[0].Entry != d.Key {
		t.Fatalf("by hashes: %+v, %v", r, err)
	}
	// A truncated ready copy.
	sp := spares(st, d.Key)[0]
	write(t, filepath.Join(sp, "left-pad", "package.json"), "{", 0o644)
	r, err = VerifyDependencies(ctx, cache, VerifyContents(), Repair())
	if err != nil || r.Err() != nil || len(r.Problems) != 1 || !r.Problems[0].Repaired {
		t.Fatalf("repair: %+v, %v", r, err)
	}
	if _, err := os.Stat(entry); err == nil {
		t.Error("repair left the broken entry")
	}
	if _, err := os.Stat(entry + sparesSuffix); err == nil {
		t.Error("repair left the broken entry's ready copies")
	}

	// Prune: by age and by size, never within the grace period.
	if _, err := SaveDependencies(ctx, d, cache); err != nil {
		t.Fatal(err)
	}
	other := readDeps(t, npmProgram(t, fakePkgs[:2], true))
	if _, err := SaveDependencies(ctx, other, cache); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	must(t, os.Chtimes(st.dir(d.Key)+lastUsedSuffix, now.Add(-48*time.Hour), now.Add(-48*time.Hour)))
	pr, err := PruneDependencies(ctx, cache, UnusedFor(24*time.Hour))
	if err != nil || len(pr.Removed) != 1 || pr.Removed[0] != d.Key || pr.Freed == 0 {
		t.Fatalf("prune unused: %+v, %v", pr, err)
	}
	pr, err = PruneDependencies(ctx, cache, MaxBytes(1))
	if err != nil || len(pr.Removed) != 0 {
		t.Errorf("prune within the grace period: %+v, %v", pr, err)
	}
	pr, err = PruneDependencies(ctx, cache, MaxBytes(1), WithNow(func() time.Time { return now.Add(time.Hour) }))
	if err != nil || len(pr.Removed) != 1 || pr.Kept != 0 {
		t.Errorf("prune to a size: %+v, %v", pr, err)
	}
	if _, err := PruneDependencies(ctx, filepath.Join(cache, "nope"), MaxBytes(1)); !errors.Is(err, ErrNoCache) {
		t.Errorf("a missing folder: %v", err)
	}
	if _, err := PruneDependencies(ctx, cache); err == nil {
		t.Error("prune without a policy succeeded")
	}
}

// TestInterruptedSaveIsNotInstalled: a save killed midway leaves its
// .partial marker; the entry is not used, and the next save redoes it.
func TestInterruptedSaveIsNotInstalled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cache := t.TempDir()
	installed := npmProgram(t, fakePkgs, true)
	d := readDeps(t, installed)
	st := depsStoreOf(cache)
	must(t, os.MkdirAll(st.dir(d.Key), 0o755))
	write(t, st.dir(d.Key)+partialSuffix, "", 0o644)
	fresh := readDeps(t, freshCopy(t, installed))
	if r, err := RestoreDependencies(ctx, fresh, FromDependencyCache(cache)); err != nil || r.Source != "" {
		t.Fatalf("%+v, %v", r, err)
	}
	if r, err := VerifyDependencies(ctx, cache); err != nil || len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Reason, "interrupted") {
		t.Errorf("verify: %+v, %v", r, err)
	}
	if r, err := SaveDependencies(ctx, d, cache); err != nil || !r.Saved {
		t.Fatalf("save after an interrupted one: %+v, %v", r, err)
	}
	if r, err := RestoreDependencies(ctx, fresh, FromDependencyCache(cache)); err != nil || r.Source != DependenciesFromCache {
		t.Fatalf("%+v, %v", r, err)
	}
}

func TestDependencyOptionsGoOnlyWhereUsed(t *testing.T) {
	t.Parallel()
	const (
		read = 1 << iota
		restore
		save
		bundle
		verify
		prune
	)
	tests := []struct {
		name string
		opt  any
		to   int
	}{
		{"WithLogger", WithLogger(nil), read | restore | save | bundle | verify | prune},
		{"WithPackageManager", WithPackageManager("npm"), read},
		{"WithRuntimeVersion", WithRuntimeVersion("v20.0.0"), read},
		{"WithProcessEnv", WithProcessEnv(nil), read},
		{"FromDependencyBundle", FromDependencyBundle("b"), restore},
		{"FromDependencyCache", FromDependencyCache("c"), restore},
		{"KeepSpares", KeepSpares(1), save},
		{"VerifyContents", VerifyContents(), verify},
		{"Repair", Repair(), verify},
		{"MaxBytes", MaxBytes(1), prune},
		{"UnusedFor", UnusedFor(time.Hour), prune},
		{"WithNow", WithNow(time.Now), prune},
	}
	for _, tt := range tests {
		got := 0
		for bit, ok := range map[int]bool{
			read:    is[ReadDependenciesOption](tt.opt),
			restore: is[RestoreDependenciesOption](tt.opt),
			save:    is[SaveDependenciesOption](tt.opt),
			bundle:  is[BundleDependenciesOption](tt.opt),
			verify:  is[VerifyDependenciesOption](tt.opt),
			prune:   is[PruneDependenciesOption](tt.opt),
		} {
			if ok {
				got |= bit
			}
		}
		if got != tt.to {
			t.Errorf("%s is taken by %06b, want %06b (bits: Prune Verify Bundle Save Restore Read)", tt.name, got, tt.to)
		}
	}
}

// TestReturnDependencies: a node_modules lent by the cache goes back as a
// ready copy when the deployment ends, unless the deployment changed it
// (even in place, even keeping its size) or the cache keeps enough copies.
func TestReturnDependencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cache := t.TempDir()
	installed := npmProgram(t, fakePkgs, true)
	st := func() int { return len(spares(depsStoreOf(cache), readDeps(t, installed).Key)) }

	// Installed and saved: lent from then on.
	first := readDeps(t, freshCopy(t, installed))
	must(t, os.CopyFS(first.Folder(), os.DirFS(filepath.Join(installed, "node_modules"))))
	saved, err := SaveDependencies(ctx, first, cache)
	must(t, err)
	if ok, why, err := ReturnDependencies(ctx, saved); !ok || err != nil {
		t.Fatalf("return after a save: %v, %q, %v", ok, why, err)
	}
	if _, err := os.Stat(first.Folder()); err == nil || st() != 1 {
		t.Fatalf("the returned node_modules is still in the program, or not in the cache (%d ready copies)", st())
	}
	if ok, why, _ := ReturnDependencies(ctx, saved); ok || !strings.Contains(why, "not lent") {
		t.Errorf("returned twice: %v, %q", ok, why)
	}

	// Moved in, then back; copied (no ready copy), then back.
	moved := readDeps(t, freshCopy(t, installed))
	copied := readDeps(t, freshCopy(t, installed))
	rm, err := RestoreDependencies(ctx, moved, FromDependencyCache(cache))
	must(t, err)
	rc, err := RestoreDependencies(ctx, copied, FromDependencyCache(cache))
	must(t, err)
	if !rm.Moved || rc.Moved || !rm.Lent() || !rc.Lent() {
		t.Fatalf("moved %+v, copied %+v", rm, rc)
	}
	for _, r := range []*DependencyReport{rm, rc} {
		if ok, why, err := ReturnDependencies(ctx, r); !ok || err != nil {
			t.Errorf("return: %v, %q, %v", ok, why, err)
		}
	}
	if st() != 2 {
		t.Errorf("%d ready copies, want 2", st())
	}

	// A third is not kept (KeepSpares, default 2) and stays in its program.
	third := readDeps(t, freshCopy(t, installed))
	must(t, os.CopyFS(third.Folder(), os.DirFS(filepath.Join(installed, "node_modules"))))
	r3, err := SaveDependencies(ctx, third, cache)
	must(t, err)
	if ok, why, _ := ReturnDependencies(ctx, r3); ok || !strings.Contains(why, "2 ready copies") {
		t.Errorf("a third copy: %v, %q", ok, why)
	}
	if ok, _, _ := ReturnDependencies(ctx, r3, KeepSpares(3)); !ok {
		t.Error("a third copy with KeepSpares(3) was not returned")
	}

	// Changed in place, same size: kept out.
	for _, change := range []func(dir string){
		func(dir string) {
			f, err := os.OpenFile(filepath.Join(dir, "left-pad", "index.js"), os.O_WRONLY, 0)
			must(t, err)
			_, err = f.WriteAt([]byte("X"), 0)
			must(t, errors.Join(err, f.Close()))
		},
		func(dir string) { must(t, os.Chmod(filepath.Join(dir, "left-pad", "index.js"), 0o600)) },
		func(dir string) { write(t, filepath.Join(dir, ".cache", "x"), "x", 0o644) },
		func(dir string) { must(t, os.Remove(filepath.Join(dir, ".bin", "tool"))) },
	} {
		d := readDeps(t, freshCopy(t, installed))
		r, err := RestoreDependencies(ctx, d, FromDependencyCache(cache))
		must(t, err)
		change(d.Folder())
		if ok, why, err := ReturnDependencies(ctx, r, KeepSpares(9)); ok || err != nil || !strings.Contains(why, "changed it") {
			t.Errorf("a changed node_modules: %v, %q, %v", ok, why, err)
		}
		if _, err := os.Stat(d.Folder()); err != nil {
			t.Errorf("a changed node_modules left its program: %v", err)
		}
	}
	if vr, err := VerifyDependencies(ctx, cache, VerifyContents()); err != nil || vr.Err() != nil {
		t.Errorf("verify: %+v, %v", vr, err)
	}
}

// TestBrokenEntryIsDeletedAndSavedAgain: an entry whose files or record
// are broken is not restored; it is deleted, so that the install that
// follows saves it again.
func TestBrokenEntryIsDeletedAndSavedAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, breakIt := range map[string]func(st store, key string){
		"a truncated file": func(st store, key string) {
			write(t, filepath.Join(st.dir(key), "left-pad", "index.js"), "", 0o644)
		},
		"no record": func(st store, key string) { must(t, os.Remove(st.dir(key)+recordSuffix)) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cache := t.TempDir()
			installed := npmProgram(t, fakePkgs, true)
			d := readDeps(t, installed)
			_, err := SaveDependencies(ctx, d, cache)
			must(t, err)
			st := depsStoreOf(cache)
			breakIt(st, d.Key)
			fresh := readDeps(t, freshCopy(t, installed))
			r, err := RestoreDependencies(ctx, fresh, FromDependencyCache(cache))
			if err != nil || r.Source != "" || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "broken") {
				t.Fatalf("%+v, %v", r, err)
			}
			if ok, _ := st.installed(d.Key); ok {
				t.Fatal("the broken entry is still installed")
			}
			must(t, os.CopyFS(fresh.Folder(), os.DirFS(d.Folder())))
			if s, err := SaveDependencies(ctx, fresh, cache); err != nil || !s.Saved {
				t.Fatalf("save again: %+v, %v", s, err)
			}
		})
	}
}
