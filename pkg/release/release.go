package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/octopulumi/octopulumi/internal/dist"
	"github.com/octopulumi/octopulumi/internal/pulumicmd"
	"github.com/octopulumi/octopulumi/internal/safefile"
	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// ChecksumsFile lists the SHA-256 of the packages written, as `sha256sum
// -c` reads it.
const ChecksumsFile = "SHA256SUMS"

// Options say what [Build] packs and where. Program, ID, Version and Out
// are required.
type Options struct {
	// Program is the Pulumi program's folder (holding Pulumi.yaml).
	Program string
	// ID is the program package's Octopus package id, e.g. MyCompany.Infra;
	// the bundles' ids add .Plugins and .Dependencies to it.
	ID string
	// Version is the release's SemVer version, e.g. 1.4.2, shared by every
	// package.
	Version string
	// Out is the folder the packages are written to (created if need be).
	// When it lies inside Program it is left out of the program package.
	Out string
	// Time is stamped on every entry of the program package. Zero means
	// SOURCE_DATE_EPOCH from Environ when it is set (such as the commit's
	// time, git log -1 --format=%ct), else 1980-01-01: never the clock, so
	// that one commit gives the same bytes.
	Time time.Time
	// NoPlugins leaves out the plugin bundle, which is otherwise made when
	// the program has a Pulumi.plugins.json.
	NoPlugins bool
	// NoDependencies leaves out the dependencies bundle, which is otherwise
	// made when the program folder has a node_modules.
	NoDependencies bool
	// SkipManifestCheck does not check Pulumi.plugins.json against the
	// program. Skip it only where the plugins' servers cannot be reached:
	// without the check, a stale manifest ships a bundle that lacks a
	// plugin the deployment then downloads (or, air-gapped, fails on).
	SkipManifestCheck bool
	// Pulumi is the CLI the check runs (default: pulumi on the PATH of
	// Environ).
	Pulumi string
	// Server downloads every plugin, for the check and the bundle, from
	// this mirror base URL, as `pulumi plugin install --server` does.
	Server string
	// DownloadOverrides are PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES rules
	// (regexp=URL,...) for the same downloads.
	DownloadOverrides string
	// Environ is the environment the CLI and node run in, and where
	// SOURCE_DATE_EPOCH is read (nil: this process's).
	Environ []string
	// Logger receives progress (default: discarded).
	Logger *slog.Logger
}

// Kinds of the files [Build] writes.
const (
	KindProgram      = "program"
	KindPlugins      = "plugins"
	KindDependencies = "dependencies"
	KindChecksums    = "checksums"
)

// File is one file [Build] wrote.
type File struct {
	// Kind is [KindProgram], [KindPlugins], [KindDependencies] or
	// [KindChecksums].
	Kind string
	// Name is the file's name, e.g. MyCompany.Infra.1.4.2.zip.
	Name string
	// Path is where it was written: Out joined with Name.
	Path string
	// SHA256 is its SHA-256, in hex.
	SHA256 string
}

// Result is what [Build] wrote.
type Result struct {
	// Files are the files written: the program package, then the plugin
	// and dependencies bundles when made, then [ChecksumsFile].
	Files []File
	// Contents are the program package's entries, sorted.
	Contents []string
	// Time is the time its entries carry.
	Time time.Time
	// Notes say what was not made, and why, when that is not an error:
	// no manifest, so no plugin bundle, for example.
	Notes []string
}

// Build packs the program folder, its plugin bundle and its dependencies
// bundle as Octopus packages of one version in o.Out, with a
// [ChecksumsFile]; see the package documentation for what each holds.
// Invalid options are [*OptionError]s, reported together; a stale manifest
// is a [*StaleManifestError]; a file that cannot be packed a [*FileError].
// Nothing is written unless every package is made.
func Build(ctx context.Context, o Options) (*Result, error) {
	c, err := o.configure()
	if err != nil {
		return nil, err
	}
	sel, err := newSelection(c.root, c.out)
	if err != nil {
		return nil, err
	}
	files, err := sel.files(ctx)
	if err != nil {
		return nil, err
	}
	r := &Result{Time: c.at}
	for _, f := range files {
		r.Contents = append(r.Contents, f.Name)
	}
	slices.Sort(r.Contents)
	if !slices.Contains(r.Contents, "Pulumi.yaml") && !slices.Contains(r.Contents, "Pulumi.yml") {
		return nil, fmt.Errorf("release: the program package would hold no Pulumi.yaml: it is not in %s, or %s leaves it out", o.Program, IgnoreFile)
	}
	deps, note, err := o.dependencies(ctx, files)
	if err != nil {
		return nil, err
	}
	if note != "" {
		r.Notes = append(r.Notes, note)
	}
	m, manifest, err := readManifest(o.Program)
	if err != nil {
		return nil, err
	}
	if m == nil {
		r.Notes = append(r.Notes, fmt.Sprintf("no %s in %s, so no plugin bundle: `%s` makes one", cache.ManifestFile, o.Program, FixCommand(o.Program)))
	} else if !o.SkipManifestCheck {
		o.Logger.InfoContext(ctx, "checking the plugin manifest against the program", "manifest", manifest)
		if err := checkManifest(ctx, &o, files, m, manifest); err != nil {
			return nil, err
		}
	}
	if o.NoPlugins {
		m = nil
	}
	if err := write(ctx, &o, c, r, files, m, deps); err != nil {
		return nil, err
	}
	return r, nil
}

// config is what Build works with, from valid options.
type config struct {
	names Names
	// root is the program folder, absolute, symlinks resolved.
	root string
	// out is the output folder, absolute.
	out string
	at  time.Time
}

// configure checks every option and reports every problem at once.
func (o *Options) configure() (*config, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := &config{}
	var errs []error
	var err error
	if c.names, err = PackageNames(o.ID, o.Version); err != nil {
		errs = append(errs, err)
	}
	if c.at, err = o.time(); err != nil {
		errs = append(errs, err)
	}
	if c.root, err = programRoot(o.Program); err != nil {
		errs = append(errs, err)
	}
	if o.Out == "" {
		errs = append(errs, &OptionError{Field: "Out", Err: errors.New("give the folder to write the packages to")})
	} else if c.out, err = filepath.Abs(o.Out); err != nil {
		errs = append(errs, &OptionError{Field: "Out", Err: err})
	} else if real, err := filepath.EvalSymlinks(c.out); err == nil && real == c.root {
		errs = append(errs, &OptionError{Field: "Out", Err: fmt.Errorf("%s is the program folder itself: write the packages beside it, or into a folder inside it", o.Out)})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// programRoot is the program folder, absolute, with symlinks resolved.
func programRoot(program string) (string, error) {
	if program == "" {
		return "", &OptionError{Field: "Program", Err: errors.New("give the Pulumi program's folder")}
	}
	abs, err := filepath.Abs(program)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", &OptionError{Field: "Program", Err: fmt.Errorf("the program folder %s: %w", program, err)}
	}
	if info, err := os.Stat(abs); err != nil || !info.IsDir() {
		return "", &OptionError{Field: "Program", Err: fmt.Errorf("%s is not a folder: give the folder holding Pulumi.yaml", program)}
	}
	return abs, nil
}

// zipLastTime is the last time a zip entry can carry. Go's archive/zip
// writes it twice: as an MS-DOS date (up to 2107) and in the extended
// timestamp field as an unsigned 32-bit count of seconds since 1970
// (uint32(Modified.Unix()), archive/zip writer.go), which wraps after
// 2106-02-07T06:28:15Z.
var zipLastTime = time.Unix(math.MaxUint32, 0).UTC()

// time is the time entries carry: o.Time, else SOURCE_DATE_EPOCH, else
// dist.Epoch; never before 1980, which a zip file cannot say (as
// reproducible-builds.org/docs/source-date-epoch clamps for zip files).
// A malformed SOURCE_DATE_EPOCH is an error, as
// reproducible-builds.org/specs/source-date-epoch asks.
func (o *Options) time() (time.Time, error) {
	at := o.Time
	if at.IsZero() {
		at = dist.Epoch
		env := o.Environ
		if env == nil {
			env = os.Environ()
		}
		if v, _ := pulumicmd.Lookup(env, "SOURCE_DATE_EPOCH"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return time.Time{}, &OptionError{Field: "SOURCE_DATE_EPOCH", Err: fmt.Errorf("%q is not a number of seconds since 1970 (such as the commit's time: git log -1 --format=%%ct)", v)}
			}
			at = time.Unix(n, 0)
		}
	}
	at = at.UTC()
	if at.Before(dist.Epoch) {
		at = dist.Epoch
	}
	if at.After(zipLastTime) {
		return time.Time{}, &OptionError{Field: "Time", Err: fmt.Errorf("%s is after %s, the last time a zip file can say", at.Format(time.RFC3339), zipLastTime.Format(time.RFC3339))}
	}
	return at, nil
}

// download are the download options of the check and the plugin bundle.
func (o *Options) download() []cache.DownloadOption {
	var opts []cache.DownloadOption
	if o.Server != "" {
		opts = append(opts, cache.WithServer(o.Server))
	}
	if o.DownloadOverrides != "" {
		opts = append(opts, cache.WithDownloadOverrides(o.DownloadOverrides))
	}
	return opts
}

// dependencies reads the dependencies to bundle: those of a program
// folder with a node_modules, unless NoDependencies. A program of another
// runtime with a node_modules, or a Node.js program without one, gets a
// note instead. files are the program package's, which hold Pulumi.yaml.
func (o *Options) dependencies(ctx context.Context, files []dist.File) (*cache.Dependencies, string, error) {
	if o.NoDependencies {
		return nil, "", nil
	}
	info, err := os.Stat(filepath.Join(o.Program, cache.DependenciesFolder))
	if errors.Is(err, fs.ErrNotExist) || err == nil && !info.IsDir() {
		if projectRuntime(files) == nodeRuntime {
			return nil, fmt.Sprintf("%s is a Node.js program without %s, so no dependencies bundle: run npm ci (or your package manager's install) in it first to bundle its dependencies", o.Program, cache.DependenciesFolder), nil
		}
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("release: %w", err)
	}
	d, err := step.ReadDependencies(ctx, o.Program, o.Environ)
	if ue, ok := errors.AsType[*cache.UnsupportedRuntimeError](err); ok {
		return nil, fmt.Sprintf("%s has a %s, but its runtime is %s, so no dependencies bundle", o.Program, cache.DependenciesFolder, ue.Runtime), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("release: %w", err)
	}
	return d, "", nil
}

// nodeRuntime is Pulumi's name for the Node.js runtime.
const nodeRuntime = "nodejs"

// projectRuntime is the runtime the project file among files names
// (runtime: nodejs, or runtime: {name: nodejs, options: ...}), "" when it
// cannot be read: Pulumi.yaml, else Pulumi.yml, as Pulumi looks for them.
func projectRuntime(files []dist.File) string {
	for _, name := range []string{"Pulumi.yaml", "Pulumi.yml"} {
		i := slices.IndexFunc(files, func(f dist.File) bool { return f.Name == name })
		if i < 0 {
			continue
		}
		var p struct {
			Runtime yaml.Node `yaml:"runtime"`
		}
		if err := yaml.Unmarshal(files[i].Data, &p); err != nil {
			return ""
		}
		if p.Runtime.Kind != yaml.MappingNode {
			return p.Runtime.Value
		}
		var r struct {
			Name string `yaml:"name"`
		}
		if err := p.Runtime.Decode(&r); err != nil {
			return ""
		}
		return r.Name
	}
	return ""
}

// write makes every package in a scratch folder inside the output folder,
// then the checksums, and renames them all into place.
func write(ctx context.Context, o *Options, c *config, r *Result, files []dist.File, m *cache.Manifest, deps *cache.Dependencies) error {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return fmt.Errorf("release: the output folder: %w", err)
	}
	scratch, err := os.MkdirTemp(c.out, ".octopulumi-package-*")
	if err != nil {
		return fmt.Errorf("release: the output folder: %w", err)
	}
	defer os.RemoveAll(scratch)

	made := func(kind, name string, sum string) {
		r.Files = append(r.Files, File{Kind: kind, Name: name, Path: filepath.Join(o.Out, name), SHA256: sum})
	}
	sum, err := dist.Write(scratch, c.names.Program, files, c.at)
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	made(KindProgram, c.names.Program, sum)
	if m != nil {
		o.Logger.InfoContext(ctx, "bundling plugins", "plugins", len(m.Plugins))
		opts := []cache.BundleOption{cache.WithLogger(o.Logger)}
		for _, d := range o.download() {
			opts = append(opts, d)
		}
		if err := cache.BundleFile(ctx, m, filepath.Join(scratch, c.names.Plugins), opts...); err != nil {
			return fmt.Errorf("release: the plugin bundle: %w", err)
		}
		if err := sumOf(scratch, c.names.Plugins, KindPlugins, made); err != nil {
			return err
		}
	}
	if deps != nil {
		o.Logger.InfoContext(ctx, "bundling dependencies", "key", deps.Key)
		if err := cache.BundleDependenciesFile(ctx, deps, filepath.Join(scratch, c.names.Dependencies), cache.WithLogger(o.Logger)); err != nil {
			return fmt.Errorf("release: the dependencies bundle: %w", err)
		}
		if err := sumOf(scratch, c.names.Dependencies, KindDependencies, made); err != nil {
			return err
		}
	}
	sums := map[string]string{}
	for _, f := range r.Files {
		sums[f.Name] = f.SHA256
	}
	list := dist.Checksums(sums)
	if err := os.WriteFile(filepath.Join(scratch, ChecksumsFile), list, 0o644); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	listSum := sha256.Sum256(list)
	made(KindChecksums, ChecksumsFile, hex.EncodeToString(listSum[:]))
	names := make([]string, 0, len(r.Files))
	for _, f := range r.Files {
		names = append(names, f.Name)
	}
	return publish(scratch, c.out, names)
}

// publish renames the files names from scratch into out, in order, so
// that the last ([ChecksumsFile]) says the release is whole. When a rename
// fails it takes back the files it moved and puts back those they replaced
// (a build of the same version before), leaving out as it was.
func publish(scratch, out string, names []string) error {
	type move struct {
		name string
		// previous is where the file it replaced waits, "" for none.
		previous string
		placed   bool
	}
	var moves []move
	undo := func(cause error) error {
		errs := []error{cause}
		for _, m := range slices.Backward(moves) {
			dst := filepath.Join(out, m.name)
			if m.placed {
				errs = append(errs, os.Remove(dst))
			}
			if m.previous != "" {
				errs = append(errs, os.Rename(m.previous, dst))
			}
		}
		return errors.Join(errs...)
	}
	for _, name := range names {
		dst := filepath.Join(out, name)
		moves = append(moves, move{name: name})
		m := &moves[len(moves)-1]
		if info, err := os.Lstat(dst); err == nil && !info.IsDir() {
			m.previous = filepath.Join(scratch, ".previous-"+name)
			if err := os.Rename(dst, m.previous); err != nil {
				m.previous = ""
				return undo(fmt.Errorf("release: replacing %s in %s: %w", name, out, err))
			}
		}
		if err := os.Rename(filepath.Join(scratch, name), dst); err != nil {
			return undo(fmt.Errorf("release: moving %s into %s: %w", name, out, err))
		}
		m.placed = true
	}
	return nil
}

// sumOf hashes the file name in dir and records it with made.
func sumOf(dir, name, kind string, made func(kind, name, sum string)) error {
	f, err := safefile.Open(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("release: hashing %s: %w", name, err)
	}
	made(kind, name, hex.EncodeToString(h.Sum(nil)))
	return nil
}
