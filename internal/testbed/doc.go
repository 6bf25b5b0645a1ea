// Package testbed is octopulumi's offline Pulumi test bed: everything real
// but Pulumi Cloud.
//
// [Tools] finds the toolchain that `make toolchain` builds into .tools/ (the
// Pulumi CLI, the YAML language host and the localfile test provider's plugin
// tarball). [New] gives a test, in one call, an isolated PULUMI_HOME, a
// file:// backend with a passphrase, a loopback plugin mirror that counts
// requests per asset, and [Bed.Program] copies a sample YAML program from
// testdata/programs whose resources download their provider from that mirror.
//
// When the toolchain is missing, tests skip with a message naming the make
// target that builds it — except when CI=true, where they fail, so that CI
// never passes on tests that did not run.
package testbed
