package accountstest

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// Fault is a misbehaviour injected into the fake STS for one action. Faults
// queue per action: each request takes the first one (and removes it unless
// Repeat is set); with none queued the fake behaves.
type Fault struct {
	// Status is the HTTP status to answer; with Code, the reply is STS's
	// error document. 0: behave normally after Delay.
	Status  int
	Code    string
	Message string
	// Delay holds the reply back this long (or until the client gives up).
	Delay time.Duration
	// Drop closes the connection without any reply.
	Drop bool
	// Repeat keeps the fault for every later request.
	Repeat bool
}

// Common faults, with STS's real codes.
var (
	// Throttling is STS's rate limit; the SDKs retry it.
	Throttling = Fault{Status: http.StatusBadRequest, Code: "Throttling", Message: "Rate exceeded"}
	// ServiceUnavailable is a passing 503; the SDKs retry it.
	ServiceUnavailable = Fault{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "Service is unavailable. Please try again later."}
	// IDPCommunicationError is STS failing to reach the issuer; the SDKs
	// retry it.
	IDPCommunicationError = Fault{Status: http.StatusBadRequest, Code: "IDPCommunicationError", Message: "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements"}
	// RegionDisabled is STS not activated in the region.
	RegionDisabled = Fault{Status: http.StatusForbidden, Code: "RegionDisabledException", Message: "STS is not activated in this region for account:123456789012. Your account administrator can activate STS in this region using the IAM Console."}
	// DropConnection closes the connection without a reply.
	DropConnection = Fault{Drop: true}
)

type faults struct {
	mu     sync.Mutex
	queue  map[string][]Fault
	counts map[string]int
}

func newFaults() *faults {
	return &faults{queue: map[string][]Fault{}, counts: map[string]int{}}
}

func (f *faults) inject(action string, fl Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue[action] = append(f.queue[action], fl)
}

func (f *faults) calls(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[action]
}

// next counts the request and returns the fault to apply, if any.
func (f *faults) next(action string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[action]++
	q := f.queue[action]
	if len(q) == 0 {
		return Fault{}, false
	}
	fl := q[0]
	if !fl.Repeat {
		f.queue[action] = q[1:]
	}
	return fl, true
}

// apply carries out a fault; it reports whether the request is answered.
func (f *faults) apply(w http.ResponseWriter, r *http.Request, action string) bool {
	fl, ok := f.next(action)
	if !ok {
		return false
	}
	if fl.Delay > 0 {
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
		panic(http.ErrAbortHandler)
	}
	if fl.Status == 0 {
		return false
	}
	writeError(w, fl.Status, orDefault(fl.Code, http.StatusText(fl.Status)), fl.Message)
	return true
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
