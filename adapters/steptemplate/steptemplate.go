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
package steptemplate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

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
			"refreshes or destroys. Stack outputs become output variables: " +
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
		Parameters: []Parameter{
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
			param(step.VarPluginBundle, "Plugin bundle (optional)", "Restore provider plugins from here before Pulumi runs, e.g. #{Octopus.Action.Package[plugins].ExtractedPath}.", "", "SingleLineText"),
			param(ParamConfigVariables, "Config variables", "Octopus variables to pass on, one name per line, typically stack config: Pulumi.Config.aws:region (key aws:region), Pulumi.Config.app:db.port (a path).", "", "MultiLineText"),
			param(ParamSecretConfigVariables, "Secret config variables", "As above, for sensitive variables: they become Pulumi secrets and never reach the script or a file.", "", "MultiLineText"),
			param(ParamApprovedFingerprint, "Approved fingerprint (up only)", "The preview step's #{Octopus.Action[Preview].Output.Pulumi.Preview.Fingerprint}: apply only exactly what was approved.", "", "SingleLineText"),
		},
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
	vars := append(octoenv.KnownVariables(), jwt, step.VarPluginBundle)
	exports, err := octoenv.Script{
		Command:   []string{"octopulumi_run"},
		Variables: vars,
		Sensitive: []string{octoenv.VarAccessToken, octoenv.VarConfigPassphrase, jwt},
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
