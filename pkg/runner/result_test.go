package runner

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

func TestFingerprint(t *testing.T) {
	t.Parallel()
	base := func() []Step {
		return []Step{
			{URN: "urn:a", Op: apitype.OpSame},
			{URN: "urn:b", Op: apitype.OpUpdate, Diffs: []string{"content", "mode"}, inputs: map[string]any{"content": "v2", "mode": 420.0}},
			{URN: "urn:c", Op: apitype.OpReplace, Diffs: []string{"path"}, Replaces: []string{"path"}, inputs: map[string]any{"path": "/x"}},
		}
	}
	want := Fingerprint(base())
	if !regexp.MustCompile(`^v1-[0-9a-f]{16}$`).MatchString(want) {
		t.Fatalf("fingerprint %q is not v1- and 16 hex digits", want)
	}
	same := []struct {
		name  string
		steps func() []Step
	}{
		{"order of steps", func() []Step { s := base(); s[0], s[2] = s[2], s[0]; return s }},
		{"order of diffs", func() []Step { s := base(); s[1].Diffs = []string{"mode", "content"}; return s }},
		{"inputs of an unchanged resource", func() []Step { s := base(); s[0].inputs = map[string]any{"x": 1.0}; return s }},
		{"the type name", func() []Step { s := base(); s[0].Type = "t:x"; return s }},
	}
	for _, tt := range same {
		if got := Fingerprint(tt.steps()); got != want {
			t.Errorf("%s changed the fingerprint: %s, want %s", tt.name, got, want)
		}
	}
	differ := []struct {
		name  string
		steps func() []Step
	}{
		{"a resource more", func() []Step { return append(base(), Step{URN: "urn:d", Op: apitype.OpSame}) }},
		{"a resource less", func() []Step { return base()[1:] }},
		{"an operation", func() []Step { s := base(); s[2].Op = apitype.OpUpdate; return s }},
		{"a changed property", func() []Step { s := base(); s[1].Diffs = []string{"content"}; return s }},
		{"a property's new value", func() []Step { s := base(); s[1].inputs = map[string]any{"content": "v3", "mode": 420.0}; return s }},
		{"a replacement's cause", func() []Step { s := base(); s[2].Replaces = nil; return s }},
		{"a resource's name", func() []Step { s := base(); s[1].URN = "urn:b2"; return s }},
	}
	seen := map[string]string{want: "base"}
	for _, tt := range differ {
		got := Fingerprint(tt.steps())
		if prev, dup := seen[got]; dup {
			t.Errorf("%s gives the fingerprint of %s: %s", tt.name, prev, got)
		}
		seen[got] = tt.name
	}
	if Fingerprint(nil) != Fingerprint([]Step{}) {
		t.Error("no steps fingerprints differently from empty steps")
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	s := Summary{apitype.OpCreate: 2, apitype.OpSame: 3, apitype.OpReplace: 1}
	if s.Changes() != 3 {
		t.Errorf("Changes = %d, want 3", s.Changes())
	}
	if got := s.String(); got != "create=2 replace=1 same=3" {
		t.Errorf("String = %q", got)
	}
	if got := (Summary{}).String(); got != "no resources" {
		t.Errorf("empty String = %q", got)
	}
}

func TestOutputFormatting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		out       Output
		str, text string
	}{
		{Output{Value: "hello"}, "hello", "hello"},
		{Output{Value: "hunter22", Secret: true}, "[secret]", "hunter22"},
		{Output{Value: map[string]any{"a": 1.0}}, "map[a:1]", `{"a":1}`},
		{Output{Value: 11.0}, "11", "11"},
		{Output{}, "<nil>", ""},
	}
	for _, tt := range tests {
		if got := tt.out.String(); got != tt.str {
			t.Errorf("%#v String = %q, want %q", tt.out, got, tt.str)
		}
		if got := tt.out.Text(); got != tt.text {
			t.Errorf("%#v Text = %q, want %q", tt.out, got, tt.text)
		}
	}
}

func TestOutputsOfExport(t *testing.T) {
	t.Parallel()
	outs := outputsOf(map[string]any{
		"plain":  "x",
		"shown":  map[string]any{sigKey: secretSig, "plaintext": `"hunter22"`},
		"hidden": map[string]any{sigKey: secretSig, "ciphertext": "AAAA"},
	})
	if o := outs["shown"]; !o.Secret || o.Value != "hunter22" {
		t.Errorf("shown = %#v", o)
	}
	if o := outs["hidden"]; !o.Secret || o.Value != nil {
		t.Errorf("hidden = %#v", o)
	}
	if o := outs["plain"]; o.Secret || o.Value != "x" {
		t.Errorf("plain = %#v", o)
	}
}

func TestCheckFingerprint(t *testing.T) {
	t.Parallel()
	good := Fingerprint([]Step{{URN: "urn:pulumi:dev::p::t::a", Op: "create"}})
	if err := CheckFingerprint(good); err != nil {
		t.Errorf("CheckFingerprint(%q) = %v, want nil for what Fingerprint makes", good, err)
	}
	for fp, says := range map[string]string{
		"":                              "empty",
		"#{Octopus.Action[P].Output.X}": "unsubstituted",
		"v1-XYZ":                        "not a fingerprint",
		good + " ":                      "not a fingerprint",
	} {
		if err := CheckFingerprint(fp); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("CheckFingerprint(%q) = %v, want an error saying %q", fp, err, says)
		}
	}
}

// A secret nested in an output makes the whole output secret; its value is
// the plaintext, without the secret's wrapper.
func TestOutputsWithNestedSecrets(t *testing.T) {
	t.Parallel()
	secret := func(plaintext string) map[string]any {
		return map[string]any{sigKey: secretSig, "plaintext": plaintext}
	}
	blinded := map[string]any{sigKey: secretSig, "ciphertext": "[secret]"}
	outs := outputsOf(map[string]any{
		"plain":   "hello",
		"top":     secret(`"s3cr3t"`),
		"nested":  map[string]any{"user": "admin", "password": secret(`"hunter2"`)},
		"list":    []any{"a", secret(`{"k":"v"}`)},
		"blinded": map[string]any{"x": blinded},
	})
	for name, want := range map[string]struct {
		secret bool
		text   string
	}{
		"plain":   {false, "hello"},
		"top":     {true, "s3cr3t"},
		"nested":  {true, `{"password":"hunter2","user":"admin"}`},
		"list":    {true, `["a",{"k":"v"}]`},
		"blinded": {true, `{"x":null}`},
	} {
		o := outs[name]
		if o.Secret != want.secret || o.Text() != want.text {
			t.Errorf("%s: secret %v, text %s; want %v, %s", name, o.Secret, o.Text(), want.secret, want.text)
		}
	}
}

func TestSecretValuesForTheRedactor(t *testing.T) {
	t.Parallel()
	got := secretValues(map[string]any{
		"plain":  "hello",
		"nested": map[string]any{"user": "admin", "password": map[string]any{sigKey: secretSig, "plaintext": `"hunter2"`}},
		"list":   []any{map[string]any{sigKey: secretSig, "plaintext": `{"k":"v"}`}},
	})
	sort.Strings(got)
	if want := []string{"hunter2", `{"k":"v"}`}; !slices.Equal(got, want) {
		t.Errorf("secretValues = %q, want %q", got, want)
	}
	// Output stays comparable, as a value type of the API should.
	if (Output{Value: "a"}) != (Output{Value: "a"}) {
		t.Error("equal outputs compare unequal")
	}
}
