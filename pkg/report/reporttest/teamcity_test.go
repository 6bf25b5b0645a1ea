package reporttest

import (
	"reflect"
	"strings"
	"testing"
)

// The expectations below follow JetBrains' "Service Messages" documentation, worked by hand.

func TestParseTeamCityMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line string
		want TeamCityMessage
	}{
		{"##teamcity[message 'hello']", TeamCityMessage{Name: "message", Value: "hello"}},
		{"##teamcity[progressMessage\t'a b' ]", TeamCityMessage{Name: "progressMessage", Value: "a b"}},
		{"##teamcity[setParameter name='a' value='it|'s |[x|] |n|r|||x|l|p|0x00e9']",
			TeamCityMessage{Name: "setParameter", Attrs: map[string]string{"name": "a", "value": "it's [x] \n\r|\u0085\u2028\u2029é"}}},
		{"##teamcity[m\ta = 'x'\tb='y' ]", TeamCityMessage{Name: "m", Attrs: map[string]string{"a": "x", "b": "y"}}},
		{"##teamcity[m v='|0xD83D|0xDE00' $_x1='']", TeamCityMessage{Name: "m", Attrs: map[string]string{"v": "😀", "$_x1": ""}}},
		{"##teamcity[build-Problem 'x']", TeamCityMessage{Name: "build-Problem", Value: "x"}},
	} {
		got, err := ParseTeamCityMessage(tc.line)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseTeamCityMessage(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
		}
	}
}

func TestParseTeamCityMessageRefused(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"", "x ##teamcity[m 'a']", "##teamcity[m 'a'] ", "##teamcity[m 'a'] ##teamcity[n 'b']",
		"##teamcity[m]", "##teamcity[m'a']", "##teamcity[1m 'a']", "##teamcity[m_n 'a']",
		"##teamcity[m 'a' 'b']", "##teamcity[m a]", "##teamcity[m a='x'b='y']", "##teamcity[m a='x' a='y']",
		"##teamcity[m 1a='x']", "##teamcity[m a-b='x']", "##teamcity[m a=x]", "##teamcity[m a='x]",
		"##teamcity[m a='[']", "##teamcity[m a=']']", "##teamcity[m a='é']", "##teamcity[m a='\x01']",
		"##teamcity[m a='\x7f']", "##teamcity[m a='|q']", "##teamcity[m a='|0x00']", "##teamcity[m a='|0xzzzz']",
		"##teamcity[m a='|0xD800']", "##teamcity[m a='|0xDE00|0xD83D']", "##teamcity[m a='|']",
	} {
		if m, err := ParseTeamCityMessage(line); err == nil {
			t.Errorf("ParseTeamCityMessage(%q) = %+v, want an error", line, m)
		}
	}
}

func TestTeamCityMessages(t *testing.T) {
	t.Parallel()
	log := "build output\n##teamcity[progressMessage 'a']\r\nmore ## [x]\n\n##teamcity[m k='v']\n"
	want := []TeamCityMessage{{Name: "progressMessage", Value: "a"}, {Name: "m", Attrs: map[string]string{"k": "v"}}}
	if got, err := TeamCityMessages(log); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TeamCityMessages = %+v, %v; want %+v", got, err, want)
	}
	for _, log := range []string{
		"ok\nx ##teamcity[m 'a']\n", "##teamcity[m 'a'] trailing", "##teamcity[m 'a\nb']", "##teamcity[m 'a'\r]",
	} {
		if got, err := TeamCityMessages(log); err == nil {
			t.Errorf("TeamCityMessages(%q) = %+v, want an error", log, got)
		}
	}
	if _, err := TeamCityMessages("a\n##teamcity[m]\n"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error %v does not name line 2", err)
	}
}

func TestTeamCityIdentifier(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"a": true, "_": true, "$x9": true, "A_b$1": true, "": false, "9a": false, "a-b": false, "é": false, "a b": false,
	} {
		if got := TeamCityIdentifier(s); got != want {
			t.Errorf("TeamCityIdentifier(%q) = %v, want %v", s, got, want)
		}
	}
}
