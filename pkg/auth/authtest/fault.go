package authtest

import (
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Fault is a misbehaviour injected into a fake for requests to one path.
// Faults queue per path: each request takes the first one (and removes it
// unless Repeat is set); with none queued the fake behaves. A path may be a
// [path.Match] pattern ("/api/stacks/acme/web/dev/update/*/checkpoint"), for
// paths that hold names the test cannot know in advance; a request takes
// the faults queued for its exact path first.
type Fault struct {
	// Status is the HTTP status to answer (0: behave normally after Delay).
	Status int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Body is the reply body; empty means a JSON error matching Status.
	Body string
	// Delay holds the reply back this long (or until the client gives up).
	Delay time.Duration
	// Drop closes the connection without any reply.
	Drop bool
	// Repeat keeps the fault for every later request.
	Repeat bool
}

// Common faults.
var (
	Unauthorized    = Fault{Status: http.StatusUnauthorized}
	Forbidden       = Fault{Status: http.StatusForbidden}
	ServerError     = Fault{Status: http.StatusInternalServerError}
	DropConnection  = Fault{Drop: true}
	TooManyRequests = Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}
)

// faults is the per-path queue and request counter shared by both fakes.
type faults struct {
	mu     sync.Mutex
	queue  map[string][]Fault
	counts map[string]int
}

func newFaults() *faults {
	return &faults{queue: map[string][]Fault{}, counts: map[string]int{}}
}

func (f *faults) inject(path string, fl Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue[path] = append(f.queue[path], fl)
}

// requests counts the requests to path, or to every path the pattern
// matches.
func (f *faults) requests(pattern string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.counts[pattern]
	for p, c := range f.counts {
		if p != pattern && matches(pattern, p) {
			n += c
		}
	}
	return n
}

// queued returns the key of the faults a request to p takes: p itself, else
// the first pattern (in lexical order, so the choice is stable) that
// matches it.
func (f *faults) queued(p string) string {
	if len(f.queue[p]) > 0 {
		return p
	}
	keys := make([]string, 0, len(f.queue))
	for k, q := range f.queue {
		if len(q) > 0 && matches(k, p) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return p
	}
	slices.Sort(keys)
	return keys[0]
}

func matches(pattern, p string) bool {
	ok, err := path.Match(pattern, p)
	return ok && err == nil
}

// next counts the request and returns the fault to apply, if any.
func (f *faults) next(path string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[path]++
	key := f.queued(path)
	q := f.queue[key]
	if len(q) == 0 {
		return Fault{}, false
	}
	fl := q[0]
	if !fl.Repeat {
		f.queue[key] = q[1:]
	}
	return fl, true
}

// apply carries out a fault; it reports whether the request is answered.
func (f *faults) apply(w http.ResponseWriter, r *http.Request) bool {
	fl, ok := f.next(r.URL.Path)
	if !ok {
		return false
	}
	if fl.Delay > 0 {
		// Reading the whole body lets the server notice a client that hangs
		// up, which ends r.Context().
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		t := time.NewTimer(fl.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if fl.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // closes the connection where hijacking is impossible (HTTP/2)
	}
	if fl.Status == 0 {
		return false
	}
	if fl.RetryAfter != "" {
		w.Header().Set("Retry-After", fl.RetryAfter)
	}
	body := fl.Body
	if body == "" {
		body = `{"code":` + strconv.Itoa(fl.Status) + `,"message":"` + http.StatusText(fl.Status) + ` (injected fault)"}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(fl.Status)
	_, _ = w.Write([]byte(body))
	return true
}
