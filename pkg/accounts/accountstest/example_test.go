package accountstest_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/octopulumi/octopulumi/pkg/accounts/accountstest"
	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// The fake answers the AWS SDK as STS does: here a web identity exchange
// of a token minted by the fake Octopus issuer, and a refusal by the trust
// policy.
func ExampleSTS() {
	iss, err := authtest.NewIssuer(authtest.IssuerTLS())
	if err != nil {
		panic(err)
	}
	defer iss.Close()
	fake := accountstest.NewSTS()
	defer fake.Close()
	fake.AddIdentityProvider(accountstest.IdentityProvider{URL: iss.URL, Client: iss.Client()})
	fake.AddRole(accountstest.Role{ARN: accountstest.DefaultRoleARN, Federated: iss.URL, Audience: "sts.amazonaws.com", Subject: accountstest.DefaultSubject})
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(fake.URL)})
	for _, sub := range []string{"space:default:project:web-app:environment:production", "space:other:project:api:environment:test"} {
		jwt, _ := iss.Mint(map[string]any{"aud": "sts.amazonaws.com", "sub": sub})
		out, err := client.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
			RoleArn:          aws.String(accountstest.DefaultRoleARN),
			RoleSessionName:  aws.String("octopus-Deployments-1"),
			WebIdentityToken: aws.String(jwt),
		})
		if err != nil {
			_, msg, _ := strings.Cut(err.Error(), "api error ")
			fmt.Println("refused:", msg)
			continue
		}
		fmt.Println("assumed:", *out.AssumedRoleUser.Arn)
	}
	fmt.Println("calls:", fake.Calls(accountstest.ActionAssumeRoleWithWebIdentity))
	// Output:
	// assumed: arn:aws:sts::123456789012:assumed-role/octopus-deploy/octopus-Deployments-1
	// refused: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity
	// calls: 2
}
