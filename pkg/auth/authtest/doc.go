// Package authtest provides fakes of an Octopus OIDC issuer and of the
// Pulumi Cloud API, started with net/http/httptest, for tests of package
// auth, of code that embeds it, and of anything else that logs in to Pulumi
// Cloud or keeps its stacks there (the real pulumi CLI included).
//
// The fakes speak the real protocols: OpenID discovery and a JSON Web Key
// Set with real RSA or ECDSA keys (go-jose), tokens signed with them, the
// token-exchange grant at /api/oauth/token with an issuer policy applied to
// the token's audience and subject, and /api/user. Faults (401, 403, 429
// with Retry-After, 500, slow replies, dropped connections) can be injected
// per path, or per [path.Match] pattern of paths. Both fakes can serve TLS;
// [Issuer.CertPEM] and [Cloud.CertPEM] give the certificate for clients
// such as the pulumi CLI (SSL_CERT_FILE).
//
// # The stack service
//
// The same [Cloud] is a Pulumi Cloud backend: the pulumi CLI (checked with
// v3.274.1) runs against it unchanged with PULUMI_BACKEND_URL=[Cloud.URL]
// and PULUMI_ACCESS_TOKEN set to a token it knows ([StartCloud],
// [Cloud.IssueToken], [Cloud.AddToken]): stack init, select, ls, rm, tag,
// preview, up, refresh, destroy (--remove), cancel, stack export, import,
// output, history, and config set --secret. State lives in memory, per
// Cloud. The request and reply bodies are the SDK's apitype types, and the
// calls are those of the CLI's client (pkg/backend/httpstate/client in
// pulumi/pulumi). Stacks are org/project/stack; a token reaches the stacks
// of its user's organizations and personal account (an organization token
// its organization's only).
//
//	GET    /api/capabilities                     batch-encrypt, and nothing else
//	GET    /api/user/organizations/default       the token's organization
//	GET    /api/user/stacks                      ?organization= &project= &tagName= &tagValue=, one page
//	HEAD   /api/stacks/{org}/{project}           does the project have a stack
//	POST   /api/stacks/{org}/{project}           create a stack (409 "… already exists")
//	GET    /api/stacks/{org}/{project}/{stack}   the stack: tags, version, activeUpdate, currentOperation
//	DELETE …/{stack}[?force=true]                remove it (400 "Bad Request: Stack still contains resources.")
//	PATCH  …/{stack}/tags                        replace its tags
//	GET    …/{stack}/export[/{version}]          its latest state, or a version's
//	POST   …/{stack}/import                      a new state, as a version of kind "import"
//	GET    …/{stack}/updates[/latest]            its history, newest first (?pageSize= &page=)
//	POST   …/{stack}/encrypt, decrypt            service-managed secrets (no passphrase)
//	POST   …/{stack}/batch-encrypt, batch-decrypt
//	POST   …/{stack}/{update|preview|refresh|destroy}          create an update
//	POST   …/{stack}/update/{id}                 start it: a version and a lease token (409 when locked)
//	GET    …/{stack}/update/{id}                 its status
//	POST   …/{stack}/update/{id}/renew_lease     a new lease token
//	PATCH  …/{stack}/update/{id}/checkpoint      the whole state
//	POST   …/{stack}/update/{id}/events/batch    engine events
//	GET    …/{stack}/update/{id}/events          the events recorded
//	POST   …/{stack}/update/{id}/complete        end it, release the stack
//	POST   …/{stack}/update/{id}/cancel          `pulumi cancel`: end it, release the stack
//
// Request bodies may be gzip-compressed, as the CLI sends checkpoints,
// events and batches. An update's own calls (renew_lease, checkpoint,
// events/batch, complete) need its lease ("Authorization: update-token
// <lease>"); leases last five minutes unless renewed, by the Cloud's clock
// ([CloudClock]).
//
// Locks are as the service answers them: an update other than a preview
// (a dry run, such as the preview `pulumi up` runs first, counts as one)
// takes the stack when it starts and holds it until it completes or is
// cancelled — an expired lease does not release it, so a stack left by a
// killed CLI stays locked until `pulumi cancel`. Starting another update, or
// importing, meanwhile gets 409 "Conflict: Another update is currently in
// progress.", which the CLI prints as "error: [409] Conflict: Another update
// is currently in progress."; previews run beside it. Cancelling an update
// that is over gets 409 "Conflict: The Update has already completed".
//
// Each update is recorded with what the CLI sent ([Cloud.Updates]): its
// kind, message, metadata environment (where the CLI says what ran it: git,
// the CI system, the PULUMI_CI_* variables), config, tags, engine events,
// checkpoints and lease renewals; [Cloud.Stack] and [Cloud.Deployment]
// show a stack and its state. With PULUMI_CONSOLE_DOMAIN=[Cloud.ConsoleDomain]
// the CLI prints links to the update ([Cloud.UpdateURL],
// [Cloud.PreviewURL]), which the fake serves as small pages.
//
// What it refuses: everything else answers 404, as an older service would,
// so the CLI falls back where it can. In particular it advertises no
// delta-checkpoint-uploads (the CLI sends whole checkpoints), no
// begin-update (the CLI creates, then starts), no journaling (StartUpdate
// answers no journal version), no stack-outputs (outputs come from the
// export) and no deployment-schema-version (the CLI sends version 3 states).
// # ESC
//
// Environments a test defines ([Cloud.AddEnvironment], [ESCSecret] for
// secret values, imports merged in order) are opened as the CLI opens a
// stack's `environment:` imports:
//
//	POST /api/esc/environments/{org}/yaml/open?duration=…           an anonymous environment importing others: {"id"}
//	GET  /api/esc/environments/{org}/yaml/open/{id}                 its values (pulumiConfig, environmentVariables)
//	POST /api/esc/environments/{org}/{project}/{env}/open           one environment
//	GET  /api/esc/environments/{org}/{project}/{env}/open/{id}
//
// It evaluates no expressions (fn::open providers, interpolation) and takes
// no environmentOverrides: a definition that needs them gets a 400 saying so.
// [Cloud.EnvironmentOpens] counts the opens.
//
// It has no policy packs, Deployments, stack renames,
// cloud-kept stack config, templates, registry or Copilot; no continuation
// pages; no log lines in an update's status; and it checks no checkpoint
// beyond its schema version. Refusals whose wording the CLI does not read
// (401, 403, 404, 400) are the fake's own.
package authtest
