// Package runfolder gives each run of octopulumi one private temporary
// folder — for the credentials Pulumi stores, the stack's config copy, the
// engine's event pipe and saved plans — and cleans up after runs that died.
//
// A run holds an exclusive lock on its folder's lock file for as long as it
// lives; the kernel drops the lock when the process dies, even by SIGKILL or
// a lost worker. [Sweep], called at the start of a later run, removes the
// folders whose lock it can take (their run is dead), after ending any
// process still marked with that run's id ([EnvRunID], which the runner puts
// in the environment of every pulumi process and which pulumi's own children
// inherit). It never touches a live run's folder, another user's, or one
// being created. It is a leaf: it imports nothing of ours but internal/filelock.
package runfolder
