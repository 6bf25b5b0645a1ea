package runfolder

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/internal/filelock"
)

// Swept is a dead run's folder that [Sweep] removed.
type Swept struct {
	// Path is the folder that was removed.
	Path string
	// Owner is the run that made it, when it said.
	Owner Owner
	// Killed counts the processes of that run that were still running and
	// were ended.
	Killed int
}

// String is a line for the task log.
func (s Swept) String() string {
	msg := fmt.Sprintf("removed %s, left by a run that died (%s)", s.Path, s.Owner)
	if s.Killed > 0 {
		msg += fmt.Sprintf(", and ended %d of its processes that were still running", s.Killed)
	}
	return msg
}

// legacyPrefixes name temporary folders without a lock: the per-run folders
// of octopulumi versions before run folders, and the short-lived folder of
// an accounts check (which may hold a Google key); only old ones are
// removed.
var legacyPrefixes = []string{"octopulumi-config-", "octopulumi-credentials-", "octopulumi-events-", "octopulumi-plan-", "octopulumi-accounts-check-"}

// legacyAge is how old a lock-less folder of an earlier version must be
// before Sweep takes its run for dead: longer than any deployment.
const legacyAge = 24 * time.Hour

// creationGrace is how long a folder without its owner record is taken to
// be still in creation.
const creationGrace = time.Minute

// Sweep removes from tempDir (os.TempDir() when empty) the run folders of
// runs that died, ending their processes first, and reports what it
// removed. It only considers folders that this user owns, and never one
// whose run is alive (its lock is held) or being created. Errors on single
// folders are joined; the sweep goes on past them.
func Sweep(tempDir string) ([]Swept, error) {
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	entries, err := os.ReadDir(tempDir)
	if err != nil {
		return nil, fmt.Errorf("looking for folders left by dead runs in %s: %w", tempDir, err)
	}
	var swept []Swept
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(tempDir, name)
		var s *Swept
		var err error
		switch {
		case strings.HasPrefix(name, Prefix):
			s, err = sweepRun(path, strings.TrimPrefix(name, Prefix))
		case hasLegacyPrefix(name):
			s, err = sweepLegacy(path)
		}
		if err != nil {
			errs = append(errs, err)
		}
		if s != nil {
			swept = append(swept, *s)
		}
	}
	return swept, errors.Join(errs...)
}

func hasLegacyPrefix(name string) bool {
	for _, p := range legacyPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func sweepRun(path, id string) (*Swept, error) {
	info, err := os.Lstat(path)
	if err != nil || !ownedByMe(info) {
		return nil, nil
	}
	lock, err := os.OpenFile(filepath.Join(path, lockFile), os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if time.Since(info.ModTime()) < creationGrace {
			return nil, nil // being created
		}
	} else if err != nil {
		return nil, fmt.Errorf("checking %s: %w", path, err)
	} else {
		defer lock.Close()
		ok, err := filelock.TryLock(lock)
		if err != nil {
			return nil, fmt.Errorf("checking %s: %w", path, err)
		}
		if !ok {
			return nil, nil // its run is alive
		}
	}
	var owner Owner
	raw, err := os.ReadFile(filepath.Join(path, ownerFile))
	switch {
	case err == nil:
		_ = json.Unmarshal(raw, &owner)
	case time.Since(info.ModTime()) < creationGrace:
		return nil, nil // being created
	}
	s := &Swept{Path: path, Owner: owner}
	s.Killed, err = killMarked(id)
	if rerr := os.RemoveAll(path); rerr != nil {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return s, fmt.Errorf("cleaning up %s: %w", path, err)
	}
	return s, nil
}

func sweepLegacy(path string) (*Swept, error) {
	info, err := os.Lstat(path)
	if err != nil || !ownedByMe(info) || time.Since(info.ModTime()) < legacyAge {
		return nil, nil
	}
	if err := os.RemoveAll(path); err != nil {
		return nil, fmt.Errorf("cleaning up %s: %w", path, err)
	}
	return &Swept{Path: path}, nil
}
