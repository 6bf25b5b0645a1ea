package testbed

import (
	"testing"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// BackendKinds are the backends every flow of the step runs on: a file
// backend, Pulumi Cloud (the fake of pkg/auth/authtest, which keeps state,
// locks and secrets itself) and S3 (a bucket on loopback, see [S3]).
var BackendKinds = []string{"file", "cloud", "s3"}

// CloudOrg is the organization of the fake Pulumi Cloud a [Backend] starts.
const CloudOrg = "acme"

// Backend is one state backend for a test, with what the step needs to use
// it, as an Octopus script step would hand it over.
type Backend struct {
	// Kind is one of BackendKinds.
	Kind string
	// URL is the backend URL for --backend.
	URL string
	// Org is the organization stacks live in on it.
	Org string
	// Env is what the step's process needs: the access token (Cloud, as a
	// sensitive Octopus variable), the bucket's AWS keys (S3), the state
	// passphrase (file and S3).
	Env []string
	// Secrets are values that must never appear in the step's output.
	Secrets []string
	// Cloud is the fake Pulumi Cloud, for the cloud kind.
	Cloud *authtest.Cloud
	// Bucket is the S3 bucket, for the s3 kind.
	Bucket *S3Bucket
}

// NewBackend starts a backend of kind for this test: the bed's file
// backend, a fake Pulumi Cloud, or a bucket on a loopback S3 server.
func (b *Bed) NewBackend(tb testing.TB, kind string) *Backend {
	tb.Helper()
	passphrase := []string{"OCTOPULUMI_CONFIG_PASSPHRASE=" + Passphrase}
	switch kind {
	case "file":
		return &Backend{Kind: kind, URL: b.Backend, Org: "organization", Env: passphrase, Secrets: []string{Passphrase}}
	case "cloud":
		cloud, token := authtest.StartCloud(tb, CloudOrg)
		return &Backend{
			Kind: kind, URL: cloud.URL, Org: CloudOrg, Cloud: cloud,
			Env: []string{"OCTOPULUMI_SECRET_Pulumi__AccessToken=" + token, "OCTOPULUMI_VAR_Pulumi__Organization=" + CloudOrg,
				// The CLI links updates to the fake's console pages.
				"PULUMI_CONSOLE_DOMAIN=" + cloud.ConsoleDomain()},
			Secrets: []string{token},
		}
	case "s3":
		bucket := S3(tb)
		env := append([]string(nil), passphrase...)
		for k, v := range bucket.Env {
			env = append(env, k+"="+v)
		}
		return &Backend{Kind: kind, URL: bucket.URL, Org: "organization", Bucket: bucket, Env: env, Secrets: []string{Passphrase, bucket.SecretKey()}}
	}
	tb.Fatalf("testbed: no backend of kind %q (want one of %v)", kind, BackendKinds)
	return nil
}
