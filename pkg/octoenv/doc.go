// Package octoenv is the Octopus Deploy runtime for octopulumi: Octopus variables in, as a
// typed deployment context, and Octopus service messages out.
package octoenv
