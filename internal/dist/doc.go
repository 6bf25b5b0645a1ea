// Package dist packs octopulumi's release archives reproducibly: the same
// inputs give the same bytes (sorted entries, fixed times, owners and
// modes, no gzip name or time), named as Octopus packages
// (<PackageId>.<SemVer>.tar.gz or .zip) so that they can be pushed to the
// built-in feed and referenced by a step, with a SHA256SUMS file beside
// them. internal/cmd/dist (make dist) builds the binaries and calls it.
package dist
