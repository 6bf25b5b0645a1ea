package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Sentinels for expected outcomes; test with errors.Is.
var (
	// ErrInvalidManifest matches a [ManifestError].
	ErrInvalidManifest = errors.New("invalid plugin manifest")
	// ErrIntegrity matches an [IntegrityError]: content did not match its
	// recorded size or SHA-256.
	ErrIntegrity = errors.New("plugin integrity check failed")
	// ErrNotInBundle matches a [MissingError]: a manifest plugin is not in
	// the bundle or folder being restored.
	ErrNotInBundle = errors.New("plugin not in bundle")
	// ErrNoCache matches a [NoCacheError]: the folder to inspect is not
	// there.
	ErrNoCache = errors.New("no plugin cache")
	// ErrNotReady matches a [VerifyError]: a run from the verified cache
	// would meet a broken plugin or download one.
	ErrNotReady = errors.New("plugin cache not ready")
)

// ManifestError is a manifest (or a bundle index) that fails validation.
// Field names the offending JSON field, e.g. `plugins[1].version`.
type ManifestError struct {
	Source string // the file, when known
	Field  string
	Reason string
}

// Error names the source, the field and what is wrong with it.
func (e *ManifestError) Error() string {
	src := "plugin manifest"
	if e.Source != "" {
		src = e.Source
	}
	return fmt.Sprintf("%s: field %q: %s", src, e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidManifest) true.
func (e *ManifestError) Is(target error) bool { return target == ErrInvalidManifest }

// IntegrityError is content that is not what its manifest, bundle index or
// cache entry says it is: truncated, tampered with or corrupt.
type IntegrityError struct {
	Plugin string // "<kind>-<name>-v<version>", or a dependencies key
	File   string // path inside the plugin folder or archive, when known
	Reason string // e.g. "size 12 bytes, want 53390312"
}

// Error names the plugin (or dependencies entry), the file and what does
// not match.
func (e *IntegrityError) Error() string {
	what, fix := "plugin", "rebuild the bundle or re-download the plugin"
	if depsKeyRE.MatchString(e.Plugin) {
		what, fix = "dependencies", "rebuild the dependencies bundle, or delete the cache entry with octopulumi cache deps verify --repair"
	}
	if e.File != "" {
		return fmt.Sprintf("%s %s: %s: %s (%s)", what, e.Plugin, e.File, e.Reason, fix)
	}
	return fmt.Sprintf("%s %s: %s (%s)", what, e.Plugin, e.Reason, fix)
}

// Is makes errors.Is(err, ErrIntegrity) true.
func (e *IntegrityError) Is(target error) bool { return target == ErrIntegrity }

// MissingError is a manifest plugin that a bundle or folder does not hold.
type MissingError struct {
	Plugin string
	Source string
}

// Error names the plugin and the source that lacks it.
func (e *MissingError) Error() string {
	return fmt.Sprintf("plugin %s is in the manifest but not in %s: rebuild the bundle from the current manifest", e.Plugin, e.Source)
}

// Is makes errors.Is(err, ErrNotInBundle) true.
func (e *MissingError) Is(target error) bool { return target == ErrNotInBundle }

// NoCacheError is a PULUMI_HOME (or shared cache folder) that does not
// exist, or that holds no plugins folder, so there is nothing to inspect.
type NoCacheError struct {
	Home string
	// Plugins is true when Home exists but its plugins folder does not.
	Plugins bool
}

// Error names the folder and what is missing.
func (e *NoCacheError) Error() string {
	if e.Plugins {
		return fmt.Sprintf("%s holds no plugins folder: no plugin was ever installed there (is it the right PULUMI_HOME?)", e.Home)
	}
	return fmt.Sprintf("%s does not exist: give the PULUMI_HOME or shared cache folder that holds the plugins", e.Home)
}

// Is makes errors.Is(err, ErrNoCache) and errors.Is(err, fs.ErrNotExist)
// true.
func (e *NoCacheError) Is(target error) bool {
	return target == ErrNoCache || target == fs.ErrNotExist
}

// VerifyError is a verified cache that a run should not use as it is: the
// failure that [VerifyReport.Err] reports.
type VerifyError struct {
	// Home is the folder verified.
	Home string
	// Broken are the broken entries left in place (not repaired).
	Broken []Problem
	// Missing are the manifest's plugins that Home lacks.
	Missing []Plugin
}

// Error names the folder, what is wrong and what to do about it.
func (e *VerifyError) Error() string {
	var why []string
	if n := len(e.Broken); n > 0 {
		why = append(why, fmt.Sprintf("%d broken plugin(s): delete them with Repair (octopulumi cache verify --repair), so that the next restore or install redoes them", n))
	}
	if n := len(e.Missing); n > 0 {
		why = append(why, fmt.Sprintf("%d plugin(s) of the manifest missing, which Pulumi would download: restore them (octopulumi cache restore)", n))
	}
	return e.Home + ": " + strings.Join(why, "; ")
}

// Is makes errors.Is(err, ErrNotReady) true.
func (e *VerifyError) Is(target error) bool { return target == ErrNotReady }
