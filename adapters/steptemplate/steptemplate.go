// Package steptemplate generates octopulumi's Octopus step template: a "Run
// a Script" template (community library format) that an Octopus
// administrator imports once (Library > Step Templates > Import), so that a
// project adds a Pulumi step by filling in a form instead of pasting a
// script.
//
// The template's Bash script hands the Octopus variables to octopulumi
// through the environment with the lines [octoenv.Script] generates, so
// secrets never reach the script body or a file. octopulumi must be on the
// worker's PATH (or in the execution container's image).
//
// Its AWS, Azure and Google Cloud account parameters reach the script, as
// any account variable reaches a Run a Script step, only as properties
// (Pulumi.AwsAccount.AccessKey, Pulumi.AzureAccount.OpenIdConnect.Jwt, …):
// the script hands over those that package accounts reads, the sensitive
// ones as secrets, and octopulumi turns them into the providers' variables.
package steptemplate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/accounts"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

// The template's own parameters, besides the variables octoenv and step read.
const (
	ParamCommand             = "Pulumi.Command"
	ParamProgram             = "Pulumi.Program"
	ParamBackend             = "Pulumi.Backend"
	ParamApprovedFingerprint = "Pulumi.ApprovedFingerprint"
	// ParamConfigVariables and ParamSecretConfigVariables list, one per
	// line, the Octopus variables to hand over besides the known ones —
	// typically Pulumi.Config.* — plain and sensitive: a Bash step cannot
	// list variables by itself.
	ParamConfigVariables       = "Pulumi.ConfigVariables"
	ParamSecretConfigVariables = "Pulumi.SecretConfigVariables"
	// ParamAccount is a Generic OpenID Connect account; its token is
	// <ParamAccount>.OpenIdConnect.Jwt.
	ParamAccount = "Pulumi.Account"
)

// cloudAccount is one cloud's account parameter: its name, which is also
// the variable package accounts reads (accounts.VarAWSAccount, …), and the
// Octopus control type that offers that cloud's accounts.
type cloudAccount struct {
	cloud          accounts.Cloud
	param, control string
	label, help    string
}

// cloudAccounts are the template's cloud account parameters. The control
// types are those of the OctopusDeploy/Library step templates (for
// example aws-configure-lambda-alias.json, azure-add-or-update-azure-
// loadbalancer-health-probe.json, gcp-secret-manager-retrieve-
// secrets.json); each offers the cloud's key and OpenID Connect accounts.
var cloudAccounts = []cloudAccount{
	{accounts.AWS, accounts.VarAWSAccount, "AmazonWebServicesAccount", "AWS account (optional)",
		"Access keys, or OpenID Connect with a role ARN (its token's audience sts.amazonaws.com): exchanged with STS before Pulumi runs. " +
			"The AWS provider gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), never the worker's own AWS_* variables."},
	{accounts.Azure, accounts.VarAzureAccount, "AzureAccount", "Azure account (optional)",
		"A service principal with a client secret, or with OpenID Connect (audience api://AzureADTokenExchange). " +
			"The Azure providers get ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID, ARM_ENVIRONMENT and ARM_CLIENT_SECRET or ARM_USE_OIDC and ARM_OIDC_TOKEN."},
	{accounts.Google, accounts.VarGoogleAccount, "GoogleCloudAccount", "Google Cloud account (optional)",
		"A JSON key, or OpenID Connect whose audience is the workload identity provider. " +
			"The Google Cloud provider gets GOOGLE_CREDENTIALS, a file in the run's private folder that is removed when the step ends."},
}

// cloudSettings label the cloud settings shown in the form, in order.
// accounts.VarAWSRoleARN is left out: it names the role for a Generic
// OpenID Connect account, which the AWS account control does not offer;
// the script still hands it over when a project variable sets it.
var cloudSettings = []struct{ name, label, help string }{
	{accounts.VarAWSRegion, "AWS region (optional)", "AWS_REGION and AWS_DEFAULT_REGION, e.g. eu-west-1; empty: the stack's aws:region."},
	{accounts.VarAWSAudience, "AWS OIDC audience (optional)", "The audience the IAM identity provider accepts, when it is neither sts.amazonaws.com nor the Octopus Server's host name."},
	{accounts.VarAWSAssumeRoleARN, "AWS role to assume (optional)", "A second role, assumed with the account's credentials, e.g. in another AWS account."},
	{accounts.VarAWSAssumeRoleExternalID, "AWS external id (optional)", "The external id the second role's trust policy requires."},
	{accounts.VarAWSAssumeRoleSessionName, "AWS session name (optional)", "The second role's session name; default: one that names the Octopus deployment."},
	{accounts.VarAWSAssumeRoleDuration, "AWS session duration (optional)", "The second role's session, in seconds or as 1h; default one hour, at most one hour after an OpenID Connect exchange."},
	{accounts.VarAzureAudience, "Azure OIDC audience (optional)", "The audience the federated credential expects, when it is not api://AzureADTokenExchange."},
	{accounts.VarGoogleProject, "Google Cloud project (optional)", "GOOGLE_PROJECT; default: the key's own project."},
	{accounts.VarGoogleRegion, "Google Cloud region (optional)", "GOOGLE_REGION, e.g. europe-west1."},
	{accounts.VarGoogleZone, "Google Cloud zone (optional)", "GOOGLE_ZONE, e.g. europe-west1-b."},
	{accounts.VarGoogleServiceAccount, "Google Cloud service account to impersonate (optional)", "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT: name@project.iam.gserviceaccount.com."},
}

// cloudParameters are the account parameters, then the settings.
func cloudParameters() []Parameter {
	var out []Parameter
	for _, c := range cloudAccounts {
		out = append(out, param(c.param, c.label, c.help, "", c.control))
	}
	for _, s := range cloudSettings {
		out = append(out, param(s.name, s.label, s.help, "", "SingleLineText"))
	}
	return out
}

// cloudVariables are the variables the script hands over for the cloud
// accounts: every cloud's settings (the account parameters among them)
// and the properties package accounts reads of each account parameter.
func cloudVariables() (plain, sensitive []string) {
	for _, c := range cloudAccounts {
		p, s := accounts.VariableNames(c.cloud, c.param)
		plain = append(append(plain, accounts.Settings(c.cloud)...), p...)
		sensitive = append(sensitive, s...)
	}
	return plain, sensitive
}

// ID is the template's stable identity, so that a re-import updates it.
const ID = "ActionTemplates-octopulumi-pulumi-run"

// Template is an Octopus step template, as exported and imported as JSON.
type Template struct {
	ID          string            `json:"Id"`
	Name        string            `json:"Name"`
	Description string            `json:"Description"`
	ActionType  string            `json:"ActionType"`
	Version     int               `json:"Version"`
	Author      string            `json:"Author"`
	Packages    []any             `json:"Packages"`
	Properties  map[string]string `json:"Properties"`
	Parameters  []Parameter       `json:"Parameters"`
	Category    string            `json:"Category"`
	Meta        Meta              `json:"$Meta"`
}

// Parameter is one field of the template's form.
type Parameter struct {
	ID              string            `json:"Id"`
	Name            string            `json:"Name"`
	Label           string            `json:"Label"`
	HelpText        string            `json:"HelpText"`
	DefaultValue    string            `json:"DefaultValue"`
	DisplaySettings map[string]string `json:"DisplaySettings"`
}

// Meta marks the JSON as a step template.
type Meta struct {
	Type string `json:"Type"`
}

// ScriptBody is the property that holds the script.
const ScriptBody = "Octopus.Action.Script.ScriptBody"

func param(name, label, help, def, control string, extra ...string) Parameter {
	ds := map[string]string{"Octopus.ControlType": control}
	for i := 0; i+1 < len(extra); i += 2 {
		ds[extra[i]] = extra[i+1]
	}
	return Parameter{ID: "octopulumi-" + strings.ToLower(strings.ReplaceAll(name, ".", "-")),
		Name: name, Label: label, HelpText: help, DefaultValue: def, DisplaySettings: ds}
}

// New returns the step template.
func New() (*Template, error) {
	body, err := Script()
	if err != nil {
		return nil, err
	}
	return &Template{
		ID:   ID,
		Name: "Pulumi - Run with octopulumi",
		Description: "Runs Pulumi for this environment with octopulumi: logs in (stored token or Octopus OIDC), " +
			"selects or creates the stack, then deploys, previews for approval, applies an approved preview, " +
			"refreshes or destroys, with AWS, Azure or Google Cloud credentials from Octopus accounts (checked before Pulumi runs). " +
			"Stack outputs become output variables: " +
			"#{Octopus.Action[<this step>].Output.<output name>}. Needs octopulumi and pulumi on the worker's PATH.",
		ActionType: "Octopus.Script",
		Version:    1,
		Author:     "octopulumi",
		Packages:   []any{},
		Properties: map[string]string{
			"Octopus.Action.Script.ScriptSource": "Inline",
			"Octopus.Action.Script.Syntax":       "Bash",
			ScriptBody:                           body,
		},
		Parameters: slices.Concat([]Parameter{
			param(ParamCommand, "Command", "deploy: create or update the stack. preview: publish the planned changes for a Manual Intervention. "+
				"up: apply exactly the changes approved after a preview (needs the approved fingerprint). refresh, destroy.", "deploy", "Select",
				"Octopus.SelectOptions", "deploy|Deploy\npreview|Preview for approval\nup|Apply the approved preview\nrefresh|Refresh\ndestroy|Destroy"),
			param(ParamProgram, "Pulumi program folder", "The folder holding Pulumi.yaml, e.g. #{Octopus.Action.Package[infra].ExtractedPath}.", "", "SingleLineText"),
			param(ParamBackend, "Backend", "Pulumi Cloud's API URL, or a self-managed backend: file://, s3://, azblob://, gs://.", step.DefaultBackend, "SingleLineText"),
			param(octoenv.VarOrganization, "Pulumi organization", "Also the OIDC audience: urn:pulumi:org:<organization>. Leave empty for a self-managed backend.", "", "SingleLineText"),
			param(octoenv.VarStack, "Stack (optional)", "Overrides the default stack, {org}/{project}/{environment} ({environment}-{tenant} when tenanted).", "", "SingleLineText"),
			param(octoenv.VarAccessToken, "Pulumi access token", "A stored token; leave empty to log in with the OIDC account.", "", "Sensitive"),
			param(ParamAccount, "Pulumi OIDC account", "A Generic OpenID Connect account whose audience is urn:pulumi:org:<organization>; its token is exchanged for a short-lived Pulumi token.", "", "GenericOidcAccount"),
			param(octoenv.VarConfigPassphrase, "State passphrase", "For stacks with the passphrase secrets provider (self-managed backends).", "", "Sensitive"),
		}, cloudParameters(), []Parameter{
			param(step.VarPluginBundle, "Plugin bundle (optional)", "Restore provider plugins from here before Pulumi runs, e.g. #{Octopus.Action.Package[plugins].ExtractedPath}.", "", "SingleLineText"),
			param(step.VarPluginCache, "Worker plugin cache (optional)", "A folder on a self-hosted worker that keeps one shared copy of the plugins, filled from the bundle, e.g. /var/cache/octopulumi/plugins.", "", "SingleLineText"),
			param(step.VarDependencyBundle, "Dependencies bundle (optional)", "A JavaScript/TypeScript program's node_modules, bundled by upstream CI with octopulumi cache deps bundle, e.g. #{Octopus.Action.Package[deps].ExtractedPath}: no npm install on the worker.", "", "SingleLineText"),
			param(step.VarDependencyCache, "Worker dependencies cache (optional)", "A folder on a self-hosted worker that keeps node_modules by lockfile, so a program's dependencies are installed once per worker, e.g. /var/cache/octopulumi/deps.", "", "SingleLineText"),
			param(step.VarTranspileOnly, "TypeScript: transpile only", "Skip the type check of a TypeScript program (about half its start time); have upstream CI check types (tsc --noEmit).", "False", "Checkbox"),
			param(ParamConfigVariables, "Config variables", "Octopus variables to pass on, one name per line, typically stack config: Pulumi.Config.aws:region (key aws:region), Pulumi.Config.app:db.port (a path).", "", "MultiLineText"),
			param(ParamSecretConfigVariables, "Secret config variables", "As above, for sensitive variables: they become Pulumi secrets and never reach the script or a file.", "", "MultiLineText"),
			param(step.VarTargets, "Targets (optional)", "Update only these resource URNs (one per line) and what they depend on; pulumi stack --show-urns lists them.", "", "MultiLineText"),
			param(step.VarReplace, "Replace (optional)", "Resource URNs to replace even if nothing about them changed, one per line.", "", "MultiLineText"),
			param(step.VarRefresh, "Refresh first", "Refresh the stack's state from the real resources before a deploy or preview.", "False", "Checkbox"),
			param(step.VarParallel, "Parallelism (optional)", "How many resource operations may run at once; empty: Pulumi's default.", "", "SingleLineText"),
			param(step.VarUpdateMessage, "Update message (optional)", "The message in the stack's history; default: one naming the Octopus project, release, environment and tenant, with a link.", "", "SingleLineText"),
			param(ParamApprovedFingerprint, "Approved fingerprint (up only)", "The preview step's #{Octopus.Action[Preview].Output.Pulumi.Preview.Fingerprint}: apply only exactly what was approved.", "", "SingleLineText"),
		}),
		Category: "pulumi",
		Meta:     Meta{Type: "ActionTemplate"},
	}, nil
}

// JSON renders the template as Octopus imports it, indented.
func (t *Template) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Script returns the template's Bash script: a function that builds the
// octopulumi command line from the template's parameters, then the
// octoenv-generated exports of the variables, then a call of the function.
// The variables listed in the config parameters are known only when the
// script runs, so it names their environment variables with octoenv's own
// Bash encoder ([octoenv.BashEnvNameFunc]).
func Script() (string, error) {
	jwt := ParamAccount + ".OpenIdConnect.Jwt"
	cloudPlain, cloudSensitive := cloudVariables()
	exports, err := octoenv.Script{
		Command: []string{"octopulumi_run"},
		Variables: slices.Concat(octoenv.KnownVariables(), []string{jwt, step.VarPluginBundle, step.VarPluginCache, step.VarDependencyBundle, step.VarDependencyCache, step.VarTranspileOnly,
			step.VarTargets, step.VarReplace, step.VarRefresh, step.VarParallel, step.VarUpdateMessage}, cloudPlain),
		Sensitive: append([]string{octoenv.VarAccessToken, octoenv.VarConfigPassphrase, jwt}, cloudSensitive...),
	}.Bash()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`# octopulumi step template: generated by adapters/steptemplate; do not edit by hand.
set -euo pipefail

%[13]s
# octopulumi_export_list PREFIX VARIABLE: export each variable named, one
# per line (blanks around a name ignored), in the Octopus variable VARIABLE.
# Bash's $(...) drops a value's trailing newlines.
octopulumi_export_list() {
  local name
  while IFS= read -r name; do
    name="${name#"${name%%%%[![:space:]]*}"}"
    name="${name%%"${name##*[![:space:]]}"}"
    [ -n "$name" ] || continue
    export "$(octopulumi_env_name "$1" "$name")=$(get_octopusvariable "$name")"
  done <<< "$(get_octopusvariable "$2")"
}

octopulumi_run() {
  local command program backend approved
  command="$(get_octopusvariable %[1]s)"
  program="$(get_octopusvariable %[2]s)"
  backend="$(get_octopusvariable %[3]s)"
  approved="$(get_octopusvariable %[4]s)"
  local args=("${command:-deploy}" --program "${program:-.}")
  if [ -n "$backend" ]; then args+=(--backend "$backend"); fi
  # up applies an approved preview only: an empty fingerprint is refused.
  if [ "${command:-deploy}" = up ]; then args+=(--approved-fingerprint "$approved"); fi
  # Log in with the OIDC account when it is set; else the access token.
  if [ -n "${%[5]s:-}" ]; then export %[6]s=%[7]s; fi
  octopulumi_export_list %[9]s %[10]s
  octopulumi_export_list %[11]s %[12]s
  octopulumi "${args[@]}"
}

%[8]s`,
		octoenv.BashQuote(ParamCommand), octoenv.BashQuote(ParamProgram), octoenv.BashQuote(ParamBackend), octoenv.BashQuote(ParamApprovedFingerprint),
		octoenv.EnvName(jwt, true), octoenv.EnvName(step.VarOIDCAccount, false), octoenv.BashQuote(ParamAccount), exports,
		octoenv.EnvVarPrefix, octoenv.BashQuote(ParamConfigVariables), octoenv.EnvSecretPrefix, octoenv.BashQuote(ParamSecretConfigVariables),
		octoenv.BashEnvNameFunc()), nil
}
