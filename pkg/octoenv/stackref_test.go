package octoenv

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("abc ", 40)
	tests := []struct{ in, want string }{
		{"Production", "production"},
		{"Prod (EU) - West", "prod-eu-west"},
		{"  --dev..  ", "dev"},
		{"Produção São Paulo", "producao-sao-paulo"},
		{"Straße Œuvre", "strasse-oeuvre"},
		{"a_b.c", "a_b.c"},
		{"日本", ""},
		{"!!!", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	a, b := NormalizeName(long), NormalizeName(long+"x")
	if len(a) != MaxNameLength || len(b) != MaxNameLength || a == b {
		t.Errorf("long names: %q (%d) and %q (%d) should be %d long and differ", a, len(a), b, len(b), MaxNameLength)
	}
	if NormalizeName(long) != a {
		t.Error("NormalizeName is not stable")
	}
}

func TestParseStackRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    StackRef
		wantErr string
	}{
		{"dev", StackRef{Stack: "dev"}, ""},
		{"acme/dev", StackRef{Organization: "acme", Stack: "dev"}, ""},
		{"acme/web/dev.1_x", StackRef{Organization: "acme", Project: "web", Stack: "dev.1_x"}, ""},
		{"a/b/c/d", StackRef{}, "4 parts"},
		{"acme//dev", StackRef{}, "project part is empty"},
		{"acme/web/dev env", StackRef{}, "stack part"},
		{"ac me/dev", StackRef{}, "organization part"},
		{"", StackRef{}, "stack part is empty"},
		{strings.Repeat("a", 101), StackRef{}, "at most 100"},
	}
	for _, tt := range tests {
		got, err := ParseStackRef(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseStackRef(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.in {
			t.Errorf("ParseStackRef(%q) = %+v (%q), %v", tt.in, got, got.String(), err)
		}
	}
	if got := (StackRef{Project: "p", Stack: "s"}).String(); got != "s" {
		t.Errorf("project without organization: %q", got)
	}
}

func TestStackSelection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		extra    []string
		want     string
		problems string // substring of the error; "" = success
	}{
		{name: "default", want: "acme/web-shop/production"},
		{name: "pulumi project", extra: []string{"Pulumi.Project", "WebShop"}, want: "acme/WebShop/production"},
		{name: "override wins", extra: []string{"Pulumi.Stack", "other/dev", "Pulumi.StackTemplate", "{nope}"}, want: "other/dev"},
		{name: "bad override", extra: []string{"Pulumi.Stack", "a b"}, problems: "Pulumi.Stack is not a usable stack reference"},
		{name: "custom template", extra: []string{"Pulumi.StackTemplate", "{org}/{space}-{environment}"}, want: "acme/default-production"},
		{name: "stack only", extra: []string{"Pulumi.StackTemplate", "{environment}"}, want: "production"},
		{name: "literal", extra: []string{"Pulumi.StackTemplate", "organization/web/{environment}-v2"}, want: "organization/web/production-v2"},
		{name: "unknown placeholder", extra: []string{"Pulumi.StackTemplate", "{org}/{region}"}, problems: "unknown placeholder {region}"},
		{name: "unbalanced", extra: []string{"Pulumi.StackTemplate", "{org}/{env"}, problems: "without a matching"},
		{name: "too many parts", extra: []string{"Pulumi.StackTemplate", "a/b/c/d"}, problems: "4 parts"},
		{name: "bad literal", extra: []string{"Pulumi.StackTemplate", "{org}/my stack"}, problems: "stack part has the character ' '"},
		{name: "tenant untenanted", extra: []string{"Pulumi.StackTemplate", "{environment}-{tenant}"}, problems: "Octopus.Deployment.Tenant.Name is not set"},
		{name: "empty part", extra: []string{"Pulumi.StackTemplate", "{org}//{environment}"}, problems: "project part is empty"},
		{name: "bad organization", extra: []string{"Pulumi.Organization", "acme corp"}, problems: "Pulumi.Organization"},
		{name: "unusable environment", extra: []string{"Octopus.Environment.Slug", "", "Octopus.Environment.Name", "生产"}, problems: "Octopus.Environment.Name has no letters or digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewContext(varsOf(t, deploymentVars(tt.extra...)...))
			if tt.problems != "" {
				var ve *ValidationError
				if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.problems) {
					t.Fatalf("error = %v, want a *ValidationError containing %q", err, tt.problems)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Stack.String(); got != tt.want {
				t.Errorf("stack = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStackFromTemplate(t *testing.T) {
	t.Parallel()
	c, err := NewContext(varsOf(t, deploymentVars("Pulumi.Stack", "x")...))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.StackFromTemplate("{project}-{environment}")
	if err != nil || ref.String() != "web-shop-production" {
		t.Errorf("StackFromTemplate = %q, %v", ref.String(), err)
	}
	if _, err := c.StackFromTemplate("{tenant}"); err == nil {
		t.Error("StackFromTemplate({tenant}) succeeded for an untenanted deployment")
	}
}

// FuzzNormalizeName checks NormalizeName never panics, always yields a valid Pulumi name
// or "", and is stable and idempotent.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Production", "Prod (EU)", "Produção", "日本", "", "--a--", strings.Repeat("x", 150), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		if n != NormalizeName(s) {
			t.Fatal("not stable")
		}
		if n == "" {
			return
		}
		if err := checkName(n); err != nil {
			t.Fatalf("NormalizeName(%q) = %q: %v", s, n, err)
		}
		if len(n) < MaxNameLength && NormalizeName(n) != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, NormalizeName(n))
		}
		if _, err := ParseStackRef(n); err != nil {
			t.Fatalf("ParseStackRef(%q): %v", n, err)
		}
	})
}
