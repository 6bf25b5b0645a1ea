package accounts

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

// Superseded returns the patterns of inherited environment variables an
// account of cloud c replaces: the pulumi child must not inherit them from
// the worker, or a worker's ambient AWS_SESSION_TOKEN, AWS_PROFILE,
// ARM_CLIENT_CERTIFICATE_PATH or GOOGLE_OAUTH_ACCESS_TOKEN would mix with
// (or win over) the account. A pattern ending in "*" matches a prefix, as
// the runner's inherit patterns do.
func Superseded(c Cloud) []string {
	switch c {
	case AWS:
		return []string{"AWS_*"}
	case Azure:
		return []string{"ARM_*", "AZURE_*"}
	case Google:
		return []string{"GOOGLE_*", "GCLOUD_*", "CLOUDSDK_*"}
	}
	return nil
}

// Credentials is what the Pulumi providers need for a step's accounts,
// as plain data for the runner: the variables to set, the inherited ones
// they supersede, the secrets to redact and mask, the files written, and a
// line per account for the task log. String, GoString and LogValue show no
// value.
type Credentials struct {
	// Env holds the variables the pulumi child needs, for example
	// AWS_ACCESS_KEY_ID or ARM_CLIENT_ID.
	Env map[string]string
	// Supersedes are the patterns of inherited variables to drop from the
	// child's environment ("AWS_*"); Env is set after dropping them.
	Supersedes []string
	// Secrets are every secret handled: keys, client secrets, tokens,
	// session credentials, key files. Register them with the redactor and
	// mask them in Octopus.
	Secrets []string
	// Files are the files written (Google key and workload identity
	// configurations, the token they read), mode 0600, in the directory
	// given to Resolve. Remove them, or the directory, when the step ends.
	Files []string
	// Descriptions say, one line per account, which account is used as
	// whom (role, client, service account); never a secret.
	Descriptions []string
	// Warnings are the pre-flight's warnings.
	Warnings []string
	// Expiry is when the first temporary credential expires: an AWS
	// session, or an OpenID Connect token that the Azure and Google
	// providers present again during the run; zero when none does.
	Expiry time.Time
}

// Describe returns the Descriptions, one per line.
func (c *Credentials) Describe() string { return strings.Join(c.Descriptions, "\n") }

// Names returns the names of the variables in Env, sorted.
func (c *Credentials) Names() []string {
	names := make([]string, 0, len(c.Env))
	for k := range c.Env {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// String names the variables, never their values.
func (c *Credentials) String() string {
	return fmt.Sprintf("cloud credentials: %s (values hidden)", strings.Join(c.Names(), ", "))
}

// GoString is String, so %#v shows no value either.
func (c *Credentials) GoString() string { return c.String() }

// LogValue shows the names and descriptions, never a value.
func (c *Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("env", c.Names()), slog.Any("accounts", c.Descriptions), slog.Time("expiry", c.Expiry))
}

// Remove deletes the files written; a file already gone is not an error.
func (c *Credentials) Remove() error {
	var errs []error
	for _, f := range c.Files {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// set adds a variable; a second account of the same cloud would clash.
func (c *Credentials) set(kv ...string) {
	if c.Env == nil {
		c.Env = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			c.Env[kv[i]] = kv[i+1]
		}
	}
}

func (c *Credentials) supersede(cl Cloud) {
	for _, p := range Superseded(cl) {
		if !slices.Contains(c.Supersedes, p) {
			c.Supersedes = append(c.Supersedes, p)
		}
	}
}

func (c *Credentials) expires(t time.Time) {
	if !t.IsZero() && (c.Expiry.IsZero() || t.Before(c.Expiry)) {
		c.Expiry = t
	}
}
