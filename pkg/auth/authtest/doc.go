// Package authtest provides fakes of an Octopus OIDC issuer and of the
// Pulumi Cloud API, started with net/http/httptest, for tests of package
// auth, of code that embeds it, and of anything else that logs in to Pulumi
// Cloud (the real pulumi CLI included).
//
// The fakes speak the real protocols: OpenID discovery and a JSON Web Key
// Set with real RSA or ECDSA keys (go-jose), tokens signed with them, the
// token-exchange grant at /api/oauth/token with an issuer policy applied to
// the token's audience and subject, and /api/user. Faults (401, 403, 429
// with Retry-After, 500, slow replies, dropped connections) can be injected
// per path. Both fakes can serve TLS; [Issuer.CertPEM] and [Cloud.CertPEM]
// give the certificate for clients such as the pulumi CLI (SSL_CERT_FILE).
package authtest
