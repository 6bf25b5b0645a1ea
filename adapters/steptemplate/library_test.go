package steptemplate_test

// The OctopusDeploy/Library's rules for a community step template, checked
// on the committed JSON: what its `gulp tests` check (jsonlint, then
// spec/step-template-validation-tests.js: LastModifiedBy, $Meta.ExportedAt,
// a Name under 200 characters, a GUID Id other than the placeholders,
// unique names and ids, .json files only, package FeedIds null or a
// variable; gulpfile.babel.js: a category has a logo, step-templates/logos/
// <category>.png) and what its CONTRIBUTING.md asks (a GUID Id, a
// LastModifiedBy user name, a "Noun - Verb" name matching the file name,
// help text on every parameter, a complete description, required inputs
// checked with a non-zero exit, status messages). Our own implementation.

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/octopulumi/octopulumi/adapters/steptemplate"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// libraryCategories have a logo in the Library already; another category
// needs its own 200x200 PNG, committed as logos/<category>.png for the pull
// request.
var libraryCategories = []string{"aws", "azure-devops", "bash", "google-cloud", "k8s", "octopus", "other", "terraform"}

// controlTypes are the Octopus.ControlType values of the Library's templates.
var controlTypes = []string{"SingleLineText", "MultiLineText", "Checkbox", "Select", "Sensitive", "Package",
	"AmazonWebServicesAccount", "AzureAccount", "GoogleCloudAccount", "GenericOidcAccount", "Certificate", "WorkerPool"}

func committed(t *testing.T) (*steptemplate.Template, []byte) {
	t.Helper()
	raw, err := os.ReadFile(steptemplate.FileName)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl steptemplate.Template
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tmpl); err != nil {
		t.Fatalf("%s is not a step template: %v", steptemplate.FileName, err)
	}
	return &tmpl, raw
}

func TestLibraryRules(t *testing.T) {
	t.Parallel()
	tmpl, raw := committed(t)

	// jsonlint: valid JSON, UTF-8 without a BOM; the Library reads .json files only.
	if !json.Valid(raw) || !utf8.Valid(raw) || bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Error("the template is not valid UTF-8 JSON without a BOM")
	}
	if filepath.Ext(steptemplate.FileName) != ".json" {
		t.Errorf("file name %q does not end in .json", steptemplate.FileName)
	}
	// The template's own fields.
	if !guid.MatchString(tmpl.ID) || tmpl.ID == "00000000-0000-0000-0000-000000000000" || tmpl.ID == "abcdef00-ab00-cd00-ef00-000000abcdef" {
		t.Errorf("Id %q is not a GUID of its own", tmpl.ID)
	}
	if tmpl.Name == "" || len(tmpl.Name) >= 200 || !strings.Contains(tmpl.Name, " - ") {
		t.Errorf("Name %q: want a \"Noun - Verb\" name under 200 characters", tmpl.Name)
	}
	if want := slug(tmpl.Name) + ".json"; steptemplate.FileName != want {
		t.Errorf("file name %q does not match the name %q (want %q)", steptemplate.FileName, tmpl.Name, want)
	}
	if strings.TrimSpace(tmpl.LastModifiedBy) == "" || strings.ContainsAny(tmpl.LastModifiedBy, " @") {
		t.Errorf("LastModifiedBy %q: want a user name", tmpl.LastModifiedBy)
	}
	if at, err := time.Parse(time.RFC3339, tmpl.Meta.ExportedAt); err != nil || at.Year() < 2025 {
		t.Errorf("$Meta.ExportedAt %q: %v", tmpl.Meta.ExportedAt, err)
	}
	if tmpl.Meta.Type != "ActionTemplate" || !regexp.MustCompile(`^20\d\d\.\d+\.\d+$`).MatchString(tmpl.Meta.OctopusVersion) {
		t.Errorf("$Meta: %+v", tmpl.Meta)
	}
	if tmpl.Version < 1 || strings.TrimSpace(tmpl.Description) == "" {
		t.Errorf("Version %d, Description %q", tmpl.Version, tmpl.Description)
	}
	if tmpl.ActionType != "Octopus.Script" || tmpl.Properties["Octopus.Action.Script.Syntax"] != "Bash" ||
		tmpl.Properties["Octopus.Action.Script.ScriptSource"] != "Inline" || strings.TrimSpace(tmpl.Properties[steptemplate.ScriptBody]) == "" {
		t.Errorf("not an inline Bash script template: %s, %v", tmpl.ActionType, tmpl.Properties)
	}
	// A category with a logo: the Library's, or ours for the pull request.
	if !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(tmpl.Category) {
		t.Errorf("Category %q: want a lower-case id", tmpl.Category)
	} else if !slices.Contains(libraryCategories, tmpl.Category) {
		checkLogo(t, filepath.Join("logos", tmpl.Category+".png"))
	}

	// Parameters: GUID ids, unique everywhere; prefixed, unique names; help.
	ids := map[string]string{tmpl.ID: "the template"}
	names := map[string]bool{}
	known := map[string]bool{}
	for _, n := range octoenv.KnownVariables() {
		known[strings.ToLower(n)] = true
	}
	for _, p := range tmpl.Parameters {
		if !guid.MatchString(p.ID) || ids[p.ID] != "" {
			t.Errorf("parameter %s: id %q is not a GUID of its own (also %s)", p.Name, p.ID, ids[p.ID])
		}
		ids[p.ID] = p.Name
		lower := strings.ToLower(p.Name)
		if !strings.HasPrefix(p.Name, steptemplate.Prefix) || len(p.Name) == len(steptemplate.Prefix) || names[lower] || known[lower] {
			t.Errorf("parameter %q: want a unique name that starts with %s and is none of octopulumi's own variables", p.Name, steptemplate.Prefix)
		}
		names[lower] = true
		if strings.TrimSpace(p.Label) == "" || strings.TrimSpace(p.HelpText) == "" {
			t.Errorf("parameter %s has no label or no help text", p.Name)
		}
		control := p.DisplaySettings["Octopus.ControlType"]
		switch {
		case !slices.Contains(controlTypes, control):
			t.Errorf("parameter %s: control type %q", p.Name, control)
		case control == "Select":
			var values []string
			for _, o := range strings.Split(p.DisplaySettings["Octopus.SelectOptions"], "\n") {
				v, label, ok := strings.Cut(o, "|")
				if !ok || v == "" || label == "" {
					t.Errorf("parameter %s: select option %q is not value|label", p.Name, o)
				}
				values = append(values, v)
			}
			if p.DefaultValue != "" && !slices.Contains(values, p.DefaultValue) {
				t.Errorf("parameter %s: default %q is not an option", p.Name, p.DefaultValue)
			}
		case control == "Checkbox" && p.DefaultValue != "True" && p.DefaultValue != "False":
			t.Errorf("parameter %s: checkbox default %q", p.Name, p.DefaultValue)
		case control != "Select" && control != "Checkbox" && control != "SingleLineText" && p.DefaultValue != "":
			t.Errorf("parameter %s (%s) has a default value %q", p.Name, control, p.DefaultValue)
		}
	}

	// Packages: one reference per Package parameter, named after it, chosen
	// when the step is added; no fixed feed or package.
	refs := map[string]bool{}
	for _, pkg := range tmpl.Packages {
		name := pkg.Properties["PackageParameterName"]
		if !guid.MatchString(pkg.ID) || ids[pkg.ID] != "" {
			t.Errorf("package %s: id %q is not a GUID of its own", pkg.Name, pkg.ID)
		}
		ids[pkg.ID] = pkg.Name
		if pkg.Name != name || refs[name] || pkg.PackageID != nil ||
			(pkg.FeedID != nil && !strings.HasPrefix(*pkg.FeedID, "#")) ||
			pkg.Properties["SelectionMode"] != "deferred" || pkg.Properties["Extract"] != "True" || pkg.AcquisitionLocation == "" {
			t.Errorf("package reference %+v: want one per Package parameter, named after it, deferred, extracted, no fixed package or feed", pkg)
		}
		refs[name] = true
		i := slices.IndexFunc(tmpl.Parameters, func(p steptemplate.Parameter) bool { return p.Name == name })
		if i < 0 || tmpl.Parameters[i].DisplaySettings["Octopus.ControlType"] != "Package" {
			t.Errorf("package reference %s names no Package parameter", pkg.Name)
		}
	}
	for _, p := range tmpl.Parameters {
		if p.DisplaySettings["Octopus.ControlType"] == "Package" && !refs[p.Name] {
			t.Errorf("Package parameter %s has no Packages entry", p.Name)
		}
	}

	// CONTRIBUTING: required inputs checked, a non-zero exit, status messages.
	body := tmpl.Properties[steptemplate.ScriptBody]
	for _, want := range []string{"set -euo pipefail", "fail_step \"", "echo \"Running "} {
		if !strings.Contains(body, want) {
			t.Errorf("the script lacks %q", want)
		}
	}
}

// TestTemplateIDsAreFixed: the ids of the template and of its parameters
// never change, whatever the version; a re-import replaces the template.
func TestTemplateIDsAreFixed(t *testing.T) {
	t.Parallel()
	tmpl, _ := committed(t)
	want := map[string]string{
		"template": "6bf50d91-ed44-4d86-a98d-e3a7311713fe", "Octopulumi.Command": "af8ba9e9-c0a4-4bbb-a615-372459107a40",
		"Octopulumi.ProgramPackage": "479b9ce8-60c8-429d-aa2e-1bf4b3eb9d20", "Octopulumi.AccessToken": "8a39a22a-b814-4eb8-a3b8-343c6e44d05f",
		"Octopulumi.OctopulumiPackage": "eec30d3d-9b26-445d-acae-bcf2848be3c5",
	}
	got := map[string]string{"template": tmpl.ID}
	for _, p := range tmpl.Parameters {
		got[p.Name] = p.ID
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("the id of %s changed: %q, was %q", k, got[k], v)
		}
	}
}

// TestScriptShellcheck: the script passes shellcheck (make toolchain
// installs it where it can); in CI its absence is a failure.
func TestScriptShellcheck(t *testing.T) {
	t.Parallel()
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("shellcheck is not installed (Debian: apt-get install shellcheck)")
		}
		t.Skip("shellcheck is not installed")
	}
	body, err := steptemplate.Script()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sc, "--shell=bash", "--severity=style", "-")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// slug is the Library's file name for a template name: lower case, words
// joined by hyphens.
func slug(name string) string {
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "-"), "-")
}

// checkLogo checks a 200x200 PNG; -update draws a plain one if it is missing.
func checkLogo(t *testing.T, path string) {
	t.Helper()
	if *update {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			writeLogo(t, path)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Errorf("category logo: %v (a new Library category needs a 200x200 PNG)", err)
		return
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "png" || cfg.Width != 200 || cfg.Height != 200 {
		t.Errorf("%s: %s %dx%d, %v; want a 200x200 PNG", path, format, cfg.Width, cfg.Height, err)
	}
}

// writeLogo draws a plain 200x200 mark: a purple square with a light bar.
func writeLogo(t *testing.T, path string) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 200; x++ {
			c := color.RGBA{0x80, 0x3f, 0xa8, 0xff}
			if x >= 50 && x < 150 && y >= 90 && y < 110 {
				c = color.RGBA{0xf2, 0xe9, 0xf8, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
