package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Environment variables a [Credentials] owns in the pulumi child process.
const (
	EnvAccessToken     = "PULUMI_ACCESS_TOKEN"
	EnvBackendURL      = "PULUMI_BACKEND_URL"
	EnvCredentialsPath = "PULUMI_CREDENTIALS_PATH"
	// EnvConfigPassphrase and EnvConfigPassphraseFile are read, never set,
	// by [SelfManaged]: a passphrase passes through the caller's environment.
	EnvConfigPassphrase     = "PULUMI_CONFIG_PASSPHRASE"
	EnvConfigPassphraseFile = "PULUMI_CONFIG_PASSPHRASE_FILE"
)

// OwnedVariables lists the variables that [Credentials.Env] sets and that
// must never be inherited from the parent environment: a stray
// PULUMI_ACCESS_TOKEN of the worker must not leak into an OIDC run.
func OwnedVariables() []string {
	return []string{EnvAccessToken, EnvBackendURL, EnvCredentialsPath}
}

// Credentials is the outcome of a login: what the pulumi child processes
// need. It owns a per-run credentials folder, so that nothing the CLI stores
// (credentials.json) lands in the worker's ~/.pulumi; Close removes it.
// String and LogValue hide the token.
type Credentials struct {
	Token      string    // empty for self-managed backends
	BackendURL string    // Pulumi Cloud API URL, or file://, s3://, azblob://, gs://
	Expiry     time.Time // zero when the token does not expire (stored tokens)
	Source     string    // where the token came from, for messages
	Account    *Account  // nil for self-managed backends
	Report     *Report   // the OIDC pre-flight and probe, when they ran
	Warnings   []string

	dir       string
	closeOnce sync.Once
	closeErr  error
}

// CredentialsDir returns the per-run folder that PULUMI_CREDENTIALS_PATH
// points to.
func (c *Credentials) CredentialsDir() string { return c.dir }

// Env returns exactly the variables the credentials own, with values:
// PULUMI_BACKEND_URL, PULUMI_CREDENTIALS_PATH and, for Pulumi Cloud,
// PULUMI_ACCESS_TOKEN. Build a child's environment with [Credentials.Apply].
func (c *Credentials) Env() map[string]string {
	env := map[string]string{EnvBackendURL: c.BackendURL, EnvCredentialsPath: c.dir}
	if c.Token != "" {
		env[EnvAccessToken] = c.Token
	}
	return env
}

// Apply returns environ (KEY=VALUE entries, such as os.Environ()) without
// any variable the credentials own, plus [Credentials.Env], sorted by name.
// A PULUMI_ACCESS_TOKEN of the parent never survives, even for a
// self-managed backend, where the child gets none.
func (c *Credentials) Apply(environ []string) []string {
	owned := OwnedVariables()
	out := make([]string, 0, len(environ)+3)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if slices.ContainsFunc(owned, func(o string) bool { return strings.EqualFold(o, name) }) {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range c.Env() {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// ExpiresWithin reports whether the token expires within d of now; false
// when its expiry is unknown.
func (c *Credentials) ExpiresWithin(now time.Time, d time.Duration) bool {
	return !c.Expiry.IsZero() && c.Expiry.Before(now.Add(d))
}

// Close removes the credentials folder and everything the CLI wrote in it.
// It is idempotent.
func (c *Credentials) Close() error {
	c.closeOnce.Do(func() {
		if c.dir != "" {
			c.closeErr = os.RemoveAll(c.dir)
		}
	})
	return c.closeErr
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

func newCredentials(tempDir string) (*Credentials, error) {
	dir, err := os.MkdirTemp(tempDir, "octopulumi-credentials-")
	if err != nil {
		return nil, fmt.Errorf("creating the per-run credentials folder: %w", err)
	}
	return &Credentials{dir: dir}, nil
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
	cr, err := newCredentials(c.o.tempDir)
	if err != nil {
		return nil, err
	}
	cr.BackendURL, cr.Source, cr.Warnings = backendURL, "self-managed backend", warnings
	return cr, nil
}

// GoString hides the token from %#v.
func (c *Credentials) GoString() string {
	return fmt.Sprintf("&auth.Credentials{BackendURL: %q, Source: %q, Expiry: %s, Token: %q}", RedactURL(c.BackendURL), c.Source, c.Expiry.UTC().Format(time.RFC3339), Placeholder)
}
