package step_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/internal/testbed"
	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/step"
)

func vars(t *testing.T, extra ...octoenv.Variable) *octoenv.Variables {
	t.Helper()
	v, err := octoenv.Merge(nil, append([]octoenv.Variable{
		{Name: octoenv.VarProjectName, Value: "Web Shop"},
		{Name: octoenv.VarEnvironmentName, Value: "Staging"},
		{Name: octoenv.VarConfigPassphrase, Value: testbed.Passphrase, Sensitive: true},
	}, extra...))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPrepareRefusesForeignProject(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	_, err := step.Prepare(context.Background(), step.Config{
		Program: bed.Program(t, "two-files"),
		Vars:    vars(t, octoenv.Variable{Name: octoenv.VarProject, Value: "web-shop"}),
		Backend: bed.Backend,
		Pulumi:  bed.Tools.Pulumi,
	})
	if err == nil || !strings.Contains(err.Error(), `"two-files"`) || !strings.Contains(err.Error(), octoenv.VarProject) {
		t.Fatalf("err = %v, want one saying the project must be two-files", err)
	}
}

func TestPrepareNeedsAProgram(t *testing.T) {
	t.Parallel()
	_, err := step.Prepare(context.Background(), step.Config{Program: t.TempDir(), Vars: vars(t)})
	if err == nil || !strings.Contains(err.Error(), "Pulumi.yaml") {
		t.Fatalf("err = %v, want one saying the folder holds no Pulumi.yaml", err)
	}
}

// The stack for a self-managed backend: organization "organization", the
// program's project, the environment. A script step exports every variable
// it hands over, set or not: blank ones count as unset, not as overrides.
func TestPrepareDerivesStackForSelfManagedBackend(t *testing.T) {
	t.Parallel()
	for name, extra := range map[string][]octoenv.Variable{
		"unset": nil,
		"blank": {
			{Name: octoenv.VarOrganization, Value: ""},
			{Name: octoenv.VarProject, Value: " "},
			{Name: octoenv.VarStack, Value: ""},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bed := testbed.New(t)
			s, err := step.Prepare(context.Background(), step.Config{
				Program:    bed.Program(t, "two-files"),
				Vars:       vars(t, extra...),
				Backend:    bed.Backend,
				Pulumi:     bed.Tools.Pulumi,
				PulumiHome: bed.Home,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Stack != "organization/two-files/staging" {
				t.Errorf("stack %q, want organization/two-files/staging", s.Stack)
			}
		})
	}
}

func TestPrepareInstallsForRuntimesThatNeedIt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		runtime string
		mode    step.Install
		want    bool
	}{
		{"yaml", step.InstallAuto, false},
		{"nodejs", step.InstallAuto, true},
		{"{name: python, options: {toolchain: uv}}", step.InstallAuto, true},
		{"yaml", step.InstallAlways, true},
		{"nodejs", step.InstallNever, false},
	}
	for _, tc := range cases {
		t.Run(tc.runtime+"/"+string(tc.mode), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: app\nruntime: "+tc.runtime+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// A stand-in pulumi that records what it is asked to do.
			record := filepath.Join(dir, "calls")
			fake := filepath.Join(t.TempDir(), "pulumi")
			if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"$1\" >> "+record+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			s, err := step.Prepare(context.Background(), step.Config{
				Program: dir, Vars: vars(t), Backend: "file://" + t.TempDir(), Pulumi: fake,
				PulumiHome: t.TempDir(), Install: tc.mode,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			calls, _ := os.ReadFile(record)
			if got := strings.Contains(string(calls), "install"); got != tc.want {
				t.Errorf("pulumi install ran: %v, want %v (calls: %q)", got, tc.want, calls)
			}
		})
	}
}

func TestPrepareRejectsUnknownInstallMode(t *testing.T) {
	t.Parallel()
	_, err := step.Prepare(context.Background(), step.Config{Program: t.TempDir(), Vars: vars(t), Install: "sometimes"})
	if err == nil || !strings.Contains(err.Error(), "auto, always or never") {
		t.Fatalf("err = %v, want one listing the modes", err)
	}
}

func TestPrepareRefusesForeignOrganizationOnSelfManagedBackend(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	_, err := step.Prepare(context.Background(), step.Config{
		Program: bed.Program(t, "two-files"),
		Vars:    vars(t, octoenv.Variable{Name: octoenv.VarOrganization, Value: "acme"}),
		Backend: bed.Backend + "?secret=zz-query-secret",
		Pulumi:  bed.Tools.Pulumi,
	})
	if err == nil || !strings.Contains(err.Error(), `"organization"`) || !strings.Contains(err.Error(), octoenv.VarOrganization) {
		t.Fatalf("err = %v, want one saying a self-managed backend has only the organization \"organization\"", err)
	}
	if strings.Contains(err.Error(), "zz-query-secret") {
		t.Error("the error shows the backend URL's query")
	}
}

// The committed stack config is honoured where the project keeps it,
// including a stackConfigDir; a dangling symlink in its place is an error.
func TestDeployReadsCommittedConfigFromStackConfigDir(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	f, err := os.OpenFile(filepath.Join(dir, "Pulumi.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("stackConfigDir: config\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "Pulumi.staging.yaml"), []byte("config:\n  two-files:greeting: from-config-dir\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := step.Config{Program: dir, Vars: vars(t), Backend: bed.Backend, Pulumi: bed.Tools.Pulumi, PulumiHome: bed.Home}
	s, err := step.Prepare(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deploy(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, "out", "first.txt")); string(b) != "from-config-dir" {
		t.Errorf("first.txt = %q, want the committed config's greeting", b)
	}

	stackFile := filepath.Join(dir, "config", "Pulumi.staging.yaml")
	if err := os.Remove(stackFile); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere.yaml"), stackFile); err != nil {
		t.Fatal(err)
	}
	if _, err := step.Prepare(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Prepare with a dangling stack config symlink: %v, want an error saying so", err)
	}
}
