package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Environment variables read, never set, by [Client.SelfManaged]: a
// passphrase passes through the caller's environment.
const (
	EnvConfigPassphrase     = "PULUMI_CONFIG_PASSPHRASE"
	EnvConfigPassphraseFile = "PULUMI_CONFIG_PASSPHRASE_FILE"
)

// EnvAccessToken is the variable in which CI systems' secrets hand Pulumi
// an access token (Pulumi's own convention).
const EnvAccessToken = "PULUMI_ACCESS_TOKEN"

// Credentials is the outcome of a login: what the pulumi child processes
// need. It is plain data: the runner turns it into the child's environment
// (PULUMI_ACCESS_TOKEN, PULUMI_BACKEND_URL) and keeps the CLI's own
// credentials in its run folder. String, GoString and LogValue hide the
// token and any key in the backend URL.
type Credentials struct {
	Token      string    // empty for self-managed backends
	BackendURL string    // Pulumi Cloud API URL, or file://, s3://, azblob://, gs://
	Expiry     time.Time // zero when the token does not expire (stored tokens)
	Source     string    // where the token came from, for messages
	Account    *Account  // nil for self-managed backends
	Report     *Report   // the OIDC pre-flight and probe, when they ran
	Warnings   []string
}

// ExpiresWithin reports whether the token expires within d of now; false
// when its expiry is unknown.
func (c *Credentials) ExpiresWithin(now time.Time, d time.Duration) bool {
	return !c.Expiry.IsZero() && c.Expiry.Before(now.Add(d))
}

// String hides the token.
func (c *Credentials) String() string {
	tok := "none"
	if c.Token != "" {
		tok = Placeholder
	}
	return fmt.Sprintf("credentials for %s from %s (token %s)", RedactURL(c.BackendURL), orDefault(c.Source, "the caller"), tok)
}

// LogValue hides the token from slog.
func (c *Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("backend", RedactURL(c.BackendURL)), slog.String("source", c.Source), slog.Time("expiry", c.Expiry))
}

// selfManagedSchemes are the backends that keep state without Pulumi Cloud.
var selfManagedSchemes = []string{"file", "s3", "azblob", "gs"}

// IsSelfManaged reports whether backendURL is a self-managed (DIY) backend,
// which needs no Pulumi access token.
func IsSelfManaged(backendURL string) bool {
	u, err := url.Parse(backendURL)
	return err == nil && slices.Contains(selfManagedSchemes, u.Scheme)
}

// SelfManaged returns credentials for a self-managed backend (file://,
// s3://, azblob://, gs://), which needs no token. getenv reads the caller's
// environment (os.Getenv, or a lookup over Octopus variables): when
// PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE is set the
// passphrase is checked (the file must be readable and not empty) and
// registered with the client's redactor; the variables themselves pass
// through to the child unchanged. Without either, stacks must use another
// secrets provider, which earns a warning.
func (c *Client) SelfManaged(backendURL string, getenv func(string) string) (*Credentials, error) {
	if !IsSelfManaged(backendURL) {
		return nil, fmt.Errorf("%s is not a self-managed backend URL (file://, s3://, azblob://, gs://)", quote(RedactURL(backendURL)))
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var warnings []string
	pass, passFile := getenv(EnvConfigPassphrase), getenv(EnvConfigPassphraseFile)
	switch {
	case pass != "" && passFile != "":
		warnings = append(warnings, "both PULUMI_CONFIG_PASSPHRASE and PULUMI_CONFIG_PASSPHRASE_FILE are set; Pulumi uses PULUMI_CONFIG_PASSPHRASE")
		c.registerSecret(pass)
	case pass != "":
		c.registerSecret(pass)
	case passFile != "":
		data, err := os.ReadFile(passFile)
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase file named by %s: %w", EnvConfigPassphraseFile, errors.Unwrap(err))
		}
		if strings.TrimSpace(string(data)) == "" {
			return nil, fmt.Errorf("the passphrase file %s named by %s is empty", quote(passFile), EnvConfigPassphraseFile)
		}
		c.registerSecret(string(data))
	default:
		warnings = append(warnings, "neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set: stacks with the passphrase secrets provider will fail to decrypt")
	}
	for _, w := range warnings {
		c.o.logger.Warn(w)
	}
	return &Credentials{BackendURL: backendURL, Source: "self-managed backend", Warnings: warnings}, nil
}

// GoString hides the token from %#v.
func (c *Credentials) GoString() string {
	return fmt.Sprintf("&auth.Credentials{BackendURL: %q, Source: %q, Expiry: %s, Token: %q}", RedactURL(c.BackendURL), c.Source, c.Expiry.UTC().Format(time.RFC3339), Placeholder)
}

// Describe says, for a person, where the credentials log in and as whom,
// never with the token: "logged in to <backend> as <who> (organizations:
// …), token valid until …", or that a self-managed backend needs no token.
func (c *Credentials) Describe() string {
	if c.Account == nil {
		return fmt.Sprintf("%s is a self-managed backend; no Pulumi token is needed", RedactURL(c.BackendURL))
	}
	who := c.Account.UserName
	if c.Account.TokenOrganization != "" {
		who = "a token of organization " + c.Account.TokenOrganization
		if c.Account.TokenTeam != "" {
			who += ", team " + c.Account.TokenTeam
		}
	}
	msg := fmt.Sprintf("logged in to %s as %s", RedactURL(c.BackendURL), who)
	if len(c.Account.Organizations) > 0 {
		msg += " (organizations: " + strings.Join(c.Account.Organizations, ", ") + ")"
	}
	if !c.Expiry.IsZero() {
		msg += ", token valid until " + c.Expiry.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return msg
}
