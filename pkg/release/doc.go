// Package release builds, from a Pulumi program's folder, the Octopus
// packages a release deploys, reproducibly: the same commit gives the same
// bytes, whatever the clock, the files' modification times or the order in
// which a checkout created them. Upstream CI runs it (octopulumi package)
// and pushes the files to an Octopus feed.
//
// [Build] writes into one output folder:
//
//   - <PackageId>.<Version>.zip, the program folder;
//   - <PackageId>.Plugins.<Version>.tar.gz, the plugin bundle of the
//     program's Pulumi.plugins.json manifest (see pkg/cache), when the
//     program has a manifest;
//   - <PackageId>.Dependencies.<Version>.tar.gz, the bundle of a Node.js
//     program's installed node_modules, when it has one;
//   - SHA256SUMS, the files' SHA-256 as `sha256sum -c` reads them.
//
// The ids follow Octopus's package id rules and every name parses back to
// its id and version as Octopus parses a package file name, so that a
// deploy step can reference the three packages by id and one version.
//
// # What the program package holds
//
// Every regular file under the program folder, with paths written with '/'
// and sorted, modes reduced to 0644 or 0755 (any execute bit), and every
// entry stamped with one time: [Options.Time], else SOURCE_DATE_EPOCH, else
// 1980-01-01 (the earliest a zip file can say; an earlier time is raised to
// it). Empty folders are not kept.
//
// Always left out, at any depth: node_modules (shipped, if at all, as the
// dependencies bundle), .pulumi (a local file backend's state) and .git;
// and the output folder when it lies inside the program folder. The program
// folder's [IgnoreFile], .octopulumiignore, leaves out more: it has
// gitignore's syntax and meaning (patterns relative to the program folder;
// a trailing '/' matches folders only; a leading '/' anchors a pattern;
// '**' spans folders; '!' brings back what an earlier pattern left out,
// though not inside a folder left out whole; '#' starts a comment). Only
// the program folder's own ignore file is read; .gitignore files are not,
// since a file that git ignores (a generated one) may be meant for the
// package.
//
// # Symlinks
//
// A symlink is packed as the regular file it points to, under the link's
// name, when that file is inside the program folder and is itself packed
// (not left out by the rules above): so a link can neither pull in a file
// from outside the folder (a credentials file, say) nor one the ignore
// file leaves out. A link that leaves the folder, points to a folder
// (which could loop, or pack files twice), points to something left out or
// to nothing is an error naming the link: copy the file in, or list the
// link in .octopulumiignore. So are named pipes, sockets and devices.
//
// # The manifest check
//
// When the program has a Pulumi.plugins.json, Build asks the real Pulumi
// CLI which plugins the program needs (cache.Resolve, as `octopulumi cache
// manifest` does: `pulumi install` in the program folder, into a scratch
// PULUMI_HOME) and fails with a [*StaleManifestError] when the manifest
// lacks a plugin or version the program needs, or lists one it no longer
// needs, so that a release never ships a bundle the deployment would have
// to download around. Plugins are compared by kind, name and version.
// The program package is read before the CLI runs, so that what `pulumi
// install` may write (a Node.js program's node_modules) does not reach it.
//
// Nothing is written unless everything succeeds: the files are made in a
// scratch folder inside the output folder and renamed into place at the
// end.
package release
