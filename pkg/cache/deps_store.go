package cache

import (
	"context"
	"crypto/rand"
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
	"sync"
	"time"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// A worker-shared dependencies cache is the folder "dependencies" of a
// cache folder (which may be the plugin cache's: plugins/ and
// dependencies/ sit side by side). It follows the plugin cache's protocol
// (see store.go): per key,
//
//   - <key>/ is the entry: a node_modules, never used by a program itself;
//   - <key>.lock, <key>.partial, <key>.lastused as for plugins;
//   - <key>.octopulumi.json lists its files (type, size, mode, SHA-256);
//   - <key>.spares/<id>/ are ready copies of the entry, each moved
//     (renamed) into one program's folder whole, so that a restore copies
//     nothing and no two deployments ever share a file: a program that
//     writes into its node_modules changes its own copy only;
//   - <key>.spares/.tmp-<id>/ is a copy being made, renamed when complete.
//
// The entry is written and deleted only under its lock; a spare is claimed
// by a rename, which only one claimer can win, so claims take no lock.
const (
	depsDir      = "dependencies"
	sparesSuffix = ".spares"
	spareTmp     = ".tmp-"
)

var depsKeyRE = regexp.MustCompile(`^nodejs-(npm|yarn|pnpm|bun)-[0-9a-f]{32}$`)

func depsStoreOf(dir string) store { return store{root: filepath.Join(dir, depsDir)} }

// DependencyIndexFile is the index of a dependencies bundle, at the root of
// the archive and of its extracted folder; beside it,
// dependencies/<key>/ holds the node_modules, as in a cache folder.
const DependencyIndexFile = "octopulumi-dependencies.json"

// depsIndex describes one set of installed dependencies: a bundle's index,
// and the record beside a cache entry.
type depsIndex struct {
	Format         int          `json:"format"`
	Key            string       `json:"key"`
	Runtime        string       `json:"runtime"`
	Manager        string       `json:"manager"`
	Lockfile       string       `json:"lockfile"`
	RuntimeVersion string       `json:"runtimeVersion,omitempty"`
	Platform       string       `json:"platform"`
	Files          []fileRecord `json:"files"`
}

func newDepsIndex(d *Dependencies, files []fileRecord) *depsIndex {
	return &depsIndex{Format: ManifestFormat, Key: d.Key, Runtime: d.Runtime, Manager: d.Manager,
		Lockfile: d.Lockfile, RuntimeVersion: d.RuntimeVersion, Platform: d.Platform, Files: files}
}

func (x *depsIndex) size() int64 { return entryRecord{Files: x.Files}.size() }

// parseDepsIndex validates an index or record from anywhere: known format,
// a key, and file paths that stay inside node_modules.
func parseDepsIndex(raw []byte, source string, needHash bool) (*depsIndex, error) {
	var x depsIndex
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return nil, &ManifestError{Source: source, Field: jsonField(err), Reason: "not a valid dependencies index: " + err.Error()}
	}
	if x.Format != ManifestFormat {
		return nil, &ManifestError{Source: source, Field: "format", Reason: fmt.Sprintf("%d is not a supported format (want %d)", x.Format, ManifestFormat)}
	}
	if !depsKeyRE.MatchString(x.Key) {
		return nil, &ManifestError{Source: source, Field: "key", Reason: fmt.Sprintf("%q is not a dependencies key", x.Key)}
	}
	if err := checkRecords(x.Key, x.Files, needHash); err != nil {
		return nil, err
	}
	return &x, nil
}

func readDepsRecord(st store, key string) (*depsIndex, error) {
	p := st.dir(key) + recordSuffix
	raw, err := safefile.ReadFile(p, maxIndexBytes)
	if err != nil {
		return nil, err
	}
	x, err := parseDepsIndex(raw, p, false)
	if err != nil {
		return nil, err
	}
	if x.Key != key {
		return nil, fmt.Errorf("%s describes %s", p, x.Key)
	}
	return x, nil
}

// scanTree lists a node_modules for a cache entry or bundle: like scanDir,
// and every symlink must stay inside (a workspace's link to a package
// outside node_modules cannot be cached).
func scanTree(ctx context.Context, key, root string, hash bool) ([]fileRecord, error) {
	// A node_modules may itself be a link (to a CI cache, say): list
	// what it points to.
	root, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	files, err := scanDir(ctx, root, hash)
	if err != nil {
		return nil, err
	}
	if err := checkRecords(key, files, hash); err != nil {
		return nil, fmt.Errorf("%s cannot be cached: %w", root, err)
	}
	return files, nil
}

// copyWorkers is how many files copyTree copies at once: node_modules
// holds thousands of small files, and per-file system calls dominate.
const copyWorkers = 4

// copyTree copies files (as listed, relative to src) into the folder dst,
// which must exist and be empty: folders and symlinks first, then the
// files, several at a time, each with the recorded mode. With hash it
// fills in each file's SHA-256 of what was written (else it keeps the
// kernel's file-to-file copy). It does not sync: a cache entry or spare is
// only published, by a rename, once complete, and a restore checks sizes.
func copyTree(ctx context.Context, dst, src string, files []fileRecord, hash bool) error {
	var jobs []int
	for i, f := range files {
		to := filepath.Join(dst, filepath.FromSlash(f.Path))
		var err error
		switch f.Type {
		case "dir":
			err = os.Mkdir(to, 0o755)
		case "symlink":
			err = os.Symlink(f.Target, to)
		case "file":
			jobs = append(jobs, i)
		}
		if err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		next    = make(chan int)
		workers = min(copyWorkers, len(jobs))
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				f := &files[i]
				sum, err := copyOne(ctx, filepath.Join(dst, filepath.FromSlash(f.Path)), filepath.Join(src, filepath.FromSlash(f.Path)), fs.FileMode(f.Mode), hash)
				if err == nil && hash {
					f.SHA256 = sum
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("copy %s: %w", f.Path, err)
					}
					mu.Unlock()
					cancel()
				}
			}
		})
	}
feed:
	for _, i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// copyOne copies one regular file; with hash it returns the SHA-256 of the
// bytes written.
func copyOne(ctx context.Context, to, from string, mode fs.FileMode, hash bool) (string, error) {
	in, err := safefile.Open(from)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return "", err
	}
	var w io.Writer = out
	h := sha256.New()
	if hash {
		w = io.MultiWriter(out, h)
	}
	_, err = copyCtx(ctx, w, in)
	if err = errors.Join(err, out.Close(), os.Chmod(to, mode)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// randomID names a spare or a staging folder.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// spares lists the ready copies of key, oldest name first.
func spares(st store, key string) []string {
	ents, err := os.ReadDir(st.dir(key) + sparesSuffix)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(st.dir(key)+sparesSuffix, e.Name()))
		}
	}
	return out
}

// cleanSpareTmp deletes the copies that killed writers left; only the
// holder of key's lock calls it, so no live copy is among them.
func cleanSpareTmp(st store, key string) {
	old, _ := filepath.Glob(filepath.Join(st.dir(key)+sparesSuffix, spareTmp+"*"))
	for _, d := range old {
		os.RemoveAll(d)
	}
}

// removeAside deletes a folder by first renaming it out of the way, so
// that its name is free at once and nobody sees it half deleted.
func removeAside(dir string) error {
	aside := filepath.Join(filepath.Dir(dir), ".octopulumi-delete-"+randomID())
	if err := os.Rename(dir, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return os.RemoveAll(dir)
	}
	return os.RemoveAll(aside)
}

// cleanAside deletes what removeAside left when it was killed.
func cleanAside(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, ".octopulumi-delete-*"))
	for _, d := range old {
		if info, err := os.Stat(d); err == nil && time.Since(info.ModTime()) > staleStaging {
			os.RemoveAll(d)
		}
	}
}
