// Package accountstest provides a fake AWS Security Token Service, started
// with net/http/httptest, for tests of package accounts, of code that
// embeds it, and of anything else that calls STS (point
// AWS_ENDPOINT_URL_STS at [STS.URL]).
//
// The fake speaks the real Query API: form-encoded POSTs with Action and
// Version; AssumeRoleWithWebIdentity, AssumeRole and GetCallerIdentity
// answered with STS's XML documents and element names; refusals as STS's
// ErrorResponse document with its real codes (InvalidIdentityToken,
// AccessDenied, ExpiredTokenException, IDPCommunicationError,
// InvalidClientTokenId, SignatureDoesNotMatch, ValidationError, …). Web
// identity tokens are verified as AWS verifies them: against a registered
// IAM OpenID Connect identity provider (the issuer's discovery document and
// keys fetched with go-oidc), its audiences, and the role's trust policy
// (federated principal, audience, subject pattern). Signed actions are
// checked with Signature Version 4 against the secret of the access key
// that signed them, a user's or a session's the fake issued, so a test sees
// which credentials a client really used. Requests are counted and kept per
// action, and faults (throttling, 503, dropped connections, slow replies)
// can be injected per action.
//
// [Start] starts an Octopus issuer from package authtest and an STS that
// trusts it, for one test. [ServiceAccountKey] makes Google Cloud service
// account keys with real RSA keys.
package accountstest
