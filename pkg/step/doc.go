// Package step runs one Octopus Deploy step with Pulumi, end to end: it is
// the one place that composes the other packages — octoenv (variables in,
// service messages out), auth (credentials), cache (plugins) and runner
// (the Pulumi CLI) — so that the adapters stay thin.
//
// [Prepare] turns the Octopus variables into a [Session]: the stack
// reference, credentials for the backend ([Login]), plugins restored before
// Pulumi runs ([Plugins]), and a runner for the program. Close the session
// when done: that removes the per-run credentials folder and the per-run
// copy of the stack's config.
//
// The stack is Pulumi.Stack, or octoenv's stack template, in which {project}
// is Pulumi.Project, else the program's own project name from Pulumi.yaml
// (Pulumi requires the two to match), and {org} on a self-managed backend
// defaults to "organization", the only one such a backend knows. For runtimes
// other than YAML, Prepare runs `pulumi install` first ([Install]).
//
// The session then runs one of the flows users run:
//
//   - [Session.Deploy] creates or updates the stack and publishes every stack
//     output as an Octopus output variable (secret outputs as sensitive
//     ones), which later steps read as #{Octopus.Action[<Step>].Output.<Name>}.
//   - [Session.Preview] publishes the change counts, a [Markdown] summary for
//     a Manual Intervention's instructions and the fingerprint of the planned
//     changes as output variables ([OutFingerprint] and its siblings), and the
//     human diff as an artifact. [Session.Apply], in a later step, previews
//     again with a saved plan, refuses with [ErrNotApproved] unless the
//     fingerprint is the approved one, and applies exactly that plan.
//   - [Session.Refresh] and [Session.Destroy] (optionally removing a review
//     stack) for runbooks.
//
// # Progress
//
// Octopus shows a step's progress from `progress` service messages, which
// need a percentage. The session emits one per finished resource when the
// total is known: [Session.Apply] knows it from its preview. A plain update
// ([Session.Deploy], Refresh, Destroy) runs without a preview phase (one
// pulumi process, see pkg/runner), and counting the resources of the
// stack's state would cost another process, so those emit none; the task
// log still shows each resource as Pulumi reports it.
//
// # Secrets
//
// Sensitive Octopus variables, the access token, the state passphrase and
// secret config values are redacted from the log and from errors; an
// exchanged OIDC token is masked with Octopus's mask message. The diff
// artifact is written redacted to a file of its own, readable only by the
// step's user, and the Markdown summary names properties, never their
// values. The plan file of an apply lives in a temporary folder removed
// before the step ends, and so does the per-run copy of the stack's config
// file on which the Pulumi.Config.* variables are set: config from one run
// never lingers in the program folder for the next.
package step
