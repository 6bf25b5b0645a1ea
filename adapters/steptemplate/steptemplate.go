// Package steptemplate generates octopulumi's Octopus step template: a "Run
// a Script" template (community library format) that an Octopus
// administrator imports once (Library > Step Templates > Import), so that a
// project adds a Pulumi step by filling in a form instead of pasting a
// script.
//
// The template's Bash script hands the Octopus variables to octopulumi
// through the environment with the lines [octoenv.Script] generates, so
// secrets never reach the script body or a file. Its parameters are named
// Octopulumi.* and the script hands each over under the variable octopulumi
// reads ([Variables]). The program, the plugin and dependencies bundles and
// octopulumi itself come as package parameters (a step made from a template
// cannot add package references of its own); without octopulumi's package,
// octopulumi must be on the worker's PATH or in the execution container's
// image, or the step fails saying so. The JSON follows the
// OctopusDeploy/Library's rules (library_test.go). There is no PowerShell
// form.
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

// Prefix starts the name of every parameter of the template, so that its
// fields never collide with a project's variables nor with the parameters
// of the OctopusDeploy/Library's older Pulumi templates (Pulumi.Command,
// Pulumi.AccessToken, …). The script hands a parameter that carries one of
// octopulumi's variables over under that variable's name: see [Variables].
const Prefix = "Octopulumi."

// ParameterFor returns the parameter that carries octopulumi's variable v:
// Pulumi.Stack is carried by Octopulumi.Stack.
func ParameterFor(v string) string { return Prefix + strings.TrimPrefix(v, "Pulumi.") }

// The parameters the script reads itself, besides those it hands over.
const (
	ParamCommand = Prefix + "Command"
	// ParamProgramPackage is the Pulumi program's package; its extracted
	// path is the program folder, or holds it (ParamProgram).
	ParamProgramPackage = Prefix + "ProgramPackage"
	// ParamProgram is a folder inside the program package, or an absolute
	// path when there is no package.
	ParamProgram             = Prefix + "Program"
	ParamBackend             = Prefix + "Backend"
	ParamApprovedFingerprint = Prefix + "ApprovedFingerprint"
	// ParamConfigVariables and ParamSecretConfigVariables list, one per
	// line, the Octopus variables to hand over besides the known ones —
	// typically Pulumi.Config.* — plain and sensitive: a Bash step cannot
	// list variables by itself.
	ParamConfigVariables       = Prefix + "ConfigVariables"
	ParamSecretConfigVariables = Prefix + "SecretConfigVariables"
	// ParamAccount is a Generic OpenID Connect account; its token is
	// <ParamAccount>.OpenIdConnect.Jwt.
	ParamAccount = Prefix + "Account"
	// ParamOctopulumiPackage is a release package of octopulumi; its
	// extracted path (and its bin folder) goes first on PATH.
	ParamOctopulumiPackage = Prefix + "OctopulumiPackage"
	// The bundles' packages: their extracted paths become
	// step.VarPluginBundle and step.VarDependencyBundle.
	ParamPluginBundlePackage     = Prefix + "PluginBundlePackage"
	ParamDependencyBundlePackage = Prefix + "DependencyBundlePackage"
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
func cloudParameters() []field {
	var out []field
	for _, c := range cloudAccounts {
		out = append(out, carries(c.param, c.label, c.help, "", c.control))
	}
	for _, s := range cloudSettings {
		out = append(out, carries(s.name, s.label, s.help, "", "SingleLineText"))
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

// The template's identity in the OctopusDeploy/Library format. ID and the
// parameters' and packages' ids never change between versions, so that a
// re-import (or the Library's update) replaces the template in place.
const (
	ID = "6bf50d91-ed44-4d86-a98d-e3a7311713fe"
	// Name is "Noun - Verb", as the Library names templates; FileName is
	// the name the Library gives the committed JSON.
	Name     = "Pulumi - Run with octopulumi"
	FileName = "pulumi-run-with-octopulumi.json"
	// Version counts the template's releases: bump it, and add its
	// ExportedAt to exportedAt, whenever the template changes for users.
	Version        = 2
	LastModifiedBy = "octopulumi"
	// OctopusVersion is the oldest Octopus Server the template is for:
	// Generic OpenID Connect accounts arrived in 2025.1.
	OctopusVersion = "2025.1.0"
	Category       = "pulumi"
)

// exportedAt is each Version's $Meta.ExportedAt, fixed so that the
// generated JSON is reproducible. Never edit an existing entry.
var exportedAt = map[int]string{
	2: "2026-11-27T09:40:00.000Z",
}

// parameterIDs are the parameters' fixed ids, by parameter name. A renamed
// parameter keeps its id.
var parameterIDs = map[string]string{
	ParamCommand:                        "af8ba9e9-c0a4-4bbb-a615-372459107a40",
	ParamProgramPackage:                 "479b9ce8-60c8-429d-aa2e-1bf4b3eb9d20",
	ParamProgram:                        "4761fe09-c19a-4dc8-9e0f-5081701385e9",
	ParamBackend:                        "9c150efc-ea67-45b5-80aa-8c6a48f10379",
	Prefix + "Organization":             "dd50a489-c8f1-420c-898e-a5d4e0821119",
	Prefix + "Stack":                    "8efaaa7b-c45e-4037-986f-49d73d92f267",
	Prefix + "AccessToken":              "8a39a22a-b814-4eb8-a3b8-343c6e44d05f",
	ParamAccount:                        "2dcbf9a9-57e4-499d-9542-c400d8eedc73",
	Prefix + "ConfigPassphrase":         "c4ff43b5-8f2f-45d8-b1bc-f6c993ade245",
	Prefix + "AwsAccount":               "59721529-0fb4-4e76-b326-65aa437e9bb7",
	Prefix + "AzureAccount":             "a770d999-86d4-4fd5-a89b-af3ad3c738ad",
	Prefix + "GoogleAccount":            "f31687bd-6527-447e-a512-3cbc84138b4e",
	Prefix + "AwsRegion":                "aefb55c7-5c03-4d46-8a76-a9fa8d3fc9b9",
	Prefix + "AwsAudience":              "cb63f117-779e-45b7-bda9-761ab5ca8aa9",
	Prefix + "AwsAssumeRoleArn":         "a0558d85-00f5-435e-8a1b-f37b561d9788",
	Prefix + "AwsAssumeRoleExternalId":  "492f54df-4236-4f95-b897-b534cf79e2af",
	Prefix + "AwsAssumeRoleSessionName": "bcdf3785-4678-49c7-b4c1-8943e644b28b",
	Prefix + "AwsAssumeRoleDuration":    "f8768494-d874-4ffc-95be-884ac28b0b8b",
	Prefix + "AzureAudience":            "6beff39c-272f-4460-ba2e-82081d305edf",
	Prefix + "GoogleProject":            "c8b742d9-42b0-44aa-81db-2f75844945c0",
	Prefix + "GoogleRegion":             "34901a00-9bb2-4472-9369-f351b3337585",
	Prefix + "GoogleZone":               "43413408-0901-4cd7-92a7-725c90f6a8b8",
	Prefix + "GoogleServiceAccount":     "c6bf125c-6b83-4213-a727-19485e7ce557",
	ParamPluginBundlePackage:            "aa8d7c38-859b-45d0-9965-01421d276a83",
	Prefix + "PluginCache":              "fc55074f-352a-4149-95f6-20284928d2c4",
	ParamDependencyBundlePackage:        "2051799c-d402-42a1-95c6-9a28758a88e4",
	Prefix + "DependencyCache":          "a3e0294e-5d2f-45d5-96b2-c0bd973e18f3",
	Prefix + "TranspileOnly":            "ea72e6a1-4cd7-4339-85bd-693993e7e2a8",
	ParamConfigVariables:                "876673b2-a533-4a04-a061-bda6dae1cd90",
	ParamSecretConfigVariables:          "cf1631b5-e99f-4c8f-b092-4501cc7736d5",
	Prefix + "Targets":                  "47280aed-0e13-4ae6-84a9-89e13b607dc6",
	Prefix + "Replace":                  "a9300204-b9eb-4a11-943d-60c545ccec1e",
	Prefix + "Refresh":                  "00c911f0-4ae5-4561-abbe-f48fd3e4a306",
	Prefix + "ExpectNoChanges":          "1e49a03e-5d5a-427f-bfed-37b4ee04f076",
	Prefix + "RemoveStack":              "45c04dc0-b973-4feb-b843-fc81b8c5ecb4",
	Prefix + "Parallel":                 "d6e53c56-236b-409e-b37b-c3054988b99f",
	Prefix + "UpdateMessage":            "17284f6f-3619-4137-87c6-cf881951db00",
	ParamApprovedFingerprint:            "02ad6f21-72bf-4ab9-970b-f3c77309980b",
	ParamOctopulumiPackage:              "eec30d3d-9b26-445d-acae-bcf2848be3c5",
}

// packageIDs are the package references' fixed ids, by package parameter.
var packageIDs = map[string]string{
	ParamProgramPackage:          "57bf9de5-21b5-4c60-aa8d-096908ee6ff2",
	ParamPluginBundlePackage:     "4359fa1b-d1b3-4c40-9f05-e106b6d4b3b4",
	ParamDependencyBundlePackage: "a10b405a-3e65-4816-a5dc-ff614033db4d",
	ParamOctopulumiPackage:       "ee5c1116-9ac4-426f-b884-deecc865a7e6",
}

// Template is an Octopus step template, as exported and imported as JSON,
// in the OctopusDeploy/Library's field order.
type Template struct {
	ID                        string             `json:"Id"`
	Name                      string             `json:"Name"`
	Description               string             `json:"Description"`
	ActionType                string             `json:"ActionType"`
	Version                   int                `json:"Version"`
	CommunityActionTemplateID *string            `json:"CommunityActionTemplateId"`
	Packages                  []PackageReference `json:"Packages"`
	Properties                map[string]string  `json:"Properties"`
	Parameters                []Parameter        `json:"Parameters"`
	Meta                      Meta               `json:"$Meta"`
	LastModifiedBy            string             `json:"LastModifiedBy"`
	Category                  string             `json:"Category"`
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

// PackageReference is a package the step acquires, chosen in the form by
// the Package parameter named by Properties["PackageParameterName"].
type PackageReference struct {
	ID                  string            `json:"Id"`
	Name                string            `json:"Name"`
	PackageID           *string           `json:"PackageId"`
	FeedID              *string           `json:"FeedId"`
	AcquisitionLocation string            `json:"AcquisitionLocation"`
	Properties          map[string]string `json:"Properties"`
}

// Meta marks the JSON as a step template and says when and from which
// Octopus version it was exported.
type Meta struct {
	ExportedAt     string `json:"ExportedAt"`
	OctopusVersion string `json:"OctopusVersion"`
	Type           string `json:"Type"`
}

// ScriptBody is the property that holds the script.
const ScriptBody = "Octopus.Action.Script.ScriptBody"

// field is a parameter and the octopulumi variable it carries ("" when
// only the script reads it).
type field struct {
	Parameter
	variable string
}

func param(name, label, help, def, control string, extra ...string) field {
	ds := map[string]string{"Octopus.ControlType": control}
	for i := 0; i+1 < len(extra); i += 2 {
		ds[extra[i]] = extra[i+1]
	}
	return field{Parameter: Parameter{ID: parameterIDs[name], Name: name, Label: label, HelpText: help, DefaultValue: def, DisplaySettings: ds}}
}

// carries is a parameter that carries octopulumi's variable v.
func carries(v, label, help, def, control string, extra ...string) field {
	f := param(ParameterFor(v), label, help, def, control, extra...)
	f.variable = v
	return f
}

// pkg is a Package parameter; v, if any, receives its extracted path.
func pkg(name, v, label, help string) field {
	f := param(name, label, help, "", "Package")
	f.variable = v
	return f
}

func fields() []field {
	return slices.Concat([]field{
		param(ParamCommand, "Command", "`deploy`: create or update the stack. `preview`: publish the planned changes for a Manual Intervention. "+
			"`up`: apply exactly the changes approved after a preview (needs the approved fingerprint). `refresh`, `destroy`.", "deploy", "Select",
			"Octopus.SelectOptions", "deploy|Deploy\npreview|Preview for approval\nup|Apply the approved preview\nrefresh|Refresh\ndestroy|Destroy"),
		pkg(ParamProgramPackage, "", "Pulumi program package", "The package that holds the Pulumi program (`Pulumi.yaml`), built by upstream CI; it is extracted on the worker."),
		param(ParamProgram, "Program folder (optional)", "The folder of `Pulumi.yaml` inside the program package, e.g. `infra/network`; or an absolute path when no package is chosen. Empty: the package's root.", "", "SingleLineText"),
		param(ParamBackend, "Backend", "Pulumi Cloud's API URL, or a self-managed backend: `file://`, `s3://`, `azblob://`, `gs://`.", step.DefaultBackend, "SingleLineText"),
		carries(octoenv.VarOrganization, "Pulumi organization", "Also the OIDC audience: `urn:pulumi:org:<organization>`. Leave empty for a self-managed backend.", "", "SingleLineText"),
		carries(octoenv.VarStack, "Stack (optional)", "Overrides the default stack, `{org}/{project}/{environment}` (`{environment}-{tenant}` when tenanted).", "", "SingleLineText"),
		carries(octoenv.VarAccessToken, "Pulumi access token", "A stored token; leave empty to log in with the OIDC account.", "", "Sensitive"),
		param(ParamAccount, "Pulumi OIDC account", "A Generic OpenID Connect account whose audience is `urn:pulumi:org:<organization>`; its token is exchanged for a short-lived Pulumi token.", "", "GenericOidcAccount"),
		carries(octoenv.VarConfigPassphrase, "State passphrase", "For stacks with the passphrase secrets provider (self-managed backends).", "", "Sensitive"),
	}, cloudParameters(), []field{
		pkg(ParamPluginBundlePackage, step.VarPluginBundle, "Plugin bundle package (optional)", "A package built by upstream CI with `octopulumi cache bundle`: the provider plugins are restored from it before Pulumi runs, with no download on the worker."),
		carries(step.VarPluginCache, "Worker plugin cache (optional)", "A folder on a self-hosted worker that keeps one shared copy of the plugins, filled from the bundle, e.g. `/var/cache/octopulumi/plugins`.", "", "SingleLineText"),
		pkg(ParamDependencyBundlePackage, step.VarDependencyBundle, "Dependencies bundle package (optional)", "A JavaScript/TypeScript program's `node_modules`, bundled by upstream CI with `octopulumi cache deps bundle`: no `npm install` on the worker."),
		carries(step.VarDependencyCache, "Worker dependencies cache (optional)", "A folder on a self-hosted worker that keeps `node_modules` by lockfile, so a program's dependencies are installed once per worker, e.g. `/var/cache/octopulumi/deps`.", "", "SingleLineText"),
		carries(step.VarTranspileOnly, "TypeScript: transpile only", "Skip the type check of a TypeScript program (about half its start time); have upstream CI check types (`tsc --noEmit`).", "False", "Checkbox"),
		param(ParamConfigVariables, "Config variables", "Octopus variables to pass on, one name per line, typically stack config: `Pulumi.Config.aws:region` (key `aws:region`), `Pulumi.Config.app:db.port` (a path).", "", "MultiLineText"),
		param(ParamSecretConfigVariables, "Secret config variables", "As above, for sensitive variables: they become Pulumi secrets and never reach the script or a file.", "", "MultiLineText"),
		carries(step.VarTargets, "Targets (optional)", "Update only these resource URNs (one per line) and what they depend on; `pulumi stack --show-urns` lists them.", "", "MultiLineText"),
		carries(step.VarReplace, "Replace (optional)", "Resource URNs to replace even if nothing about them changed, one per line.", "", "MultiLineText"),
		carries(step.VarRefresh, "Refresh first", "Refresh the stack's state from the real resources before a deploy or preview.", "False", "Checkbox"),
		carries(step.VarParallel, "Parallelism (optional)", "How many resource operations may run at once; empty: Pulumi's default.", "", "SingleLineText"),
		carries(step.VarExpectNoChanges, "Expect no changes (preview, refresh)", "Fail a `preview` or `refresh` that finds any change, publishing the changes: a drift-check runbook.", "False", "Checkbox"),
		carries(step.VarRemoveStack, "Remove the stack (destroy)", "After a `destroy`, remove the stack itself, its history and config: a review stack's teardown.", "False", "Checkbox"),
		carries(step.VarUpdateMessage, "Update message (optional)", "The message in the stack's history; default: one naming the Octopus project, release, environment and tenant, with a link.", "", "SingleLineText"),
		param(ParamApprovedFingerprint, "Approved fingerprint (up only)", "The preview step's `#{Octopus.Action[Preview].Output.Pulumi.Preview.Fingerprint}`: apply only exactly what was approved.", "", "SingleLineText"),
		pkg(ParamOctopulumiPackage, "", "octopulumi package (optional)", "A release package of octopulumi for the worker's platform (`make dist` packs them as `octopulumi-linux-amd64.<version>.tar.gz`, …); without it, octopulumi must be on the worker's `PATH` or in the execution container's image."),
	})
}

// Variables returns, for each parameter that carries one of octopulumi's
// variables, that variable — the one place that maps the form to what
// octopulumi reads. Package parameters carry their extracted path. The
// properties of an account parameter (Octopulumi.AwsAccount.AccessKey, …)
// are handed over as the properties of the account variable it carries
// (Pulumi.AwsAccount.AccessKey, …).
func Variables() map[string]string {
	out := map[string]string{}
	for _, f := range fields() {
		if f.variable != "" {
			out[f.Name] = f.variable
		}
	}
	return out
}

// sources maps each variable the script hands over under another name to
// the Octopus variable it reads: the parameter that carries it, a package
// parameter's extracted path, an account parameter's property.
func sources() map[string]string {
	src := map[string]string{}
	for _, f := range fields() {
		switch {
		case f.variable == "":
		case f.DisplaySettings["Octopus.ControlType"] == "Package":
			src[f.variable] = octoenv.PackageVariable(f.Name)
		default:
			src[f.variable] = f.Name
		}
	}
	for _, c := range cloudAccounts {
		plain, sensitive := accounts.VariableNames(c.cloud, c.param)
		for _, n := range slices.Concat(plain, sensitive) {
			if rest, ok := strings.CutPrefix(n, c.param+"."); ok {
				src[n] = ParameterFor(c.param) + "." + rest
			}
		}
	}
	return src
}

// packages are the template's package references, one per Package
// parameter, as the Library's templates declare them: chosen when the
// step is added (deferred), extracted, acquired by the server's feeds.
func packages(params []Parameter) []PackageReference {
	var out []PackageReference
	for _, p := range params {
		if p.DisplaySettings["Octopus.ControlType"] != "Package" {
			continue
		}
		out = append(out, PackageReference{ID: packageIDs[p.Name], Name: p.Name, AcquisitionLocation: "Server",
			Properties: map[string]string{"Extract": "True", "SelectionMode": "deferred", "PackageParameterName": p.Name, "Purpose": ""}})
	}
	return out
}

// New returns the step template.
func New() (*Template, error) {
	body, err := Script()
	if err != nil {
		return nil, err
	}
	at, ok := exportedAt[Version]
	if !ok {
		return nil, fmt.Errorf("steptemplate: no ExportedAt for version %d", Version)
	}
	var params []Parameter
	for _, f := range fields() {
		if f.ID == "" {
			return nil, fmt.Errorf("steptemplate: parameter %s has no id in parameterIDs", f.Name)
		}
		params = append(params, f.Parameter)
	}
	return &Template{
		ID:   ID,
		Name: Name,
		Description: "Runs [Pulumi](https://www.pulumi.com) for this environment with [octopulumi](https://github.com/octopulumi/octopulumi): " +
			"logs in (stored token or Octopus OIDC), restores provider plugins from a bundle package, selects or creates the stack, " +
			"then deploys, previews for approval, applies an approved preview, refreshes or destroys, " +
			"with AWS, Azure or Google Cloud credentials from Octopus accounts (checked before Pulumi runs).\n\n" +
			"Stack outputs become output variables: `#{Octopus.Action[<this step>].Output.<output name>}`.\n\n" +
			"**Needs:** the Pulumi CLI on the worker (e.g. the `pulumi/pulumi` execution container), and octopulumi: " +
			"its package in this step, or on the worker's `PATH`.",
		ActionType: "Octopus.Script",
		Version:    Version,
		Packages:   packages(params),
		Properties: map[string]string{
			"Octopus.Action.Script.ScriptSource": "Inline",
			"Octopus.Action.Script.Syntax":       "Bash",
			ScriptBody:                           body,
		},
		Parameters:     params,
		Meta:           Meta{ExportedAt: at, OctopusVersion: OctopusVersion, Type: "ActionTemplate"},
		LastModifiedBy: LastModifiedBy,
		Category:       Category,
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

// Script returns the template's Bash script: a function that checks the
// form and builds the octopulumi command line, then the octoenv-generated
// exports of the variables (each read from the parameter that carries it,
// see [Variables]), then a call of the function. The variables listed in
// the config parameters are known only when the script runs, so it names
// their environment variables with octoenv's own Bash encoder
// ([octoenv.BashEnvNameFunc]).
func Script() (string, error) {
	jwt := ParamAccount + ".OpenIdConnect.Jwt"
	cloudPlain, cloudSensitive := cloudVariables()
	exports, err := octoenv.Script{
		Command: []string{"octopulumi_run"},
		Variables: slices.Concat(octoenv.KnownVariables(), []string{jwt, step.VarPluginBundle, step.VarPluginCache, step.VarDependencyBundle, step.VarDependencyCache, step.VarTranspileOnly,
			step.VarTargets, step.VarReplace, step.VarRefresh, step.VarParallel, step.VarUpdateMessage,
			step.VarExpectNoChanges, step.VarRemoveStack}, cloudPlain),
		Sensitive: append([]string{octoenv.VarAccessToken, octoenv.VarConfigPassphrase, jwt}, cloudSensitive...),
		Sources:   sources(),
	}.Bash()
	if err != nil {
		return "", err
	}
	r := strings.NewReplacer(
		"{{command}}", octoenv.BashQuote(ParamCommand),
		"{{commandName}}", ParamCommand,
		"{{programPackage}}", octoenv.BashQuote(octoenv.PackageVariable(ParamProgramPackage)),
		"{{programPackageName}}", ParamProgramPackage,
		"{{program}}", octoenv.BashQuote(ParamProgram),
		"{{programName}}", ParamProgram,
		"{{backend}}", octoenv.BashQuote(ParamBackend),
		"{{approved}}", octoenv.BashQuote(ParamApprovedFingerprint),
		"{{toolsPackage}}", octoenv.BashQuote(octoenv.PackageVariable(ParamOctopulumiPackage)),
		"{{toolsPackageName}}", ParamOctopulumiPackage,
		"{{jwtEnv}}", octoenv.EnvName(jwt, true),
		"{{oidcEnv}}", octoenv.EnvName(step.VarOIDCAccount, false),
		"{{account}}", octoenv.BashQuote(ParamAccount),
		"{{varPrefix}}", octoenv.EnvVarPrefix,
		"{{configVariables}}", octoenv.BashQuote(ParamConfigVariables),
		"{{secretPrefix}}", octoenv.EnvSecretPrefix,
		"{{secretConfigVariables}}", octoenv.BashQuote(ParamSecretConfigVariables),
		"{{envNameFunc}}", octoenv.BashEnvNameFunc(),
		"{{exports}}", exports,
	)
	return r.Replace(scriptTemplate), nil
}

// scriptTemplate is the script around octoenv's lines. SC2155 (export
// with a command substitution masks its status) is off: every value comes
// from get_octopusvariable, which prints an empty value rather than fail.
const scriptTemplate = `# octopulumi step template: generated by adapters/steptemplate; do not edit by hand.
# shellcheck disable=SC2155
set -euo pipefail

# Calamari defines fail_step; elsewhere (a test, a shell) it is this.
if ! declare -F fail_step >/dev/null; then
  fail_step() { printf '%s\n' "$1" >&2; exit 1; }
fi

{{envNameFunc}}
# octopulumi_export_list PREFIX VARIABLE: export each variable named, one
# per line (blanks around a name ignored), in the Octopus variable VARIABLE.
# Bash's $(...) drops a value's trailing newlines.
octopulumi_export_list() {
  local name
  while IFS= read -r name; do
    name="${name#"${name%%[![:space:]]*}"}"
    name="${name%"${name##*[![:space:]]}"}"
    [ -n "$name" ] || continue
    export "$(octopulumi_env_name "$1" "$name")=$(get_octopusvariable "$name")"
  done <<< "$(get_octopusvariable "$2")"
}

octopulumi_run() {
  local command package program backend approved tools f
  command="$(get_octopusvariable {{command}})"
  command="${command:-deploy}"
  case "$command" in
    deploy | preview | up | refresh | destroy) ;;
    *) fail_step "{{commandName}} is '$command': choose deploy, preview, up, refresh or destroy." ;;
  esac

  # The program: the program package's extracted path, or a folder in it,
  # or an absolute path.
  package="$(get_octopusvariable {{programPackage}})"
  program="$(get_octopusvariable {{program}})"
  if [ -n "$package" ] && [ -n "$program" ] && [ "${program#/}" = "$program" ]; then
    program="$package/$program"
  elif [ -z "$program" ]; then
    program="$package"
  fi
  if [ -z "$program" ]; then
    fail_step "No Pulumi program: choose the Pulumi program package ({{programPackageName}}), or set the program folder ({{programName}}) to an absolute path."
  fi

  # octopulumi: from its package when the step references one, else PATH.
  tools="$(get_octopusvariable {{toolsPackage}})"
  if [ -n "$tools" ]; then
    for f in "$tools/octopulumi" "$tools/bin/octopulumi"; do
      # A zip package loses the executable bit.
      if [ -f "$f" ] && [ ! -x "$f" ]; then chmod +x "$f"; fi
    done
    export PATH="$tools:$tools/bin:$PATH"
  fi
  if ! command -v octopulumi >/dev/null 2>&1; then
    if [ -n "$tools" ]; then
      fail_step "octopulumi was not found in the octopulumi package ({{toolsPackageName}}, extracted to $tools): choose a release package of octopulumi for this worker's platform."
    fi
    fail_step "octopulumi was not found: choose the octopulumi package ({{toolsPackageName}}), or install octopulumi on the worker's PATH or in the execution container's image."
  fi

  backend="$(get_octopusvariable {{backend}})"
  approved="$(get_octopusvariable {{approved}})"
  # Octopus reads service messages: say so, whatever CI variables the
  # worker or the execution container carries.
  local args=("$command" --report octopus --program "$program")
  if [ -n "$backend" ]; then args+=(--backend "$backend"); fi
  # up applies an approved preview only: an empty fingerprint is refused.
  if [ "$command" = up ]; then args+=(--approved-fingerprint "$approved"); fi
  # Log in with the OIDC account when it is set; else the access token.
  if [ -n "${{{jwtEnv}}:-}" ]; then export {{oidcEnv}}={{account}}; fi
  octopulumi_export_list {{varPrefix}} {{configVariables}}
  octopulumi_export_list {{secretPrefix}} {{secretConfigVariables}}
  echo "Running $(command -v octopulumi) $command on the Pulumi program in $program"
  octopulumi "${args[@]}"
}

{{exports}}`
