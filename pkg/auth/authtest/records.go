package authtest

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// StackInfo is a stack of the fake service, as a test sees it.
type StackInfo struct {
	// Name is org/project/stack.
	Name string
	Tags map[string]string
	// Version is the stack's latest version (0: never updated).
	Version int
	// Resources counts the resources in its latest checkpoint.
	Resources int
	// LockedBy is the ID of the update that holds the stack, or "".
	LockedBy string
}

// Update is one update (preview, update, refresh, destroy or import) as the
// fake recorded it, with what the CLI sent about it.
type Update struct {
	ID string
	// Stack is org/project/stack.
	Stack string
	Kind  apitype.UpdateKind
	// Status is "not started", "running", "succeeded", "failed" or
	// "cancelled".
	Status apitype.UpdateStatus
	// Version is the stack version the update made (a preview makes none:
	// it has the version it previewed).
	Version int
	// Author is the login of the token that created it.
	Author string
	// Program is the update request as the CLI sent it: the project, its
	// runtime, the options (DryRun…), the config (secrets as ciphertext)
	// and the metadata: Program.Metadata.Message is the update's message
	// and Program.Metadata.Environment what the CLI tells about where it
	// ran (git, CI system: the PULUMI_CI_* variables, exec.kind…).
	Program apitype.UpdateProgramRequest
	// Tags are the stack tags the CLI started the update with.
	Tags map[string]string
	// ResourceChanges are the counts of the engine's summary event.
	ResourceChanges map[apitype.OpType]int
	// Events are the engine events the CLI recorded.
	Events []apitype.EngineEvent
	// Checkpoints counts the checkpoints saved; LeaseRenewals the lease
	// renewals.
	Checkpoints, LeaseRenewals int
	Created, Started, Ended    time.Time
}

// Preview reports whether the update was a preview: of kind "preview", or
// the dry run of another kind (the preview `pulumi up` runs first).
func (u Update) Preview() bool {
	return u.Kind == apitype.PreviewUpdate || u.Program.Options.DryRun
}

// Message is the update's message (Program.Metadata.Message).
func (u Update) Message() string { return u.Program.Metadata.Message }

// Environment is the update's metadata environment
// (Program.Metadata.Environment).
func (u Update) Environment() map[string]string { return u.Program.Metadata.Environment }

func (s *fakeStack) snapshot() StackInfo {
	info := StackInfo{Name: s.fullName(), Tags: maps.Clone(s.tags), Version: s.version, Resources: s.resources()}
	if s.lock != nil {
		info.LockedBy = s.lock.id
	}
	return info
}

func (u *fakeUpdate) snapshot() Update {
	var program apitype.UpdateProgramRequest
	raw, _ := json.Marshal(u.program)
	_ = json.Unmarshal(raw, &program) // a deep copy
	return Update{
		ID: u.id, Stack: u.stack.fullName(), Kind: u.kind, Status: u.status, Version: u.version, Author: u.author,
		Program: program, Tags: maps.Clone(u.tags), ResourceChanges: maps.Clone(u.changes),
		Events: slices.Clone(u.events), Checkpoints: u.checkpoints, LeaseRenewals: u.renewals,
		Created: u.created, Started: u.start, Ended: u.end,
	}
}

// Stack returns the stack named org/project/stack, if it exists.
func (c *Cloud) Stack(name string) (StackInfo, bool) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s := c.st.stacks[name]
	if s == nil {
		return StackInfo{}, false
	}
	return s.snapshot(), true
}

// Stacks returns every stack, by name.
func (c *Cloud) Stacks() []StackInfo {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	var out []StackInfo
	for _, k := range slices.Sorted(maps.Keys(c.st.stacks)) {
		out = append(out, c.st.stacks[k].snapshot())
	}
	return out
}

// Updates returns the updates ever made on stacks named stack
// (org/project/stack), in the order they were created, previews included,
// and those of a stack since removed.
func (c *Cloud) Updates(stack string) []Update {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	var out []Update
	for _, up := range c.st.order {
		if up.stack.fullName() == stack {
			out = append(out, up.snapshot())
		}
	}
	return out
}

// Deployment returns the latest checkpoint of stack (org/project/stack).
func (c *Cloud) Deployment(stack string) (apitype.UntypedDeployment, bool) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	s := c.st.stacks[stack]
	if s == nil {
		return apitype.UntypedDeployment{}, false
	}
	return s.current, true
}
