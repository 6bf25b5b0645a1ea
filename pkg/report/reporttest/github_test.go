package reporttest

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// The expectations below are the runner's rules (actions/runner ActionCommand.cs,
// FileCommandManager.cs), worked by hand.

func TestParseGitHubLine(t *testing.T) {
	t.Parallel()
	type props = map[string]string
	for _, tc := range []struct {
		line    string
		exact   *GitHubCommand // nil: no command
		differs bool           // on ICU the runner reads icu, not exact
		icu     *GitHubCommand
	}{
		{line: "::set-output name=a::b", exact: &GitHubCommand{"set-output", props{"name": "a"}, "b"}},
		{line: "::error file=app.js,line=1,title=A%2CB%3A::msg%0D%0Aline%25",
			exact: &GitHubCommand{"error", props{"file": "app.js", "line": "1", "title": "A,B:"}, "msg\r\nline%"}},
		{line: " \t\u3000::debug::x", exact: &GitHubCommand{"debug", props{}, "x"}},
		{line: "::Error::x", exact: &GitHubCommand{"Error", props{}, "x"}},
		{line: "::error Key=v::x", exact: &GitHubCommand{"error", props{"key": "v"}, "x"}},
		{line: "::error a==b::x", exact: &GitHubCommand{"error", props{"a": "b"}, "x"}},
		{line: "::error =b,c,,d=e::x", exact: &GitHubCommand{"error", props{"d": "e"}, "x"}},
		{line: "::error::", exact: &GitHubCommand{"error", props{}, ""}},
		{line: "::error::a::b", exact: &GitHubCommand{"error", props{}, "a::b"}},
		{line: "::notregistered::x"},
		{line: "x ::error::y"},
		{line: "::error x"},
		{line: "##[warning]x", exact: &GitHubCommand{"warning", props{}, "x"}},
		{line: "prefix ##[error file=a%3Bb;line=2]msg%5D%0A", exact: &GitHubCommand{"error", props{"file": "a;b", "line": "2"}, "msg]\n"}},
		{line: "##[unknown]x"},
		{line: "##[error"},
		// Ignorable characters: ICU skips them in the search, but the runner then reads
		// the name at a fixed offset from where the prefix starts.
		{line: "\u200B::error::x"},
		{line: "##\u200B[error]x"},
		{line: ":\u200B:error::x"},
		{line: "::error:\u200B:x", differs: true, icu: &GitHubCommand{"error", props{}, ":x"}},
	} {
		for _, mode := range []Mode{Exact, ICU} {
			want := tc.exact
			if mode == ICU && tc.differs {
				want = tc.icu
			}
			got, ok := ParseGitHubLine(tc.line, mode)
			switch {
			case want == nil && ok:
				t.Errorf("%v: ParseGitHubLine(%q) = %+v, want no command", mode, tc.line, got)
			case want != nil && (!ok || !reflect.DeepEqual(got, *want)):
				t.Errorf("%v: ParseGitHubLine(%q) = %+v, %v; want %+v", mode, tc.line, got, ok, *want)
			}
		}
	}
}

func TestGitHubCommands(t *testing.T) {
	t.Parallel()
	log := "text\n::warning::a\r\n##[group]g\r::bogus::x\n\n  ::add-mask::s"
	want := []GitHubCommand{
		{"warning", map[string]string{}, "a"},
		{"group", map[string]string{}, "g"},
		{"add-mask", map[string]string{}, "s"},
	}
	for _, mode := range []Mode{Exact, ICU} {
		if got := GitHubCommands(log, mode); !reflect.DeepEqual(got, want) {
			t.Errorf("%v: GitHubCommands = %+v, want %+v", mode, got, want)
		}
	}
}

func TestGitHubMasks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		data string
		want []string
	}{
		{"s3cr3t", []string{"s3cr3t", "s3cr3t"}},
		{"a\n  b  \r\n\r\n\u3000c", []string{"a\n  b  \r\n\r\n\u3000c", "a", "b", "c"}},
		{" \n ", []string{" \n "}},
	} {
		if got := GitHubMasks(tc.data); !slices.Equal(got, tc.want) {
			t.Errorf("GitHubMasks(%q) = %q, want %q", tc.data, got, tc.want)
		}
	}
}

func TestGitHubOutputPairs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		file    string
		windows bool
		want    []Pair
	}{
		{"plain and heredoc", "a=1\nb<<EOF\nline1\nline2\nEOF\nc=x=y\n", false,
			[]Pair{{"a", "1"}, {"b", "line1\nline2"}, {"c", "x=y"}}},
		{"windows line breaks", "a=1\r\nb<<EOF\r\nl1\r\nl2\r\nEOF\r\n", true,
			[]Pair{{"a", "1"}, {"b", "l1\r\nl2"}}},
		{"CR kept off Windows", "a=1\r\n", false, []Pair{{"a", "1\r"}}},
		{"LF alone on Windows", "a=1\nb=2\r\n", true, []Pair{{"a", "1"}, {"b", "2"}}},
		{"empty lines and BOM", "\uFEFF\n\na=1\n\n", false, []Pair{{"a", "1"}}},
		{"repeated name", "a=1\na=2", false, []Pair{{"a", "1"}, {"a", "2"}}},
		{"= before <<", "a=b<<c\n", false, []Pair{{"a", "b<<c"}}},
		{"<< before =", "a<<b=c\nv\nb=c\n", false, []Pair{{"a", "v"}}},
		{"empty heredoc, delimiter last", "a<<EOF\nEOF", false, []Pair{{"a", ""}}},
		{"heredoc of empty lines", "a<<EOF\n\n\nEOF\n", false, []Pair{{"a", "\n"}}},
		{"invalid UTF-8", "a=\xff\n", false, []Pair{{"a", "\uFFFD"}}},
		{"empty", "", false, nil},
	} {
		got, err := GitHubOutputPairs(tc.file, tc.windows)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: GitHubOutputPairs(%q) = %q, %v; want %q", tc.name, tc.file, got, err, tc.want)
		}
	}
}

func TestGitHubOutputPairsRefused(t *testing.T) {
	t.Parallel()
	var outputErr *GitHubOutputError
	for _, tc := range []struct {
		file  string
		check func(error) bool
	}{
		{"novalue\n", func(err error) bool { return errors.As(err, &outputErr) && outputErr.Line == "novalue" }},
		{"<<EOF\nEOF\n", func(err error) bool { return errors.As(err, &outputErr) }},
		{"a<<\n", func(err error) bool { return errors.As(err, &outputErr) }},
		{"a<<EOF\nx\n", func(err error) bool { return errors.As(err, &outputErr) && outputErr.Line == "EOF" }},
		{"a<<EOF\nx", func(err error) bool { return errors.Is(err, ErrGitHubHeredocEOF) }},
	} {
		if _, err := GitHubOutputPairs(tc.file, false); !tc.check(err) {
			t.Errorf("GitHubOutputPairs(%q) = %v", tc.file, err)
		}
		if _, err := GitHubOutputs(tc.file, false); !tc.check(err) {
			t.Errorf("GitHubOutputs(%q) = %v", tc.file, err)
		}
	}
}

func TestGitHubOutputs(t *testing.T) {
	t.Parallel()
	got, err := GitHubOutputs("a=1\nb<<X\nv\nX\na=2\n", false)
	if want := map[string]string{"a": "2", "b": "v"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("GitHubOutputs = %q, %v; want %q (the last value wins)", got, err, want)
	}
}
