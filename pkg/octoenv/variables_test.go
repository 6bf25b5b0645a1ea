package octoenv

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestMerge(t *testing.T) {
	t.Parallel()
	low := []Variable{{Name: "A", Value: "json"}, {Name: "Secret", Value: "s1", Sensitive: true}, {Name: "Listed", Value: "l"}}
	high := []Variable{{Name: "a", Value: "explicit"}, {Name: "secret", Value: "s2"}}
	v, err := Merge(nil, low, high)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		value     string
		sensitive bool
		ok        bool
	}{
		{"A", "explicit", false, true},
		{"SECRET", "s2", true, true}, // sticky sensitivity
		{"Listed", "l", false, true},
		{"Missing", "", false, false},
	}
	for _, tt := range tests {
		got, ok := v.Lookup(tt.name)
		if ok != tt.ok || got.Value != tt.value || got.Sensitive != tt.sensitive {
			t.Errorf("Lookup(%q) = %+v, %v; want value %q sensitive %v ok %v", tt.name, got, ok, tt.value, tt.sensitive, tt.ok)
		}
	}
	if v.Len() != 3 {
		t.Errorf("Len() = %d, want 3", v.Len())
	}
	if _, err := Merge(nil, []Variable{{Name: " "}}); err == nil {
		t.Error("Merge accepted an empty name")
	}
}

func TestMergeSensitiveConventions(t *testing.T) {
	t.Parallel()
	json := []Variable{
		{Name: VarSensitiveVariables, Value: "Db.Password,\nApi.Key"},
		{Name: "Db.Password", Value: "p"},
		{Name: "Api.Key", Value: "k"},
		{Name: "Other", Value: "o"},
		{Name: "Named", Value: "n"},
		{Name: "Pulumi.AccessToken", Value: "pul-x"},
		{Name: "AzureAccount.OpenIdConnect.Jwt", Value: "jwt"},
		{Name: "Plain", Value: "p"}, // same value as Db.Password: listed once in SensitiveValues
	}
	// A later layer overriding the list adds to it, never removes.
	env := []Variable{{Name: VarSensitiveVariables, Value: "Other"}}
	v, err := Merge([]string{"named"}, json, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Db.Password", "Api.Key", "Other", "Named", "Pulumi.AccessToken", "AzureAccount.OpenIdConnect.Jwt"} {
		if !v.Sensitive(name) {
			t.Errorf("%s is not sensitive", name)
		}
	}
	if v.Sensitive("Plain") || v.Sensitive(VarSensitiveVariables) {
		t.Error("a plain variable became sensitive")
	}
	got := v.SensitiveValues()
	slices.Sort(got)
	want := []string{"jwt", "k", "n", "o", "p", "pul-x"}
	if !slices.Equal(got, want) {
		t.Errorf("SensitiveValues() = %q, want %q", got, want)
	}
}

func TestSplitNames(t *testing.T) {
	t.Parallel()
	got := SplitNames(" A ,\r\nB\n\n, ,C")
	if !slices.Equal(got, []string{"A", "B", "C"}) {
		t.Errorf("SplitNames = %q", got)
	}
}

func TestParsePairs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pairs   []string
		want    []Variable
		wantErr string
	}{
		{"ok", []string{"A=1", "B=x=y", "C="}, []Variable{{Name: "A", Value: "1"}, {Name: "B", Value: "x=y"}, {Name: "C"}}, ""},
		{"no equals", []string{"A=1", "hunter2"}, nil, "pair 2 has no '='"},
		{"empty name", []string{"=hunter2"}, nil, "pair 1 has an empty name"},
		{"twice", []string{"A=1", "a=2"}, nil, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePairs(tt.pairs, false)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error = %v, want one containing %q and no value", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParsePairs = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestLoadPrecedence is the documented precedence: JSON < environment < explicit.
func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	json := `{"Only.Json":"j","Json.Env":"j","Json.Env.Explicit":"j","Json.Explicit":"j","Secret.In.Json":"s"}`
	secretJSON := `{"Secret.In.Json":"s2","Sensitive.Obj":"x"}`
	environ := []string{
		"PATH=/usr/bin",
		EnvName("Json.Env", false) + "=e",
		EnvName("Json.Env.Explicit", false) + "=e",
		EnvName("Env.Only", true) + "=e",
	}
	explicit, err := ParsePairs([]string{"Json.Env.Explicit=x", "Json.Explicit=x"}, false)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Load(context.Background(),
		WithJSON(strings.NewReader(json)),
		WithSensitiveJSON(strings.NewReader(secretJSON)),
		WithEnviron(environ),
		WithVariables(explicit...),
		WithVariables(Variable{Name: "Late", Value: "y", Sensitive: true}),
		WithSensitiveNames("Only.Json"),
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string
		sensitive  bool
	}{
		{"Only.Json", "j", true},
		{"Json.Env", "e", false},
		{"Json.Env.Explicit", "x", false},
		{"Json.Explicit", "x", false},
		{"Env.Only", "e", true},
		{"Secret.In.Json", "s2", true},
		{"Sensitive.Obj", "x", true},
		{"Late", "y", true},
	}
	for _, tt := range tests {
		got, ok := v.Lookup(tt.name)
		if !ok || got.Value != tt.want || got.Sensitive != tt.sensitive {
			t.Errorf("%s = %+v (set %v), want %q sensitive %v", tt.name, got, ok, tt.want, tt.sensitive)
		}
	}
	if _, ok := v.Lookup("PATH"); ok {
		t.Error("an unrelated environment variable was read")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"nil reader", []Option{WithJSON(nil)}, "nil reader"},
		{"bad limit", []Option{WithMaxJSONBytes(0)}, "must be positive"},
		{"nil logger", []Option{WithLogger(nil)}, "nil logger"},
		{"too large", []Option{WithMaxJSONBytes(4), WithJSON(strings.NewReader(`{"A":"1"}`))}, "more than 4 bytes"},
		{"both sources bad", []Option{
			WithJSON(strings.NewReader(`{"A":1}`)),
			WithEnviron([]string{EnvVarPrefix + "A_ZZ=1"}),
		}, "JSON source 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(context.Background(), tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	_, err := Load(context.Background(), WithJSON(strings.NewReader(`{"A":1}`)), WithEnviron([]string{EnvVarPrefix + "A_ZZ=1"}))
	var je *JSONError
	if !errors.As(err, &je) || !strings.Contains(err.Error(), EnvVarPrefix+"A_ZZ") {
		t.Errorf("joined error %v should hold the JSON error and name the environment variable", err)
	}
}

// TestLoadNamesJSONSource: every error about a named JSON source says which input it is,
// so a user knows whether to fix stdin, a file or a flag.
func TestLoadNamesJSONSource(t *testing.T) {
	t.Parallel()
	const name = "stdin (--variables-json -)"
	boom := errors.New("boom")
	tests := []struct {
		name     string
		opt      Option
		opts     []Option
		want     string
		wantJSON bool
	}{
		{name: "malformed", opt: WithJSONNamed(name, strings.NewReader(`{"Octopus.Space.Id": 1}`)),
			want: `octoenv: the variables JSON from stdin (--variables-json -): byte 21: variable "Octopus.Space.Id": value is a number`, wantJSON: true},
		{name: "malformed sensitive", opt: WithSensitiveJSONNamed(name, strings.NewReader(`[`)),
			want: "octoenv: the variables JSON from stdin (--variables-json -): byte 0: expected '{'", wantJSON: true},
		{name: "too large", opt: WithJSONNamed(name, strings.NewReader(`{"A":"1"}`)), opts: []Option{WithMaxJSONBytes(4)},
			want: "the variables JSON from stdin (--variables-json -): more than 4 bytes"},
		{name: "read error", opt: WithSensitiveJSONNamed(name, iotest.ErrReader(boom)),
			want: "octoenv: reading the variables JSON from stdin (--variables-json -): boom"},
		{name: "nil reader", opt: WithJSONNamed(name, nil), want: "octoenv: WithJSONNamed: nil reader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(context.Background(), append(tt.opts, tt.opt)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			var je *JSONError
			if errors.As(err, &je) != tt.wantJSON || (tt.wantJSON && je.Source != name) {
				t.Errorf("error %v: *JSONError %v with Source %q", err, tt.wantJSON, name)
			}
		})
	}
}

func TestLoadCanceled(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe() // never written: a stdin nobody pipes into
	defer pw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Load(ctx, WithJSONNamed("stdin (--variables-json -)", pr))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "from stdin (--variables-json -)") {
		t.Fatalf("error = %v, want context.DeadlineExceeded naming stdin", err)
	}
}
