// Package image builds an Octopus execution-container image for Pulumi
// without a Docker daemon: a base image (pulumi/pulumi pinned to the plugin
// manifest's CLI version, by default) plus one layer with the octopulumi
// binary and one with a plugin bundle laid out in the image's PULUMI_HOME,
// with the entrypoint and command reset (Octopus runs its own command in
// the container and the base's ENTRYPOINT ["pulumi"] would swallow it),
// PULUMI_HOME and PULUMI_SKIP_UPDATE_CHECK set, and OCI labels saying where
// it came from and which plugins it holds.
//
// [Build] does it for every platform of a multi-platform base (an index
// out) or for one image; the same inputs give the same digest (layer
// entries sorted, times, owners and the created time fixed). [Push] sends
// the result to a registry; [WriteTarball] writes one platform's image as
// a tarball that `docker load` reads.
//
// The plugins are laid out by the cache package's own restore
// ([cache.Restore]), so the image's PULUMI_HOME is exactly what a restore
// on a worker would give, records included: `octopulumi cache verify
// --contents` checks it inside the container.
//
// This is the one package of the library that depends on
// github.com/google/go-containerregistry; nothing else in pkg/ imports it.
package image
