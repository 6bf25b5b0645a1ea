package authtest

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Paths of the stack service, as the pulumi CLI calls them
// (pkg/backend/httpstate/client/api_endpoints.go). Every path under
// StacksPath names a stack as {org}/{project}/{stack}.
const (
	CapabilitiesPath = "/api/capabilities"
	DefaultOrgPath   = "/api/user/organizations/default"
	UserStacksPath   = "/api/user/stacks"
	StacksPath       = "/api/stacks"
)

// maxBody bounds a request body, compressed or not: a checkpoint of a few
// thousand resources fits.
const maxBody = 64 << 20

// stackState is the stack service's state, in memory, per Cloud.
type stackState struct {
	mu      sync.Mutex
	stacks  map[string]*fakeStack  // by org/project/stack
	updates map[string]*fakeUpdate // by update ID
	order   []*fakeUpdate          // every update, in creation order
}

func newStackState() stackState {
	return stackState{stacks: map[string]*fakeStack{}, updates: map[string]*fakeUpdate{}}
}

// StartCloud starts, for one test, a fake Pulumi Cloud with an organization
// org and returns it with an access token of a member of org (user
// "octo-deployer"). Point the CLI at it with PULUMI_BACKEND_URL=cloud.URL
// and PULUMI_ACCESS_TOKEN=token; its stacks are named org/project/stack.
func StartCloud(tb testing.TB, org string) (*Cloud, string) {
	tb.Helper()
	c := NewCloud()
	tb.Cleanup(c.Close)
	return c, c.IssueToken(User{Login: "octo-deployer", Name: "Octo Deployer", Organizations: []string{org}})
}

// IssueToken makes a new access token for u (pul- and 40 hex digits, as the
// service's) and returns it.
func (c *Cloud) IssueToken(u User) string {
	tok := "pul-" + randomHex(20)
	c.AddToken(tok, u)
	return tok
}

// routeStacks registers the stack service's endpoints.
func (c *Cloud) routeStacks(mux *http.ServeMux) {
	const stack = StacksPath + "/{org}/{project}/{stack}"
	const update = stack + "/{kind}/{id}"
	for pattern, h := range map[string]http.HandlerFunc{
		"GET " + CapabilitiesPath:                 c.capabilities,
		"GET " + DefaultOrgPath:                   c.defaultOrg,
		"GET " + UserStacksPath:                   c.listStacks,
		"HEAD " + StacksPath + "/{org}/{project}": c.projectExists,
		"POST " + StacksPath + "/{org}/{project}": c.createStack,
		"GET " + stack:                            c.getStack,
		"DELETE " + stack:                         c.deleteStack,
		"PATCH " + stack + "/tags":                c.updateTags,
		"GET " + stack + "/export":                c.exportStack,
		"GET " + stack + "/export/{version}":      c.exportStack,
		"POST " + stack + "/import":               c.importStack,
		"GET " + stack + "/updates":               c.history,
		"GET " + stack + "/updates/latest":        c.latestUpdate,
		"POST " + stack + "/encrypt":              c.encrypt,
		"POST " + stack + "/decrypt":              c.decrypt,
		"POST " + stack + "/batch-encrypt":        c.batchEncrypt,
		"POST " + stack + "/batch-decrypt":        c.batchDecrypt,
		"POST " + stack + "/{kind}":               c.createUpdate,
		"POST " + update:                          c.startUpdate,
		"GET " + update:                           c.updateStatus,
		"POST " + update + "/renew_lease":         c.renewLease,
		"PATCH " + update + "/checkpoint":         c.patchCheckpoint,
		"POST " + update + "/events/batch":        c.recordEvents,
		"GET " + update + "/events":               c.updateEvents,
		"POST " + update + "/complete":            c.completeUpdate,
		"POST " + update + "/cancel":              c.cancelUpdate,
	} {
		mux.HandleFunc(pattern, h)
	}
}

// capabilities advertises only what the fake implements: batch
// encryption. Without delta-checkpoint-uploads the CLI sends whole
// checkpoints (PATCH …/checkpoint); without begin-update it creates and
// starts updates in two calls; without stack-outputs it reads outputs from
// the export; without deployment-schema-version it sends version 3
// deployments. StartUpdate answers no journal version, so the CLI does not
// journal.
func (c *Cloud) capabilities(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, apitype.CapabilitiesResponse{Capabilities: []apitype.APICapabilityConfig{
		{Capability: apitype.BatchEncrypt},
	}})
}

// defaultOrg answers the organization a user's stacks go to when a stack
// name does not say: the token's organization, else the user's first.
func (c *Cloud) defaultOrg(w http.ResponseWriter, r *http.Request) {
	u, ok := c.caller(r)
	if !ok {
		unauthorized(w)
		return
	}
	org := u.TokenOrg
	if org == "" && len(u.Organizations) > 0 {
		org = u.Organizations[0]
	}
	writeJSON(w, http.StatusOK, apitype.GetDefaultOrganizationResponse{GitHubLogin: org})
}

// orgsOf are the organizations whose stacks u may use: an organization
// token's own, else the user's organizations and personal one.
func orgsOf(u User) []string {
	if u.TokenOrg != "" {
		return []string{u.TokenOrg}
	}
	return append(slices.Clone(u.Organizations), u.Login)
}

// member authorizes a request on org's stacks, answering 401 or 403 itself
// when it may not.
func (c *Cloud) member(w http.ResponseWriter, r *http.Request, org string) (User, bool) {
	u, ok := c.caller(r)
	if !ok {
		unauthorized(w)
		return User{}, false
	}
	if !slices.Contains(orgsOf(u), org) {
		pulumiError(w, http.StatusForbidden, fmt.Sprintf("Forbidden: %s is not a member of organization '%s'", u.Login, org))
		return User{}, false
	}
	return u, true
}

// readJSON decodes a request body, gzip-compressed when the CLI says so,
// bounded either way.
func readJSON(r *http.Request, v any) error {
	var body io.Reader = http.MaxBytesReader(nil, r.Body, maxBody)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return fmt.Errorf("body is not gzip: %v", err)
		}
		defer zr.Close()
		body = io.LimitReader(zr, maxBody+1)
	}
	raw, err := io.ReadAll(body)
	switch {
	case err != nil:
		return fmt.Errorf("reading the body: %v", err)
	case len(raw) > maxBody:
		return errors.New("body too large")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("body is not the expected JSON: %v", err)
	}
	return nil
}

func badRequest(w http.ResponseWriter, err error) {
	pulumiError(w, http.StatusBadRequest, "Bad Request: "+err.Error())
}
