package authtest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/esc"
	"gopkg.in/yaml.v3"
)

// Pulumi ESC, as far as the pulumi CLI uses it for a stack: a stack whose
// Pulumi.<stack>.yaml has `environment:` makes the CLI open an anonymous
// environment that imports those (client.OpenYAMLEnvironment in the CLI's
// pkg/cmd/esc/cli/client, called from pkg/cmd/pulumi/config/io.go) and read
// it back (GetAnonymousOpenEnvironment):
//
//	POST /api/esc/environments/{org}/yaml/open?duration=2h0m0s  body: the definition (YAML or JSON)
//	     → 200 {"id": "<session>"}, or 400 {"code", "message", "diagnostics": [{"summary"}]}
//	GET  /api/esc/environments/{org}/yaml/open/{id}  → an esc.Environment
//
// The fake also opens a named environment as `esc open`/`pulumi env open`
// do (client.OpenEnvironment, GetOpenEnvironment):
//
//	POST /api/esc/environments/{org}/{project}/{env}/open?duration=…  → {"id"}
//	GET  /api/esc/environments/{org}/{project}/{env}/open/{id}  → an esc.Environment
//
// Environments are defined by the test ([Cloud.AddEnvironment]) as plain
// values; the fake evaluates a definition by merging, in order, the values
// of its imports and then its own `values`, without expressions (no
// fn::open providers, no interpolation, no environmentOverrides: a
// definition that needs them gets a 400 naming what the fake does not do).

// ESCPath is the root of the ESC environments API.
const ESCPath = "/api/esc/environments"

// ESCSecret marks a value of an [Environment] as secret: it reaches the
// program as a secret.
type ESCSecret string

// Environment is an ESC environment a test defines on the fake.
type Environment struct {
	// Imports are other environments ("project/name") merged in first.
	Imports []string
	// Values are the environment's values: strings, bools, numbers, nested
	// maps and slices, and [ESCSecret]. Its top-level pulumiConfig and
	// environmentVariables are what a stack that imports it gets.
	Values map[string]any
}

// escState is one Cloud's environments and open sessions.
type escState struct {
	mu       sync.Mutex
	envs     map[string]Environment      // by org/project/name
	sessions map[string]*esc.Environment // by org/session ID
	opens    map[string]int              // by org/project/name
}

func newESCState() *escState {
	return &escState{envs: map[string]Environment{}, sessions: map[string]*esc.Environment{}, opens: map[string]int{}}
}

func (c *Cloud) esc() *escState { return c.escs }

// AddEnvironment defines (or replaces) the environment org/project/name.
func (c *Cloud) AddEnvironment(org, project, name string, env Environment) {
	s := c.esc()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.envs[org+"/"+project+"/"+name] = env
}

// EnvironmentOpens counts the opens of org/project/name, directly or
// through an import.
func (c *Cloud) EnvironmentOpens(org, project, name string) int {
	s := c.esc()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens[org+"/"+project+"/"+name]
}

// routeESC registers the ESC endpoints.
func (c *Cloud) routeESC(mux *http.ServeMux) {
	const named = ESCPath + "/{org}/{project}/{env}/open"
	mux.HandleFunc("POST "+ESCPath+"/{org}/yaml/open", c.openYAML)
	mux.HandleFunc("GET "+ESCPath+"/{org}/yaml/open/{id}", c.readOpen)
	mux.HandleFunc("POST "+named, c.openNamed)
	mux.HandleFunc("GET "+named+"/{id}", c.readOpen)
}

// escDefinition is the part of an environment definition the fake reads.
type escDefinition struct {
	Imports []any          `yaml:"imports"`
	Values  map[string]any `yaml:"values"`
}

func (c *Cloud) openYAML(w http.ResponseWriter, r *http.Request) {
	org := r.PathValue("org")
	if _, ok := c.member(w, r, org); !ok {
		return
	}
	if !openQuery(w, r) {
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		badRequest(w, err)
		return
	}
	var def escDefinition
	if err := yaml.Unmarshal(raw, &def); err != nil {
		escDiagnostics(w, "invalid environment definition: "+err.Error())
		return
	}
	var imports []string
	for _, imp := range def.Imports {
		name, ok := imp.(string)
		if !ok {
			escDiagnostics(w, fmt.Sprintf("the fake imports environments by name only, not %v", imp))
			return
		}
		imports = append(imports, name)
	}
	c.open(w, org, Environment{Imports: imports, Values: def.Values})
}

func (c *Cloud) openNamed(w http.ResponseWriter, r *http.Request) {
	org := r.PathValue("org")
	if _, ok := c.member(w, r, org); !ok {
		return
	}
	if !openQuery(w, r) {
		return
	}
	ref := r.PathValue("project") + "/" + r.PathValue("env")
	c.open(w, org, Environment{Imports: []string{ref}})
}

// openQuery checks the query the CLI sends: a duration, and no overrides.
func openQuery(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if _, err := time.ParseDuration(q.Get("duration")); err != nil {
		badRequest(w, fmt.Errorf("duration: %v", err))
		return false
	}
	if q.Get("environmentOverrides") != "" {
		badRequest(w, fmt.Errorf("the fake does not implement environmentOverrides"))
		return false
	}
	return true
}

// open evaluates env in org and answers a new session's ID.
func (c *Cloud) open(w http.ResponseWriter, org string, env Environment) {
	s := c.esc()
	s.mu.Lock()
	defer s.mu.Unlock()
	merged, diag := s.evaluate(org, env, nil)
	if diag != "" {
		escDiagnostics(w, diag)
		return
	}
	props := make(map[string]esc.Value, len(merged))
	for k, v := range merged {
		props[k] = escValue(v)
	}
	id := randomHex(16)
	s.sessions[org+"/"+id] = &esc.Environment{Properties: props}
	writeJSON(w, http.StatusOK, apitype.OpenEnvironmentResponse{ID: id})
}

// evaluate merges env's imports (depth first, in order) and then its values;
// seen guards against cycles.
func (s *escState) evaluate(org string, env Environment, seen []string) (map[string]any, string) {
	out := map[string]any{}
	for _, name := range env.Imports {
		ref := name
		if !strings.Contains(ref, "/") {
			ref = "default/" + ref // a legacy name, as the service reads it
		}
		key := org + "/" + ref
		if slices.Contains(seen, key) {
			return nil, fmt.Sprintf("cyclic import of %s", name)
		}
		imp, ok := s.envs[key]
		if !ok {
			return nil, fmt.Sprintf("unknown environment %q", name)
		}
		s.opens[key]++
		vals, diag := s.evaluate(org, imp, append(seen, key))
		if diag != "" {
			return nil, diag
		}
		mergeValues(out, vals)
	}
	mergeValues(out, env.Values)
	return out, ""
}

// mergeValues merges src into dst as ESC does: maps merge key by key,
// anything else replaces.
func mergeValues(dst, src map[string]any) {
	for k, v := range src {
		sm, sok := v.(map[string]any)
		dm, dok := dst[k].(map[string]any)
		if sok && dok {
			mergeValues(dm, sm)
			continue
		}
		if sok {
			cp := map[string]any{}
			mergeValues(cp, sm)
			v = cp
		}
		dst[k] = v
	}
}

// escValue converts a test's value to the service's representation.
func escValue(v any) esc.Value {
	switch v := v.(type) {
	case nil:
		return esc.Value{}
	case ESCSecret:
		return esc.NewSecret(string(v))
	case string:
		return esc.NewValue(v)
	case bool:
		return esc.NewValue(v)
	case int, int64, float64, uint64:
		return esc.NewValue(json.Number(fmt.Sprint(v)))
	case []any:
		vs := make([]esc.Value, len(v))
		for i, e := range v {
			vs[i] = escValue(e)
		}
		return esc.NewValue(vs)
	case map[string]any:
		vs := make(map[string]esc.Value, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			vs[k] = escValue(v[k])
		}
		return esc.NewValue(vs)
	default:
		return esc.NewValue(fmt.Sprint(v))
	}
}

func (c *Cloud) readOpen(w http.ResponseWriter, r *http.Request) {
	org := r.PathValue("org")
	if _, ok := c.member(w, r, org); !ok {
		return
	}
	s := c.esc()
	s.mu.Lock()
	env, ok := s.sessions[org+"/"+r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		pulumiError(w, http.StatusNotFound, "Not Found: open session "+r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, env)
}

// escDiagnostics answers 400 with diagnostics, as the service does for a
// definition it cannot evaluate.
func escDiagnostics(w http.ResponseWriter, summary string) {
	writeJSON(w, http.StatusBadRequest, struct {
		Code        int                             `json:"code"`
		Message     string                          `json:"message"`
		Diagnostics []apitype.EnvironmentDiagnostic `json:"diagnostics"`
	}{http.StatusBadRequest, "Bad Request", []apitype.EnvironmentDiagnostic{{Summary: summary}}})
}
