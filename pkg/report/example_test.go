package report_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/octopulumi/octopulumi/pkg/report"
	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

// A step in a GitHub Actions job: the log is defused (the program's text
// runs no workflow command), the reporter's own commands start lines in it,
// outputs go to $GITHUB_OUTPUT, a secret one masked first.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "octopulumi-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	outputs := filepath.Join(dir, "output")
	if err := os.WriteFile(outputs, nil, 0o600); err != nil {
		panic(err)
	}
	env := []string{"GITHUB_ACTIONS=true", "GITHUB_OUTPUT=" + outputs}

	var stdout bytes.Buffer
	log := report.Defuse(&stdout)
	r, err := report.New(report.Detect(env), report.Options{Out: log, Environ: env})
	if err != nil {
		panic(err)
	}
	fmt.Fprint(log, "a program printed ::set-output name=x::1 and ")
	if err := r.SetSecretOutput("password", "hunter2"); err != nil {
		panic(err)
	}
	if err := r.SetOutput("Pulumi.Preview.Changes", "3"); err != nil {
		panic(err)
	}
	fmt.Fprintln(log, "::stop-commands::x")

	data, err := os.ReadFile(outputs)
	if err != nil {
		panic(err)
	}
	got, err := reporttest.GitHubOutputs(string(data), false)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.System(), got["Pulumi.Preview.Changes"], got["password"])
	for _, c := range reporttest.GitHubCommands(stdout.String(), reporttest.Exact) {
		fmt.Println(c.Name, c.Value)
	}
	// Output:
	// github 3 hunter2
	// add-mask hunter2
}
