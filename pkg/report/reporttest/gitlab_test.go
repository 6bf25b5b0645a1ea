package reporttest

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// The expectations below are GitLab's rules (parse_dotenv_artifact_service.rb,
// Ci::HasVariable, the runner's expansion), worked by hand.

// dotenvOf returns a report of n variables, Vi=i, and what it sets.
func dotenvOf(n int) (string, map[string]string) {
	var b strings.Builder
	vars := map[string]string{}
	for i := range n {
		fmt.Fprintf(&b, "V%d=%d\n", i, i)
		vars[fmt.Sprintf("V%d", i)] = fmt.Sprint(i)
	}
	return b.String(), vars
}

func TestGitLabDotenv(t *testing.T) {
	t.Parallel()
	twenty, twentyVars := dotenvOf(20)
	for _, tc := range []struct {
		name, data string
		want       map[string]string
	}{
		{"plain", "A=1\nB = two words \nC=x=y\n", map[string]string{"A": "1", "B": "two words", "C": "x=y"}},
		{"last wins", "A=1\nA=2", map[string]string{"A": "2"}},
		{"dollars", "A=$$HOME $$$$\n", map[string]string{"A": "$HOME $$"}},
		{"empty", "", map[string]string{}},
		{"BOM", "\uFEFFA=1\n", map[string]string{"A": "1"}},
		{"CRLF stripped", "A=1\r\nB=\x00x\x00\n", map[string]string{"A": "1", "B": "x"}},
		{"quotes kept", `A='x' "y"`, map[string]string{"A": `'x' "y"`}},
		{"empty value", "A=\n", map[string]string{"A": ""}},
		{"longest key", strings.Repeat("k", 255) + "=v", map[string]string{strings.Repeat("k", 255): "v"}},
		{"twenty", twenty, twentyVars},
		{"just under 5 KB", "A=" + strings.Repeat("x", 5*1024-3), map[string]string{"A": strings.Repeat("x", 5*1024-3)}},
	} {
		got, err := GitLabDotenv([]byte(tc.data))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: GitLabDotenv = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestGitLabDotenvRefused(t *testing.T) {
	t.Parallel()
	twentyOne, _ := dotenvOf(21)
	for _, data := range []string{
		"A=1\n\n", "# comment\n", "#A=1\n", "noequals", "=v", "A-B=1", "é=1", " =1",
		strings.Repeat("k", 256) + "=v", "A=$HOME", "A=${X}", "A=$$$B",
		"A=" + strings.Repeat("x", 5*1024-2),
		twentyOne,
	} {
		if got, err := GitLabDotenv([]byte(data)); err == nil {
			t.Errorf("GitLabDotenv(%.60q) = %q, want an error", data, got)
		}
	}
}

func TestOpenMetrics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want map[string]float64
	}{
		{"# TYPE a gauge\na 1\n# TYPE b unknown\nb -2.5e3\n# EOF\n", map[string]float64{"a": 1, "b": -2500}},
		{"# EOF\n", map[string]float64{}},
		{"# EOF", map[string]float64{}},
		{"# TYPE a:b_c gauge\na:b_c .5\n# EOF\n", map[string]float64{"a:b_c": 0.5}},
		{"# TYPE a gauge\na +Inf\n# EOF\n", map[string]float64{"a": math.Inf(1)}},
	} {
		got, err := OpenMetrics(tc.text)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("OpenMetrics(%q) = %v, %v; want %v", tc.text, got, err, tc.want)
		}
	}
	got, err := OpenMetrics("# TYPE a gauge\na NaN\n# EOF\n")
	if err != nil || len(got) != 1 || !math.IsNaN(got["a"]) {
		t.Errorf("NaN: %v, %v", got, err)
	}
}

func TestOpenMetricsRefused(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"", "# TYPE a gauge\na 1\n", "a 1\n# EOF\n", "# TYPE a counter\na 1\n# EOF\n",
		"# TYPE a gauge\na 1\na 2\n# EOF\n", "# TYPE a gauge\n# TYPE a gauge\na 1\n# EOF\n",
		"# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n",
		"# TYPE a gauge\na 1_000\n# EOF\n", "# TYPE a gauge\na 0x1\n# EOF\n", "# TYPE a gauge\na\n# EOF\n",
		"# HELP a x\n# EOF\n", "# TYPE 1a gauge\n1a 1\n# EOF\n", "# TYPE a gauge\nb 1\n# EOF\n",
		"# TYPE a gauge\na 1# EOF\n", "# TYPE a gauge\na{l=\"x\"} 1\n# EOF\n",
	} {
		if got, err := OpenMetrics(text); err == nil {
			t.Errorf("OpenMetrics(%q) = %v, want an error", text, got)
		}
	}
}
