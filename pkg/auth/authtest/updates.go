package authtest

import (
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// The service's refusals that the CLI, and tools that read its errors,
// recognize: a second update on a locked stack (the CLI prints "error:
// [409] Conflict: Another update is currently in progress."), and the
// cancel of an update that is over.
const (
	conflictInProgress = "Conflict: Another update is currently in progress."
	conflictCompleted  = "Conflict: The Update has already completed"
)

// leaseDuration is how long a lease token lasts unless renewed: the five
// minutes the CLI assumes (httpstate.newUpdate), within which it renews.
const leaseDuration = 5 * time.Minute

// maxLease bounds a renewal's duration.
const maxLease = 5 * time.Minute

// fakeUpdate is one update of a stack (a preview, update, refresh, destroy
// or import). Its fields are guarded by stackState.mu.
type fakeUpdate struct {
	id      string
	stack   *fakeStack
	kind    apitype.UpdateKind
	program apitype.UpdateProgramRequest
	author  string
	// status is StatusNotStarted, StatusRunning, then StatusSucceeded,
	// StatusFailed or UpdateStatusCancelled.
	status  apitype.UpdateStatus
	version int
	// tags are the tags the CLI started the update with.
	tags map[apitype.StackTagName]string
	// leases maps each lease token handed out to its expiry.
	leases      map[string]time.Time
	renewals    int
	created     time.Time
	start, end  time.Time
	events      []apitype.EngineEvent
	changes     map[apitype.OpType]int
	checkpoints int
	resources   int
}

// preview reports whether the update changes nothing: a preview, or the
// dry run of another kind (the preview that `pulumi up` runs first is an
// "update" with options.dryRun set). It takes no version and no lock.
func (u *fakeUpdate) preview() bool {
	return u.kind == apitype.PreviewUpdate || u.program.Options.DryRun
}

func (u *fakeUpdate) over() bool {
	return u.status != apitype.StatusNotStarted && u.status != apitype.StatusRunning
}

// info is the update as the stack's history shows it.
func (u *fakeUpdate) info() apitype.UpdateInfo {
	result := apitype.InProgressResult
	switch u.status {
	case apitype.StatusNotStarted:
		result = apitype.NotStartedResult
	case apitype.StatusSucceeded:
		result = apitype.SucceededResult
	case apitype.StatusFailed, apitype.UpdateStatusCancelled:
		result = apitype.FailedResult
	}
	info := apitype.UpdateInfo{
		Kind: u.kind, StartTime: u.start.Unix(), Message: u.program.Metadata.Message,
		Environment: maps.Clone(u.program.Metadata.Environment), Config: maps.Clone(u.program.Config),
		Result: result, Version: u.version, ResourceChanges: maps.Clone(u.changes), ResourceCount: u.resources,
	}
	if info.Environment == nil {
		info.Environment = map[string]string{}
	}
	if info.Config == nil {
		info.Config = map[string]apitype.ConfigValue{}
	}
	if !u.end.IsZero() {
		info.EndTime = u.end.Unix()
	}
	return info
}

// newUpdate records a new update of s, not started. The caller holds
// c.st.mu.
func (c *Cloud) newUpdate(s *fakeStack, kind apitype.UpdateKind, by User, program apitype.UpdateProgramRequest) *fakeUpdate {
	up := &fakeUpdate{
		id: newUUID(), stack: s, kind: kind, program: program, author: by.Login,
		status: apitype.StatusNotStarted, leases: map[string]time.Time{}, created: c.now(),
	}
	c.st.updates[up.id] = up
	c.st.order = append(c.st.order, up)
	return up
}

// begin starts up: any update but a preview takes the stack's next version
// and its lock. The caller holds c.st.mu and has checked the lock.
func (c *Cloud) begin(up *fakeUpdate) {
	s := up.stack
	up.status, up.start = apitype.StatusRunning, c.now()
	up.version = s.version
	if up.preview() {
		return
	}
	s.version++
	up.version = s.version
	s.history = append(s.history, up)
	s.lock, s.active = up, up
}

// finish ends up with status: its leases end, a version keeps the state
// it ended with, and the stack's lock is released. The caller holds
// c.st.mu.
func (c *Cloud) finish(up *fakeUpdate, status apitype.UpdateStatus) {
	s := up.stack
	up.status, up.end = status, c.now()
	clear(up.leases)
	if up.preview() {
		return
	}
	s.versions[up.version] = s.current
	up.resources = s.resources()
	if s.lock == up {
		s.lock = nil
	}
}

// updateKinds maps the path segment of POST …/{stack}/{kind} to the kind of
// update it creates (the CLI's CreateUpdate).
var updateKinds = map[string]apitype.UpdateKind{
	"update":  apitype.UpdateUpdate,
	"preview": apitype.PreviewUpdate,
	"refresh": apitype.RefreshUpdate,
	"destroy": apitype.DestroyUpdate,
}

// createUpdate answers POST …/{kind}: a new update, not started, with the
// program, config and metadata the CLI sends.
func (c *Cloud) createUpdate(w http.ResponseWriter, r *http.Request) {
	kind, ok := updateKinds[r.PathValue("kind")]
	if !ok {
		pulumiError(w, http.StatusNotFound, "Not found: "+r.URL.Path)
		return
	}
	var req apitype.UpdateProgramRequest
	if err := readJSON(r, &req); err != nil {
		badRequest(w, err)
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, u, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	if req.Name != "" && cleanProject(req.Name) != s.project {
		badRequest(w, fmt.Errorf("the program's project %q is not the stack's project %q", req.Name, s.project))
		return
	}
	up := c.newUpdate(s, kind, u, req)
	writeJSON(w, http.StatusOK, apitype.UpdateProgramResponse{UpdateID: up.id})
}

// cleanProject is the CLI's cleanProjectName: what the project's name is
// on the service.
func cleanProject(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return r
		}
		return '-'
	}, name)
}

// updateOf authorizes an API-token request on an update and finds it,
// answering the error itself when it cannot. The caller holds c.st.mu.
func (c *Cloud) updateOf(w http.ResponseWriter, r *http.Request) (*fakeUpdate, User, bool) {
	s, u, ok := c.stackOf(w, r)
	if !ok {
		return nil, User{}, false
	}
	up := c.st.updates[r.PathValue("id")]
	if _, kind := updateKinds[r.PathValue("kind")]; !kind || up == nil || up.stack != s {
		pulumiError(w, http.StatusNotFound, fmt.Sprintf("Not Found: Update '%s' not found", r.PathValue("id")))
		return nil, User{}, false
	}
	return up, u, true
}

// startUpdate answers POST …/update/{id}: the update starts, with a lease
// token that authorizes its own calls, unless another update (not a
// preview) holds the stack: 409, as the service answers.
func (c *Cloud) startUpdate(w http.ResponseWriter, r *http.Request) {
	var req apitype.StartUpdateRequest
	if err := readJSON(r, &req); err != nil {
		badRequest(w, err)
		return
	}
	if err := validateTags(req.Tags); err != nil {
		badRequest(w, err)
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	up, _, ok := c.updateOf(w, r)
	if !ok {
		return
	}
	s := up.stack
	switch {
	case up.status != apitype.StatusNotStarted:
		pulumiError(w, http.StatusConflict, "Conflict: The Update has already been started")
		return
	case !up.preview() && s.lock != nil:
		pulumiError(w, http.StatusConflict, conflictInProgress)
		return
	}
	c.begin(up)
	up.tags = maps.Clone(req.Tags)
	if req.Tags != nil {
		s.tags = maps.Clone(req.Tags)
	}
	token, expiry := c.lease(up, leaseDuration)
	// No journal version: the CLI then saves whole checkpoints.
	writeJSON(w, http.StatusOK, apitype.StartUpdateResponse{Version: up.version, Token: token, TokenExpiration: expiry.Unix()})
}

// lease hands out a lease token for up that lasts d.
func (c *Cloud) lease(up *fakeUpdate, d time.Duration) (string, time.Time) {
	token := "lease-" + randomHex(16)
	expiry := c.now().Add(d)
	up.leases[token] = expiry
	return token, expiry
}

// leased authorizes a call made with an update's lease token ("Authorization:
// update-token <lease>"): 409 once the update is over, 403 for a token that
// is not one of its leases or has expired (the CLI's lease renewal reads a
// 403 as an expired lease). The caller holds c.st.mu.
func (c *Cloud) leased(w http.ResponseWriter, r *http.Request) (*fakeUpdate, bool) {
	s := c.st.stacks[stackKey(r)]
	if s == nil {
		stackNotFound(w, stackKey(r))
		return nil, false
	}
	up := c.st.updates[r.PathValue("id")]
	if up == nil || up.stack != s {
		pulumiError(w, http.StatusNotFound, fmt.Sprintf("Not Found: Update '%s' not found", r.PathValue("id")))
		return nil, false
	}
	if up.over() {
		pulumiError(w, http.StatusConflict, conflictCompleted)
		return nil, false
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "update-token ")
	expiry, known := up.leases[tok]
	if !ok || !known || !c.now().Before(expiry) {
		pulumiError(w, http.StatusForbidden, "Forbidden: the update's lease token is not valid or has expired")
		return nil, false
	}
	return up, true
}

// renewLease answers POST …/renew_lease with a new lease token that lasts
// the duration asked (at most five minutes).
func (c *Cloud) renewLease(w http.ResponseWriter, r *http.Request) {
	var req apitype.RenewUpdateLeaseRequest
	if err := readJSON(r, &req); err != nil {
		badRequest(w, err)
		return
	}
	if req.Duration <= 0 || time.Duration(req.Duration)*time.Second > maxLease {
		badRequest(w, fmt.Errorf("lease duration must be between 1 and %d seconds", int(maxLease/time.Second)))
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	up, ok := c.leased(w, r)
	if !ok {
		return
	}
	token, expiry := c.lease(up, time.Duration(req.Duration)*time.Second)
	up.renewals++
	writeJSON(w, http.StatusOK, apitype.RenewUpdateLeaseResponse{Token: token, TokenExpiration: expiry.Unix()})
}

// patchCheckpoint answers PATCH …/checkpoint: the whole state, which
// becomes the stack's latest. Previews have none.
func (c *Cloud) patchCheckpoint(w http.ResponseWriter, r *http.Request) {
	var req apitype.PatchUpdateCheckpointRequest
	if err := readJSON(r, &req); err != nil {
		badRequest(w, err)
		return
	}
	if req.Version < 1 || req.Version > 4 {
		badRequest(w, fmt.Errorf("unsupported deployment version %d", req.Version))
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	up, ok := c.leased(w, r)
	if !ok {
		return
	}
	if up.preview() {
		badRequest(w, fmt.Errorf("a preview saves no checkpoint"))
		return
	}
	up.stack.current = apitype.UntypedDeployment{Version: req.Version, Features: req.Features, Deployment: req.Deployment}
	up.checkpoints++
	w.WriteHeader(http.StatusNoContent)
}

// recordEvents answers POST …/events/batch: the engine's events, kept in
// order; the summary event gives the update's resource changes.
func (c *Cloud) recordEvents(w http.ResponseWriter, r *http.Request) {
	var batch apitype.EngineEventBatch
	if err := readJSON(r, &batch); err != nil {
		badRequest(w, err)
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	up, ok := c.leased(w, r)
	if !ok {
		return
	}
	for _, e := range batch.Events {
		up.events = append(up.events, e)
		if e.SummaryEvent != nil {
			up.changes = maps.Clone(e.SummaryEvent.ResourceChanges)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// completeUpdate answers POST …/complete: the update ends with the status
// the CLI reports, and the stack is released.
func (c *Cloud) completeUpdate(w http.ResponseWriter, r *http.Request) {
	var req apitype.CompleteUpdateRequest
	if err := readJSON(r, &req); err != nil {
		badRequest(w, err)
		return
	}
	switch req.Status {
	case apitype.StatusSucceeded, apitype.StatusFailed, apitype.UpdateStatusCancelled:
	default:
		badRequest(w, fmt.Errorf("invalid status %q", req.Status))
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	up, ok := c.leased(w, r)
	if !ok {
		return
	}
	c.finish(up, req.Status)
	w.WriteHeader(http.StatusNoContent)
}

// cancelUpdate answers POST …/cancel (`pulumi cancel`, with the API token):
// an update not over ends as cancelled and releases the stack; one that is
// over gets the service's 409.
func (c *Cloud) cancelUpdate(w http.ResponseWriter, r *http.Request) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	up, _, ok := c.updateOf(w, r)
	if !ok {
		return
	}
	if up.over() {
		pulumiError(w, http.StatusConflict, conflictCompleted)
		return
	}
	c.finish(up, apitype.UpdateStatusCancelled)
	w.WriteHeader(http.StatusNoContent)
}

// updateStatus answers GET …/update/{id} (the CLI polls it after an
// import): the status, and a continuation token until the update is over.
// The fake keeps no log lines, so it has no events to give.
func (c *Cloud) updateStatus(w http.ResponseWriter, r *http.Request) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	up, _, ok := c.updateOf(w, r)
	if !ok {
		return
	}
	res := apitype.UpdateResults{Status: up.status, Events: []apitype.UpdateEvent{}}
	if !up.over() {
		more := "0"
		res.ContinuationToken = &more
	}
	writeJSON(w, http.StatusOK, res)
}

// updateEvents answers GET …/update/{id}/events: the engine events
// recorded, from the continuation token (an offset) on, with a token for
// more until the update is over.
func (c *Cloud) updateEvents(w http.ResponseWriter, r *http.Request) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	up, _, ok := c.updateOf(w, r)
	if !ok {
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("continuationToken"))
	from = min(max(from, 0), len(up.events))
	resp := apitype.GetUpdateEventsResponse{Events: append([]apitype.EngineEvent{}, up.events[from:]...)}
	if !up.over() {
		next := strconv.Itoa(len(up.events))
		resp.ContinuationToken = &next
	}
	writeJSON(w, http.StatusOK, resp)
}
