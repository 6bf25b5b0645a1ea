package reporttest

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// GitLab's side, written from gitlab
// app/services/ci/parse_dotenv_artifact_service.rb,
// app/models/concerns/ci/has_variable.rb and
// doc/ci/yaml/artifacts_reports.md, and from gitlab-runner
// common/variables.go.

// gitLabKey is a variable's key as Ci::HasVariable validates it.
var gitLabKey = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)

// The plan limits dotenv_size and dotenv_variables: 5120 bytes on every
// plan, and from 20 variables (the strictest plans) to 150
// (gitlab-org/gitlab#411139 lists them); the parser holds a report to the
// strictest.
const (
	gitLabDotenvMaxBytes     = 5 * 1024
	gitLabDotenvMaxVariables = 20
)

// rubyStrip is Ruby's String#strip: NUL and ASCII white space off both ends.
func rubyStrip(s string) string { return strings.Trim(s, "\x00\t\n\v\f\r ") }

// GitLabDotenv reads data, a dotenv report, as GitLab does and returns each
// variable as a later job's environment holds it:
//   - the file must be under 5 KB (dotenv_size);
//   - it is read as UTF-8 (invalid bytes replaced) without a leading BOM;
//   - each line (split at "\n", as Ruby's each_line) must match
//     /^(.*?)=(.*)$/: the key is up to the first "=", both sides stripped;
//     no empty line, no comment;
//   - a key is 1 to 255 of [a-zA-Z0-9_] (Ci::HasVariable);
//   - a repeated key: the last value wins; at most 20 variables
//     (dotenv_variables);
//   - the runner expands the values (raw: false) with os.Expand, where "$$"
//     is "$".
//
// A value that refers to another variable ("$X", "${X}") is an error: what
// it expands to depends on the later job's environment, so a report that
// means to carry values through unchanged must hold none.
func GitLabDotenv(data []byte) (map[string]string, error) {
	if len(data) >= gitLabDotenvMaxBytes {
		return nil, fmt.Errorf("dotenv artifact too big: %d bytes, GitLab takes under %d", len(data), gitLabDotenvMaxBytes)
	}
	text := strings.TrimPrefix(strings.ToValidUTF8(string(data), "\uFFFD"), "\uFEFF")
	vars := map[string]string{}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		line = strings.TrimSuffix(line, "\n")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("invalid format: line %q has no '='", line)
		}
		k, v = rubyStrip(k), rubyStrip(v)
		if !gitLabKey.MatchString(k) || len(k) > 255 {
			return nil, fmt.Errorf("invalid key %q: want 1 to 255 of A-Z, a-z, 0-9 and _", k)
		}
		vars[k] = v
	}
	if len(vars) > gitLabDotenvMaxVariables {
		return nil, fmt.Errorf("%d variables, more than GitLab's %d", len(vars), gitLabDotenvMaxVariables)
	}
	for k, v := range vars {
		var refs []string
		vars[k] = os.Expand(v, func(name string) string {
			if name == "$" {
				return "$"
			}
			refs = append(refs, name)
			return ""
		})
		if len(refs) > 0 {
			return nil, fmt.Errorf("%s refers to %q, which the runner would expand: write $ as $$", k, refs)
		}
	}
	return vars, nil
}
