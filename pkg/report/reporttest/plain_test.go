package reporttest

import (
	"testing"
)

func TestReadPlainReport(t *testing.T) {
	t.Parallel()
	rep, err := ReadPlainReport([]byte(`{"outputs": {"a": "1"}, "secretOutputs": ["s"], "metrics": {"m": 1.5},
		"attachments": [{"name": "x.txt", "path": "x.txt"}], "failure": "boom", "summary": "summary.md"}` + "\n"))
	if err != nil || rep.Outputs["a"] != "1" || len(rep.SecretOutputs) != 1 || rep.Metrics["m"] != 1.5 ||
		len(rep.Attachments) != 1 || rep.Attachments[0].Path != "x.txt" || rep.Failure != "boom" || rep.Summary != "summary.md" {
		t.Errorf("ReadPlainReport = %+v, %v", rep, err)
	}
	for _, data := range []string{``, `{"outputs": {}, "extra": 1}`, `{"outputs": {"a": 1}}`, `{} {}`, `{}}`, `[]`} {
		if rep, err := ReadPlainReport([]byte(data)); err == nil {
			t.Errorf("ReadPlainReport(%q) = %+v, want an error", data, rep)
		}
	}
}
