package octoenv

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		want     []Variable
		wantOff  int64  // -1: no error expected
		wantVar  string // variable named in the error
		contains string
	}{
		{name: "empty object", in: " {} ", want: []Variable{}, wantOff: -1},
		{name: "order kept", in: `{"B":"2","A":"1"}`, want: []Variable{{Name: "B", Value: "2"}, {Name: "A", Value: "1"}}, wantOff: -1},
		{name: "escapes", in: `{"a":"q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00<"}`, want: []Variable{{Name: "a", Value: "q\"\\/\b\f\n\r\té😀<"}}, wantOff: -1},
		{name: "unicode raw", in: "{\"ü\":\"日本\"}", want: []Variable{{Name: "ü", Value: "日本"}}, wantOff: -1},
		{name: "bom", in: "\uFEFF{\"a\":\"\"}\r\n", want: []Variable{{Name: "a", Value: ""}}, wantOff: -1},
		{name: "empty input", in: "  ", wantOff: 2, contains: "empty input"},
		{name: "array", in: `["a"]`, wantOff: 0, contains: "an array"},
		{name: "number value", in: `{"Port": 8080}`, wantOff: 9, wantVar: "Port", contains: "a number"},
		{name: "bool value", in: `{"A":"1","Flag":true}`, wantOff: 16, wantVar: "Flag", contains: "a boolean"},
		{name: "null value is empty", in: `{"A":null,"B":"b"}`, want: []Variable{{Name: "A"}, {Name: "B", Value: "b"}}, wantOff: -1},
		{name: "nul prefix", in: `{"A":nul}`, wantOff: 5, wantVar: "A", contains: "null"},
		{name: "object value", in: `{"A":{}}`, wantOff: 5, wantVar: "A", contains: "an object"},
		{name: "duplicate", in: `{"A":"1","A":"2"}`, wantOff: 9, wantVar: "A", contains: "duplicate"},
		{name: "duplicate ignoring case", in: `{"Octopus.Space.Id":"1","octopus.space.id":"2"}`, wantOff: 24, wantVar: "octopus.space.id", contains: "case-insensitive"},
		{name: "empty name", in: `{"":"x"}`, wantOff: 1, contains: "empty variable name"},
		{name: "blank name", in: `{" ":"x"}`, wantOff: 1, contains: "empty variable name"},
		{name: "invalid utf8 in value", in: "{\"A\":\"ab\xff\"}", wantOff: 8, wantVar: "A", contains: "UTF-8"},
		{name: "invalid utf8 in key", in: "{\"\xc3\":\"\"}", wantOff: 2, contains: "UTF-8"},
		{name: "control char", in: "{\"A\":\"a\nb\"}", wantOff: 7, wantVar: "A", contains: "control character"},
		{name: "bad escape", in: `{"A":"\x"}`, wantOff: 6, wantVar: "A", contains: "invalid escape"},
		{name: "short unicode escape", in: `{"A":"\u12"}`, wantOff: 6, wantVar: "A", contains: `\u`},
		{name: "lone surrogate", in: `{"A":"\ud800x"}`, wantOff: 6, wantVar: "A", contains: "surrogate"},
		{name: "unterminated string", in: `{"A":"abc`, wantOff: 5, wantVar: "A", contains: "not terminated"},
		{name: "missing colon", in: `{"A" "b"}`, wantOff: 5, wantVar: "A", contains: "':'"},
		{name: "trailing comma", in: `{"A":"b",}`, wantOff: 9, contains: "quoted variable name"},
		{name: "missing comma", in: `{"A":"b" "C":"d"}`, wantOff: 9, contains: "',' or '}'"},
		{name: "trailing garbage", in: `{"A":"b"} x`, wantOff: 10, contains: "after the JSON object"},
		{name: "truncated", in: `{"A":"b"`, wantOff: 8, contains: "end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseJSON([]byte(tt.in), false)
			if tt.wantOff < 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Errorf("variable %d = %+v, want %+v", i, got[i], tt.want[i])
					}
				}
				return
			}
			var je *JSONError
			if !errors.As(err, &je) {
				t.Fatalf("error = %v, want *JSONError", err)
			}
			if je.Offset != tt.wantOff || je.Variable != tt.wantVar || !strings.Contains(je.Error(), tt.contains) {
				t.Errorf("error = %q (offset %d, variable %q), want offset %d, variable %q, containing %q",
					je.Error(), je.Offset, je.Variable, tt.wantOff, tt.wantVar, tt.contains)
			}
		})
	}
}

func TestParseJSONNeverLeaksValues(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-secret"
	for _, in := range []string{
		`{"A":"` + secret + `\q"}`,
		"{\"A\":\"" + secret + "\xff\"}",
		`{"A":"` + secret + `"`,
		`{"A":"` + secret + `" "B":"x"}`,
	} {
		_, err := ParseJSON([]byte(in), true)
		if err == nil {
			t.Fatalf("ParseJSON(%q) succeeded", in)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error %q contains the value", err)
		}
	}
}

func TestReadJSONLimit(t *testing.T) {
	t.Parallel()
	in := `{"A":"` + strings.Repeat("x", 100) + `"}`
	if _, err := ReadJSON(strings.NewReader(in), int64(len(in)-1), false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: error = %v, want ErrTooLarge", err)
	}
	vars, err := ReadJSON(strings.NewReader(in), int64(len(in)), true)
	if err != nil || len(vars) != 1 || !vars[0].Sensitive {
		t.Errorf("at the limit: %+v, %v", vars, err)
	}
}

// FuzzParseJSON checks the parser never panics, agrees with encoding/json on what it
// accepts, and reports offsets inside the input.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"Octopus.Environment.Name":"Production","Pulumi.Config.aws:region":"eu-west-1"}`))
	f.Add([]byte(`{"a":"\u00e9\ud83d\ude00\n","b":""}`))
	f.Add([]byte("\uFEFF{}"))
	f.Add([]byte(`{"a":1}`))
	f.Add([]byte(`{"a":"1","A":"2"}`))
	f.Add([]byte("{\"a\":\"\xff\"}"))
	f.Add([]byte(`{"a":"\ud800"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := ParseJSON(data, false)
		if err != nil {
			var je *JSONError
			if errors.As(err, &je) && (je.Offset < 0 || je.Offset > int64(len(data))) {
				t.Fatalf("offset %d outside input of %d bytes", je.Offset, len(data))
			}
			return
		}
		var m map[string]string
		if jerr := json.Unmarshal(data, &m); jerr != nil {
			if !strings.HasPrefix(string(data), "\uFEFF") {
				t.Fatalf("ParseJSON accepted %q but encoding/json refuses it: %v", data, jerr)
			}
			return
		}
		if len(m) != len(vars) {
			t.Fatalf("ParseJSON found %d variables, encoding/json %d", len(vars), len(m))
		}
		for _, v := range vars {
			if !utf8.ValidString(v.Name) || !utf8.ValidString(v.Value) {
				t.Fatalf("invalid UTF-8 in %+v", v)
			}
			if m[v.Name] != v.Value {
				t.Fatalf("variable %q = %q, encoding/json says %q", v.Name, v.Value, m[v.Name])
			}
		}
	})
}
