package reporttest

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Written from the OpenMetrics specification, "Text format"
// (prometheus/OpenMetrics specification/OpenMetrics.md), which GitLab's
// metrics report reads.

var (
	openMetricsName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	openMetricsReal = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)
	openMetricsInf  = regexp.MustCompile(`^(?i:[+-]?inf(?:inity)?|nan)$`)
)

// OpenMetrics reads text, an OpenMetrics text exposition of gauges and
// untyped metrics without labels, and returns each sample's value by its
// metric's name. It takes "# TYPE name gauge|unknown" lines and "name value"
// samples, a family's lines together and each family once, ending in
// "# EOF"; anything else is an error.
func OpenMetrics(text string) (map[string]float64, error) {
	body, ok := strings.CutSuffix(strings.TrimSuffix(text, "\n"), "# EOF")
	if !ok || (body != "" && !strings.HasSuffix(body, "\n")) {
		return nil, errors.New(`no "# EOF" line at the end`)
	}
	metrics := map[string]float64{}
	family := ""
	for line := range strings.SplitSeq(strings.TrimSuffix(body, "\n"), "\n") {
		if line == "" && body == "" {
			break
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, ok := strings.Cut(rest, " ")
			if !ok || !openMetricsName.MatchString(name) || !slices.Contains([]string{"gauge", "unknown"}, typ) {
				return nil, fmt.Errorf("bad TYPE line %q: want # TYPE <name> gauge|unknown", line)
			}
			if _, seen := metrics[name]; seen || name == family {
				return nil, fmt.Errorf("family %s twice", name)
			}
			family = name
			continue
		}
		if strings.HasPrefix(line, "#") {
			return nil, fmt.Errorf("unexpected comment %q", line)
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok || !openMetricsName.MatchString(name) || name != family {
			return nil, fmt.Errorf("sample %q outside its family %q", line, family)
		}
		if _, dup := metrics[name]; dup {
			return nil, fmt.Errorf("sample %s twice", name)
		}
		if !openMetricsReal.MatchString(value) && !openMetricsInf.MatchString(value) {
			return nil, fmt.Errorf("value %q is not an OpenMetrics number", value)
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("value %q: %w", value, err)
		}
		metrics[name] = n
	}
	return metrics, nil
}
