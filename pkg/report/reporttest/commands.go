package reporttest

import (
	"fmt"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
)

// CommandsIn describes every command of any system that one of the parsers
// finds in log and that its system would act on: Octopus service messages
// (octoenv's parser, which follows Calamari), GitHub workflow commands and
// Azure logging commands in either [Mode] (Azure with DECODE_PERCENTS on),
// Azure's log-viewer formatting commands ("##[", found ordinally, in a
// browser), and TeamCity service messages found leniently, as TeamCity
// does. An empty result means that log, printed by a step, changes nothing
// in any of them.
func CommandsIn(log string) []string {
	var found []string
	var p octoenv.Parser
	msgs, errs := p.Feed(log)
	for _, m := range msgs {
		found = append(found, fmt.Sprintf("octopus %v", m))
	}
	for _, e := range errs {
		found = append(found, fmt.Sprintf("octopus error %v", e))
	}
	if p.Pending() {
		found = append(found, "octopus: a message left open")
	}
	for _, line := range NetLines(log) {
		for _, mode := range []Mode{Exact, ICU} {
			if c, ok := ParseGitHubLine(line, mode); ok {
				found = append(found, fmt.Sprintf("github (%v) %+v in %q", mode, c, line))
			}
			if c, ok := ParseAzureLine(line, true, mode); ok && c.Acts() {
				found = append(found, fmt.Sprintf("azure (%v) %+v in %q", mode, c, line))
			}
		}
		if strings.Contains(line, "##[") {
			found = append(found, fmt.Sprintf("azure formatting command in %q", line))
		}
		for _, m := range teamCityFind(line) {
			found = append(found, fmt.Sprintf("teamcity %q", m))
		}
	}
	return found
}
