package pulumicmd

import (
	"errors"
	"slices"
	"testing"
)

func TestEnviron(t *testing.T) {
	t.Parallel()
	parent := []string{
		"PATH=/bin", "HOME=/home/o", "LC_ALL=C", "AWS_REGION=eu-west-1",
		"PULUMI_ACCESS_TOKEN=pul-stray", "PULUMI_HOME=/stray", "SECRET_OF_THE_WORKER=x", "NOEQUALS",
	}
	tests := []struct {
		name  string
		env   Env
		extra map[string]string
		want  []string
	}{
		{
			name: "default inherit, owned never inherited",
			env:  Env{Parent: parent},
			want: []string{"AWS_REGION=eu-west-1", "HOME=/home/o", "LC_ALL=C", "PATH=/bin", "PULUMI_SKIP_UPDATE_CHECK=true"},
		},
		{
			name:  "set, extra and owned win in that order",
			env:   Env{Parent: parent, Set: map[string]string{"A": "set", "B": "set"}, Owned: map[string]string{"PULUMI_HOME": "/run/home", "PULUMI_ACCESS_TOKEN": ""}},
			extra: map[string]string{"B": "extra"},
			want:  []string{"A=set", "AWS_REGION=eu-west-1", "B=extra", "HOME=/home/o", "LC_ALL=C", "PATH=/bin", "PULUMI_HOME=/run/home", "PULUMI_SKIP_UPDATE_CHECK=true"},
		},
		{
			name: "no inheritance",
			env:  Env{Parent: parent, Inherit: []string{}},
			want: []string{"PULUMI_SKIP_UPDATE_CHECK=true"},
		},
		{
			name: "more patterns",
			env:  Env{Parent: parent, Inherit: []string{"SECRET_*"}},
			want: []string{"PULUMI_SKIP_UPDATE_CHECK=true", "SECRET_OF_THE_WORKER=x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.env.Environ(tt.extra); !slices.Equal(got, tt.want) {
				t.Errorf("Environ =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestEnvCheck(t *testing.T) {
	t.Parallel()
	var oe *OwnedError
	if err := (Env{Set: map[string]string{"PULUMI_BACKEND_URL": "file:///x"}}).Check(); !errors.As(err, &oe) || oe.Name != "PULUMI_BACKEND_URL" {
		t.Errorf("setting an owned variable: %v, want an *OwnedError naming it", err)
	}
	if err := (Env{Owned: map[string]string{"PATH": "/x"}}).Check(); err == nil {
		t.Error("an owned value for a variable that is not owned was accepted")
	}
	for _, bad := range []string{"", "A=B", "NUL\x00"} {
		if err := (Env{Set: map[string]string{bad: "x"}}).Check(); err == nil {
			t.Errorf("the variable name %q was accepted", bad)
		}
	}
	if err := (Env{Set: map[string]string{"PULUMI_CONFIG_PASSPHRASE": "p"}, Owned: map[string]string{"PULUMI_HOME": "/h"}}).Check(); err != nil {
		t.Errorf("a valid Env: %v", err)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	env := []string{"A=1", "B=x=y", "A=2"}
	if v, ok := Lookup(env, "A"); !ok || v != "2" {
		t.Errorf("Lookup A = %q, %v; the last one wins, as in exec", v, ok)
	}
	if v, ok := Lookup(env, "B"); !ok || v != "x=y" {
		t.Errorf("Lookup B = %q, %v", v, ok)
	}
	if _, ok := Lookup(env, "C"); ok {
		t.Error("Lookup C found something")
	}
}
