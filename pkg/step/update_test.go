package step

import (
	"slices"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

func TestReadUpdateOptions(t *testing.T) {
	t.Parallel()
	const a, b = "urn:pulumi:dev::web::aws:s3/bucket:Bucket::assets", "urn:pulumi:dev::web::aws:sqs/queue:Queue::orders"
	tests := []struct {
		name string
		cfg  Config
		vars map[string]string
		want UpdateOptions
		errs []string
	}{
		{"variables", Config{}, map[string]string{VarTargets: a + "\n\n " + b + " \n", VarReplace: b, VarRefresh: "True", VarParallel: "4"},
			UpdateOptions{Targets: []string{a, b}, Replace: []string{b}, Refresh: true, Parallel: 4}, nil},
		{"the config wins", Config{Update: UpdateOptions{Targets: []string{b}, Parallel: 2}}, map[string]string{VarTargets: a, VarParallel: "8"},
			UpdateOptions{Targets: []string{b}, Parallel: 2}, nil},
		{"runbook switches", Config{}, map[string]string{VarExpectNoChanges: "True", VarRemoveStack: "true"},
			UpdateOptions{ExpectNoChanges: true, RemoveStack: true}, nil},
		{"blank is unset", Config{}, map[string]string{VarTargets: " ", VarRefresh: "", VarParallel: ""}, UpdateOptions{}, nil},
		{"bad values named", Config{}, map[string]string{VarTargets: "assets", VarRefresh: "yes please", VarParallel: "0"},
			UpdateOptions{Targets: []string{"assets"}}, []string{VarTargets + ` lists "assets"`, VarRefresh, VarParallel}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var list []octoenv.Variable
			for k, v := range tt.vars {
				list = append(list, octoenv.Variable{Name: k, Value: v})
			}
			vars, err := octoenv.Merge(nil, list)
			if err != nil {
				t.Fatal(err)
			}
			got, errs := readUpdateOptions(tt.cfg, vars)
			if len(tt.errs) == 0 && (!slices.Equal(got.Targets, tt.want.Targets) || !slices.Equal(got.Replace, tt.want.Replace) || got.Refresh != tt.want.Refresh || got.Parallel != tt.want.Parallel ||
				got.ExpectNoChanges != tt.want.ExpectNoChanges || got.RemoveStack != tt.want.RemoveStack) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %v, want %d naming %v", errs, len(tt.errs), tt.errs)
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), tt.errs[i]) {
					t.Errorf("error %q does not name %q", e, tt.errs[i])
				}
			}
		})
	}
}
