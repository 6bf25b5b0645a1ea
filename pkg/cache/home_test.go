package cache

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestDefaultHome(t *testing.T) {
	t.Parallel()
	homeVar := "HOME"
	if runtime.GOOS == "windows" {
		homeVar = "USERPROFILE"
	}
	own, err := os.UserHomeDir()
	if err != nil {
		t.Skip(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"PULUMI_HOME wins", map[string]string{"PULUMI_HOME": "/p", homeVar: "/u"}, "/p"},
		{"else .pulumi in the home folder", map[string]string{homeVar: "/u"}, filepath.Join("/u", ".pulumi")},
		{"an empty PULUMI_HOME is unset", map[string]string{"PULUMI_HOME": "", homeVar: "/u"}, filepath.Join("/u", ".pulumi")},
		{"else this process's home folder", map[string]string{}, filepath.Join(own, ".pulumi")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DefaultHome(func(k string) string { return tt.env[k] })
			if err != nil || got != tt.want {
				t.Fatalf("DefaultHome = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Not parallel: it empties this process's HOME.
func TestDefaultHomeWithoutAnyHome(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("os.UserHomeDir has other fallbacks here")
	}
	t.Setenv("HOME", "")
	got, err := DefaultHome(func(string) string { return "" })
	if !errors.Is(err, ErrNoHome) || got != "" {
		t.Fatalf("DefaultHome = %q, %v; want ErrNoHome", got, err)
	}
	if msg := err.Error(); msg != "no PULUMI_HOME and no home folder to put .pulumi in ($HOME is not defined): give PULUMI_HOME" {
		t.Fatalf("error = %q", msg)
	}
}
