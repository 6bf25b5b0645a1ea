package accounts

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
)

// GoogleSTSTokenURL is where Google's security token service exchanges
// a workload identity token.
const GoogleSTSTokenURL = "https://sts.googleapis.com/v1/token"

// serviceAccountKey is the part of a key file this package reads.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

func parseKey(key []byte) (serviceAccountKey, error) {
	var k serviceAccountKey
	err := json.Unmarshal(key, &k)
	return k, err
}

func keyEmail(key []byte) string {
	k, _ := parseKey(key)
	return k.ClientEmail
}

// keySecrets lists the private key as it appears in the file and as JSON
// escapes it, for the redactor.
func keySecrets(key []byte) []string {
	k, _ := parseKey(key)
	if k.PrivateKey == "" {
		return nil
	}
	escaped, _ := json.Marshal(k.PrivateKey)
	return []string{k.PrivateKey, strings.Trim(string(escaped), `"`)}
}

// checkGoogleKey checks that a key file is a service account key whose
// private key can be read. Messages never quote the key.
func checkGoogleKey(p *problems, a *GoogleKey) {
	k, err := parseKey(a.Key)
	switch {
	case err != nil:
		p.check(a, "Key", "key", "is not a JSON object; give the service account's JSON key file")
	case k.Type != "service_account":
		what := fmt.Sprintf("a %q credentials file", k.Type)
		if k.Type == "" {
			what = `a JSON file without "type"`
		}
		p.check(a, "Key", "key", "is %s, not a service account key: create a key for the service account (IAM > Service accounts > Keys > Add key, JSON) and give it to the Octopus account", what)
	case k.ClientEmail == "" || k.PrivateKey == "":
		p.check(a, "Key", "key", `is a service account key without "client_email" or "private_key": download the key again`)
	default:
		block, _ := pem.Decode([]byte(k.PrivateKey))
		if block == nil {
			p.check(a, "Key", "key", `has a "private_key" that is not PEM: download the key again`)
			return
		}
		if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
			if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
				p.check(a, "Key", "key", `has a "private_key" that is not an RSA private key: download the key again`)
			}
		}
	}
}

// resolveGoogleKey writes the key file and points the provider at it.
func (r *Resolver) resolveGoogleKey(dir string, a *GoogleKey, c *Credentials) error {
	dir, err := privateDir(dir)
	if err != nil {
		return err
	}
	path, err := writeFile(c, dir, "google-key-*.json", a.Key)
	if err != nil {
		return err
	}
	k, _ := parseKey(a.Key)
	project := orDefault(a.Project, k.ProjectID)
	setGoogle(c, path, project, a.Region, a.Zone)
	c.set("GOOGLE_IMPERSONATE_SERVICE_ACCOUNT", a.ServiceAccount)
	desc := fmt.Sprintf("Google Cloud: %s, service account key of %s", a.Source(), k.ClientEmail)
	c.Descriptions = append(c.Descriptions, desc+impersonationNote(a.ServiceAccount)+projectNote(project, a.Region, a.Zone))
	return nil
}

// externalAccount is a workload identity federation configuration
// (golang.org/x/oauth2/google's "external_account" credentials file), as
// gcloud iam workload-identity-pools create-cred-config writes it.
type externalAccount struct {
	Type                           string            `json:"type"`
	Audience                       string            `json:"audience"`
	SubjectTokenType               string            `json:"subject_token_type"`
	TokenURL                       string            `json:"token_url"`
	CredentialSource               credentialSource  `json:"credential_source"`
	ServiceAccountImpersonationURL string            `json:"service_account_impersonation_url,omitempty"`
	ServiceAccountImpersonation    *tokenLifetimeOpt `json:"service_account_impersonation,omitempty"`
}

type credentialSource struct {
	File   string `json:"file"`
	Format struct {
		Type string `json:"type"`
	} `json:"format"`
}

type tokenLifetimeOpt struct {
	TokenLifetimeSeconds int `json:"token_lifetime_seconds"`
}

// resolveGoogleOIDC writes the token to a file and an external_account
// configuration that reads it, so the provider exchanges the token itself
// (no gcloud needed) each time it needs an access token.
func (r *Resolver) resolveGoogleOIDC(dir string, a *GoogleOIDC, c *Credentials) error {
	dir, err := privateDir(dir)
	if err != nil {
		return err
	}
	var p problems
	provider := wifAudience(&p, a)
	if err := p.err(); err != nil {
		return err
	}
	tokenPath, err := writeFile(c, dir, "google-token-*.jwt", []byte(strings.TrimSpace(a.JWT)))
	if err != nil {
		return err
	}
	cfg := externalAccount{Type: "external_account", Audience: provider, SubjectTokenType: "urn:ietf:params:oauth:token-type:jwt", TokenURL: GoogleSTSTokenURL}
	cfg.CredentialSource.File = tokenPath
	cfg.CredentialSource.Format.Type = "text"
	if a.ServiceAccount != "" {
		cfg.ServiceAccountImpersonationURL = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" + a.ServiceAccount + ":generateAccessToken"
		cfg.ServiceAccountImpersonation = &tokenLifetimeOpt{TokenLifetimeSeconds: int(orDuration(a.TokenLifetime, defaultSession).Seconds())}
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("accounts: encoding the workload identity configuration: %w", err)
	}
	path, err := writeFile(c, dir, "google-wif-*.json", data)
	if err != nil {
		return err
	}
	setGoogle(c, path, a.Project, a.Region, a.Zone)
	tokenExpires(c, a.JWT)
	desc := fmt.Sprintf("Google Cloud: %s, workload identity federation with %s", a.Source(), provider)
	c.Descriptions = append(c.Descriptions, desc+impersonationNote(a.ServiceAccount)+projectNote(a.Project, a.Region, a.Zone))
	return nil
}

// setGoogle points pulumi-gcp at a credentials file. It reads credentials
// from GOOGLE_CREDENTIALS (a path or the contents) before falling back to
// Application Default Credentials, which read GOOGLE_APPLICATION_CREDENTIALS;
// both name the same file, so that the provider and anything else in the
// program (Google's client libraries, google-native) use the account.
func setGoogle(c *Credentials, path, project, region, zone string) {
	c.set("GOOGLE_CREDENTIALS", path, "GOOGLE_APPLICATION_CREDENTIALS", path,
		"GOOGLE_PROJECT", project, "GOOGLE_REGION", region, "GOOGLE_ZONE", zone)
}

func impersonationNote(sa string) string {
	if sa == "" {
		return ""
	}
	return ", impersonating " + sa
}

func projectNote(project, region, zone string) string {
	var parts []string
	for _, p := range [][2]string{{"project", project}, {"region", region}, {"zone", zone}} {
		if p[1] != "" {
			parts = append(parts, p[0]+" "+p[1])
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}
