package testbed

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Mirror is a loopback plugin mirror: an HTTP server that serves plugin
// tarballs from folders, as a pluginDownloadURL or `pulumi plugin install
// --server` expects (GET <URL>/<asset>), and counts the requests per asset.
type Mirror struct {
	// URL is the mirror's base URL, without a trailing slash.
	URL string

	dirs []string
	mu   sync.Mutex
	hits map[string]int
}

// NewMirror starts a mirror serving the tarballs in dirs (the first folder
// holding an asset wins); it stops when the test ends.
func NewMirror(tb testing.TB, dirs ...string) *Mirror {
	tb.Helper()
	m := &Mirror{dirs: dirs, hits: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(m.serve))
	tb.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

func (m *Mirror) serve(w http.ResponseWriter, r *http.Request) {
	asset := path.Base(r.URL.Path)
	m.mu.Lock()
	m.hits[asset]++
	m.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead || strings.ContainsAny(asset, `/\`) || asset == "." {
		http.NotFound(w, r)
		return
	}
	for _, d := range m.dirs {
		p := filepath.Join(d, asset)
		if _, err := os.Stat(p); err == nil {
			http.ServeFile(w, r, p)
			return
		}
	}
	http.NotFound(w, r)
}

// Requests is how many requests asked for asset (a tarball's file name).
func (m *Mirror) Requests(asset string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits[asset]
}

// Total is how many requests the mirror has had, for any path.
func (m *Mirror) Total() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.hits {
		n += c
	}
	return n
}
