// Package runner runs Pulumi stack operations with the real Pulumi CLI:
// install, create or select a stack, set config, preview (with a reviewer's
// diff, a saved plan and a fingerprint), up (optionally exactly a saved
// plan), refresh, destroy (optionally removing the stack), outputs and
// cancel. It takes plain values (paths, a backend URL, a token) and imports
// nothing of octopulumi but internal leaves: every pulumi process is built
// and started by internal/pulumicmd, the one command and environment
// builder.
//
// # What the Runner owns in the environment
//
// A pulumi process gets an explicit environment, never this process's whole
// one. The Runner sets [OwnedEnv] itself from its options (PULUMI_ACCESS_TOKEN
// from [WithAccessToken], PULUMI_BACKEND_URL from [WithBackend], PULUMI_HOME
// from [WithPulumiHome], PULUMI_CREDENTIALS_PATH in its run folder, and
// PULUMI_SKIP_UPDATE_CHECK=true); passing one of them to [WithEnv] is an
// [*OwnedEnvError], and the parent's values of them are never inherited.
// From the parent it inherits only [DefaultInherit] (PATH, HOME, locale,
// proxies, TLS roots, the state passphrase, cloud credentials) plus what
// [WithInheritEnv] adds, or nothing at all with [WithoutInheritedEnv].
// An operation adds what it needs: PULUMI_DEBUG_COMMANDS (for --event-log),
// PULUMI_EXPERIMENTAL (for plans). Every process runs with --non-interactive
// and --color=never in the project folder.
//
// # The run folder, and a step that is killed
//
// [New] makes a private run folder (mode 0700, in [WithTempDir] or the
// system temp folder) for what must not outlive the run: the credentials
// the CLI stores (with Pulumi Cloud, the access token in credentials.json),
// the per-run copy of the stack's config ([WithStackConfigFrom]), the engine
// event pipes, saved plans ([Runner.TempDir]). [Runner.Close] removes it.
// Every pulumi process runs in a process group of its own with a small
// guard, so that if this process dies — SIGKILL, a lost worker — pulumi
// gets SIGINT to cancel its update and, after the grace period, its whole
// tree (language host, providers) ends; on Windows a job object does the
// same. The run folder holds a lock for the run's life: a later run finds
// the folders of runs that died and removes them (pkg/step does, and says
// so in the task log).
//
// # One process per operation
//
// Each operation is one pulumi process. [Runner.Up] runs `up --skip-preview`
// and reads the engine's events live from a named pipe given to --event-log
// (on Windows, which has none, a file it tails) while the human log streams
// to [WithLog]: the change summary, the steps,
// the diagnostics and the stack's outputs come from that one process, with
// no `stack select` or `stack output` around it. [CreateStack] costs nothing
// when the stack exists; when it is missing the operation fails fast, the
// stack is created (`stack init`) and the operation runs again: three
// processes, once. [Runner.Destroy] with [RemoveStack] is `destroy --remove`.
//
// # Results and errors
//
// A [Result] carries the engine's own [Summary] (counts by operation: create,
// update, replace, delete, same), the resource [Step]s (a replacement is one
// step with Op "replace"), warnings and errors, the outputs (secret ones
// flagged) and, for a preview, the human diff. Success is the engine's
// verdict from its summary event; an update applied with a plan that exits
// non-zero after a successful summary (some CLI versions do) succeeds.
// Failures are typed: [*LockedError] (another update holds the stack; see
// [WaitForLock]), [*StackError] with a [FailureKind] and the failing URNs,
// [ErrStackNotFound], [ErrNoChanges] (for [ExpectNoChanges]),
// [ErrChangedSinceApproval] (for [Plan]) and [*ExitError] with the exit code
// and a bounded, redacted tail of stderr. After the context is cancelled the
// error matches context.Canceled.
//
// # Cancellation
//
// Cancelling an operation's context sends SIGINT to pulumi, which finishes
// or abandons in-flight resource operations, saves the state and releases
// the stack's lock; after [WithGracePeriod] (default 30 s) it is killed, and
// the error is a [*KilledError], which says the stack may still be locked
// and how to recover ([Runner.Cancel], then a refresh). A pulumi that
// stopped in time leaves no lock: the next operation needs no cancel. Windows cannot send
// SIGINT to another process, so there a cancelled operation is killed at
// once: its state may keep pending operations, and on Pulumi Cloud the
// update may stay locked until `pulumi cancel`.
//
// # Fingerprints
//
// A preview's [Result.Fingerprint] is a short digest ("v1-" and 16 hex
// digits, small enough for an Octopus output variable) of its planned
// changes: every resource's URN and operation, and for changing resources
// the properties that change, those that force a replacement, and their new
// inputs. Two previews of the same program, config and state give the same
// fingerprint; any difference in the resources, their operations or their
// changed properties gives another. The approve-then-apply flow uses it so
// that no plan file has to travel between steps: the apply step previews
// again with [SavePlan], compares fingerprints, and applies that new plan
// with [Plan], which refuses anything beyond it. Secret values are blinded in
// engine events, so a change only to a secret's value shows as the same
// property changing, not as a different value.
//
// # Secrets
//
// Secret config values ([ConfigValue].Secret), the access token, the state
// passphrase and values given to [WithSecrets] are redacted from the log,
// from diagnostics, from the preview diff and from errors, in every form a
// program or provider may print them (see internal/redact; share the
// redactor with [WithRedactor]). Terminal control sequences, which plugins
// write despite --color=never, are stripped from the log and errors. Secret outputs
// are blinded in engine events, so [Result.Outputs] flags them without a
// value; [Runner.Outputs] reads them in clear from `stack export
// --show-secrets`, in one process, and keeps them flagged ([Output] prints
// "[secret]"). A secret config value is never a command-line argument, which
// other processes on a worker can read: [Runner.SetConfig] hands each one to
// `pulumi config set --secret` on stdin, as it does plain values too large
// for a command line.
//
// # Stack names
//
// Every operation checks its stack with [CheckStackName] before anything
// runs: Pulumi's own naming rules, and never "." or ".." as a part, which a
// file backend would turn into a folder shared across projects.
package runner
