// Package pulumicmd is the one place that builds and starts a pulumi
// process: its environment ([Env]), its command ([Command]) and the guard
// that makes its whole process tree end with octopulumi ([Start]). pkg/runner
// runs every engine operation through it, and pkg/cache's plugin resolution
// too; nothing else in octopulumi starts pulumi. It is a leaf: it imports
// nothing of ours.
//
// The model is terraform-exec's tfexec/cmd.go: one environment builder with
// the variables the caller may not set, one command builder every
// subcommand passes through.
package pulumicmd
