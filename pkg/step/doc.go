// Package step runs one Octopus Deploy step with Pulumi, end to end: it is
// the one place that composes the other packages — octoenv (variables in,
// service messages out), auth (credentials), cache (plugins) and runner
// (the Pulumi CLI) — so that the adapters stay thin.
//
// [Prepare] turns the Octopus variables into a [Session]: the stack
// reference, credentials for the backend, and a runner for the program.
// [Session.Deploy] then creates or updates the stack and publishes every
// stack output as an Octopus output variable (secret outputs as sensitive
// ones), which later steps read as #{Octopus.Action[<Step>].Output.<Name>}.
package step
