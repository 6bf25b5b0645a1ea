package reporttest

import (
	"reflect"
	"testing"
)

// The expectations below are the agent's rules (azure-pipelines-agent Command.cs,
// CommandStringConvertor.cs), worked by hand.

func TestParseAzureLine(t *testing.T) {
	t.Parallel()
	type props = map[string]string
	for _, tc := range []struct {
		line           string
		decodePercents bool
		want           *AzureCommand // nil: TryParse fails
		acts           bool
	}{
		{"##vso[task.setvariable variable=x;isOutput=true]va%3Blue%0D%0A%5D", true,
			&AzureCommand{"task", "setvariable", props{"variable": "x", "isoutput": "true"}, "va;lue\r\n]"}, true},
		{"##vso[task.setvariable variable=x]100%AZP25", true, &AzureCommand{"task", "setvariable", props{"variable": "x"}, "100%"}, true},
		{"##vso[task.setvariable variable=x]100%AZP25", false, &AzureCommand{"task", "setvariable", props{"variable": "x"}, "100%AZP25"}, true},
		{"##vso[task.setvariable variable=%AZP253B]x", true, &AzureCommand{"task", "setvariable", props{"variable": "%3B"}, "x"}, true},
		{"echo ##vso[task.complete result=Failed]done", true, &AzureCommand{"task", "complete", props{"result": "Failed"}, "done"}, true},
		{"##vso[Task.SetSecret]s", true, &AzureCommand{"Task", "SetSecret", props{}, "s"}, true},
		{"##vso[task..setsecret]s", true, &AzureCommand{"task", "setsecret", props{}, "s"}, true},
		{"##vso[task.setsecret]", true, &AzureCommand{"task", "setsecret", props{}, ""}, true},
		{"##vso[task.x a==b;;c;d=e=f]", true, &AzureCommand{"task", "x", props{"a": "b", "d": "e=f"}, ""}, true},
		{"##vso[other.area]x", true, &AzureCommand{"other", "area", props{}, "x"}, false},
		{"##vso[task]x", true, nil, false},
		{"##vso[a.b.c]x", true, nil, false},
		{"##vso[task.x", true, nil, false},
		{"##VSO[task.x]", true, nil, false},
		{"]##vso[task.x", true, nil, false},
	} {
		for _, mode := range []Mode{Exact, ICU} {
			got, ok := ParseAzureLine(tc.line, tc.decodePercents, mode)
			switch {
			case tc.want == nil && ok:
				t.Errorf("%v: ParseAzureLine(%q) = %+v, want no command", mode, tc.line, got)
			case tc.want != nil && (!ok || !reflect.DeepEqual(got, *tc.want)):
				t.Errorf("%v: ParseAzureLine(%q, %v) = %+v, %v; want %+v", mode, tc.line, tc.decodePercents, got, ok, *tc.want)
			case ok && got.Acts() != tc.acts:
				t.Errorf("%v: %+v acts %v, want %v", mode, got, got.Acts(), tc.acts)
			}
		}
	}
	// ICU finds "##vso[" across an ignorable character, then reads the area at a fixed
	// offset from where it starts.
	got, ok := ParseAzureLine("#\u200B#vso[task.setsecret]s", true, ICU)
	if want := (AzureCommand{"[task", "setsecret", map[string]string{}, "s"}); !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("ICU: %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := ParseAzureLine("#\u200B#vso[task.setsecret]s", true, Exact); ok {
		t.Error("exact: a command found across U+200B")
	}
}

func TestAzureCommands(t *testing.T) {
	t.Parallel()
	log := "start\n##vso[task.setsecret]a\r\n##vso[other.area]b\r##vso[build.addbuildtag]c\n##vso[bad]d"
	want := []AzureCommand{
		{"task", "setsecret", map[string]string{}, "a"},
		{"build", "addbuildtag", map[string]string{}, "c"},
	}
	for _, mode := range []Mode{Exact, ICU} {
		if got := AzureCommands(log, true, mode); !reflect.DeepEqual(got, want) {
			t.Errorf("%v: AzureCommands = %+v, want %+v", mode, got, want)
		}
	}
}
