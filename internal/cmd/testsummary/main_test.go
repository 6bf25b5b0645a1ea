package main

import (
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0.1}`,
		`{"Action":"output","Package":"p","Test":"TestB","Output":"=== RUN   TestB\n"}`,
		`{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: toolchain missing: run make toolchain\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestB"}`,
		`{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:3: boom\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestC"}`,
		`# p [build failed]`,
		`{"Action":"fail","Package":"p","Elapsed":1.5}`,
	}, "\n")
	var out strings.Builder
	code, err := summarize(strings.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	if code != 1 {
		t.Errorf("exit code %d with a failed test, want 1", code)
	}
	for _, want := range []string{
		"1 passed, 1 failed, 1 skipped\n",
		"slowest tests:\n    0.10s p TestA\n",
		"--- SKIP p TestB: b_test.go:9: toolchain missing: run make toolchain",
		"--- FAIL p TestC\n    " + "    c_test.go:3: boom",
		"# p [build failed]",
		"FAIL p (1.5s)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSummarizeNoTests(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	code, err := summarize(strings.NewReader(`{"Action":"pass","Package":"p"}`), &out)
	if err != nil || code != 1 || !strings.Contains(out.String(), "no test ran") {
		t.Errorf("code %d, err %v, output %q: want a failure saying no test ran", code, err, out.String())
	}
}
