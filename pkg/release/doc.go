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
// it; a time after 2106-02-07T06:28:15Z, where the zip's 32-bit timestamp
// ends, is an error). Empty folders are not kept.
//
// Always left out, at any depth: node_modules (shipped, if at all, as the
// dependencies bundle), .pulumi (a local file backend's state) and .git;
// at the top of the program folder, [ReportFolder] (octopulumi-report, the
// CI report files a preview run before packaging leaves there); and the
// output folder when it lies inside the program folder.
//
// The program folder's [IgnoreFile], .octopulumiignore, leaves out more. It
// is read and matched as git reads and matches a .gitignore (gitignore(5);
// git's dir.c and wildmatch.c where the page is silent), patterns relative
// to the program folder:
//
//   - one pattern a line; blank lines and lines starting with '#' are
//     skipped; trailing spaces are dropped unless escaped with a
//     backslash;
//   - '!' first brings back what an earlier pattern left out, and the last
//     pattern that matches a path decides;
//   - a trailing '/' matches folders only; a pattern with no other '/'
//     matches a name at any depth ("*.pem" leaves out config/key.pem);
//     one with a '/' at the start or in the middle matches the path from
//     the program folder;
//   - '*' and '?' match within one name, "[a-z]", "[!a]" and "[^a]" one
//     character, and '**' between slashes any number of folders ("**/x",
//     "a/**", "a/**/b"); a backslash makes the character after it literal;
//   - a path inside a folder that is left out is left out, whatever later
//     patterns say of the path: "It is not possible to re-include a file if
//     a parent directory of that file is excluded" (gitignore(5)), so
//     "!config" brings back the folder config, not config/key.pem that
//     "*.pem" leaves out.
//
// Matching is case-sensitive on every system, so that one commit gives one
// package wherever it is built. Only the program folder's own ignore file
// is read; .gitignore files are not, since a file that git ignores (a
// generated one) may be meant for the package.
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
// manifest` does: `pulumi install` into a scratch PULUMI_HOME) and fails
// with a [*StaleManifestError] when the manifest lacks a plugin or version
// the program needs, or lists one it no longer needs, so that a release
// never ships a bundle the deployment would have to download around.
// Plugins are compared by kind, name and version.
//
// The CLI runs in a scratch copy of the program package's files, not in
// the program folder: `pulumi install` installs the program's dependencies
// where it runs (a Node.js program's node_modules, a Python virtualenv,
// .NET's bin and obj), and the program folder is left exactly as it was.
// So the check of a Node.js program installs its packages afresh in the
// copy (its package manager needs its registry, or a cache). The
// dependencies bundle is made from the program folder's own node_modules;
// a Node.js program without one gets a note that says to install them
// first (npm ci).
//
// # Writing
//
// The files are made in a scratch folder inside the output folder and
// renamed into place at the end, [ChecksumsFile] last. When a rename fails,
// the files already moved are taken back and the files of the same names
// they replaced (an earlier build of the version) put back, so a failed
// build leaves the output folder as it was. A process killed between two
// renames can leave some new packages without their [ChecksumsFile] (or
// beside an earlier one, which `sha256sum -c` then fails), and its scratch
// folder, but never a half-written file.
package release
