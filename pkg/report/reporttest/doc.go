// Package reporttest reads what a step writes as each CI system reads it, so
// that tests can check that a reporter's output means what it should to the
// system, and that text a step only passes through (Pulumi's log) means
// nothing to any system.
//
// Each parser here is written from the system's own documentation or source,
// independently of package report (which it does not import), and each file
// names what it follows:
//
//   - GitHub Actions: workflow commands, both forms ("::name props::data" and
//     "##[name props]data"), as the runner's ActionCommand.cs reads them
//     ([GitHubCommands], [ParseGitHubLine]); what ::add-mask:: masks
//     ([GitHubMasks]); and the $GITHUB_OUTPUT and $GITHUB_ENV files, with
//     heredocs, as FileCommandManager.cs reads them on Linux and on Windows
//     ([GitHubOutputs], [GitHubOutputPairs]).
//   - Azure Pipelines: logging commands ("##vso[area.event props]data") as the
//     agent's Command.cs reads them and CommandStringConvertor.cs unescapes
//     them, with DECODE_PERCENTS on or off ([AzureCommands],
//     [ParseAzureLine]).
//   - TeamCity: service messages, strictly as JetBrains documents them
//     ([TeamCityMessages], [ParseTeamCityMessage]).
//   - GitLab CI/CD: the dotenv report as GitLab's
//     parse_dotenv_artifact_service.rb reads it and the runner expands it
//     ([GitLabDotenv]), and the OpenMetrics text of a metrics report
//     ([OpenMetrics]).
//   - Octopus Deploy: service messages, with the parser of pkg/octoenv.
//   - Jenkins and the rest: report.json, the plain reporter's file, as a
//     later stage decodes it from its documented shape ([ReadPlainReport]).
//
// The GitHub runner and the Azure agent are .NET programs: they read a line
// at a time ([NetLines]), hold it as UTF-16, and find their prefixes with
// culture-sensitive comparisons, which on ICU skip ignorable characters. Their
// parsers take a [Mode]: [Exact], or a model of ICU's matching; a test that
// means to hold on every agent checks both.
//
// [CommandsIn] runs every parser over a log in every mode and describes what
// any of them would act on.
//
// The functions take no testing.TB: they return what they read, or an error
// saying what the system would refuse, so that any test (or tool) can use
// them.
package reporttest
