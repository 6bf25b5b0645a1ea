// Package report tells the system that runs a step what happened, in that
// system's own terms: Octopus Deploy, GitHub Actions, Azure Pipelines,
// TeamCity, GitLab CI/CD, or plain files for Jenkins and anything else.
//
// A [Reporter] has one small vocabulary — set an output, set a secret
// output, mask a value, attach a file, report progress, record a metric,
// fail with a message, show a Markdown summary — and one implementation per
// [System]:
//
//	system    outputs                        secrets / masking               summary                      files
//	octopus   setVariable service messages   sensitive variables, mask       highlighted log lines        createArtifact
//	github    $GITHUB_OUTPUT                 ::add-mask:: (each line too)    $GITHUB_STEP_SUMMARY         a notice naming the file
//	azure     task.setvariable isoutput      issecret=true, task.setsecret   task.uploadsummary           task.uploadfile
//	teamcity  setParameter                   (none: refused)                 artifact + buildStatus       publishArtifacts (a copy)
//	gitlab    dotenv report                  (none: refused)                 summary.md (expose_as)       copied to the report folder
//	plain     report.json                    (names only: refused)           summary.md                   copied to the report folder
//
// Metrics (the preview's counts) are TeamCity build statistics, a GitLab
// metrics report and report.json entries; elsewhere they are outputs only.
// A request a system cannot honour (a secret where it cannot keep one, a
// multi-line value in a dotenv report) is an [UnsupportedError]: the step
// leaves that output out and says so in the log.
//
// Each format is escaped exactly as its system documents, and tested by
// parsing what was written with an independent parser (package reporttest).
// [Detect] chooses the system from the variables each one sets (Octopus
// only where a Tentacle's or Octopus's own are seen, plain files anywhere
// else); [ParseSystem] reads a flag. Pass the writer [Defuse] returned for
// the log as [Options.Out]: a [CommandWriter] puts each command at the start
// of a line, where GitHub Actions reads it.
// [Build] reads the CI run (branch, pull request, commit, link) from the
// same variables, for naming a review stack and the update's metadata.
//
// [Defuse] is the other half: it breaks every command of every system in
// text that the step did not write itself (Pulumi's log, a program's
// output, an error), so that none of it can set a variable, mask, fail or
// stop the log in any of them.
//
// The Octopus specifics (service messages, their escaping) stay in
// pkg/octoenv; this package composes them with the others.
package report
