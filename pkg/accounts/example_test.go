package accounts_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/accounts/accountstest"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// Read finds the accounts a step chose, one per cloud.
func ExampleRead() {
	lookup := accounts.MapLookup(map[string]string{
		"Pulumi.AwsAccount":        "AWS Prod",
		"AWS Prod.AccessKey":       "AKIAIOSFODNN7EXAMPLE",
		"AWS Prod.SecretKey":       "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"Pulumi.AwsRegion":         "eu-west-1",
		"Pulumi.AzureAccount":      "Azure",
		"Azure.Client":             "5f1a8e2c-3b4d-4c6e-8f90-1a2b3c4d5e6f",
		"Azure.TenantId":           "2a681dca-3230-4e01-abcb-b1fd225c0982",
		"Azure.SubscriptionNumber": "cd21dc34-73dc-4c7d-bd86-041284e0bc45",
		"Azure.OpenIdConnect.Jwt":  "eyJ…",
	})
	accts, err := accounts.Read(lookup)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range accts {
		fmt.Println(a.Kind(), "from", a.Source())
	}
	// Output:
	// aws-access-keys from the AWS account variable "AWS Prod"
	// azure-oidc from the Azure account variable "Azure"
}

// Read reports every problem at once, naming the variables to fix.
func ExampleRead_problems() {
	_, err := accounts.Read(accounts.MapLookup(map[string]string{
		"Pulumi.AwsAccount":   "Azure",
		"Azure.Client":        "5f1a8e2c-3b4d-4c6e-8f90-1a2b3c4d5e6f",
		"Pulumi.AzureAccount": "Azure",
		"Azure.TenantId":      "not-a-guid",
	}))
	fmt.Println(err)
	// Output:
	// Pulumi.AwsAccount: names "Azure", which is an Azure account; expected an AWS account (access keys, or OpenID Connect with a role ARN)
	// Azure.TenantId: "not-a-guid" is not a GUID; the account's tenant ID is one, such as 2a681dca-3230-4e01-abcb-b1fd225c0982
	// Azure.SubscriptionNumber: is empty: the account's subscription ID is missing; expected an Azure account (a service principal with a client secret or with OpenID Connect)
	// Azure.Password: is empty, and so is Azure.OpenIdConnect.Jwt: hand over the account's client secret (a service principal) or its OpenID Connect token, as a sensitive value; expected an Azure account (a service principal with a client secret or with OpenID Connect)
}

// Resolve turns an account into the variables its provider reads.
func ExampleResolver_Resolve() {
	accts, _ := accounts.Read(accounts.MapLookup(map[string]string{
		"Pulumi.AzureAccount":      "Azure",
		"Azure.Client":             "5f1a8e2c-3b4d-4c6e-8f90-1a2b3c4d5e6f",
		"Azure.TenantId":           "2a681dca-3230-4e01-abcb-b1fd225c0982",
		"Azure.SubscriptionNumber": "cd21dc34-73dc-4c7d-bd86-041284e0bc45",
		"Azure.Password":           "client-secret",
	}))
	r, _ := accounts.New()
	creds, err := r.Resolve(context.Background(), os.TempDir(), accts...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(creds.Describe())
	fmt.Println(creds)
	fmt.Println("supersedes", creds.Supersedes)
	// Output:
	// Azure: the Azure account variable "Azure", client secret as client 5f1a8e2c-3b4d-4c6e-8f90-1a2b3c4d5e6f in tenant 2a681dca-3230-4e01-abcb-b1fd225c0982, subscription cd21dc34-73dc-4c7d-bd86-041284e0bc45, cloud public
	// cloud credentials: ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_ENVIRONMENT, ARM_SUBSCRIPTION_ID, ARM_TENANT_ID (values hidden)
	// supersedes [ARM_* AZURE_*]
}

// An AWS OpenID Connect account exchanges the Octopus token with STS; here
// a fake STS that trusts a fake Octopus issuer.
func ExampleResolver_Resolve_awsOIDC() {
	iss, err := authtest.NewIssuer(authtest.IssuerTLS())
	if err != nil {
		panic(err)
	}
	defer iss.Close()
	sts := accountstest.NewSTS()
	defer sts.Close()
	sts.AddIdentityProvider(accountstest.IdentityProvider{URL: iss.URL, Client: iss.Client()})
	sts.AddRole(accountstest.Role{ARN: accountstest.DefaultRoleARN, Federated: iss.URL, Subject: "space:default:*"})

	jwt, _ := iss.Mint(map[string]any{"aud": accounts.AWSAudience})
	accts, _ := accounts.Read(accounts.MapLookup(map[string]string{
		"Pulumi.AwsAccount":     "AWS",
		"AWS.RoleArn":           accountstest.DefaultRoleARN,
		"AWS.SessionDuration":   "3600",
		"AWS.OpenIdConnect.Jwt": jwt,
	}))
	r, _ := accounts.New(accounts.WithSTSEndpoint(sts.URL), accounts.WithSessionName(accounts.SessionName("octopus", "Deployments-42")))
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	creds, err := r.Resolve(context.Background(), dir, accts...)
	if err != nil {
		fmt.Println(err)
		return
	}
	desc, _, _ := strings.Cut(creds.Describe(), ", valid until")
	fmt.Println(desc)
	fmt.Println(creds.Names())
	// Output:
	// AWS: the AWS account variable "AWS", OpenID Connect as role arn:aws:iam::123456789012:role/octopus-deploy (session "octopus-Deployments-42"
	// [AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN]
}

// SessionName makes a role session name that CloudTrail shows.
func ExampleSessionName() {
	fmt.Println(accounts.SessionName("octopus", "Deployments-1234", "Deploy web app"))
	// Output: octopus-Deployments-1234-Deploy-web-app
}

// VariableNames tells a step script which variables to hand over.
func ExampleVariableNames() {
	plain, sensitive := accounts.VariableNames(accounts.AWS, "Pulumi.AwsAccount")
	fmt.Println(plain)
	fmt.Println(sensitive)
	// Output:
	// [Pulumi.AwsAccount.AccessKey Pulumi.AwsAccount.RoleArn Pulumi.AwsAccount.SessionDuration Pulumi.AwsAccount.Audience]
	// [Pulumi.AwsAccount.SecretKey Pulumi.AwsAccount.OpenIdConnect.Jwt]
}
