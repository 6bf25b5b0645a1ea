package runfolder

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/octopulumi/octopulumi/internal/filelock"
)

// Prefix starts the name of every run folder in the temp folder.
const Prefix = "octopulumi-run-"

// EnvRunID is the environment variable that marks every process of a run
// with the run's id, so that a later run can find what a dead one left.
const EnvRunID = "OCTOPULUMI_RUN_ID"

const (
	lockFile  = ".lock"
	ownerFile = "owner.json"
)

// Owner says which process made a run folder, for the task log of the run
// that sweeps it.
type Owner struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
}

// String names the owner for a log line.
func (o Owner) String() string {
	if o.PID == 0 {
		return "an unknown run"
	}
	return fmt.Sprintf("pid %d on %s, started %s", o.PID, o.Host, o.Started.UTC().Format(time.RFC3339))
}

// Folder is one run's private temporary folder (mode 0700). Close removes it.
type Folder struct {
	path string
	id   string
	lock *os.File

	closeOnce sync.Once
	closeErr  error
}

// Create makes a run folder in tempDir (os.TempDir() when empty) and takes
// its lock for the life of the Folder.
func Create(tempDir string) (*Folder, error) {
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("a run id: %w", err)
	}
	id := hex.EncodeToString(raw[:])
	path := filepath.Join(tempDir, Prefix+id)
	if err := os.Mkdir(path, 0o700); err != nil {
		return nil, fmt.Errorf("creating the run folder: %w", err)
	}
	f := &Folder{path: path, id: id}
	fail := func(err error) (*Folder, error) {
		if f.lock != nil {
			f.lock.Close()
		}
		os.RemoveAll(path)
		return nil, fmt.Errorf("creating the run folder %s: %w", path, err)
	}
	lock, err := os.OpenFile(filepath.Join(path, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fail(err)
	}
	f.lock = lock
	if err := filelock.Lock(lock); err != nil {
		return fail(err)
	}
	host, _ := os.Hostname()
	owner, err := json.Marshal(Owner{PID: os.Getpid(), Host: host, Started: time.Now()})
	if err != nil {
		return fail(err)
	}
	// Written last: a folder with its owner record is complete (see Sweep).
	if err := os.WriteFile(filepath.Join(path, ownerFile), owner, 0o600); err != nil {
		return fail(err)
	}
	return f, nil
}

// Path is the folder.
func (f *Folder) Path() string { return f.path }

// ID is the run's id, the value of [EnvRunID] in its processes.
func (f *Folder) ID() string { return f.id }

// Sub makes (if needed) and returns the sub-folder name, mode 0700.
func (f *Folder) Sub(name string) (string, error) {
	p := filepath.Join(f.path, name)
	if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("creating %s: %w", p, err)
	}
	return p, nil
}

// Close removes the folder and everything in it, then releases the lock.
// It is safe to call more than once.
func (f *Folder) Close() error {
	f.closeOnce.Do(func() {
		f.closeErr = os.RemoveAll(f.path)
		// Unlocked only once the folder is gone, so no sweeper ever
		// removes it under a live run.
		f.lock.Close()
	})
	return f.closeErr
}
