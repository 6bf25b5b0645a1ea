package accounts

import "strings"

// Lookup reads one Octopus variable: its value, and whether it is set. The
// caller adapts its Octopus variables (or anything else) to it; a variable
// that is set to an empty value is reported as set, so that a blank region
// can be told from an absent one.
type Lookup func(name string) (value string, ok bool)

// MapLookup returns a Lookup over a map, for tests and for callers that
// hold their variables in one.
func MapLookup(vars map[string]string) Lookup {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// Variables that choose a step's cloud accounts; octopulumi's own. Each
// <Cloud>Account variable holds the name of an account variable (as
// Pulumi.OidcAccount does for Pulumi Cloud), or is itself the account
// variable: a step template's account parameter of that name, whose
// properties are <parameter>.AccessKey and so on. Region, project and zone
// are optional: without them the stack's own provider configuration (for
// example aws:region) applies.
const (
	// VarAWSAccount names the AWS account variable (access keys, or OpenID
	// Connect with a role ARN), or a Generic OpenID Connect account
	// variable together with VarAWSRoleARN.
	VarAWSAccount = "Pulumi.AwsAccount"
	// VarAWSRegion is the region, as AWS_REGION and AWS_DEFAULT_REGION.
	VarAWSRegion = "Pulumi.AwsRegion"
	// VarAWSRoleARN is the role to assume with a Generic OpenID Connect
	// account's token (an AWS OpenID Connect account names its own).
	VarAWSRoleARN = "Pulumi.AwsRoleArn"
	// VarAWSAudience is the audience the IAM OpenID Connect identity
	// provider accepts, when it is neither sts.amazonaws.com nor the
	// Octopus Server's host name (what an Octopus AWS account uses).
	VarAWSAudience = "Pulumi.AwsAudience"
	// VarAWSAssumeRoleARN is a second role, assumed with the account's
	// credentials (role chaining, for example into another AWS account).
	VarAWSAssumeRoleARN = "Pulumi.AwsAssumeRoleArn"
	// VarAWSAssumeRoleExternalID is the external id the second role's
	// trust policy requires.
	VarAWSAssumeRoleExternalID = "Pulumi.AwsAssumeRoleExternalId"
	// VarAWSAssumeRoleSessionName names the second role's session; the
	// default is the first session's name.
	VarAWSAssumeRoleSessionName = "Pulumi.AwsAssumeRoleSessionName"
	// VarAWSAssumeRoleDuration is the second session's length, in seconds
	// or as a Go duration (1h); the default is one hour.
	VarAWSAssumeRoleDuration = "Pulumi.AwsAssumeRoleDuration"

	// VarAzureAccount names the Azure account variable (a service
	// principal with a client secret, or with OpenID Connect).
	VarAzureAccount = "Pulumi.AzureAccount"
	// VarAzureAudience is the audience the app's federated credential
	// expects, when it is not the default api://AzureADTokenExchange (or
	// the sovereign clouds' equivalents).
	VarAzureAudience = "Pulumi.AzureAudience"

	// VarGoogleAccount names the Google Cloud account variable (a JSON
	// key, or OpenID Connect with workload identity federation), or a
	// Generic OpenID Connect account variable whose audience is the
	// workload identity provider.
	VarGoogleAccount = "Pulumi.GoogleAccount"
	// VarGoogleProject is the project, as GOOGLE_PROJECT; for a key, the
	// key's own project is the default.
	VarGoogleProject = "Pulumi.GoogleProject"
	// VarGoogleRegion is the region, as GOOGLE_REGION.
	VarGoogleRegion = "Pulumi.GoogleRegion"
	// VarGoogleZone is the zone, as GOOGLE_ZONE.
	VarGoogleZone = "Pulumi.GoogleZone"
	// VarGoogleServiceAccount is a service account to impersonate.
	VarGoogleServiceAccount = "Pulumi.GoogleServiceAccount"
)

// Octopus's step-level variables, as Calamari reads them
// (source/Calamari.CloudAccounts/AwsEnvironmentGeneration.cs,
// AzureAccountVariables.cs, Calamari.Terraform TerraformDeployBehaviour.cs).
// Octopus sets them in its AWS, Azure and Google Cloud script steps; octopulumi
// reads them when its own Pulumi.* variables are absent, so that it also
// works inside those steps. Octopus sets some of them empty: an empty
// step-level variable counts as absent.
const (
	OctopusAWSAccountVariable           = "Octopus.Action.AwsAccount.Variable"
	OctopusAWSUseInstanceRole           = "Octopus.Action.AwsAccount.UseInstanceRole"
	OctopusAWSRegion                    = "Octopus.Action.Aws.Region"
	OctopusAWSAssumeRole                = "Octopus.Action.Aws.AssumeRole"
	OctopusAWSAssumedRoleARN            = "Octopus.Action.Aws.AssumedRoleArn"
	OctopusAWSAssumeRoleExternalID      = "Octopus.Action.Aws.AssumeRoleExternalId"
	OctopusAWSAssumedRoleSession        = "Octopus.Action.Aws.AssumedRoleSession"
	OctopusAWSAssumeRoleSessionDuration = "Octopus.Action.Aws.AssumeRoleSessionDurationSeconds"
	OctopusAWSAccessKey                 = "Octopus.Action.Amazon.AccessKey"
	OctopusAWSSecretKey                 = "Octopus.Action.Amazon.SecretKey"
	OctopusAzureAccountVariable         = "Octopus.Action.AzureAccount.Variable"
	OctopusAzureSubscriptionID          = "Octopus.Action.Azure.SubscriptionId"
	OctopusAzureClientID                = "Octopus.Action.Azure.ClientId"
	OctopusAzureTenantID                = "Octopus.Action.Azure.TenantId"
	OctopusAzurePassword                = "Octopus.Action.Azure.Password"
	OctopusAzureEnvironment             = "Octopus.Action.Azure.Environment"
	OctopusJWT                          = "Octopus.OpenIdConnect.Jwt"
	OctopusGoogleAccountVariable        = "Octopus.Action.GoogleCloudAccount.Variable"
	OctopusGoogleJSONKey                = "Octopus.Action.GoogleCloudAccount.JsonKey"
	OctopusGoogleUseVMServiceAccount    = "Octopus.Action.GoogleCloud.UseVMServiceAccount"
	OctopusGoogleImpersonate            = "Octopus.Action.GoogleCloud.ImpersonateServiceAccount"
	OctopusGoogleServiceAccountEmails   = "Octopus.Action.GoogleCloud.ServiceAccountEmails"
	OctopusGoogleProject                = "Octopus.Action.GoogleCloud.Project"
	OctopusGoogleRegion                 = "Octopus.Action.GoogleCloud.Region"
	OctopusGoogleZone                   = "Octopus.Action.GoogleCloud.Zone"
)

// Properties of an account variable X, as Octopus exposes them to a script:
// X + PropAccessKey is "X.AccessKey".
const (
	PropAccessKey          = ".AccessKey"          // AWS, access keys
	PropSecretKey          = ".SecretKey"          // AWS, access keys; sensitive
	PropRoleARN            = ".RoleArn"            // AWS, OpenID Connect
	PropSessionDuration    = ".SessionDuration"    // AWS, OpenID Connect; seconds
	PropJWT                = ".OpenIdConnect.Jwt"  // every OpenID Connect account; sensitive
	PropAudience           = ".Audience"           // every OpenID Connect account but AWS's
	PropClient             = ".Client"             // Azure
	PropPassword           = ".Password"           // Azure, client secret; sensitive
	PropTenantID           = ".TenantId"           // Azure
	PropSubscriptionNumber = ".SubscriptionNumber" // Azure
	PropAzureEnvironment   = ".AzureEnvironment"   // Azure: AzureCloud, AzureChinaCloud, AzureUSGovernment
	PropJSONKey            = ".JsonKey"            // Google Cloud, key; base64 of the key file; sensitive
	PropTokenLifetime      = ".OpenIdConnect.TokenLifetimeSeconds"
)

// Property is one property of an account variable.
type Property struct {
	Suffix    string // for example PropAccessKey
	Sensitive bool
}

// Properties lists the properties of a cloud's account variables that
// [Read] may read, so that a step script can hand exactly those over
// (sensitive ones as secrets).
func Properties(c Cloud) []Property {
	jwt := Property{PropJWT, true}
	switch c {
	case AWS:
		return []Property{{PropAccessKey, false}, {PropSecretKey, true}, {PropRoleARN, false}, {PropSessionDuration, false}, jwt, {PropAudience, false}}
	case Azure:
		return []Property{{PropClient, false}, {PropPassword, true}, {PropTenantID, false}, {PropSubscriptionNumber, false}, {PropAzureEnvironment, false}, jwt, {PropAudience, false}}
	case Google:
		return []Property{{PropJSONKey, true}, jwt, {PropAudience, false}, {PropTokenLifetime, false}}
	}
	return nil
}

// Settings lists a cloud's Pulumi.* variables: the account's name and the
// settings beside it.
func Settings(c Cloud) []string {
	switch c {
	case AWS:
		return []string{VarAWSAccount, VarAWSRegion, VarAWSRoleARN, VarAWSAudience, VarAWSAssumeRoleARN, VarAWSAssumeRoleExternalID, VarAWSAssumeRoleSessionName, VarAWSAssumeRoleDuration}
	case Azure:
		return []string{VarAzureAccount, VarAzureAudience}
	case Google:
		return []string{VarGoogleAccount, VarGoogleProject, VarGoogleRegion, VarGoogleZone, VarGoogleServiceAccount}
	}
	return nil
}

// VariableNames returns the names of the Octopus variables that [Read] may
// read for the account variable named account of cloud c: plain ones and
// sensitive ones.
func VariableNames(c Cloud, account string) (plain, sensitive []string) {
	for _, p := range Properties(c) {
		if p.Sensitive {
			sensitive = append(sensitive, account+p.Suffix)
		} else {
			plain = append(plain, account+p.Suffix)
		}
	}
	return plain, sensitive
}

// get reads a variable; ok is false when it is absent.
func (l Lookup) get(name string) (string, bool) {
	if l == nil || name == "" {
		return "", false
	}
	return l(name)
}

// nonEmpty reads a variable and trims it; absent and blank are alike.
func (l Lookup) nonEmpty(name string) string {
	v, _ := l.get(name)
	return strings.TrimSpace(v)
}
