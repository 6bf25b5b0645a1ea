package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Build information, set at link time by `make dist`
// (-X github.com/octopulumi/octopulumi/adapters/octopulumi/cli.Version=…).
var (
	// Version is octopulumi's version (SemVer).
	Version = "dev"
	// Commit is the git commit it was built from.
	Commit = ""
	// PulumiVersion is the Pulumi CLI version it was tested with.
	PulumiVersion = ""
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print octopulumi's version, commit, and the Pulumi CLI version it was tested with",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			commit := Commit
			if commit == "" {
				commit = vcsRevision()
			}
			fmt.Fprintf(a.out, "octopulumi %s (commit %s, %s/%s, %s)\n", Version, orUnknown(commit), runtime.GOOS, runtime.GOARCH, runtime.Version())
			fmt.Fprintf(a.out, "tested with Pulumi CLI %s\n", orUnknown(PulumiVersion))
			return nil
		},
	}
}

// vcsRevision is the commit a `go build` in a checkout records.
func vcsRevision() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
