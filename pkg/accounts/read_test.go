package accounts_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/octopulumi/octopulumi/pkg/accounts"
)

var (
	awsKeyVars = vars{
		"Pulumi.AwsAccount":  "AWS Prod",
		"AWS Prod":           "amazonwebservicesaccount-prod",
		"AWS Prod.AccessKey": testAccessKey,
		"AWS Prod.SecretKey": testSecretKey,
	}
	awsOIDCVars = vars{
		"Pulumi.AwsAccount":              "AWS OIDC",
		"AWS OIDC.RoleArn":               "arn:aws:iam::123456789012:role/octopus-deploy",
		"AWS OIDC.SessionDuration":       "7200",
		"AWS OIDC.OpenIdConnect.Jwt":     "eyJ.jwt.sig",
		"Pulumi.AwsRegion":               "eu-west-1",
		"Pulumi.AwsAssumeRoleArn":        secondRoleARN,
		"Pulumi.AwsAssumeRoleExternalId": "octopus-ext-1",
	}
	azureSecretVars = vars{
		"Pulumi.AzureAccount":           "Azure",
		"Azure.Client":                  testClient,
		"Azure.TenantId":                testTenant,
		"Azure.SubscriptionNumber":      testSubscription,
		"Azure.Password":                testAzureSecret,
		"Azure.AzureEnvironment":        "AzureCloud",
		"Pulumi.AwsRegion":              "", // no AWS account: its settings are not read
		"Octopus.Action.Aws.Region":     "us-east-1",
		"Octopus.Action.Azure.Password": "",
	}
	azureOIDCVars = vars{
		"Pulumi.AzureAccount":           "Azure OIDC",
		"Azure OIDC.Client":             testClient,
		"Azure OIDC.TenantId":           testTenant,
		"Azure OIDC.SubscriptionNumber": testSubscription,
		"Azure OIDC.AzureEnvironment":   "AzureUSGovernment",
		"Azure OIDC.OpenIdConnect.Jwt":  "eyJ.jwt.sig",
		"Azure OIDC.Audience":           "api://AzureADTokenExchangeUSGov",
	}
	googleOIDCVars = vars{
		"Pulumi.GoogleAccount":                   "GCP",
		"GCP.OpenIdConnect.Jwt":                  "eyJ.jwt.sig",
		"GCP.Audience":                           testWIFAudience,
		"GCP.OpenIdConnect.TokenLifetimeSeconds": "1800",
		"Pulumi.GoogleProject":                   "example-project",
		"Pulumi.GoogleRegion":                    "europe-west1",
		"Pulumi.GoogleZone":                      "europe-west1-b",
		"Pulumi.GoogleServiceAccount":            testSA,
	}
)

func googleKeyVars() vars {
	_, b64 := googleKey()
	return vars{"Pulumi.GoogleAccount": "GCP Key", "GCP Key.JsonKey": b64}
}

// TestReadKinds reads each kind of account, from octopulumi's variables,
// from a step template's account parameter and from Octopus's step-level
// variables.
func TestReadKinds(t *testing.T) {
	t.Parallel()
	key, b64 := googleKey()
	tests := []struct {
		name string
		vars vars
		want []accounts.Account
	}{
		{"AWS access keys", awsKeyVars, []accounts.Account{
			&accounts.AWSKeys{Variable: "AWS Prod", AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey},
		}},
		{"AWS keys as a step template parameter", vars{
			"Pulumi.AwsAccount": "amazonwebservicesaccount-prod", "Pulumi.AwsAccount.AccessKey": testAccessKey, "Pulumi.AwsAccount.SecretKey": testSecretKey,
		}, []accounts.Account{
			&accounts.AWSKeys{Variable: "Pulumi.AwsAccount", AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey},
		}},
		{"AWS OpenID Connect with a second role", awsOIDCVars, []accounts.Account{
			&accounts.AWSOIDC{Variable: "AWS OIDC", RoleARN: "arn:aws:iam::123456789012:role/octopus-deploy", SessionDuration: 2 * time.Hour, JWT: "eyJ.jwt.sig", Region: "eu-west-1",
				AssumeRole: &accounts.AssumeRole{RoleARN: secondRoleARN, ExternalID: "octopus-ext-1"}},
		}},
		{"AWS with a Generic OpenID Connect account", vars{
			"Pulumi.AwsAccount": "OIDC", "OIDC.OpenIdConnect.Jwt": "eyJ.jwt.sig", "OIDC.Audience": "sts.amazonaws.com",
			"Pulumi.AwsRoleArn": "arn:aws:iam::123456789012:role/deploy", "Pulumi.AwsAudience": "sts.amazonaws.com",
		}, []accounts.Account{
			&accounts.AWSOIDC{Variable: "OIDC", RoleARN: "arn:aws:iam::123456789012:role/deploy", JWT: "eyJ.jwt.sig", Audience: "sts.amazonaws.com"},
		}},
		{"AWS from Octopus's step-level variables", vars{
			"Octopus.Action.AwsAccount.Variable": "AWS Prod", "AWS Prod.AccessKey": testAccessKey, "AWS Prod.SecretKey": testSecretKey,
			"Octopus.Action.Aws.Region": "ap-southeast-2", "Octopus.Action.Aws.AssumeRole": "True",
			"Octopus.Action.Aws.AssumedRoleArn": secondRoleARN, "Octopus.Action.Aws.AssumedRoleSession": "octopus-step",
			"Octopus.Action.Aws.AssumeRoleSessionDurationSeconds": "1800", "Octopus.Action.Aws.AssumeRoleExternalId": "",
		}, []accounts.Account{
			&accounts.AWSKeys{Variable: "AWS Prod", AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, Region: "ap-southeast-2",
				AssumeRole: &accounts.AssumeRole{RoleARN: secondRoleARN, SessionName: "octopus-step", Duration: 30 * time.Minute}},
		}},
		{"AWS keys of a target", vars{
			"Octopus.Action.AwsAccount.Variable": "", "Octopus.Action.Amazon.AccessKey": testAccessKey, "Octopus.Action.Amazon.SecretKey": testSecretKey,
		}, []accounts.Account{
			&accounts.AWSKeys{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey},
		}},
		{"AWS instance role: nothing to do", vars{
			"Octopus.Action.AwsAccount.UseInstanceRole": "True", "Octopus.Action.AwsAccount.Variable": "AWS Prod", "AWS Prod.AccessKey": testAccessKey,
		}, nil},
		{"Azure client secret", azureSecretVars, []accounts.Account{
			&accounts.AzureSecret{Variable: "Azure", ClientID: testClient, TenantID: testTenant, SubscriptionID: testSubscription, Environment: "AzureCloud", ClientSecret: testAzureSecret},
		}},
		{"Azure OpenID Connect", azureOIDCVars, []accounts.Account{
			&accounts.AzureOIDC{Variable: "Azure OIDC", ClientID: testClient, TenantID: testTenant, SubscriptionID: testSubscription, Environment: "AzureUSGovernment", JWT: "eyJ.jwt.sig"},
		}},
		{"Azure from an Azure step's variables", vars{
			"Octopus.Action.Azure.ClientId": testClient, "Octopus.Action.Azure.TenantId": testTenant, "Octopus.Action.Azure.SubscriptionId": testSubscription,
			"Octopus.OpenIdConnect.Jwt": "eyJ.jwt.sig", "Octopus.Action.Azure.Environment": "AzureChinaCloud",
		}, []accounts.Account{
			&accounts.AzureOIDC{ClientID: testClient, TenantID: testTenant, SubscriptionID: testSubscription, Environment: "AzureChinaCloud", JWT: "eyJ.jwt.sig"},
		}},
		{"Google Cloud key", googleKeyVars(), []accounts.Account{
			&accounts.GoogleKey{Variable: "GCP Key", Key: key},
		}},
		{"Google Cloud key from a gcloud step", vars{
			"Octopus.Action.GoogleCloudAccount.JsonKey": b64, "Octopus.Action.GoogleCloud.Project": "example-project",
			"Octopus.Action.GoogleCloud.ImpersonateServiceAccount": "True", "Octopus.Action.GoogleCloud.ServiceAccountEmails": testSA,
		}, []accounts.Account{
			&accounts.GoogleKey{Key: key, Project: "example-project", ServiceAccount: testSA},
		}},
		{"Google Cloud VM service account: nothing to do", vars{
			"Octopus.Action.GoogleCloud.UseVMServiceAccount": "True", "Octopus.Action.GoogleCloudAccount.Variable": "GCP Key", "GCP Key.JsonKey": b64,
		}, nil},
		{"Google Cloud OpenID Connect", googleOIDCVars, []accounts.Account{
			&accounts.GoogleOIDC{Variable: "GCP", JWT: "eyJ.jwt.sig", Audience: testWIFAudience, TokenLifetime: 30 * time.Minute,
				Project: "example-project", Region: "europe-west1", Zone: "europe-west1-b", ServiceAccount: testSA},
		}},
		{"all three clouds", awsKeyVars.with(azureSecretVars).with(googleOIDCVars), []accounts.Account{
			&accounts.AWSKeys{Variable: "AWS Prod", AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, Region: "us-east-1"},
			&accounts.AzureSecret{Variable: "Azure", ClientID: testClient, TenantID: testTenant, SubscriptionID: testSubscription, Environment: "AzureCloud", ClientSecret: testAzureSecret},
			&accounts.GoogleOIDC{Variable: "GCP", JWT: "eyJ.jwt.sig", Audience: testWIFAudience, TokenLifetime: 30 * time.Minute,
				Project: "example-project", Region: "europe-west1", Zone: "europe-west1-b", ServiceAccount: testSA},
		}},
		{"none chosen", vars{"Pulumi.AwsAccount": "", "Pulumi.AzureAccount": " ", "Octopus.Action.AwsAccount.Variable": ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.name == "all three clouds" {
				tt.vars = tt.vars.with(vars{"Pulumi.AwsRegion": "\x00"})
			}
			got, err := accounts.Read(tt.vars.lookup())
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Read returned %d accounts, want %d: %v", len(got), len(tt.want), got)
			}
			for i := range got {
				if got[i].Kind() != tt.want[i].Kind() {
					t.Fatalf("account %d is %s, want %s", i, got[i].Kind(), tt.want[i].Kind())
				}
				if !sameFields(got[i], tt.want[i]) {
					t.Errorf("account %d:\n got  %+v\n want %+v", i, fields(got[i]), fields(tt.want[i]))
				}
			}
		})
	}
}

// fields returns an account's exported fields, for comparison and
// failure messages.
func fields(a accounts.Account) map[string]any {
	v := reflect.ValueOf(a).Elem()
	out := map[string]any{}
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.IsExported() {
			out[f.Name] = v.Field(i).Interface()
		}
	}
	return out
}

func sameFields(a, b accounts.Account) bool {
	fa, fb := fields(a), fields(b)
	if ra, ok := fa["AssumeRole"].(*accounts.AssumeRole); ok && ra != nil {
		rb, _ := fb["AssumeRole"].(*accounts.AssumeRole)
		if rb == nil || ra.RoleARN != rb.RoleARN || ra.ExternalID != rb.ExternalID || ra.SessionName != rb.SessionName || ra.Duration != rb.Duration {
			return false
		}
		delete(fa, "AssumeRole")
		delete(fb, "AssumeRole")
	}
	return reflect.DeepEqual(fa, fb)
}

// TestReadBadInput checks that every bad input is a clear error naming the
// Octopus variable to fix, never a panic, and that every problem is
// reported at once.
func TestReadBadInput(t *testing.T) {
	t.Parallel()
	key, _ := googleKey()
	tests := []struct {
		name string
		vars vars
		// want maps each variable named to parts of its message.
		want map[string][]string
	}{
		{"missing secret key", awsKeyVars.with(vars{"AWS Prod.SecretKey": "\x00"}),
			map[string][]string{"AWS Prod.SecretKey": {"is empty", "secret key must be handed over", "expected an AWS account"}}},
		{"secret key without access key", awsKeyVars.with(vars{"AWS Prod.AccessKey": "\x00"}),
			map[string][]string{"AWS Prod.AccessKey": {"is empty although AWS Prod.SecretKey is set"}}},
		{"access key that is not one", awsKeyVars.with(vars{"AWS Prod.AccessKey": "not a key"}),
			map[string][]string{"AWS Prod.AccessKey": {"is not an AWS access key ID"}}},
		{"name of no variable", vars{"Pulumi.AwsAccount": "Nope"},
			map[string][]string{"Pulumi.AwsAccount": {`names "Nope"`, "Nope.AccessKey", "Nope.RoleArn", "expected an AWS account (access keys, or OpenID Connect with a role ARN)"}}},
		{"step-level name of no variable", vars{"Octopus.Action.AzureAccount.Variable": "Gone"},
			map[string][]string{"Octopus.Action.AzureAccount.Variable": {`names "Gone"`, "Gone.Client", "expected an Azure account"}}},
		{"an Azure account where AWS is expected", vars{"Pulumi.AwsAccount": "Azure", "Azure.Client": testClient, "Azure.TenantId": testTenant},
			map[string][]string{"Pulumi.AwsAccount": {`names "Azure", which is an Azure account`, "expected an AWS account"}}},
		{"an AWS account where Google is expected", vars{"Pulumi.GoogleAccount": "AWS Prod", "AWS Prod.AccessKey": testAccessKey},
			map[string][]string{"Pulumi.GoogleAccount": {`which is an AWS account`, "expected a Google Cloud account"}}},
		{"a Generic OIDC account for Azure", vars{"Pulumi.AzureAccount": "OIDC", "OIDC.OpenIdConnect.Jwt": "eyJ.a.b", "OIDC.Audience": "api://default"},
			map[string][]string{"Pulumi.AzureAccount": {"Generic OpenID Connect account", "use an Azure account with OpenID Connect"}}},
		{"a Generic OIDC account for AWS without a role", vars{"Pulumi.AwsAccount": "OIDC", "OIDC.OpenIdConnect.Jwt": "eyJ.a.b"},
			map[string][]string{"Pulumi.AwsRoleArn": {"is not set", "names no role"}}},
		{"AWS OIDC without its token", awsOIDCVars.with(vars{"AWS OIDC.OpenIdConnect.Jwt": "\x00"}),
			map[string][]string{"AWS OIDC.OpenIdConnect.Jwt": {"is empty", "token must be handed over"}}},
		{"empty region", awsKeyVars.with(vars{"Pulumi.AwsRegion": "  "}),
			map[string][]string{"Pulumi.AwsRegion": {"is set but empty", "give a region such as eu-west-1, or leave the variable out"}}},
		{"region that is not one", awsKeyVars.with(vars{"Pulumi.AwsRegion": "Ireland"}),
			map[string][]string{"Pulumi.AwsRegion": {`"Ireland" is not an AWS region`}}},
		{"role ARN that is not one", awsOIDCVars.with(vars{"AWS OIDC.RoleArn": "octopus-deploy"}),
			map[string][]string{"AWS OIDC.RoleArn": {`"octopus-deploy" is not an IAM role ARN`}}},
		{"session duration out of range", awsOIDCVars.with(vars{"AWS OIDC.SessionDuration": "60"}),
			map[string][]string{"AWS OIDC.SessionDuration": {"1m0s is outside the 15m0s to 12h0m0s"}}},
		{"session duration that is no duration", awsOIDCVars.with(vars{"AWS OIDC.SessionDuration": "an hour"}),
			map[string][]string{"AWS OIDC.SessionDuration": {"neither a number of seconds nor a duration"}}},
		{"second-role settings without a role", awsKeyVars.with(vars{"Pulumi.AwsAssumeRoleExternalId": "x1"}),
			map[string][]string{"Pulumi.AwsAssumeRoleExternalId": {"is set but Pulumi.AwsAssumeRoleArn is not"}}},
		{"Octopus assume role without an ARN", awsKeyVars.with(vars{"Octopus.Action.Aws.AssumeRole": "True"}),
			map[string][]string{"Octopus.Action.Aws.AssumedRoleArn": {"is empty although Octopus.Action.Aws.AssumeRole is True"}}},
		{"bad session name", awsOIDCVars.with(vars{"Pulumi.AwsAssumeRoleSessionName": "my session"}),
			map[string][]string{"Pulumi.AwsAssumeRoleSessionName": {"is not a session name STS accepts"}}},
		{"Azure secret and token both", azureSecretVars.with(vars{"Azure.OpenIdConnect.Jwt": "eyJ.a.b"}),
			map[string][]string{"Azure.Password": {"is set, and so is Azure.OpenIdConnect.Jwt", "silently prefer the client secret"}}},
		{"Azure without secret or token", azureSecretVars.with(vars{"Azure.Password": "\x00"}),
			map[string][]string{"Azure.Password": {"is empty, and so is Azure.OpenIdConnect.Jwt"}}},
		{"Azure IDs that are not GUIDs", azureSecretVars.with(vars{"Azure.Client": "my-app", "Azure.TenantId": "\x00"}),
			map[string][]string{"Azure.Client": {`"my-app" is not a GUID`}, "Azure.TenantId": {"tenant ID is missing"}}},
		{"the German cloud", azureSecretVars.with(vars{"Azure.AzureEnvironment": "AzureGermanCloud"}),
			map[string][]string{"Azure.AzureEnvironment": {"closed the German cloud"}}},
		{"key that is not base64", googleKeyVars().with(vars{"GCP Key.JsonKey": "this is *not* base64"}),
			map[string][]string{"GCP Key.JsonKey": {"is not base64", "JSON key file"}}},
		{"base64 that is not a key", googleKeyVars().with(vars{"GCP Key.JsonKey": "aGVsbG8gd29ybGQ="}),
			map[string][]string{"GCP Key.JsonKey": {"is base64, but what it encodes is not a JSON key file"}}},
		{"broken JSON", googleKeyVars().with(vars{"GCP Key.JsonKey": string(key[:40])}),
			map[string][]string{"GCP Key.JsonKey": {"starts like JSON but is not valid JSON"}}},
		{"Google OIDC without audience", googleOIDCVars.with(vars{"GCP.Audience": "\x00"}),
			map[string][]string{"GCP.Audience": {"is empty", "workload identity provider as its audience"}}},
		{"zone outside the region", googleOIDCVars.with(vars{"Pulumi.GoogleZone": "us-central1-a"}),
			map[string][]string{"Pulumi.GoogleZone": {`zone "us-central1-a" is not in region "europe-west1"`}}},
		{"project that is not one", googleOIDCVars.with(vars{"Pulumi.GoogleProject": "My Project"}),
			map[string][]string{"Pulumi.GoogleProject": {"is not a Google Cloud project ID"}}},
		{"delegation chain", googleKeyVars().with(vars{"Octopus.Action.GoogleCloud.ImpersonateServiceAccount": "True", "Octopus.Action.GoogleCloud.ServiceAccountEmails": testSA + "," + testSA}),
			map[string][]string{"Octopus.Action.GoogleCloud.ServiceAccountEmails": {"delegation chain of 2 service accounts", "give only the last"}}},
		{"impersonating no service account", googleKeyVars().with(vars{"Pulumi.GoogleServiceAccount": "someone@example.com"}),
			map[string][]string{"Pulumi.GoogleServiceAccount": {"is not a service account's e-mail address"}}},
		{"token lifetime out of range", googleOIDCVars.with(vars{"GCP.OpenIdConnect.TokenLifetimeSeconds": "60"}),
			map[string][]string{"GCP.OpenIdConnect.TokenLifetimeSeconds": {"outside the 10m0s to 12h0m0s"}}},
		{"every problem at once", awsKeyVars.with(vars{"AWS Prod.SecretKey": "\x00", "Pulumi.AwsRegion": ""}).with(azureSecretVars.with(vars{"Azure.Client": "x"})).with(googleKeyVars().with(vars{"GCP Key.JsonKey": "%%%"})),
			map[string][]string{"AWS Prod.SecretKey": {"is empty"}, "Pulumi.AwsRegion": {"is set but empty"}, "Azure.Client": {"is not a GUID"}, "GCP Key.JsonKey": {"is not base64"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := accounts.Read(tt.vars.lookup())
			if err == nil {
				t.Fatalf("Read succeeded with %v", got)
			}
			if got != nil {
				t.Errorf("Read returned accounts with an error: %v", got)
			}
			if !errors.Is(err, accounts.ErrInvalidAccount) {
				t.Errorf("errors.Is(err, ErrInvalidAccount) is false for %v", err)
			}
			byVar := variableErrors(t, err)
			for variable, parts := range tt.want {
				ve, ok := byVar[variable]
				if !ok {
					t.Errorf("no problem names %s; got:\n%v", variable, err)
					continue
				}
				mustContain(t, "the message", ve.Error(), append([]string{variable + ": "}, parts...)...)
			}
			if len(byVar) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(byVar), len(tt.want), err)
			}
		})
	}
}

// TestReadAccount reads one named account, as `accounts check` would.
func TestReadAccount(t *testing.T) {
	t.Parallel()
	a, err := accounts.ReadAccount(azureOIDCVars.lookup(), accounts.Azure, "Azure OIDC")
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind() != accounts.KindAzureOIDC || a.Source() != `the Azure account variable "Azure OIDC"` {
		t.Errorf("got %s from %s", a.Kind(), a.Source())
	}
	_, err = accounts.ReadAccount(azureOIDCVars.lookup(), accounts.AWS, "Azure OIDC")
	mustContain(t, "the error", err.Error(), `Azure OIDC: "Azure OIDC" is an Azure account; expected an AWS account`)
	_, err = accounts.ReadAccount(vars{}.lookup(), accounts.Google, "Missing")
	mustContain(t, "the error", err.Error(), "Missing: no property of an account variable of that name is set (Missing.JsonKey")
}

// TestReadPanicsNever feeds Read odd lookups: nil, and values of every
// shape at every variable it reads.
func TestReadPanicsNever(t *testing.T) {
	t.Parallel()
	if got, err := accounts.Read(nil); got != nil || err != nil {
		t.Errorf("Read(nil) = %v, %v", got, err)
	}
	odd := []string{"", " ", "\x00", "True", "-1", "99999999999999999999", "{", "eyJ", "a.b.c", "arn:aws:iam::1:role/x", "#{Unsubstituted}"}
	for _, v := range odd {
		lookup := func(name string) (string, bool) {
			switch name {
			case "Pulumi.AwsAccount", "Pulumi.AzureAccount", "Pulumi.GoogleAccount":
				return "X", true
			}
			return v, true
		}
		_, _ = accounts.Read(lookup)
	}
}
