package octoenv

import (
	"testing"
)

func TestMessageString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"no attributes", Message{Name: "stdout-verbose"}, "##octopus[stdout-verbose]"},
		{"set variable", Message{Name: "setVariable", Attrs: []Attr{{"name", "Paul"}, {"value", ""}}}, "##octopus[setVariable name='UGF1bA==' value='']"},
		{"sensitive", Message{Name: "setVariable", Attrs: []Attr{{"sensitive", "True"}}}, "##octopus[setVariable sensitive='VHJ1ZQ==']"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.m.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
