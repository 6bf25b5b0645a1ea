package accounts

import (
	"fmt"
	"strings"
)

// Read reads the cloud accounts a step chose from its Octopus variables, at
// most one per cloud, in the order AWS, Azure, Google Cloud; none when the
// step chose none. For each cloud the account comes from the first of:
//
//   - the account variable that Pulumi.<Cloud>Account names (or is: a step
//     template's account parameter of that name), with the cloud's other
//     Pulumi.* settings;
//   - the account variable that Octopus's step-level variable names
//     (Octopus.Action.AwsAccount.Variable, …), with Octopus's step-level
//     region, role and project settings;
//   - Octopus's step-level credentials themselves (Octopus.Action.Amazon.*,
//     Octopus.Action.Azure.*, Octopus.Action.GoogleCloudAccount.JsonKey).
//
// Every problem is reported at once, joined with errors.Join; each is a
// [*VariableError] that names the Octopus variable to fix and, for an
// account of the wrong type, the kind of account expected. No secret
// appears in an error.
func Read(lookup Lookup) ([]Account, error) {
	var p problems
	var out []Account
	for _, c := range []Cloud{AWS, Azure, Google} {
		if a := readCloud(lookup, c, &p); a != nil {
			out = append(out, a)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadAccount reads the account variable named variable as an account of
// cloud c, with the cloud's Pulumi.* settings (region, role, project…);
// for `accounts check` of one account.
func ReadAccount(lookup Lookup, c Cloud, variable string) (Account, error) {
	var p problems
	if !hasProperties(lookup, variable) {
		p.variable(c, variable, c.expected(), "no property of an account variable of that name is set (%s)", propertyList(variable, c))
		return nil, p.err()
	}
	a := readNamed(lookup, c, choice{name: variable, by: variable, ours: true}, &p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return a, nil
}

// choice is how a step chose an account variable.
type choice struct {
	name string // the account variable; "" for step-level credentials
	by   string // the variable that chose it, for messages
	ours bool   // chosen through Pulumi.* (its settings apply), not Octopus's
}

var cloudChoices = map[Cloud]struct{ ours, octopus, instance string }{
	AWS:    {VarAWSAccount, OctopusAWSAccountVariable, OctopusAWSUseInstanceRole},
	Azure:  {VarAzureAccount, OctopusAzureAccountVariable, ""},
	Google: {VarGoogleAccount, OctopusGoogleAccountVariable, OctopusGoogleUseVMServiceAccount},
}

func readCloud(l Lookup, c Cloud, p *problems) Account {
	ch, ok := choose(l, c, p)
	if !ok {
		return nil
	}
	if ch.name == "" {
		return readStepLevel(l, c, p)
	}
	return readNamed(l, c, ch, p)
}

// choose finds the account variable a step chose for cloud c; ok is false
// when it chose none (or chose one that cannot be read, reported in p).
func choose(l Lookup, c Cloud, p *problems) (choice, bool) {
	names := cloudChoices[c]
	if v := l.nonEmpty(names.ours); v != "" {
		switch {
		case hasProperties(l, v):
			return choice{name: v, by: names.ours, ours: true}, true
		case hasProperties(l, names.ours):
			// A step template's account parameter: its value is the
			// account's id and its properties hang off its own name.
			return choice{name: names.ours, by: names.ours, ours: true}, true
		}
		p.variable(c, names.ours, c.expected(), "names %q, but no property of an account variable of that name is set (%s): give the name of the account variable, and hand its properties over to the step", v, propertyList(v, c))
		return choice{}, false
	}
	if names.instance != "" && strings.EqualFold(l.nonEmpty(names.instance), "true") {
		return choice{}, false // the worker's own identity: nothing to do
	}
	if v := l.nonEmpty(names.octopus); v != "" {
		if !hasProperties(l, v) {
			p.variable(c, names.octopus, c.expected(), "names %q, but no property of an account variable of that name is set (%s)", v, propertyList(v, c))
			return choice{}, false
		}
		return choice{name: v, by: names.octopus}, true
	}
	switch c {
	case AWS:
		return choice{by: OctopusAWSAccessKey}, l.nonEmpty(OctopusAWSAccessKey) != ""
	case Azure:
		return choice{by: OctopusAzureClientID}, l.nonEmpty(OctopusAzureClientID) != ""
	case Google:
		return choice{by: OctopusGoogleJSONKey}, l.nonEmpty(OctopusGoogleJSONKey) != ""
	}
	return choice{}, false
}

// allProperties are the properties of every cloud's account variables.
var allProperties = func() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range []Cloud{AWS, Azure, Google} {
		for _, pr := range Properties(c) {
			if !seen[pr.Suffix] {
				seen[pr.Suffix] = true
				out = append(out, pr.Suffix)
			}
		}
	}
	return out
}()

func hasProperties(l Lookup, name string) bool {
	for _, s := range allProperties {
		if l.nonEmpty(name+s) != "" {
			return true
		}
	}
	return false
}

func propertyList(name string, c Cloud) string {
	var names []string
	for _, pr := range Properties(c) {
		if pr.Suffix == PropTokenLifetime || pr.Suffix == PropAzureEnvironment {
			continue
		}
		names = append(names, name+pr.Suffix)
	}
	return strings.Join(names, ", ")
}

// accountType says what kind of account variable name is, from the
// properties that are set: "aws", "azure", "google", "oidc" (a Generic
// OpenID Connect account) or "".
func accountType(l Lookup, name string) string {
	has := func(s string) bool { return l.nonEmpty(name+s) != "" }
	switch {
	case has(PropAccessKey) || has(PropSecretKey) || has(PropRoleARN) || has(PropSessionDuration):
		return "aws"
	case has(PropClient) || has(PropTenantID) || has(PropSubscriptionNumber) || has(PropPassword):
		return "azure"
	case has(PropJSONKey) || has(PropTokenLifetime):
		return "google"
	case has(PropJWT) || has(PropAudience):
		return "oidc"
	}
	return ""
}

var typeNames = map[string]string{
	"aws":    "an AWS account",
	"azure":  "an Azure account",
	"google": "a Google Cloud account",
	"oidc":   "a Generic OpenID Connect account",
}

func readNamed(l Lookup, c Cloud, ch choice, p *problems) Account {
	typ := accountType(l, ch.name)
	wrong := func() Account {
		what := fmt.Sprintf("%q is %s", ch.name, typeNames[typ])
		if ch.by != ch.name {
			what = fmt.Sprintf("names %q, which is %s", ch.name, typeNames[typ])
		}
		p.variable(c, ch.by, c.expected(), "%s", what)
		return nil
	}
	switch c {
	case AWS:
		if typ != "aws" && typ != "oidc" {
			return wrong()
		}
		return readAWS(l, ch, typ == "oidc", p)
	case Azure:
		if typ != "azure" {
			if typ == "oidc" {
				p.variable(c, ch.by, c.expected(), "%q is a Generic OpenID Connect account, which has no client, tenant or subscription: use an Azure account with OpenID Connect instead", ch.name)
				return nil
			}
			return wrong()
		}
		return readAzure(l, ch, p)
	case Google:
		if typ != "google" && typ != "oidc" {
			return wrong()
		}
		return readGoogle(l, ch, p)
	}
	return nil
}

func readStepLevel(l Lookup, c Cloud, p *problems) Account {
	switch c {
	case AWS:
		return readAWSStepKeys(l, p)
	case Azure:
		return readAzure(l, choice{}, p)
	case Google:
		return readGoogle(l, choice{}, p)
	}
	return nil
}
