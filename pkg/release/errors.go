package release

import (
	"fmt"
	"strconv"
	"strings"
)

// OptionError is an option of [Build] that cannot be used as given.
type OptionError struct {
	// Field names the option, e.g. "ID", "Version", "Program", or
	// "SOURCE_DATE_EPOCH" for the environment variable.
	Field string
	// Err says what is wrong and how to fix it.
	Err error
}

// Error names the option and what is wrong with it.
func (e *OptionError) Error() string { return "release: " + e.Field + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *OptionError) Unwrap() error { return e.Err }

// FileError is a file under the program folder that cannot be packed: a
// symlink that leaves the folder, points to a folder, to a file left out
// or to nothing, or a named pipe, socket or device.
type FileError struct {
	// Path is the file's path in the program folder, with '/'.
	Path string
	// Reason says what it is and why it cannot be packed.
	Reason string
}

// Error names the file, the reason and the two ways out.
func (e *FileError) Error() string {
	return fmt.Sprintf("release: %s %s: replace it with a regular file, or list it in %s", e.Path, e.Reason, IgnoreFile)
}

// StaleManifestError is a plugin manifest that no longer matches its
// program: Missing are the plugins the program needs that the manifest
// lacks, Unneeded those it lists that the program no longer needs, each as
// <kind>-<name>-v<version>, sorted.
type StaleManifestError struct {
	// Manifest is the manifest's path.
	Manifest string
	// Program is the program folder as given.
	Program string
	// Missing are the plugins the program needs that the manifest lacks.
	Missing []string
	// Unneeded are the plugins the manifest lists that the program no
	// longer needs.
	Unneeded []string
}

// Error names every difference and the command that fixes them.
func (e *StaleManifestError) Error() string {
	var diffs []string
	if len(e.Missing) > 0 {
		diffs = append(diffs, "the program needs "+strings.Join(e.Missing, ", ")+", which it does not list")
	}
	if len(e.Unneeded) > 0 {
		diffs = append(diffs, "it lists "+strings.Join(e.Unneeded, ", ")+", which the program no longer needs")
	}
	return fmt.Sprintf("release: the plugin manifest %s is stale: %s; run `%s` and commit the result",
		e.Manifest, strings.Join(diffs, "; "), FixCommand(e.Program))
}

// FixCommand is the command that rewrites the manifest of the program in
// program: `octopulumi cache manifest --program <program>`.
func FixCommand(program string) string {
	if program == "" || strings.ContainsAny(program, " \t\"'$`\\") {
		program = strconv.Quote(program)
	}
	return "octopulumi cache manifest --program " + program
}
