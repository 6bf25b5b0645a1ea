package reporttest_test

import (
	"fmt"

	"github.com/octopulumi/octopulumi/pkg/report/reporttest"
)

func ExampleGitHubCommands() {
	log := "Updating (dev)\n::add-mask::s3cr3t\n  + aws:s3:Bucket created\n::error title=Pulumi::up failed%0Asee the log\n"
	for _, c := range reporttest.GitHubCommands(log, reporttest.ICU) {
		fmt.Printf("%s %v %q\n", c.Name, c.Properties, c.Value)
	}
	// Output:
	// add-mask map[] "s3cr3t"
	// error map[title:Pulumi] "up failed\nsee the log"
}

func ExampleGitHubOutputs() {
	file := "changes=3\nsummary<<ghadelimiter_1\ntwo\nlines\nghadelimiter_1\n"
	outputs, err := reporttest.GitHubOutputs(file, false)
	fmt.Printf("%q %v\n", outputs, err)
	// Output:
	// map["changes":"3" "summary":"two\nlines"] <nil>
}

func ExampleTeamCityMessages() {
	msgs, err := reporttest.TeamCityMessages("Compiling\n##teamcity[setParameter name='Pulumi.Changes' value='it|'s 3']\n")
	fmt.Printf("%+v %v\n", msgs, err)
	// Output:
	// [{Name:setParameter Value: Attrs:map[name:Pulumi.Changes value:it's 3]}] <nil>
}

func ExampleCommandsIn() {
	fmt.Println(len(reporttest.CommandsIn("plain text\nand more")))
	// The agent finds this one whichever way it matches: two findings.
	fmt.Println(len(reporttest.CommandsIn("echo ##vso[task.complete result=Failed]")))
	// Output:
	// 0
	// 2
}
