package reporttest

import (
	"maps"
	"strings"
	"testing"
)

// FuzzParsers runs every parser over any text: none panics, and each keeps its own promises
// (GitHubOutputs is GitHubOutputPairs with the last value winning, AzureCommands returns only
// commands that act, properties are never nil, TeamCityMessages finds a message on every line
// that opens one).
func FuzzParsers(f *testing.F) {
	for _, s := range []string{
		"::error title=a::x\n##[warning]y", "a=1\nb<<EOF\nx\r\nEOF\r\na=2", "##vso[task.setsecret]s\n##vso[x.y]z",
		"##teamcity[m a='|0x00e9']\r\n##teamcity[n 'x']", "A=1\nB=$$x", "# TYPE a gauge\na 1\n# EOF\n", "#\u200B#vso[a.b]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, windows := range []bool{false, true} {
			pairs, perr := GitHubOutputPairs(s, windows)
			outputs, oerr := GitHubOutputs(s, windows)
			want := map[string]string{}
			for _, p := range pairs {
				want[p.Name] = p.Value
			}
			if (perr == nil) != (oerr == nil) || (oerr == nil && !maps.Equal(outputs, want)) {
				t.Fatalf("GitHubOutputs(%q) = %q, %v; the pairs give %q, %v", s, outputs, oerr, want, perr)
			}
		}
		for _, mode := range []Mode{Exact, ICU} {
			for _, c := range GitHubCommands(s, mode) {
				if c.Properties == nil {
					t.Fatalf("%v: %+v has nil properties", mode, c)
				}
			}
			for _, c := range AzureCommands(s, true, mode) {
				if !c.Acts() || c.Properties == nil {
					t.Fatalf("%v: AzureCommands returned %+v", mode, c)
				}
			}
		}
		if msgs, err := TeamCityMessages(s); err == nil && len(msgs) != strings.Count(s, teamCityOpen) {
			t.Fatalf("TeamCityMessages(%q) = %d messages", s, len(msgs))
		}
		_, _ = GitLabDotenv([]byte(s))
		_, _ = OpenMetrics(s)
		_, _ = ReadPlainReport([]byte(s))
		_ = CommandsIn(s)
	})
}
