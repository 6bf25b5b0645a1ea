package cache

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// Report says what a [Restore] or [Warm] did.
type Report struct {
	// Installed are the plugin folders this call installed.
	Installed []string
	// Present were already installed and left alone.
	Present []string
	// Linked and Copied count the files installed by hard link and by copy.
	Linked, Copied int
	// Missing are manifest plugins still not installed afterwards, which
	// Pulumi would download ([Warm] with [WithManifest] only).
	Missing []Plugin
}

// testHookPopulated, when set (by tests only), runs after a plugin's files
// are in place and before it is marked installed.
var testHookPopulated func(key string)

// maxIndexBytes bounds a bundle index, in an archive or a folder; a real
// one is a few KB per plugin.
const maxIndexBytes = 64 << 20

// maxRecordBytes bounds a plugin's <dir>.octopulumi.json, one plugin's part
// of an index.
const maxRecordBytes = maxIndexBytes

// staleStaging is how old an abandoned restore staging folder must be
// before a later restore deletes it.
const staleStaging = time.Hour

// sourceEntry is one plugin a restore can install: its record and the
// folder that holds its files.
type sourceEntry struct {
	rec entryRecord
	dir string
}

// Restore installs plugins into the PULUMI_HOME home from src, which is
// one of:
//   - a bundle archive made by [Bundle] (.tar or .tar.gz);
//   - its extracted folder, e.g. an Octopus package's ExtractedPath;
//   - another PULUMI_HOME or a worker-shared cache folder.
//
// Plugins already installed in home are left alone. Everything to install is
// checked first (an archive is hashed as it is read; a folder by type, size
// and mode, and SHA-256 with [VerifyContents]), so that a bad source installs
// nothing and the error names the plugin. Each plugin is then installed with
// the CLI's own protocol (lock, .partial marker, commit), so concurrent
// restores and `pulumi plugin install` runs never see or make a half-installed
// plugin, and a restore killed midway leaves a marked entry that the next
// writer discards. Files are hard-linked from a folder on the same file
// system (copied otherwise, or with [WithCopy]), so a restore's cost does not
// grow with the plugins' bytes.
func Restore(ctx context.Context, src, home string, opts ...RestoreOption) (*Report, error) {
	o, err := configure(defaultOptions(), opts, RestoreOption.configureRestore)
	if err != nil {
		return nil, err
	}
	return o.restore(ctx, src, home)
}

// restore is [Restore] with its options applied.
func (o options) restore(ctx context.Context, src, home string) (*Report, error) {
	if home == "" {
		return nil, errors.New("restore plugins: no PULUMI_HOME given")
	}
	info, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("restore plugins: %w", err)
	}
	if info.IsDir() {
		entries, err := o.folderEntries(ctx, src)
		if err != nil {
			return nil, err
		}
		return o.restoreEntries(ctx, entries, src, home, true)
	}
	return o.restoreArchive(ctx, src, home)
}

// folderEntries lists the plugins of a bundle folder or a PULUMI_HOME.
func (o options) folderEntries(ctx context.Context, src string) ([]sourceEntry, error) {
	raw, err := safefile.ReadFile(filepath.Join(src, IndexFile), maxIndexBytes)
	if err == nil {
		idx, err := parseIndex(raw, filepath.Join(src, IndexFile))
		if err != nil {
			return nil, err
		}
		var out []sourceEntry
		for _, r := range idx.Plugins {
			out = append(out, sourceEntry{rec: r, dir: filepath.Join(src, "plugins", r.Plugin.Dir())})
		}
		return out, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("restore plugins: %w", err)
	}
	st := storeOf(src)
	names, err := os.ReadDir(st.root)
	if err != nil {
		return nil, fmt.Errorf("restore plugins: %s is neither a bundle (no %s) nor a PULUMI_HOME: %w", src, IndexFile, err)
	}
	var out []sourceEntry
	for _, d := range names {
		kind, name, version, ok := parseDir(d.Name())
		if !ok || !d.IsDir() {
			continue
		}
		if ok, err := st.installed(d.Name()); err != nil || !ok {
			continue
		}
		rec, err := readRecord(st.dir(d.Name()))
		if err != nil {
			files, err := scanDir(ctx, st.dir(d.Name()), false)
			if err != nil {
				return nil, fmt.Errorf("restore plugins: %w", err)
			}
			rec = entryRecord{Plugin: Plugin{Kind: kind, Name: name, Version: version}, Files: files}
		}
		out = append(out, sourceEntry{rec: rec, dir: st.dir(d.Name())})
	}
	return out, nil
}

func readRecord(dir string) (entryRecord, error) {
	var rec entryRecord
	raw, err := safefile.ReadFile(dir+recordSuffix, maxRecordBytes)
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return rec, err
	}
	if rec.Plugin.Dir() != filepath.Base(dir) {
		return rec, fmt.Errorf("%s%s describes %s", dir, recordSuffix, rec.Plugin.Dir())
	}
	return rec, checkRecords(rec.Plugin.Dir(), rec.Files, false)
}

func parseIndex(raw []byte, source string) (*bundleIndex, error) {
	var idx bundleIndex
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&idx); err != nil {
		return nil, &ManifestError{Source: source, Field: jsonField(err), Reason: "not a valid bundle index: " + err.Error()}
	}
	if idx.Format != ManifestFormat {
		return nil, &ManifestError{Source: source, Field: "format", Reason: fmt.Sprintf("%d is not a supported bundle format (want %d)", idx.Format, ManifestFormat)}
	}
	if !platformRE.MatchString(idx.Platform) {
		return nil, &ManifestError{Source: source, Field: "platform", Reason: fmt.Sprintf("%q is not a platform", idx.Platform)}
	}
	for i, r := range idx.Plugins {
		if err := r.Plugin.validate(fmt.Sprintf("plugins[%d].plugin", i)); err != nil {
			err.Source = source
			return nil, err
		}
		if err := checkRecords(r.Plugin.Dir(), r.Files, true); err != nil {
			return nil, err
		}
	}
	return &idx, nil
}

// selectEntries picks what to restore: the manifest's plugins (each must be
// in the source, from the same tarball) or everything.
func (o options) selectEntries(entries []sourceEntry, source string) ([]sourceEntry, error) {
	if o.manifest == nil {
		return entries, nil
	}
	var out []sourceEntry
	for _, p := range o.manifest.Plugins {
		i := slices.IndexFunc(entries, func(e sourceEntry) bool { return e.rec.Plugin.Dir() == p.Dir() })
		if i < 0 {
			return nil, &MissingError{Plugin: p.Dir(), Source: source}
		}
		e := entries[i]
		for plat, sum := range e.rec.Plugin.Checksums {
			if want, ok := p.Checksums[plat]; ok && want != sum {
				return nil, &IntegrityError{Plugin: p.Dir(), Reason: fmt.Sprintf("%s was built from tarball SHA-256 %s, the manifest says %s: rebuild the bundle", source, sum, want)}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// todo drops the entries already installed in st.
func todo(st store, entries []sourceEntry, r *Report) ([]sourceEntry, error) {
	var out []sourceEntry
	for _, e := range entries {
		ok, err := st.installed(e.rec.Plugin.Dir())
		if err != nil {
			return nil, err
		}
		if ok {
			r.Present = append(r.Present, e.rec.Plugin.Dir())
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// restoreEntries checks every entry to install, then installs them.
func (o options) restoreEntries(ctx context.Context, entries []sourceEntry, source, home string, check bool) (*Report, error) {
	entries, err := o.selectEntries(entries, source)
	if err != nil {
		return nil, err
	}
	st := storeOf(home)
	r := &Report{}
	work, err := todo(st, entries, r)
	if err != nil {
		return nil, err
	}
	if check {
		for _, e := range work {
			if err := checkDir(ctx, e.rec.Plugin.Dir(), e.dir, e.rec.Files, o.deep); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range work {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		if err := o.install(ctx, st, e, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// install puts one entry into st under the CLI's protocol.
func (o options) install(ctx context.Context, st store, e sourceEntry, r *Report) (err error) {
	key := e.rec.Plugin.Dir()
	p, err := st.lock(ctx, key)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p.close()) }()
	if p.installed {
		// Another restore or `pulumi plugin install` finished it while we waited.
		r.Present = append(r.Present, key)
		return nil
	}
	dir, err := p.reset()
	if err != nil {
		return fmt.Errorf("install plugin %s: %w", key, err)
	}
	linked, copied, err := populate(ctx, dir, e.dir, e.rec.Files, !o.noLink)
	if err != nil {
		return fmt.Errorf("install plugin %s into %s: %w", key, st.root, err)
	}
	if err := checkDir(ctx, key, dir, e.rec.Files, false); err != nil {
		return err
	}
	raw, err := json.Marshal(e.rec)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(dir+recordSuffix, raw, 0o644); err != nil {
		return err
	}
	if testHookPopulated != nil {
		testHookPopulated(key)
	}
	if err := p.commit(); err != nil {
		return fmt.Errorf("install plugin %s: %w", key, err)
	}
	r.Installed = append(r.Installed, key)
	r.Linked += linked
	r.Copied += copied
	o.logger.InfoContext(ctx, "installed plugin", "plugin", key, "into", st.root, "linked", linked, "copied", copied)
	return nil
}

// restoreArchive reads the index, extracts and hashes what is missing into
// a staging folder inside home (so that installing is a hard link), and
// installs only when every byte checked out.
func (o options) restoreArchive(ctx context.Context, src, home string) (*Report, error) {
	f, err := safefile.Open(src)
	if err != nil {
		return nil, fmt.Errorf("restore plugins: %w", err)
	}
	defer f.Close()
	// Every read, the tar reader's skips included, ends when ctx does.
	br := bufio.NewReaderSize(ctxReader{ctx, f}, 1<<20)
	var rd io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("restore plugins: %s: %w", src, err)
		}
		rd = zr
	}
	tr := tar.NewReader(rd)
	h, err := tr.Next()
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil || h.Name != IndexFile || h.Size > maxIndexBytes {
		return nil, &ManifestError{Source: src, Field: IndexFile, Reason: "the archive does not start with a bundle index: make it with `octopulumi cache bundle`"}
	}
	raw, err := io.ReadAll(io.LimitReader(tr, maxIndexBytes))
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, &ManifestError{Source: src, Field: IndexFile, Reason: "unreadable: " + err.Error()}
	}
	idx, err := parseIndex(raw, src+":"+IndexFile)
	if err != nil {
		return nil, err
	}
	var entries []sourceEntry
	for _, rec := range idx.Plugins {
		entries = append(entries, sourceEntry{rec: rec})
	}
	entries, err = o.selectEntries(entries, src)
	if err != nil {
		return nil, err
	}
	st := storeOf(home)
	r := &Report{}
	work, err := todo(st, entries, r)
	if err != nil || len(work) == 0 {
		return r, err
	}

	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	cleanStaging(home)
	staging, err := os.MkdirTemp(home, ".octopulumi-restore-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)
	want := map[string]map[string]fileRecord{}
	for i := range work {
		work[i].dir = filepath.Join(staging, work[i].rec.Plugin.Dir())
		files := map[string]fileRecord{}
		for _, fr := range work[i].rec.Files {
			files[fr.Path] = fr
		}
		want[work[i].rec.Plugin.Dir()] = files
		if err := os.MkdirAll(work[i].dir, 0o755); err != nil {
			return nil, err
		}
	}
	if err := extractChecked(ctx, tr, "plugins/", staging, want); err != nil {
		return nil, err
	}
	for _, e := range work {
		if err := o.install(ctx, st, e, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// extractChecked extracts the entries <prefix><key>/<path> of the keys in
// want (plugins/ of a plugin bundle, dependencies/ of a dependencies
// bundle) into staging/<key>/<path>, hashing each file against its record;
// whatever is left in want at the end was missing from the archive.
func extractChecked(ctx context.Context, tr *tar.Reader, prefix, staging string, want map[string]map[string]fileRecord) error {
	var readErr error
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		rest, ok := strings.CutPrefix(h.Name, prefix)
		if !ok {
			continue
		}
		key, path, _ := strings.Cut(rest, "/")
		files, ok := want[key]
		if !ok {
			continue // not needed, or a folder entry
		}
		path = strings.TrimSuffix(path, "/")
		if path == "" {
			continue
		}
		rec, ok := files[path]
		if !ok {
			return &IntegrityError{Plugin: key, File: path, Reason: "in the archive but not in its index (tampered archive)"}
		}
		delete(files, path)
		p := filepath.Join(staging, key, filepath.FromSlash(path))
		switch rec.Type {
		case "dir":
			if h.Typeflag != tar.TypeDir {
				return &IntegrityError{Plugin: key, File: path, Reason: "not a folder as the index says"}
			}
			err = os.MkdirAll(p, 0o755)
		case "symlink":
			if h.Typeflag != tar.TypeSymlink || h.Linkname != rec.Target {
				return &IntegrityError{Plugin: key, File: path, Reason: "not the symlink the index lists"}
			}
			err = os.Symlink(rec.Target, p)
		case "file":
			if h.Typeflag != tar.TypeReg {
				return &IntegrityError{Plugin: key, File: path, Reason: "not a regular file as the index says"}
			}
			if h.Size != rec.Size {
				return &IntegrityError{Plugin: key, File: path, Reason: fmt.Sprintf("size %d bytes in the archive, the index says %d", h.Size, rec.Size)}
			}
			err = extractHashed(ctx, tr, p, rec, key)
		}
		if err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err // a cancelled read is not the archive's fault
	}
	for _, key := range slices.Sorted(maps.Keys(want)) {
		for _, path := range slices.Sorted(maps.Keys(want[key])) {
			why := "missing from the archive (truncated?)"
			if readErr != nil {
				why = "missing: the archive is truncated or corrupt (" + readErr.Error() + ")"
			}
			return &IntegrityError{Plugin: key, File: path, Reason: why}
		}
	}
	if readErr != nil {
		return fmt.Errorf("read plugin bundle: %w", readErr)
	}
	return nil
}

func extractHashed(ctx context.Context, r io.Reader, p string, rec fileRecord, key string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, fs.FileMode(rec.Mode))
	if err != nil {
		return err
	}
	err = copyChecked(ctx, f, r, rec, key)
	if cerr := errors.Join(f.Close(), os.Chmod(p, fs.FileMode(rec.Mode))); err == nil && cerr != nil {
		err = fmt.Errorf("plugin %s: write %s: %w", key, rec.Path, cerr)
	}
	return err
}

// copyChecked copies r to w and checks the bytes against rec. A failure to
// read is the archive's fault (an *IntegrityError); a failure to write (a
// full disk) is not, and keeps its cause so that errors.Is finds ENOSPC;
// nor is a cancellation, which ends the copy within a chunk.
func copyChecked(ctx context.Context, w io.Writer, r io.Reader, rec fileRecord, key string) error {
	h := sha256.New()
	src := &readErrReader{r: r}
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 1<<20)
	n, err := copyCtx(ctx, bw, src)
	if err == nil {
		err = bw.Flush()
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case src.err != nil:
		return &IntegrityError{Plugin: key, File: rec.Path, Reason: fmt.Sprintf("archive truncated or corrupt after %d of %d bytes: %v", n, rec.Size, src.err)}
	case err != nil:
		return fmt.Errorf("plugin %s: write %s: %w", key, rec.Path, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != rec.SHA256 {
		return &IntegrityError{Plugin: key, File: rec.Path, Reason: "SHA-256 " + sum + " does not match the index's " + rec.SHA256 + " (tampered or corrupt archive)"}
	}
	return nil
}

// readErrReader remembers the error of its reader, other than io.EOF.
type readErrReader struct {
	r   io.Reader
	err error
}

func (e *readErrReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

// cleanStaging deletes staging folders that killed restores left behind.
func cleanStaging(home string) {
	old, _ := filepath.Glob(filepath.Join(home, ".octopulumi-restore-*"))
	for _, d := range old {
		if info, err := os.Stat(d); err == nil && time.Since(info.ModTime()) > staleStaging {
			os.RemoveAll(d)
		}
	}
}
