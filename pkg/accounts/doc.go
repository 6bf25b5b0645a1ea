// Package accounts turns Octopus Deploy cloud accounts (AWS, Azure and
// Google Cloud; by key or by OpenID Connect) into what the Pulumi providers
// read, and explains a misconfiguration before Pulumi runs.
//
// A Run a Script step gets an Octopus account only as properties of its
// account variable (X.AccessKey, X.RoleArn, X.OpenIdConnect.Jwt, X.Client,
// X.JsonKey, …). [Read] reads them through a [Lookup] (the caller adapts its
// Octopus variables) into typed accounts, one per cloud: the account
// variable that Pulumi.AwsAccount, Pulumi.AzureAccount or
// Pulumi.GoogleAccount names (or is, as a step template's account
// parameter), else the one Octopus's step-level variables name
// (Octopus.Action.AwsAccount.Variable, …), as Calamari reads them. Every
// problem comes at once, each a [*VariableError] naming the Octopus variable
// to fix and the kind of account expected.
//
// A [Resolver] then checks and resolves them. [Resolver.Preflight] checks,
// without asking any cloud, what the cloud would refuse: a token that is no
// JWT, has expired, or was minted for another audience than the cloud
// expects; a key file that is no service account key; a chained AWS session
// longer than AWS allows. [Resolver.Resolve] exchanges AWS tokens for
// temporary credentials with STS AssumeRoleWithWebIdentity (and takes a
// second role with AssumeRole), writes Google key and workload identity
// files (mode 0600) into a per-run folder, and returns [Credentials]: the
// variables to set, the inherited ones they supersede ("AWS_*"), the
// secrets to redact and mask, the files written, and one line per account
// for the task log. STS refusals come back as a [*STSError] that says what
// to change: the IAM identity provider, the audience, the role's trust
// policy conditions for the token's issuer and subject.
//
// The STS client is the AWS SDK for Go v2, configured from the account and
// the Resolver alone: the machine's AWS configuration (keys, profiles,
// config files, region) never applies. The endpoint is the region's, or
// AWS_ENDPOINT_URL_STS read through [WithEnviron], or [WithSTSEndpoint].
//
// The package only returns plain data: the runner, not this package, builds
// the pulumi child's environment from [Credentials]. A deploy step does:
//
//	accts, err := accounts.Read(lookup)
//	r, err := accounts.New(accounts.WithSessionName(accounts.SessionName("octopus", deploymentID)),
//		accounts.WithEnviron(os.LookupEnv), accounts.WithOnSecret(redactAndMask))
//	creds, err := r.Resolve(ctx, runFolder, accts...)
//	log(creds.Describe())
//	// the runner drops inherited creds.Supersedes and sets creds.Env
//
// Package accountstest provides a fake STS over real HTTP for tests.
package accounts
