package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// depsMarker is written into a node_modules that octopulumi restored or
// saved: it names the key the folder was installed for.
const depsMarker = ".octopulumi-dependencies.json"

// npmHiddenLockfile is npm's record of what it installed in node_modules.
const npmHiddenLockfile = ".package-lock.json"

// marker is the content of depsMarker.
type marker struct {
	Key      string `json:"key"`
	Lockfile string `json:"lockfile"`
}

// Installed reports whether the program's node_modules is installed from
// its lockfile, and why (or why not), without running anything: a
// node_modules that octopulumi restored or saved names its key in a
// marker; for npm, npm's own record of what it installed
// (node_modules/.package-lock.json) must list exactly the packages of the
// lockfile (optional ones may be absent), at the same versions and
// integrity. Yarn, pnpm and bun installs count only with the marker.
func (d *Dependencies) Installed() (bool, string, error) {
	dir := d.Folder()
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, "no " + DependenciesFolder, nil
	case err != nil:
		return false, "", fmt.Errorf("dependencies: %w", err)
	case !info.IsDir():
		return false, "", fmt.Errorf("dependencies: %s is not a folder", dir)
	}
	if d.Key == "" {
		return false, DependenciesFolder + " cannot be checked without a lockfile", nil
	}
	if m, err := readMarker(dir); err == nil && m.Key == d.Key {
		return true, "installed by octopulumi for this " + d.Lockfile, nil
	}
	if d.Manager != NPM {
		return false, DependenciesFolder + " was not installed by octopulumi for this " + d.Lockfile, nil
	}
	why, err := npmInstalled(filepath.Join(d.Program, d.Lockfile), filepath.Join(dir, npmHiddenLockfile))
	if err != nil {
		return false, "", err
	}
	if why != "" {
		return false, why, nil
	}
	return true, "npm's record (" + DependenciesFolder + "/" + npmHiddenLockfile + ") matches " + d.Lockfile, nil
}

func readMarker(dir string) (marker, error) {
	var m marker
	raw, err := safefile.ReadFile(filepath.Join(dir, depsMarker), 1<<16)
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(raw, &m)
}

func writeDepsMarker(dir string, d *Dependencies) error {
	raw, err := json.Marshal(marker{Key: d.Key, Lockfile: d.Lockfile})
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, depsMarker), append(raw, '\n'), 0o644)
}

// npmPackage is what npm's lockfiles say of one installed package.
type npmPackage struct {
	Version     string `json:"version"`
	Resolved    string `json:"resolved"`
	Integrity   string `json:"integrity"`
	Link        bool   `json:"link"`
	Optional    bool   `json:"optional"`
	DevOptional bool   `json:"devOptional"`
}

type npmLockfile struct {
	LockfileVersion int                   `json:"lockfileVersion"`
	Packages        map[string]npmPackage `json:"packages"`
}

func readNPMLockfile(path string) (*npmLockfile, error) {
	raw, err := safefile.ReadFile(path, maxLockfileBytes)
	if err != nil {
		return nil, err
	}
	var l npmLockfile
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &l, nil
}

// npmInstalled compares the lockfile with npm's hidden lockfile: "" when
// they agree, else what differs.
func npmInstalled(lockPath, hiddenPath string) (string, error) {
	lock, err := readNPMLockfile(lockPath)
	if err != nil {
		return "", fmt.Errorf("dependencies: %w", err)
	}
	if lock.LockfileVersion < 2 || lock.Packages == nil {
		return filepath.Base(lockPath) + " is of lockfileVersion 1, which lists no installed folders: run npm install once with npm 7 or later to upgrade it", nil
	}
	hidden, err := readNPMLockfile(hiddenPath)
	if errors.Is(err, fs.ErrNotExist) {
		return DependenciesFolder + " has no npm record (" + npmHiddenLockfile + ")", nil
	}
	if err != nil {
		return "", fmt.Errorf("dependencies: %w", err)
	}
	installed := func(p string) bool {
		return strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/")
	}
	for _, p := range slices.Sorted(maps.Keys(lock.Packages)) {
		want := lock.Packages[p]
		if !installed(p) {
			continue
		}
		got, ok := hidden.Packages[p]
		if !ok {
			if want.Optional || want.DevOptional {
				continue // not for this platform
			}
			return p + " is not installed", nil
		}
		if got.Version != want.Version || got.Link != want.Link ||
			got.Integrity != "" && want.Integrity != "" && got.Integrity != want.Integrity ||
			got.Resolved != "" && want.Resolved != "" && got.Resolved != want.Resolved {
			return fmt.Sprintf("%s is installed at %s, the lockfile pins %s", p, orNone(got.Version), orNone(want.Version)), nil
		}
	}
	for p := range hidden.Packages {
		if _, ok := lock.Packages[p]; installed(p) && !ok {
			return p + " is installed but not in the lockfile", nil
		}
	}
	return "", nil
}

func orNone(v string) string {
	if v == "" {
		return "(no version)"
	}
	return v
}
