// Package octoenv is the Octopus Deploy runtime for octopulumi: Octopus variables in, as a
// typed deployment [Context], and Octopus service messages out, through a [Writer].
//
// It imports nothing else of octopulumi and no CLI framework, so a tool builder can use it
// on its own.
//
// # Variables in
//
// Octopus does not export its variables to child processes. A Run a Script step hands them
// over in one of three ways, and [Load] combines them with this precedence, lowest first:
//
//  1. JSON: one object of variable name → string value, read from stdin or a file
//     ([WithJSON]); what `ConvertTo-Json -InputObject $OctopusParameters` yields in
//     PowerShell. Size-bounded ([DefaultMaxJSONBytes]); malformed JSON, duplicate keys
//     (names are case-insensitive), non-string values (null reads as ""), invalid UTF-8
//     and empty names are errors with the byte offset ([JSONError]), and with the source's
//     name when it was given one ([WithJSONNamed], e.g. "stdin (--variables-json -)").
//  2. Environment: OCTOPULUMI_VAR_<encoded name> and OCTOPULUMI_SECRET_<encoded name>
//     ([EnvName]: letters and digits kept, '.' as "__", any other byte as '_' and two hex
//     digits, so Pulumi.Config.aws:region is OCTOPULUMI_VAR_Pulumi__Config__aws_3Aregion),
//     and short aliases for the variables this package understands ([EnvAliases]):
//     OCTOPULUMI_ORGANIZATION, OCTOPULUMI_PROJECT, OCTOPULUMI_STACK,
//     OCTOPULUMI_STACK_TEMPLATE, OCTOPULUMI_SENSITIVE_VARIABLES,
//     OCTOPULUMI_LITERAL_VARIABLES, and the sensitive
//     OCTOPULUMI_ACCESS_TOKEN, OCTOPULUMI_CONFIG_PASSPHRASE and OCTOPULUMI_OIDC_TOKEN.
//     All are valid Bash names.
//  3. Explicit: name/value pairs, e.g. from flags ([ParsePairs], [WithVariables]).
//
// A later source wins for the same name. Sensitivity is sticky: a variable marked sensitive
// anywhere stays sensitive. It can be expressed in every source: a sensitive JSON object
// ([WithSensitiveJSON]), the OCTOPULUMI_SECRET_ prefix, [Variable.Sensitive] for explicit
// variables, and for all of them the variable Octopulumi.SensitiveVariables (names separated
// by newlines or commas; lists from every source add up) or [WithSensitiveNames].
// Pulumi.AccessToken, Pulumi.ConfigPassphrase and every *.OpenIdConnect.Jwt are always
// sensitive. Sensitive values never appear in errors or logs; [Variables.SensitiveValues]
// lists them for masking.
//
// [Script] generates the Bash and PowerShell lines a step needs: Bash exports each named
// variable read with get_octopusvariable; PowerShell pipes all of $OctopusParameters as JSON
// to stdin. Secrets travel through the environment or stdin, never a file or the script body.
// For names a script learns only when it runs, [BashEnvNameFunc] is EnvName in Bash.
//
// # The context
//
// [NewContext] reads the Octopus system variables into typed fields (space, project,
// environment, tenant, release, deployment, runbook, task, step, server, machine, package
// paths by reference from Octopus.Action.Package[<ref>].ExtractedPath), derives the stack
// reference and the stack config, and reports every missing or malformed variable at once
// in a [ValidationError], each named by its Octopus variable name. Every variable stays
// reachable by name through [Context.Vars].
//
// The stack reference is Pulumi.Stack when set ("stack", "org/stack" or
// "org/project/stack"), else Pulumi.StackTemplate, else [DefaultStackTemplate]
// ({org}/{project}/{environment}) or, for a tenanted deployment,
// [DefaultTenantStackTemplate] ({org}/{project}/{environment}-{tenant}). {org} is
// Pulumi.Organization and {project} is Pulumi.Project (both used as given, and checked);
// failing that {project} is the Octopus project. Octopus names go through [NormalizeName]:
// lower case, letters, digits, '-', '_' and '.', stable for the same input.
//
// A value that still holds an Octostache expression, "#{…}" (or an unclosed "#{"), is one
// Octopus could not substitute: a missing variable, a typo, a step whose name changed
// ([Unsubstituted]). NewContext refuses it in every variable it reads or passes on (the
// Octopus system variables, package paths, Pulumi.* settings, Pulumi.Config.* values, the
// access token, the passphrase, OIDC JWTs), naming the variable and the expression, and
// for a sensitive variable never its value. A value that really holds "#{" is taken as
// it is when its variable is listed in Octopulumi.LiteralVariables (names separated by
// newlines or commas, read like Octopulumi.SensitiveVariables). Octostache writes "##{x}"
// to produce a literal "#{x}", so a variable defined that way arrives holding "#{x}" and
// must be listed too.
//
// Variables named Pulumi.Config.<key> become [ConfigValue]s: Pulumi.Config.aws:region sets
// aws:region; a key whose name holds '.' or '[' is a path (Pulumi.Config.app:db.port sets
// port inside app:db, Path true); a sensitive variable becomes a secret. A config value
// holding a NUL byte is refused: Pulumi cannot pass it to a program.
//
// # Service messages out
//
// A [Writer] writes ##octopus[<name> attr='<base64 of UTF-8>' …] lines, one message per
// line, safe for concurrent use: output variables, artifacts, the result message, progress,
// masks and log level switches. A later step reads an output variable published with
// SetVariable("Url", …) by the step "Deploy infra" as
//
//	#{Octopus.Action[Deploy infra].Output.Url}
//
// ([OutputReference] builds that text), e.g. in a Manual Intervention's instructions or a
// later script. [ParseLine], [Parser] and [Scan] read messages the way Calamari does, so
// tests and tools can check what Octopus will see: ParseLine(m.String()) equals m for every
// valid message.
//
// Only a Writer may speak to Octopus: Octopus acts on a "##octopus" anywhere in the task
// log, so every other text a step prints (Pulumi's output, the program's, errors, logs)
// goes through [Defuse], and text that reaches the log some other way (a result message,
// a Markdown summary) through [DefuseString]. Both put U+200B ZERO WIDTH SPACE before the
// final 's' of every "##octopus", line endings ignored and across writes, so the text
// reads the same and Octopus finds no message in it.
//
// # Performance
//
// BenchmarkContextFromJSON loads a 20,000-variable JSON source (1.7 MB) into a validated
// Context with its config list (about 4,000 config values, 2,000 package paths). Measured
// on a 2-core AMD EPYC machine shared with other builds (load average 6 to 8): 8.3 to
// 16 ms/op (9.4 ms/op median of five runs when the load eased), 8.4 MB/op,
// 31,179 allocs/op; the targets are 20 ms/op and 30 MB/op. Reproduce with
//
//	go test -run '^$' -bench BenchmarkContextFromJSON -benchmem -count 5 ./pkg/octoenv/
package octoenv
