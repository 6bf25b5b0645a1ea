package reporttest

import (
	"slices"
	"strings"
)

// The Azure agent's side, written from microsoft/azure-pipelines-agent:
// src/Microsoft.VisualStudio.Services.Agent/Command.cs (TryParse),
// src/Agent.Sdk/CommandStringConvertor.cs (Unescape),
// src/Agent.Worker/WorkerCommandManager.cs and the command extensions'
// CommandArea values (which areas act, matched ignoring case).

// azureAreas are the areas of the agent's command extensions.
var azureAreas = []string{"artifact", "build", "codecoverage", "plugininternal", "release", "results", "task", "telemetry"}

// AzureCommand is a logging command as the agent reads it.
type AzureCommand struct {
	// Area and Event are the command's "area.event", as written; the agent
	// matches them ignoring case.
	Area, Event string
	// Properties holds the command's properties, unescaped, keys in lower
	// case (the agent ignores their case). It is never nil.
	Properties map[string]string
	// Data is the text after the command's "]", unescaped.
	Data string
}

// Acts reports whether one of the agent's command extensions takes c: its
// area is one the agent registers.
func (c AzureCommand) Acts() bool {
	return slices.ContainsFunc(azureAreas, func(a string) bool { return strings.EqualFold(a, c.Area) })
}

// azureUnescape is CommandStringConvertor.Unescape; decodePercents is the
// agent's DECODE_PERCENTS setting (on unless set to false).
func azureUnescape(s string, decodePercents bool) string {
	s = replaceAll(s, "%3B", ";", "%0D", "\r", "%0A", "\n", "%5D", "]")
	if decodePercents {
		s = strings.ReplaceAll(s, "%AZP25", "%")
	}
	return s
}

// ParseAzureLine reads one line as Command.TryParse does, and reports
// whether it succeeds. A command it reads acts only if [AzureCommand.Acts].
func ParseAzureLine(line string, decodePercents bool, mode Mode) (AzureCommand, bool) {
	n := toNet(line)
	start := n.indexOf("##vso[", 0, mode)
	if start < 0 {
		return AzureCommand{}, false
	}
	rb := slices.Index(n[start:], ']')
	cmd := start + len("##vso[")
	if rb < 0 || start+rb < cmd { // Substring with a negative length throws
		return AzureCommand{}, false
	}
	info := n[cmd : start+rb].String()
	name, props, hasProps := strings.Cut(info, " ")
	areaEvent := netSplit(name, '.')
	if len(areaEvent) != 2 {
		return AzureCommand{}, false
	}
	c := AzureCommand{Area: areaEvent[0], Event: areaEvent[1], Properties: map[string]string{}}
	if hasProps && name != "" {
		for _, p := range netSplit(props, ';') {
			if kv := netSplit2(p, '='); len(kv) == 2 {
				c.Properties[strings.ToLower(kv[0])] = azureUnescape(kv[1], decodePercents)
			}
		}
	}
	c.Data = azureUnescape(n[start+rb+1:].String(), decodePercents)
	return c, true
}

// AzureCommands returns the commands the agent would act on in log, what a
// step wrote to its standard output, read a line at a time as the agent
// reads it ([NetLines]). Lines that hold no command, or one no extension
// takes, are passed over.
func AzureCommands(log string, decodePercents bool, mode Mode) []AzureCommand {
	var cmds []AzureCommand
	for _, line := range NetLines(log) {
		if c, ok := ParseAzureLine(line, decodePercents, mode); ok && c.Acts() {
			cmds = append(cmds, c)
		}
	}
	return cmds
}
