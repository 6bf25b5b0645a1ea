package authtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// fakeStack is one stack of the fake service. Its fields are guarded by
// stackState.mu.
type fakeStack struct {
	org, project, name string
	id                 string
	created            time.Time
	tags               map[apitype.StackTagName]string
	// key encrypts the stack's secrets (secrets.go).
	key []byte
	// version is the stack's latest version: every update but a preview
	// takes the next one when it starts, and so does an import.
	version int
	// current is the latest checkpoint; versions holds the checkpoint each
	// version ended with.
	current  apitype.UntypedDeployment
	versions map[int]apitype.UntypedDeployment
	// history holds the updates that took a version, oldest first.
	history []*fakeUpdate
	// lock is the update that holds the stack, if any; active is the last
	// update that took a version (what `pulumi cancel` cancels).
	lock   *fakeUpdate
	active *fakeUpdate
}

func (s *fakeStack) fullName() string { return s.org + "/" + s.project + "/" + s.name }

// api is the stack as GET …/{stack} answers it.
func (s *fakeStack) api() apitype.Stack {
	st := apitype.Stack{
		ID: s.id, OrgName: s.org, ProjectName: s.project, StackName: tokens.QName(s.name),
		Tags: maps.Clone(s.tags), Version: s.version,
	}
	if s.active != nil {
		st.ActiveUpdate = s.active.id
	}
	if u := s.lock; u != nil {
		st.CurrentOperation = &apitype.OperationStatus{Kind: u.kind, Author: u.author, Started: u.start.Unix()}
	}
	return st
}

// resources counts the resources of the latest checkpoint.
func (s *fakeStack) resources() int { return resourceCount(s.current) }

func resourceCount(d apitype.UntypedDeployment) int {
	var dep struct {
		Resources []json.RawMessage `json:"resources"`
	}
	_ = json.Unmarshal(d.Deployment, &dep)
	return len(dep.Resources)
}

// emptyDeployment is a new stack's state: a version 3 deployment with a
// manifest and nothing else.
func emptyDeployment(now time.Time) apitype.UntypedDeployment {
	raw, _ := json.Marshal(map[string]any{"manifest": map[string]any{"time": now.UTC(), "magic": "", "version": ""}})
	return apitype.UntypedDeployment{Version: 3, Deployment: raw}
}

// stackKey is a request's org/project/stack.
func stackKey(r *http.Request) string {
	return r.PathValue("org") + "/" + r.PathValue("project") + "/" + r.PathValue("stack")
}

func stackNotFound(w http.ResponseWriter, key string) {
	pulumiError(w, http.StatusNotFound, fmt.Sprintf("Not Found: Stack '%s' not found", key))
}

// stackOf authorizes the request and finds its stack, answering the error
// itself when it cannot. The caller holds c.st.mu.
func (c *Cloud) stackOf(w http.ResponseWriter, r *http.Request) (*fakeStack, User, bool) {
	u, ok := c.member(w, r, r.PathValue("org"))
	if !ok {
		return nil, User{}, false
	}
	s := c.st.stacks[stackKey(r)]
	if s == nil {
		stackNotFound(w, stackKey(r))
		return nil, User{}, false
	}
	return s, u, true
}

// projectName is the service's rule for project names, which the CLI
// cleans to it (cleanProjectName).
var projectName = regexp.MustCompile(`^[a-zA-Z0-9-_.]{1,100}$`)

// createStack answers POST /api/stacks/{org}/{project}: a new stack, or
// 409 with "already exists", which the CLI turns into its
// StackAlreadyExistsError.
func (c *Cloud) createStack(w http.ResponseWriter, r *http.Request) {
	org, project := r.PathValue("org"), r.PathValue("project")
	if _, ok := c.member(w, r, org); !ok {
		return
	}
	var req apitype.CreateStackRequest
	if err := readJSON(r, &req); err != nil {
		badRequest(w, err)
		return
	}
	if _, err := tokens.ParseStackName(req.StackName); err != nil || !projectName.MatchString(project) {
		badRequest(w, fmt.Errorf("invalid stack name %q or project name %q", req.StackName, project))
		return
	}
	if err := validateTags(req.Tags); err != nil {
		badRequest(w, err)
		return
	}
	now := c.now()
	s := &fakeStack{
		org: org, project: project, name: req.StackName, id: newUUID(), created: now,
		tags: maps.Clone(req.Tags), key: newKey(), current: emptyDeployment(now),
		versions: map[int]apitype.UntypedDeployment{},
	}
	if s.tags == nil {
		s.tags = map[apitype.StackTagName]string{}
	}
	if req.State != nil {
		s.current = *req.State
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	if c.st.stacks[s.fullName()] != nil {
		pulumiError(w, http.StatusConflict, fmt.Sprintf("Conflict: Stack '%s' already exists", s.fullName()))
		return
	}
	c.st.stacks[s.fullName()] = s
	writeJSON(w, http.StatusOK, apitype.CreateStackResponse{})
}

// projectExists answers HEAD /api/stacks/{org}/{project}: 200 when a
// stack of the project exists.
func (c *Cloud) projectExists(w http.ResponseWriter, r *http.Request) {
	org, project := r.PathValue("org"), r.PathValue("project")
	if _, ok := c.member(w, r, org); !ok {
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	for _, s := range c.st.stacks {
		if s.org == org && s.project == project {
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
}

func (c *Cloud) getStack(w http.ResponseWriter, r *http.Request) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, _, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.api())
}

// listStacks answers GET /api/user/stacks with the stacks of the caller's
// organizations, filtered as the CLI asks, in one page.
func (c *Cloud) listStacks(w http.ResponseWriter, r *http.Request) {
	u, ok := c.caller(r)
	if !ok {
		unauthorized(w)
		return
	}
	q := r.URL.Query()
	orgs := orgsOf(u)
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	resp := apitype.ListStacksResponse{Stacks: []apitype.StackSummary{}}
	for _, key := range slices.Sorted(maps.Keys(c.st.stacks)) {
		s := c.st.stacks[key]
		if !slices.Contains(orgs, s.org) ||
			q.Has("organization") && q.Get("organization") != s.org ||
			q.Has("project") && q.Get("project") != s.project {
			continue
		}
		if name := q.Get("tagName"); name != "" {
			if v, has := s.tags[name]; !has || q.Has("tagValue") && q.Get("tagValue") != v {
				continue
			}
		}
		sum := apitype.StackSummary{ID: s.id, OrgName: s.org, ProjectName: s.project, StackName: s.name}
		if n := len(s.history); n > 0 {
			last := s.history[n-1].start.Unix()
			count := s.resources()
			sum.LastUpdate, sum.ResourceCount = &last, &count
		}
		resp.Stacks = append(resp.Stacks, sum)
	}
	writeJSON(w, http.StatusOK, resp)
}

// deleteStack answers DELETE …/{stack}: refused while an update holds the
// stack, and, without ?force=true, while it has resources, with the very
// message the CLI recognizes (isStackHasResourcesError).
func (c *Cloud) deleteStack(w http.ResponseWriter, r *http.Request) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, _, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	switch {
	case s.lock != nil:
		pulumiError(w, http.StatusConflict, conflictInProgress)
	case r.URL.Query().Get("force") != "true" && s.resources() > 0:
		pulumiError(w, http.StatusBadRequest, "Bad Request: Stack still contains resources.")
	default:
		delete(c.st.stacks, s.fullName())
		w.WriteHeader(http.StatusNoContent)
	}
}

// updateTags answers PATCH …/tags: the body replaces all the tags.
func (c *Cloud) updateTags(w http.ResponseWriter, r *http.Request) {
	var tags map[apitype.StackTagName]string
	if err := readJSON(r, &tags); err != nil {
		badRequest(w, err)
		return
	}
	if err := validateTags(tags); err != nil {
		badRequest(w, err)
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, _, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	s.tags = maps.Clone(tags)
	if s.tags == nil {
		s.tags = map[apitype.StackTagName]string{}
	}
	w.WriteHeader(http.StatusNoContent)
}

// tagName is the service's rule for tag names (as the CLI checks them in
// pkg/util/validation).
var tagName = regexp.MustCompile(`^[a-zA-Z0-9-_.:]{1,40}$`)

func validateTags(tags map[apitype.StackTagName]string) error {
	for k, v := range tags {
		if !tagName.MatchString(k) {
			return fmt.Errorf("invalid stack tag name %q", k)
		}
		if len(v) > 256 {
			return fmt.Errorf("stack tag %q value is too long (max length 256 characters)", k)
		}
	}
	return nil
}

// exportStack answers GET …/export (the latest checkpoint) and
// …/export/{version} (the checkpoint a version ended with).
func (c *Cloud) exportStack(w http.ResponseWriter, r *http.Request) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, _, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	dep := s.current
	if v := r.PathValue("version"); v != "" {
		n, err := strconv.Atoi(v)
		d, found := s.versions[n]
		if err != nil || !found {
			pulumiError(w, http.StatusNotFound, fmt.Sprintf("Not Found: Stack '%s' has no version %s", s.fullName(), v))
			return
		}
		dep = d
	}
	writeJSON(w, http.StatusOK, apitype.ExportStackResponse(dep))
}

// importStack answers POST …/import: the body becomes the stack's state as
// a version of its own (kind "import"), done at once; refused while an
// update holds the stack.
func (c *Cloud) importStack(w http.ResponseWriter, r *http.Request) {
	var dep apitype.UntypedDeployment
	if err := readJSON(r, &dep); err != nil {
		badRequest(w, err)
		return
	}
	if dep.Version < 1 || dep.Version > 4 || len(dep.Deployment) == 0 {
		badRequest(w, fmt.Errorf("unsupported deployment version %d", dep.Version))
		return
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, u, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	if s.lock != nil {
		pulumiError(w, http.StatusConflict, conflictInProgress)
		return
	}
	up := c.newUpdate(s, apitype.StackImportUpdate, u, apitype.UpdateProgramRequest{})
	c.begin(up)
	s.current = dep
	c.finish(up, apitype.StatusSucceeded)
	writeJSON(w, http.StatusOK, apitype.ImportStackResponse{UpdateID: up.id})
}

// history answers GET …/updates, newest first, a page at a time when the
// CLI asks (?pageSize=&page=, pages from 1).
func (c *Cloud) history(w http.ResponseWriter, r *http.Request) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, _, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	infos := make([]apitype.UpdateInfo, 0, len(s.history))
	for i := len(s.history) - 1; i >= 0; i-- {
		infos = append(infos, s.history[i].info())
	}
	if size, err := strconv.Atoi(r.URL.Query().Get("pageSize")); err == nil && size > 0 {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		from := min(max(page-1, 0)*size, len(infos))
		infos = infos[from:min(from+size, len(infos))]
	}
	writeJSON(w, http.StatusOK, apitype.GetHistoryResponse{Updates: infos})
}

// latestUpdate answers GET …/updates/latest ({"info": …}), or 404 for a
// stack never updated, which the CLI reads as "no previous deployment".
func (c *Cloud) latestUpdate(w http.ResponseWriter, r *http.Request) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s, _, ok := c.stackOf(w, r)
	if !ok {
		return
	}
	if len(s.history) == 0 {
		pulumiError(w, http.StatusNotFound, fmt.Sprintf("Not Found: Stack '%s' has no updates", s.fullName()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]apitype.UpdateInfo{"info": s.history[len(s.history)-1].info()})
}
