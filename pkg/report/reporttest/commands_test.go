package reporttest

import (
	"testing"
)

// zwsp is U+200B, which report.Defuse inserts to break a command.
const zwsp = "\u200B"

// TestCommandsInFinds: the parsers find what each system acts on, so that
// finding nothing in a step's output means something.
func TestCommandsInFinds(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"::add-mask::x",
		" \t::error title=t::x",
		"\u3000::warning::x",
		"text ##[error]x",
		"##vso[task.setvariable variable=a]b",
		"echo ##vso[task.logissue type=error]x",
		"x ##teamcity[buildProblem description='x']",
		"##octopus[setVariable name='QQ==' value='MQ==']",
	} {
		if len(CommandsIn(in)) == 0 {
			t.Errorf("no command found in %q", in)
		}
	}
	// On ICU the agent finds "##vso[" with U+200B inside, then reads the area at a fixed
	// offset: it starts with '[' and names no command extension.
	c, ok := ParseAzureLine("##vso"+zwsp+"[task.setvariable variable=a]b", true, ICU)
	if !ok || c.Area != "[task" || c.Acts() {
		t.Errorf("ICU model: got %+v, %v; want the area [task, acting on nothing", c, ok)
	}
	if _, ok := ParseAzureLine("##vso"+zwsp+"[task.setvariable variable=a]b", true, Exact); ok {
		t.Error("exact: a command found in a defused line")
	}
	// ':' + U+200B + ':' starts with "::" to ICU; the name then starts with ':'.
	if c, ok := ParseGitHubLine(":"+zwsp+":error::x", ICU); ok {
		t.Errorf("ICU model: %+v found in a defused line", c)
	}
}

func TestCommandsInPlainText(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "Updating (dev)\n  + aws:s3:Bucket created\n", "a::b::c", "##VSO[task.x]", "::unknown::x",
		"##vso[nodot]x", "##vso[other.area]x", "##teamcit#y[", ":" + zwsp + ":error::x",
	} {
		if found := CommandsIn(in); len(found) > 0 {
			t.Errorf("CommandsIn(%q) = %q, want nothing", in, found)
		}
	}
}
