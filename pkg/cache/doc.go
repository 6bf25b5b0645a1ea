// Package cache makes Pulumi provider plugins, and a Node.js program's
// dependencies, present before Pulumi runs, so that a fresh Octopus worker
// or execution container does not download hundreds of megabytes, nor run
// an npm install, on every deployment.
//
// It works on Pulumi's own plugin cache layout
// ($PULUMI_HOME/plugins/<kind>-<name>-v<version>/) and follows the CLI's own
// install protocol: an flock on <dir>.lock held for the whole install, a
// <dir>.partial marker from before the first write until after the last,
// and <dir>.lastused for the last use. Our writers and `pulumi plugin
// install` therefore exclude each other, no half-installed plugin is ever
// visible, and a process killed mid-install leaves a marked entry that the
// next writer (ours or the CLI's) discards and redoes.
//
// # The manifest
//
// [Resolve] asks the real CLI which plugins a program needs (exact kind,
// name, version, download server and the tarball's SHA-256), and
// [WriteManifest] writes them as a small lock file, [ManifestFile]
// (Pulumi.plugins.json), to commit beside Pulumi.yaml. [ReadManifest]
// validates it and names the offending field.
//
// # Three ways to a warm start
//
//  1. An Octopus package. Upstream CI runs [BundleFile] (octopulumi cache
//     bundle): a deterministic archive of the manifest's plugins in
//     Pulumi's layout (same manifest, same bytes, so package versions and
//     deltas behave), published as an Octopus package. The deploy step
//     references it; Tentacle caches it on the worker and extracts it, and
//     [Warm] with [FromBundle](#{Octopus.Action.Package[plugins].ExtractedPath})
//     hard-links its files into the run's PULUMI_HOME: no download, and a
//     cost that does not grow with the plugins' bytes.
//  2. A baked image. [Dockerfile] writes a Dockerfile FROM
//     pulumi/pulumi:<pinned version> that installs the manifest's plugins
//     with `pulumi plugin install --exact --checksum` and resets the
//     entrypoint, as Octopus execution containers require. [Check] lists
//     what a PULUMI_HOME (for example the image's) lacks, i.e. what Pulumi
//     would still download.
//  3. A worker-shared folder. Self-hosted workers keep their disk and may
//     run several steps at once: [Warm] with [FromShared] links plugins from
//     one persistent cache folder into each run's PULUMI_HOME, and with
//     [FromBundle] too it first fills that folder (copied and hashed once per
//     worker). Parallel deployments are safe by the protocol above. [Verify]
//     finds and repairs truncated or corrupt entries; [Prune] keeps it small,
//     by .lastused.
//
// # Node.js dependencies
//
// The same ideas keep a Node.js program's node_modules from being
// installed twice on a worker. [ReadDependencies] finds the lockfile
// `pulumi install` would use (npm, yarn, pnpm or bun, as Pulumi chooses)
// and makes a key of it, of package.json's dependency fields, the platform
// and node's major version; [Dependencies.Installed] tells from the
// lockfile whether node_modules is installed already (npm's own record of
// what it installed, or octopulumi's marker). [RestoreDependencies] gets it
// from a worker-shared cache folder (its dependencies/ beside plugins/) or
// a deterministic bundle that upstream CI makes with [BundleDependencies];
// else the caller installs, and [SaveDependencies] fills the cache.
//
// Each deployment gets a node_modules of its own, never a link into the
// cache: a program that writes into its node_modules changes nothing for
// another deployment. The cache keeps ready copies of each entry; a restore
// moves one into the program whole (a rename), and [ReturnDependencies]
// moves it back when the deployment ends if nothing changed it (every
// entry's size, modification and change time), so a worker that deploys
// the same program again and again copies nothing. Entries follow the
// plugin protocol above (lock, .partial, .lastused); [VerifyDependencies]
// and [PruneDependencies] keep the folder sound and small.
//
// # Mirrors and air-gapped workers
//
// Downloads made by this package (for [Resolve] checksums and [Bundle]) go
// where the CLI's would: a plugin's server (its pluginDownloadURL), else
// Pulumi's default source; [WithServer] replaces every server with one
// mirror, as `pulumi plugin install --server` does, and
// [WithDownloadOverrides] applies PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES rules
// (regexp=URL, matched against the plugin's source URL). A mirror is just a
// folder of the tarballs (pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz)
// behind any HTTP server. Give the CLI the same
// PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES on the workers; [Dockerfile] turns
// both options into --server and a build argument.
//
// # Options
//
// Each function takes options of its own type ([BundleOption],
// [ResolveOption], [RestoreOption], [WarmOption], [VerifyOption],
// [PruneOption], [DockerfileOption], and for dependencies
// [ReadDependenciesOption], [RestoreDependenciesOption],
// [SaveDependenciesOption], [BundleDependenciesOption],
// [VerifyDependenciesOption], [PruneDependenciesOption]), so that an option
// a function would not use is a compile error rather than silently ignored.
// An option for one function returns that function's type; an option for
// several returns a type of its own that each of them takes
// ([LoggerOption], [ClientOption], [DownloadOption], [PlatformOption],
// [ManifestOption], [ContentsOption], [CopyOption], [SizeOption],
// [RepairOption], [ClockOption]). Invalid options are reported when the
// function starts, all at once.
//
// [DefaultHome] is where plugins go when no PULUMI_HOME is given, as Pulumi
// decides it. [Verify] with [WithManifest] tells whether a PULUMI_HOME is
// ready for a run, and [VerifyReport.Err] says why not.
//
// # Trust
//
// A restore from an archive hashes every byte against the bundle's index. A
// restore from a folder checks the index against the manifest and every
// file's type, size and mode (enough to catch truncation) and hashes only
// with [VerifyContents]: an Octopus package's hash is checked by Octopus
// when it is transferred, and hashing would make the cost grow with the
// bytes again. Filling a worker-shared cache always hashes.
//
// Every file read from outside (a bundle or its index, a manifest, a
// record in a shared cache) must be a regular file, or a symlink to one, of
// a bounded size: a FIFO, a device such as /dev/zero or a folder in its
// place is refused with an error that names it, at once. Every copy and hash
// stops soon after its context ends, whatever the plugins' size.
package cache
