package octoenv

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestConfigFromVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		kv       []string
		want     []ConfigValue
		problems []string // variables named in problems
	}{
		{
			name: "mapping",
			kv: []string{
				"Pulumi.Config.aws:region", "eu-west-1",
				"!Pulumi.Config.app:db.password", "s3cret",
				"pulumi.config.app:db.port", "5432",
				"Pulumi.Config.app:hosts[0]", "a",
				"Pulumi.Config.replicas", "3",
				"Pulumi.ConfigPassphrase", "not config",
				"Other", "x",
			},
			want: []ConfigValue{
				{Key: "app:db.password", Value: "s3cret", Secret: true, Path: true},
				{Key: "app:db.port", Value: "5432", Path: true},
				{Key: "app:hosts[0]", Value: "a", Path: true},
				{Key: "aws:region", Value: "eu-west-1"},
				{Key: "replicas", Value: "3"},
			},
		},
		{
			name: "namespace with dot is not a path",
			kv:   []string{"Pulumi.Config.my.pkg:key", "v"},
			want: []ConfigValue{{Key: "my.pkg:key", Value: "v"}},
		},
		{
			name: "problems",
			kv: []string{
				"Pulumi.Config.", "x",
				"Pulumi.Config.:k", "x",
				"Pulumi.Config.ns:", "x",
				"Pulumi.Config.a b", "x",
				"Pulumi.Config.app:.x", "x",
				"Pulumi.Config.app:x.", "x",
			},
			problems: []string{"Pulumi.Config.", "Pulumi.Config.:k", "Pulumi.Config.ns:", "Pulumi.Config.a b", "Pulumi.Config.app:.x", "Pulumi.Config.app:x."},
		},
		{
			name:     "plain key overwritten by path key",
			kv:       []string{"Pulumi.Config.app:db", "{}", "Pulumi.Config.app:db.port", "1", "Pulumi.Config.app:dbx", "2"},
			problems: []string{"Pulumi.Config.app:db.port"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ConfigFromVariables(varsOf(t, tt.kv...))
			if len(tt.problems) > 0 {
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("error = %v, want *ValidationError", err)
				}
				var names []string
				for _, p := range ve.Problems {
					names = append(names, p.Variable)
				}
				if !slices.Equal(names, tt.problems) {
					t.Errorf("problems for %q, want %q (%v)", names, tt.problems, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("config =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
	if got, err := ConfigFromVariables(nil); got != nil || err != nil {
		t.Errorf("ConfigFromVariables(nil) = %v, %v", got, err)
	}
	_, err := ConfigFromVariables(varsOf(t, "!Pulumi.Config.a b", "hunter2"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v must exist and hide the value", err)
	}
}
