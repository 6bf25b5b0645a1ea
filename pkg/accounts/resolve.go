package accounts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Resolve turns accounts into [Credentials]: it runs the [Resolver.Preflight]
// (unless [SkipPreflight]), exchanges AWS tokens for temporary credentials
// with STS (and takes the second role, when one is given), writes Google
// key and workload identity files (mode 0600) into dir, and reports the
// variables the providers read:
//
//	AWS keys     AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN after a second role)
//	AWS OIDC     AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//	             and AWS_REGION, AWS_DEFAULT_REGION when a region is given
//	Azure        ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID, ARM_ENVIRONMENT,
//	             and ARM_CLIENT_SECRET, or ARM_USE_OIDC=true and ARM_OIDC_TOKEN: never both
//	Google       GOOGLE_CREDENTIALS and GOOGLE_APPLICATION_CREDENTIALS (the path of a
//	             key file, or of an external_account configuration whose credential
//	             source is a file holding the token), GOOGLE_PROJECT, GOOGLE_REGION,
//	             GOOGLE_ZONE, GOOGLE_IMPERSONATE_SERVICE_ACCOUNT, when given
//
// dir should be a private per-run folder that the caller removes when the
// step ends; Resolve removes what it wrote when it fails. Every secret is
// passed to the [WithOnSecret] hook before it is used. At most one account
// per cloud may be given.
func (r *Resolver) Resolve(ctx context.Context, dir string, accts ...Account) (*Credentials, error) {
	if err := checkOnePerCloud(accts); err != nil {
		return nil, err
	}
	c := &Credentials{}
	for _, a := range accts {
		r.secret(c, a.secrets()...)
	}
	if !r.o.skipPreflight {
		warnings, err := r.Preflight(accts...)
		if err != nil {
			return nil, err
		}
		c.Warnings = warnings
		for _, w := range warnings {
			r.o.logger.Warn(w)
		}
	}
	for _, a := range accts {
		if err := r.resolve(ctx, dir, a, c); err != nil {
			_ = c.Remove()
			return nil, err
		}
		c.supersede(a.Cloud())
	}
	return c, nil
}

func (r *Resolver) resolve(ctx context.Context, dir string, a Account, c *Credentials) error {
	switch a := a.(type) {
	case *AWSKeys:
		return r.resolveAWSKeys(ctx, a, c)
	case *AWSOIDC:
		return r.resolveAWSOIDC(ctx, a, c)
	case *AzureSecret:
		resolveAzure(c, a.Source(), "client secret", a.ClientID, a.TenantID, a.SubscriptionID, a.Environment, "ARM_CLIENT_SECRET", a.ClientSecret)
		return nil
	case *AzureOIDC:
		resolveAzure(c, a.Source(), "OpenID Connect", a.ClientID, a.TenantID, a.SubscriptionID, a.Environment, "ARM_USE_OIDC", "true", "ARM_OIDC_TOKEN", a.JWT)
		tokenExpires(c, a.JWT)
		return nil
	case *GoogleKey:
		return r.resolveGoogleKey(dir, a, c)
	case *GoogleOIDC:
		return r.resolveGoogleOIDC(dir, a, c)
	case nil:
		return errors.New("accounts: a nil account was given")
	}
	return fmt.Errorf("accounts: unknown account type %T", a)
}

// Check resolves accounts as Resolve does (pre-flight, STS exchanges, the
// second role, key verification with [VerifyKeys]) into a temporary folder
// that it removes, and returns what a person checking an account needs:
// one line per account, and the warnings. It returns no secret; use it for
// a runbook that tests an account before the first deployment.
func (r *Resolver) Check(ctx context.Context, accts ...Account) (descriptions, warnings []string, err error) {
	dir, err := os.MkdirTemp("", "octopulumi-accounts-check-")
	if err != nil {
		return nil, nil, fmt.Errorf("accounts: %w", err)
	}
	defer os.RemoveAll(dir)
	c, err := r.Resolve(ctx, dir, accts...)
	if err != nil {
		return nil, nil, err
	}
	return c.Descriptions, c.Warnings, c.Remove()
}

// tokenExpires notes when an OpenID Connect token that the provider
// presents again during the run expires.
func tokenExpires(c *Credentials, jwt string) {
	if cl, err := ParseClaims(jwt); err == nil {
		c.expires(cl.Expiry)
	}
}

func checkOnePerCloud(accts []Account) error {
	seen := map[Cloud]Account{}
	for _, a := range accts {
		if a == nil {
			return errors.New("accounts: a nil account was given")
		}
		if prev, ok := seen[a.Cloud()]; ok {
			return fmt.Errorf("accounts: two %s accounts (%s and %s); the provider reads one from the environment: choose one", a.Cloud(), prev.Source(), a.Source())
		}
		seen[a.Cloud()] = a
	}
	return nil
}

// secret tells the hook about secrets and records them.
func (r *Resolver) secret(c *Credentials, secrets ...string) {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		c.Secrets = append(c.Secrets, s)
		if r.o.onSecret != nil {
			r.o.onSecret(s)
		}
	}
}

// privateDir returns dir as an absolute path (the provider runs elsewhere)
// after checking it is a directory.
func privateDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("accounts: no directory for the credential files was given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("accounts: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("accounts: the folder for credential files %s is not a directory", abs)
	}
	return abs, nil
}

// writeFile writes data to a new file in dir, readable by its owner only,
// and records it in c.
func writeFile(c *Credentials, dir, pattern string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", fmt.Errorf("accounts: creating a credential file: %w", err)
	}
	c.Files = append(c.Files, f.Name())
	if err := f.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		_ = f.Close()
		return "", fmt.Errorf("accounts: restricting %s: %w", f.Name(), err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("accounts: writing %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("accounts: writing %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

func untilNote(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ", valid until " + t.UTC().Format("2006-01-02 15:04:05 UTC")
}
