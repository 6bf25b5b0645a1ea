// Package step runs one Octopus Deploy step with Pulumi, end to end: it is
// the one place that composes the other packages — octoenv (variables in,
// service messages out), auth (credentials), cache (plugins) and runner
// (the Pulumi CLI) — so that the adapters stay thin.
//
// [Prepare] reads the step's settings once ([ReadSettings]: the program,
// the backend, the Octopus context, the stack, how to log in; every problem
// reported at once, in Octopus's terms), removes what runs that died left
// in the temp folder (and says so in the task log), logs in ([Login]),
// resolves the cloud accounts the providers need (pkg/accounts: AWS, Azure,
// Google Cloud, by key or OIDC; their variables reach only the pulumi
// process), restores plugins ([Plugins]), makes the program's language
// dependencies present without installing them twice ([Dependencies]: a
// node_modules that matches the lockfile, else one from the worker cache or
// a dependencies bundle, else `pulumi install`, saved for next time) and
// makes a runner for the program. Close
// the session when done: that removes the run's private folder (the
// credentials Pulumi stored, the per-run copy of the stack's config, plans).
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
// # Text from elsewhere
//
// Octopus acts on any "##octopus[…]" text in the task log. Only the
// session's octoenv.Writer writes service messages: the log it is given is
// wrapped in octoenv.Defuse, and the Markdown summary is defused too, so
// that no resource name, input, output or provider message can publish a
// variable or collect a file. Output variables carry their values as they
// are (a later step that echoes one is its own business).
//
// # Secrets
//
// Sensitive Octopus variables, the access token, the state passphrase and
// secret config values are redacted from the log and from errors; an
// exchanged OIDC token is masked with Octopus's mask message. One redactor
// ([Config.Redactor]) serves the runner, the login and whatever the caller
// prints through it. The diff artifact is written redacted to a file of its
// own, readable only by the step's user; the Markdown summary names
// properties, never their values, and is redacted too (a resource name may
// hold a secret). A stack output is published as a sensitive output
// variable when it is a secret or when its value holds a known secret (a
// secret config value built into a plain output): later steps need its
// value, so it is published whole, and Octopus masks it. The plan file of
// an apply lives in the run's private folder, removed before the step ends,
// and so does the per-run copy of the stack's config file on which the
// Pulumi.Config.* variables are set: config from one run never lingers in
// the program folder for the next.
package step
