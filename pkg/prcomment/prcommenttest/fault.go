package prcommenttest

import (
	"fmt"
	"net/http"
	"path"
	"strconv"
)

// Fault is a misbehaviour the Server answers instead of (or after) doing a
// request's work.
type Fault struct {
	// Status is the HTTP status to answer.
	Status int
	// Times is how many requests the fault answers; 0 means one.
	Times int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Header holds more reply headers, such as X-RateLimit-Remaining.
	Header http.Header
	// Body is the reply body; empty means a JSON error in GitHub's shape,
	// with "Server Error" as message for a 5xx (what GitHub says on a
	// timeout) and the status's text otherwise.
	Body string
	// AfterHandling carries the request out first and then answers the
	// fault, as a gateway that times out after GitHub made the comment.
	AfterHandling bool
	// Drop closes the connection without a reply instead of answering
	// Status.
	Drop bool
}

// SecondaryRateLimit is a 403 as GitHub answers when a secondary rate
// limit is exceeded (REST API "Rate limits", "Exceeding the rate limit"):
// its message says so, and Retry-After is retryAfter seconds (none when
// empty).
func SecondaryRateLimit(retryAfter string) Fault {
	return Fault{
		Status:     http.StatusForbidden,
		RetryAfter: retryAfter,
		Body: errorJSON(http.StatusForbidden,
			"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"),
	}
}

// BadGateway is a 502 for the next times requests.
func BadGateway(times int) Fault {
	return Fault{Status: http.StatusBadGateway, Times: times}
}

type queuedFault struct {
	method  string
	pattern string
	left    int
	f       Fault
}

// Inject queues f for the next requests whose method is method ("" for
// any) and whose path below the API root matches pattern ([path.Match]),
// e.g. Inject("POST", "/repos/acme/web/issues/*/comments", BadGateway(1)).
// Faults apply in the order they were queued.
func (s *Server) Inject(method, pattern string, f Fault) {
	if _, err := path.Match(pattern, "/"); err != nil {
		panic(fmt.Sprintf("prcommenttest.Inject: bad pattern %q: %v", pattern, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &queuedFault{method: method, pattern: pattern, left: max(f.Times, 1), f: f})
}

// takeFault returns the fault for a request, if one is queued.
func (s *Server) takeFault(method, p string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.faults {
		if q.method != "" && q.method != method {
			continue
		}
		if ok, _ := path.Match(q.pattern, p); !ok {
			continue
		}
		q.left--
		if q.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return q.f, true
	}
	return Fault{}, false
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		// Without a hijackable connection, abort the reply as net/http
		// allows: the client sees the connection end.
		panic(http.ErrAbortHandler)
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	body := f.Body
	if body == "" {
		msg := http.StatusText(f.Status)
		if f.Status >= 500 {
			// What GitHub says on a timeout (REST API "Troubleshooting the
			// REST API", "Timeouts").
			msg = "Server Error"
		}
		body = errorJSON(f.Status, msg, "https://docs.github.com/rest")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(body))
}
