package octoenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchJSON builds a JSON source of n variables shaped like a real deployment: system
// variables, step outputs, config (some sensitive) and package paths.
func benchJSON(tb testing.TB, n int) []byte {
	tb.Helper()
	m := map[string]string{}
	base := deploymentVars()
	for i := 0; i+1 < len(base); i += 2 {
		m[base[i]] = base[i+1]
	}
	var sensitive []string
	for i := len(m); len(m) < n; i++ {
		switch i % 10 {
		case 0:
			name := fmt.Sprintf("Pulumi.Config.app:setting%d", i)
			m[name] = fmt.Sprintf("value-%d", i)
			if i%20 == 0 {
				sensitive = append(sensitive, name)
			}
		case 1:
			m[fmt.Sprintf("Pulumi.Config.app:nested%d.port", i)] = "5432"
		case 2:
			m[PackageVariable(fmt.Sprintf("pkg%d", i))] = fmt.Sprintf("/work/pkgs/pkg%d", i)
		default:
			m[fmt.Sprintf("Octopus.Action[Step %d].Output.Value%d", i%50, i)] = fmt.Sprintf("some output value number %d with \"quotes\" and ü", i)
		}
	}
	m[VarSensitiveVariables] = strings.Join(sensitive, "\n")
	data, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// BenchmarkContextFromJSON parses a 20,000-variable JSON source into a validated Context
// with its config list.
func BenchmarkContextFromJSON(b *testing.B) {
	data := benchJSON(b, 20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		vars, err := Load(context.Background(), WithJSON(bytes.NewReader(data)))
		if err != nil {
			b.Fatal(err)
		}
		c, err := NewContext(vars)
		if err != nil {
			b.Fatal(err)
		}
		if vars.Len() != 20001 || len(c.Config) == 0 {
			b.Fatalf("got %d variables and %d config values", vars.Len(), len(c.Config))
		}
	}
}

// TestBenchmarkInputIsValid keeps the benchmark's input honest in ordinary test runs.
func TestBenchmarkInputIsValid(t *testing.T) {
	t.Parallel()
	data := benchJSON(t, 2000)
	vars, err := Load(context.Background(), WithJSON(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewContext(vars)
	if err != nil {
		t.Fatal(err)
	}
	secrets := 0
	for _, cv := range c.Config {
		if cv.Secret {
			secrets++
		}
	}
	if len(c.Config) < 300 || secrets == 0 || len(c.Packages) < 100 {
		t.Errorf("config %d (secret %d), packages %d: input not representative", len(c.Config), secrets, len(c.Packages))
	}
}
