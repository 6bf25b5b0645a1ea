package accounts

import "fmt"

// resolveAzure sets the variables pulumi-azure-native (and the
// Terraform-based azure and azuread providers) read. auth holds the
// method's variables: ARM_CLIENT_SECRET, or ARM_USE_OIDC and
// ARM_OIDC_TOKEN; never both, since the providers prefer a secret silently.
func resolveAzure(c *Credentials, source, method, client, tenant, subscription, env string, auth ...string) {
	cloud := azureCloud(env)
	c.set("ARM_CLIENT_ID", client, "ARM_TENANT_ID", tenant, "ARM_SUBSCRIPTION_ID", subscription, "ARM_ENVIRONMENT", cloud)
	c.set(auth...)
	c.Descriptions = append(c.Descriptions, fmt.Sprintf("Azure: %s, %s as client %s in tenant %s, subscription %s, cloud %s", source, method, client, tenant, subscription, cloud))
}
