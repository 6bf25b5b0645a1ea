package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/octopulumi/octopulumi/internal/safefile"
)

// ManifestFile is the lock file's conventional name, committed beside
// Pulumi.yaml.
const ManifestFile = "Pulumi.plugins.json"

// ManifestFormat is the manifest format version this package writes and reads.
const ManifestFormat = 1

// maxManifestBytes bounds what ParseManifest reads; a real one is a few KB.
const maxManifestBytes = 4 << 20

// Manifest is the lock file of the exact plugins a Pulumi program needs.
type Manifest struct {
	// Format is [ManifestFormat].
	Format int `json:"format"`
	// Pulumi is the version of the CLI that resolved the plugins, e.g.
	// "v3.274.1"; [Dockerfile] pins the image to it by default.
	Pulumi string `json:"pulumi,omitempty"`
	// Plugins, sorted by folder name.
	Plugins []Plugin `json:"plugins"`
}

// Validate checks every field and returns a [*ManifestError] naming the
// first one that is wrong.
func (m *Manifest) Validate() error {
	if err := m.validate(); err != nil {
		return err
	}
	return nil
}

func (m *Manifest) validate() *ManifestError {
	if m.Format != ManifestFormat {
		return &ManifestError{Field: "format", Reason: fmt.Sprintf("%d is not a supported format (want %d); regenerate the manifest with this version of octopulumi", m.Format, ManifestFormat)}
	}
	if m.Pulumi != "" && !versionRE.MatchString(strings.TrimPrefix(m.Pulumi, "v")) {
		return &ManifestError{Field: "pulumi", Reason: fmt.Sprintf("%q is not a CLI version such as v3.274.1", m.Pulumi)}
	}
	seen := map[string]int{}
	for i, p := range m.Plugins {
		field := fmt.Sprintf("plugins[%d]", i)
		if err := p.validate(field); err != nil {
			return err
		}
		if j, dup := seen[p.Dir()]; dup {
			return &ManifestError{Field: field, Reason: fmt.Sprintf("%s is listed twice (also plugins[%d])", p.Dir(), j)}
		}
		seen[p.Dir()] = i
	}
	return nil
}

// ParseManifest decodes and validates a manifest. Unknown fields are an
// error, so that a typo does not silently drop a setting.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > maxManifestBytes {
		return nil, &ManifestError{Field: "(file)", Reason: fmt.Sprintf("%d bytes is too large for a plugin manifest", len(data))}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, &ManifestError{Field: jsonField(err), Reason: "not valid manifest JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &ManifestError{Field: "(file)", Reason: "trailing data after the JSON object"}
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// jsonField names the field a decoding error is about, when it says.
func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	if _, after, ok := strings.Cut(err.Error(), "unknown field "); ok {
		return strings.Trim(after, `"`)
	}
	return "(file)"
}

// ReadManifest reads and validates the manifest at path; errors name the
// file and the field.
func ReadManifest(path string) (*Manifest, error) {
	data, err := safefile.ReadFile(path, maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read plugin manifest: %w", err)
	}
	m, err := ParseManifest(data)
	if me, ok := errors.AsType[*ManifestError](err); ok {
		me.Source = path
	}
	return m, err
}

// Marshal encodes m canonically: plugins sorted, indented, a final newline,
// so that the same plugins give the same bytes and small diffs.
func (m *Manifest) Marshal() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	c := *m
	c.Plugins = slices.Clone(m.Plugins)
	slices.SortFunc(c.Plugins, func(a, b Plugin) int { return strings.Compare(a.Dir(), b.Dir()) })
	out, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// WriteManifest writes m to path atomically (a temporary file renamed into
// place).
func WriteManifest(path string, m *Manifest) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o644)
}

// Find returns the manifest's plugin with folder name dir.
func (m *Manifest) Find(dir string) (Plugin, bool) {
	for _, p := range m.Plugins {
		if p.Dir() == dir {
			return p, true
		}
	}
	return Plugin{}, false
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Chmod(mode), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// redactURL drops credentials, query and fragment from a URL before it is
// shown anywhere.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
