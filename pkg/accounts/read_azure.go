package accounts

import "strings"

// Azure clouds: Octopus's names (the account's AzureEnvironment) and the
// names pulumi-azure-native and the Terraform-based providers read from
// ARM_ENVIRONMENT.
var azureClouds = map[string]string{
	"":                  "public",
	"azurecloud":        "public",
	"azureglobalcloud":  "public",
	"azurechinacloud":   "china",
	"azureusgovernment": "usgovernment",
}

// Audiences Entra ID's federated credentials expect by default, per cloud.
var azureAudiences = map[string]string{
	"public":       "api://AzureADTokenExchange",
	"usgovernment": "api://AzureADTokenExchangeUSGov",
	"china":        "api://AzureADTokenExchangeChina",
}

// readAzure reads an Azure account variable, or (ch.name empty) the Azure
// step's own Octopus.Action.Azure.* variables.
func readAzure(l Lookup, ch choice, p *problems) Account {
	get := func(suffix, stepLevel string) (string, string) {
		if ch.name == "" {
			return l.nonEmpty(stepLevel), stepLevel
		}
		return property(l, ch.name, suffix)
	}
	client, clientFrom := get(PropClient, OctopusAzureClientID)
	tenant, tenantFrom := get(PropTenantID, OctopusAzureTenantID)
	sub, subFrom := get(PropSubscriptionNumber, OctopusAzureSubscriptionID)
	env, envFrom := get(PropAzureEnvironment, OctopusAzureEnvironment)
	secret, secretFrom := get(PropPassword, OctopusAzurePassword)
	jwt, jwtFrom := get(PropJWT, OctopusJWT)
	checkGUID(Azure, clientFrom, "client (application) ID", client, p)
	checkGUID(Azure, tenantFrom, "tenant ID", tenant, p)
	checkGUID(Azure, subFrom, "subscription ID", sub, p)
	if _, ok := azureClouds[strings.ToLower(env)]; !ok {
		hint := "AzureCloud, AzureChinaCloud or AzureUSGovernment"
		if strings.EqualFold(env, "AzureGermanCloud") {
			hint = "Microsoft closed the German cloud in 2021; use " + hint
		}
		p.variable(Azure, envFrom, "", "%q is not an Azure cloud the providers know: %s", env, hint)
	}
	o := origin{}
	for field, from := range map[string]string{"ClientID": clientFrom, "TenantID": tenantFrom, "SubscriptionID": subFrom, "Environment": envFrom} {
		o.set(field, from)
	}
	name := ch.name
	switch {
	case secret != "" && jwt != "":
		p.variable(Azure, secretFrom, "", "is set, and so is %s; the Azure providers would silently prefer the client secret: hand over only the one the account uses", jwtFrom)
		return nil
	case secret != "":
		a := &AzureSecret{Variable: name, ClientID: client, TenantID: tenant, SubscriptionID: sub, Environment: env, ClientSecret: secret, origin: o}
		a.set("ClientSecret", secretFrom)
		return a
	case jwt != "":
		a := &AzureOIDC{Variable: name, ClientID: client, TenantID: tenant, SubscriptionID: sub, Environment: env, JWT: jwt, origin: o}
		a.set("JWT", jwtFrom)
		var from string
		a.Audience, from = setting(l, Azure, VarAzureAudience, "", "give the audience the federated credential expects", p)
		if from != "" {
			a.set("Audience", from)
		}
		return a
	}
	p.variable(Azure, secretFrom, Azure.expected(), "is empty, and so is %s: hand over the account's client secret (a service principal) or its OpenID Connect token, as a sensitive value", jwtFrom)
	return nil
}

// azureCloud returns the provider's name of an account's cloud.
func azureCloud(env string) string { return azureClouds[strings.ToLower(env)] }
