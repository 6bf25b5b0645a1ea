package accounts

import (
	"fmt"
	"log/slog"
	"time"
)

// Cloud is a cloud provider whose accounts this package reads.
type Cloud string

// The clouds.
const (
	AWS    Cloud = "aws"
	Azure  Cloud = "azure"
	Google Cloud = "google"
)

// String is the cloud's name for a person: AWS, Azure, Google Cloud.
func (c Cloud) String() string {
	switch c {
	case AWS:
		return "AWS"
	case Azure:
		return "Azure"
	case Google:
		return "Google Cloud"
	}
	return string(c)
}

// expected says what kind of account a variable of the cloud must hold.
func (c Cloud) expected() string {
	switch c {
	case AWS:
		return "an AWS account (access keys, or OpenID Connect with a role ARN)"
	case Azure:
		return "an Azure account (a service principal with a client secret or with OpenID Connect)"
	case Google:
		return "a Google Cloud account (a JSON key, or OpenID Connect with a workload identity provider as audience)"
	}
	return "a cloud account"
}

// Kind is the kind of an account: which cloud, and how it authenticates.
type Kind string

// The kinds of account.
const (
	KindAWSKeys     Kind = "aws-access-keys"
	KindAWSOIDC     Kind = "aws-oidc"
	KindAzureSecret Kind = "azure-client-secret"
	KindAzureOIDC   Kind = "azure-oidc"
	KindGoogleKey   Kind = "google-key"
	KindGoogleOIDC  Kind = "google-oidc"
)

// Account is one cloud account read from Octopus variables: one of
// [*AWSKeys], [*AWSOIDC], [*AzureSecret], [*AzureOIDC], [*GoogleKey] and
// [*GoogleOIDC]. Accounts are plain data; their String, GoString and
// LogValue never show a secret.
type Account interface {
	// Cloud is the account's cloud.
	Cloud() Cloud
	// Kind is the kind of account.
	Kind() Kind
	// Source says where the account came from, for messages: the account
	// variable's name, or the step's own account.
	Source() string
	fmt.Stringer
	fmt.GoStringer
	slog.LogValuer
	// secrets lists every secret the account holds, in every form read.
	secrets() []string
	// src names the Octopus variable a field was read from.
	src(field string) string
}

// origin records the Octopus variables an account was read from, so that
// later checks name them. The zero value names the fields instead.
type origin struct {
	from map[string]string // field → Octopus variable
}

func (o origin) src(field string) string {
	if v := o.from[field]; v != "" {
		return v
	}
	return field
}

func (o *origin) set(field, variable string) {
	if o.from == nil {
		o.from = map[string]string{}
	}
	o.from[field] = variable
}

func sourceOf(c Cloud, variable string) string {
	if variable == "" {
		return "the step's " + c.String() + " account"
	}
	return fmt.Sprintf("the %s account variable %q", c, variable)
}

// AssumeRole is a second AWS role, assumed with the account's credentials.
type AssumeRole struct {
	RoleARN     string
	ExternalID  string        // empty: none
	SessionName string        // empty: the first session's name
	Duration    time.Duration // zero: one hour
	from        [4]string     // the Octopus variables of the fields, in order
}

// src names the Octopus variable of the role (0), external id (1), session
// name (2) or duration (3).
func (h *AssumeRole) src(i int) string {
	if h.from[i] != "" {
		return h.from[i]
	}
	return [4]string{"AssumeRole.RoleARN", "AssumeRole.ExternalID", "AssumeRole.SessionName", "AssumeRole.Duration"}[i]
}

// AWSKeys is an AWS account with access keys.
type AWSKeys struct {
	// Variable is the account variable's name; empty for the step's own
	// keys (Octopus.Action.Amazon.*).
	Variable        string
	AccessKeyID     string
	SecretAccessKey string
	// Region is the region; empty leaves it to the stack's configuration.
	Region     string
	AssumeRole *AssumeRole
	origin
}

// AWSOIDC is an AWS account with OpenID Connect: the Octopus token is
// exchanged for temporary credentials of RoleARN.
type AWSOIDC struct {
	Variable        string
	RoleARN         string
	SessionDuration time.Duration // zero: one hour
	JWT             string
	// Audience is the audience the IAM identity provider accepts; empty
	// accepts sts.amazonaws.com or the issuer's host name.
	Audience   string
	Region     string
	AssumeRole *AssumeRole
	origin
}

// AzureSecret is an Azure service principal with a client secret.
type AzureSecret struct {
	Variable       string
	ClientID       string
	TenantID       string
	SubscriptionID string
	// Environment is Octopus's name of the cloud: AzureCloud (the
	// default), AzureChinaCloud or AzureUSGovernment.
	Environment  string
	ClientSecret string
	origin
}

// AzureOIDC is an Azure service principal with OpenID Connect (a federated
// credential on the app registration).
type AzureOIDC struct {
	Variable       string
	ClientID       string
	TenantID       string
	SubscriptionID string
	Environment    string
	JWT            string
	// Audience is what the federated credential expects; empty: the
	// cloud's default, api://AzureADTokenExchange in the public cloud.
	Audience string
	origin
}

// GoogleKey is a Google Cloud service account key.
type GoogleKey struct {
	Variable string
	// Key is the key file's JSON (decoded from Octopus's base64).
	Key            []byte
	Project        string // empty: the key's project
	Region         string
	Zone           string
	ServiceAccount string // a service account to impersonate; empty: none
	raw            string // the base64 form, a secret too
	origin
}

// GoogleOIDC is Google Cloud workload identity federation with the Octopus
// token.
type GoogleOIDC struct {
	Variable string
	JWT      string
	// Audience is the workload identity provider, as Octopus accounts hold
	// it: https://iam.googleapis.com/projects/<number>/locations/global/
	// workloadIdentityPools/<pool>/providers/<provider> (the // form is
	// accepted too).
	Audience       string
	TokenLifetime  time.Duration // of an impersonated service account's token; zero: one hour
	Project        string
	Region         string
	Zone           string
	ServiceAccount string // a service account to impersonate; empty: use the federated identity itself
	origin
}

// Cloud returns AWS.
func (*AWSKeys) Cloud() Cloud { return AWS }

// Cloud returns AWS.
func (*AWSOIDC) Cloud() Cloud { return AWS }

// Cloud returns Azure.
func (*AzureSecret) Cloud() Cloud { return Azure }

// Cloud returns Azure.
func (*AzureOIDC) Cloud() Cloud { return Azure }

// Cloud returns Google.
func (*GoogleKey) Cloud() Cloud { return Google }

// Cloud returns Google.
func (*GoogleOIDC) Cloud() Cloud { return Google }

// Kind returns KindAWSKeys.
func (*AWSKeys) Kind() Kind { return KindAWSKeys }

// Kind returns KindAWSOIDC.
func (*AWSOIDC) Kind() Kind { return KindAWSOIDC }

// Kind returns KindAzureSecret.
func (*AzureSecret) Kind() Kind { return KindAzureSecret }

// Kind returns KindAzureOIDC.
func (*AzureOIDC) Kind() Kind { return KindAzureOIDC }

// Kind returns KindGoogleKey.
func (*GoogleKey) Kind() Kind { return KindGoogleKey }

// Kind returns KindGoogleOIDC.
func (*GoogleOIDC) Kind() Kind { return KindGoogleOIDC }

// Source names the account variable.
func (a *AWSKeys) Source() string { return sourceOf(AWS, a.Variable) }

// Source names the account variable.
func (a *AWSOIDC) Source() string { return sourceOf(AWS, a.Variable) }

// Source names the account variable.
func (a *AzureSecret) Source() string { return sourceOf(Azure, a.Variable) }

// Source names the account variable.
func (a *AzureOIDC) Source() string { return sourceOf(Azure, a.Variable) }

// Source names the account variable.
func (a *GoogleKey) Source() string { return sourceOf(Google, a.Variable) }

// Source names the account variable.
func (a *GoogleOIDC) Source() string { return sourceOf(Google, a.Variable) }

func (a *AWSKeys) secrets() []string     { return []string{a.AccessKeyID, a.SecretAccessKey} }
func (a *AWSOIDC) secrets() []string     { return []string{a.JWT} }
func (a *AzureSecret) secrets() []string { return []string{a.ClientSecret} }
func (a *AzureOIDC) secrets() []string   { return []string{a.JWT} }
func (a *GoogleKey) secrets() []string {
	return append([]string{string(a.Key), a.raw}, keySecrets(a.Key)...)
}
func (a *GoogleOIDC) secrets() []string { return []string{a.JWT} }

// String names the account, its kind and the identity it uses; no secret.
func (a *AWSKeys) String() string {
	return fmt.Sprintf("%s: access keys%s", a.Source(), regionNote(a.Region))
}

// String names the account, its kind and the role; no secret.
func (a *AWSOIDC) String() string {
	return fmt.Sprintf("%s: OpenID Connect, role %s%s", a.Source(), a.RoleARN, regionNote(a.Region))
}

// String names the account, its kind and the client; no secret.
func (a *AzureSecret) String() string {
	return fmt.Sprintf("%s: client secret of client %s, tenant %s, subscription %s", a.Source(), a.ClientID, a.TenantID, a.SubscriptionID)
}

// String names the account, its kind and the client; no secret.
func (a *AzureOIDC) String() string {
	return fmt.Sprintf("%s: OpenID Connect as client %s, tenant %s, subscription %s", a.Source(), a.ClientID, a.TenantID, a.SubscriptionID)
}

// String names the account and the key's service account; no secret.
func (a *GoogleKey) String() string {
	return fmt.Sprintf("%s: key of %s", a.Source(), orDefault(keyEmail(a.Key), "an unreadable key"))
}

// String names the account and the workload identity provider; no secret.
func (a *GoogleOIDC) String() string {
	return fmt.Sprintf("%s: workload identity federation with %s", a.Source(), a.Audience)
}

// GoString is String, so %#v shows no secret either.
func (a *AWSKeys) GoString() string { return a.String() }

// GoString is String, so %#v shows no secret either.
func (a *AWSOIDC) GoString() string { return a.String() }

// GoString is String, so %#v shows no secret either.
func (a *AzureSecret) GoString() string { return a.String() }

// GoString is String, so %#v shows no secret either.
func (a *AzureOIDC) GoString() string { return a.String() }

// GoString is String, so %#v shows no secret either.
func (a *GoogleKey) GoString() string { return a.String() }

// GoString is String, so %#v shows no secret either.
func (a *GoogleOIDC) GoString() string { return a.String() }

// LogValue is String, so slog shows no secret.
func (a *AWSKeys) LogValue() slog.Value { return slog.StringValue(a.String()) }

// LogValue is String, so slog shows no secret.
func (a *AWSOIDC) LogValue() slog.Value { return slog.StringValue(a.String()) }

// LogValue is String, so slog shows no secret.
func (a *AzureSecret) LogValue() slog.Value { return slog.StringValue(a.String()) }

// LogValue is String, so slog shows no secret.
func (a *AzureOIDC) LogValue() slog.Value { return slog.StringValue(a.String()) }

// LogValue is String, so slog shows no secret.
func (a *GoogleKey) LogValue() slog.Value { return slog.StringValue(a.String()) }

// LogValue is String, so slog shows no secret.
func (a *GoogleOIDC) LogValue() slog.Value { return slog.StringValue(a.String()) }

func regionNote(region string) string {
	if region == "" {
		return ""
	}
	return ", region " + region
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
