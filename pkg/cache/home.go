package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// ErrNoHome matches the error of [DefaultHome] when there is no home
// folder to put .pulumi in.
var ErrNoHome = errors.New("no PULUMI_HOME and no home folder")

// DefaultHome is the PULUMI_HOME that Pulumi uses in the environment
// getenv reads (os.Getenv when nil): $PULUMI_HOME when it is set, else
// .pulumi in the user's home folder ($HOME, or %USERPROFILE% on Windows;
// this process's home folder when the environment names none).
//
// A caller that decides PULUMI_HOME itself (a flag, a setting) answers for
// it in getenv, so that one rule serves both.
func DefaultHome(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if h := getenv("PULUMI_HOME"); h != "" {
		return h, nil
	}
	name := "HOME"
	if runtime.GOOS == "windows" {
		name = "USERPROFILE"
	}
	home := getenv(name)
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("%w to put .pulumi in (%v): give PULUMI_HOME", ErrNoHome, err)
		}
	}
	return filepath.Join(home, ".pulumi"), nil
}
