package authtest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// api calls the fake as the CLI does: JSON bodies (gzip-compressed when
// zip is set), "token <t>" or "update-token <lease>" authorization.
type api struct {
	t     *testing.T
	cloud *authtest.Cloud
	token string
}

// reply is a response's status and, for errors, the service's message.
type reply struct {
	status  int
	message string
}

func (a api) do(method, path, auth string, zip bool, body, out any) reply {
	a.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		if zip {
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(raw)
			_ = zw.Close()
		} else {
			buf.Write(raw)
		}
	}
	req, err := http.NewRequest(method, a.cloud.URL+path, &buf)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if zip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := a.cloud.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		var e apitype.ErrorResponse
		_ = json.Unmarshal(raw, &e)
		return reply{resp.StatusCode, e.Message}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return reply{status: resp.StatusCode}
}

// call uses the API token.
func (a api) call(method, path string, body, out any) reply {
	a.t.Helper()
	return a.do(method, path, "token "+a.token, false, body, out)
}

// leased uses an update's lease token.
func (a api) leased(method, path, lease string, body, out any) reply {
	a.t.Helper()
	return a.do(method, path, "update-token "+lease, true, body, out)
}

func (a api) mustOK(r reply, what string) {
	a.t.Helper()
	if r.status >= 300 {
		a.t.Fatalf("%s: %d %s", what, r.status, r.message)
	}
}

// createStack creates org/project/stack.
func (a api) createStack(org, project, stack string) {
	a.t.Helper()
	a.mustOK(a.call("POST", "/api/stacks/"+org+"/"+project, apitype.CreateStackRequest{StackName: stack}, nil), "create stack")
}

// start creates and starts an update of kind (update, preview, refresh,
// destroy) and returns its ID and lease, or the refusal of its start.
func (a api) start(stack, kind string) (string, apitype.StartUpdateResponse, reply) {
	a.t.Helper()
	var created apitype.UpdateProgramResponse
	a.mustOK(a.call("POST", "/api/stacks/"+stack+"/"+kind, apitype.UpdateProgramRequest{
		Name: strings.Split(stack, "/")[1], Runtime: "yaml",
		Metadata: apitype.UpdateMetadata{Message: kind + " by test", Environment: map[string]string{"PULUMI_CI_SYSTEM": "Octopus"}},
	}, &created), "create update")
	var started apitype.StartUpdateResponse
	r := a.call("POST", "/api/stacks/"+stack+"/update/"+created.UpdateID, apitype.StartUpdateRequest{}, &started)
	return created.UpdateID, started, r
}

var checkpoint = apitype.PatchUpdateCheckpointRequest{Version: 3, Deployment: json.RawMessage(`{"manifest":{"time":"2026-01-01T00:00:00Z","magic":"","version":""},"resources":[{"urn":"urn:pulumi:dev::web::pulumi:pulumi:Stack::web-dev","custom":false,"type":"pulumi:pulumi:Stack"}]}`)}

func TestServiceRefusesStrangers(t *testing.T) {
	t.Parallel()
	cloud, token := authtest.StartCloud(t, "acme")
	a := api{t: t, cloud: cloud, token: token}
	a.createStack("acme", "web", "dev")
	for _, tc := range []struct {
		name, auth, path string
		status           int
	}{
		{"no token", "", "/api/stacks/acme/web/dev", 401},
		{"unknown token", "token pul-0000", "/api/stacks/acme/web/dev", 401},
		{"another organization", "token " + token, "/api/stacks/globex/web/dev", 403},
		{"a missing stack", "token " + token, "/api/stacks/acme/web/prod", 404},
		{"a missing update", "token " + token, "/api/stacks/acme/web/dev/update/x/checkpoint", 404},
	} {
		method := "GET"
		if strings.HasSuffix(tc.path, "checkpoint") {
			method = "PATCH"
		}
		if r := a.do(method, tc.path, tc.auth, false, checkpoint, nil); r.status != tc.status {
			t.Errorf("%s: %d %q, want %d", tc.name, r.status, r.message, tc.status)
		}
	}
	if r := a.call("POST", "/api/stacks/acme/web", apitype.CreateStackRequest{StackName: "dev"}, nil); r.status != 409 || !strings.Contains(r.message, "already exists") {
		t.Errorf("a second create: %d %q, want 409 already exists", r.status, r.message)
	}
}

func TestServiceUpdateLifecycleAndLock(t *testing.T) {
	t.Parallel()
	cloud, token := authtest.StartCloud(t, "acme")
	a := api{t: t, cloud: cloud, token: token}
	a.createStack("acme", "web", "dev")
	const stack = "acme/web/dev"
	base := "/api/stacks/" + stack

	id, started, r := a.start(stack, "update")
	a.mustOK(r, "start")
	if started.Version != 1 || started.Token == "" || started.JournalVersion != 0 {
		t.Fatalf("start: %+v, want version 1, a lease and no journal", started)
	}
	upd := base + "/update/" + id

	// The stack is locked: another update is refused as the service does,
	// a preview is not.
	if _, _, r := a.start(stack, "destroy"); r.status != 409 || r.message != "Conflict: Another update is currently in progress." {
		t.Errorf("a second update: %d %q", r.status, r.message)
	}
	if r := a.call("POST", base+"/import", apitype.UntypedDeployment{Version: 3, Deployment: checkpoint.Deployment}, nil); r.status != 409 {
		t.Errorf("an import while locked: %d %q", r.status, r.message)
	}
	previewID, preview, r := a.start(stack, "preview")
	a.mustOK(r, "a preview while locked")
	var st apitype.Stack
	a.call("GET", base, nil, &st)
	if st.ActiveUpdate != id || st.CurrentOperation == nil || st.CurrentOperation.Author != "octo-deployer" || st.CurrentOperation.Kind != apitype.UpdateUpdate {
		t.Errorf("the stack while updating: %+v", st)
	}

	// An update's own calls need its lease.
	if r := a.do("PATCH", upd+"/checkpoint", "token "+token, true, checkpoint, nil); r.status != 403 {
		t.Errorf("a checkpoint with the API token: %d", r.status)
	}
	if r := a.leased("PATCH", upd+"/checkpoint", preview.Token, checkpoint, nil); r.status != 403 {
		t.Errorf("a checkpoint with another update's lease: %d", r.status)
	}
	a.mustOK(a.leased("PATCH", upd+"/checkpoint", started.Token, checkpoint, nil), "checkpoint")
	var renewed apitype.RenewUpdateLeaseResponse
	a.mustOK(a.leased("POST", upd+"/renew_lease", started.Token, apitype.RenewUpdateLeaseRequest{Duration: 300}, &renewed), "renew")
	if renewed.Token == "" || renewed.Token == started.Token {
		t.Errorf("renewal gave %q", renewed.Token)
	}
	summary := apitype.EngineEventBatch{Events: []apitype.EngineEvent{{Sequence: 1, SummaryEvent: &apitype.SummaryEvent{ResourceChanges: map[apitype.OpType]int{apitype.OpCreate: 1}}}}}
	a.mustOK(a.leased("POST", upd+"/events/batch", renewed.Token, summary, nil), "events")
	a.mustOK(a.leased("POST", upd+"/complete", renewed.Token, apitype.CompleteUpdateRequest{Status: apitype.StatusSucceeded}, nil), "complete")
	a.mustOK(a.leased("POST", base+"/update/"+previewID+"/complete", preview.Token, apitype.CompleteUpdateRequest{Status: apitype.StatusSucceeded}, nil), "complete the preview")

	// Over: unlocked, its lease spent, nothing to cancel.
	if r := a.leased("PATCH", upd+"/checkpoint", renewed.Token, checkpoint, nil); r.status != 409 {
		t.Errorf("a checkpoint after complete: %d", r.status)
	}
	if r := a.call("POST", upd+"/cancel", nil, nil); r.status != 409 || r.message != "Conflict: The Update has already completed" {
		t.Errorf("cancel after complete: %d %q", r.status, r.message)
	}
	var export apitype.ExportStackResponse
	a.call("GET", base+"/export/1", nil, &export)
	if export.Version != 3 || !bytes.Contains(export.Deployment, []byte("web-dev")) {
		t.Errorf("export of version 1: %+v", export)
	}
	var history apitype.GetHistoryResponse
	a.call("GET", base+"/updates", nil, &history)
	if len(history.Updates) != 1 {
		t.Fatalf("history: %+v, want the update alone (no preview)", history)
	}
	h := history.Updates[0]
	if h.Version != 1 || h.Result != apitype.SucceededResult || h.ResourceChanges[apitype.OpCreate] != 1 || h.ResourceCount != 1 ||
		h.Message != "update by test" || h.Environment["PULUMI_CI_SYSTEM"] != "Octopus" {
		t.Errorf("the update in the history: %+v", h)
	}
	ups := cloud.Updates(stack)
	if len(ups) != 3 || ups[0].LeaseRenewals != 1 || ups[0].Checkpoints != 1 || len(ups[0].Events) != 1 || ups[0].Environment()["PULUMI_CI_SYSTEM"] != "Octopus" ||
		ups[1].Status != apitype.StatusNotStarted || !ups[2].Preview() {
		t.Errorf("the updates recorded: %+v", ups)
	}
	if info, _ := cloud.Stack(stack); info.LockedBy != "" || info.Version != 1 || info.Resources != 1 {
		t.Errorf("the stack: %+v", info)
	}
}

// TestServiceLeaseExpiryKeepsTheLock: an update whose lease ran out (its
// process died) can no longer write, but keeps the stack locked until it
// is cancelled, as on the service.
func TestServiceLeaseExpiryKeepsTheLock(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cloud := authtest.NewCloud(authtest.CloudClock(clock))
	defer cloud.Close()
	a := api{t: t, cloud: cloud, token: cloud.IssueToken(authtest.User{Login: "octo", Organizations: []string{"acme"}})}
	a.createStack("acme", "web", "dev")
	id, started, r := a.start("acme/web/dev", "update")
	a.mustOK(r, "start")

	mu.Lock()
	now = now.Add(6 * time.Minute)
	mu.Unlock()
	upd := "/api/stacks/acme/web/dev/update/" + id
	if r := a.leased("POST", upd+"/renew_lease", started.Token, apitype.RenewUpdateLeaseRequest{Duration: 300}, nil); r.status != 403 {
		t.Errorf("renewing an expired lease: %d", r.status)
	}
	if _, _, r := a.start("acme/web/dev", "update"); r.status != 409 {
		t.Errorf("an update after the lease expired: %d, want still locked", r.status)
	}
	a.mustOK(a.call("POST", upd+"/cancel", nil, nil), "cancel")
	if _, _, r := a.start("acme/web/dev", "update"); r.status != 200 {
		t.Errorf("an update after the cancel: %d %q", r.status, r.message)
	}
}

func TestServiceSecrets(t *testing.T) {
	t.Parallel()
	cloud, token := authtest.StartCloud(t, "acme")
	a := api{t: t, cloud: cloud, token: token}
	a.createStack("acme", "web", "dev")
	a.createStack("acme", "web", "prod")

	var enc apitype.EncryptValueResponse
	a.mustOK(a.call("POST", "/api/stacks/acme/web/dev/encrypt", apitype.EncryptValueRequest{Plaintext: []byte("s3cret")}, &enc), "encrypt")
	if bytes.Contains(enc.Ciphertext, []byte("s3cret")) {
		t.Fatal("the ciphertext holds the plaintext")
	}
	var dec apitype.DecryptValueResponse
	a.mustOK(a.call("POST", "/api/stacks/acme/web/dev/decrypt", apitype.DecryptValueRequest{Ciphertext: enc.Ciphertext}, &dec), "decrypt")
	if string(dec.Plaintext) != "s3cret" {
		t.Errorf("decrypt = %q", dec.Plaintext)
	}
	if r := a.call("POST", "/api/stacks/acme/web/prod/decrypt", apitype.DecryptValueRequest{Ciphertext: enc.Ciphertext}, nil); r.status != 400 {
		t.Errorf("another stack decrypted the secret: %d", r.status)
	}

	var batch apitype.BatchEncryptResponse
	a.mustOK(a.do("POST", "/api/stacks/acme/web/dev/batch-encrypt", "token "+token, true,
		apitype.BatchEncryptRequest{Plaintexts: [][]byte{[]byte("a"), []byte("b")}}, &batch), "batch-encrypt (gzip)")
	var plain apitype.BatchDecryptResponse
	a.mustOK(a.do("POST", "/api/stacks/acme/web/dev/batch-decrypt", "token "+token, true,
		apitype.BatchDecryptRequest{Ciphertexts: batch.Ciphertexts}, &plain), "batch-decrypt (gzip)")
	for i, want := range []string{"a", "b"} {
		if got := plain.Plaintexts[base64.StdEncoding.EncodeToString(batch.Ciphertexts[i])]; string(got) != want {
			t.Errorf("batch-decrypt of %q under its ciphertext's base64 = %q", want, got)
		}
	}
}

func TestServiceStacks(t *testing.T) {
	t.Parallel()
	cloud, token := authtest.StartCloud(t, "acme")
	a := api{t: t, cloud: cloud, token: token}
	a.createStack("acme", "web", "dev")
	a.createStack("acme", "api", "dev")
	a.mustOK(a.call("PATCH", "/api/stacks/acme/web/dev/tags", map[string]string{"team": "blue"}, nil), "tags")
	if r := a.call("PATCH", "/api/stacks/acme/web/dev/tags", map[string]string{"bad tag!": "x"}, nil); r.status != 400 {
		t.Errorf("an invalid tag name: %d", r.status)
	}

	var list apitype.ListStacksResponse
	a.call("GET", "/api/user/stacks?tagName=team&tagValue=blue", nil, &list)
	if len(list.Stacks) != 1 || list.Stacks[0].ProjectName != "web" {
		t.Errorf("stacks tagged team=blue: %+v", list.Stacks)
	}
	a.call("GET", "/api/user/stacks?project=api", nil, &list)
	if len(list.Stacks) != 1 || list.Stacks[0].ProjectName != "api" {
		t.Errorf("stacks of project api: %+v", list.Stacks)
	}
	if r := a.call("HEAD", "/api/stacks/acme/web", nil, nil); r.status != 200 {
		t.Errorf("HEAD of an existing project: %d", r.status)
	}
	if r := a.call("HEAD", "/api/stacks/acme/nope", nil, nil); r.status != 404 {
		t.Errorf("HEAD of a missing project: %d", r.status)
	}

	// Two imports, then the history a page at a time, newest first.
	for range 2 {
		var imp apitype.ImportStackResponse
		a.mustOK(a.do("POST", "/api/stacks/acme/web/dev/import", "token "+token, true, apitype.UntypedDeployment{Version: 3, Deployment: checkpoint.Deployment}, &imp), "import")
		var status apitype.UpdateResults
		a.call("GET", "/api/stacks/acme/web/dev/update/"+imp.UpdateID, nil, &status)
		if status.Status != apitype.StatusSucceeded || status.ContinuationToken != nil {
			t.Errorf("the import's status: %+v", status)
		}
	}
	var page apitype.GetHistoryResponse
	a.call("GET", "/api/stacks/acme/web/dev/updates?pageSize=1&page=1", nil, &page)
	if len(page.Updates) != 1 || page.Updates[0].Version != 2 || page.Updates[0].Kind != apitype.StackImportUpdate {
		t.Errorf("the first page of the history: %+v", page.Updates)
	}
	var latest struct {
		Info apitype.UpdateInfo `json:"info"`
	}
	a.call("GET", "/api/stacks/acme/web/dev/updates/latest", nil, &latest)
	if latest.Info.Version != 2 {
		t.Errorf("latest update: %+v", latest.Info)
	}
	if r := a.call("GET", "/api/stacks/acme/api/dev/updates/latest", nil, nil); r.status != 404 {
		t.Errorf("latest update of a stack never updated: %d", r.status)
	}

	// A stack with resources is removed only by force.
	if r := a.call("DELETE", "/api/stacks/acme/web/dev", nil, nil); r.status != 400 || r.message != "Bad Request: Stack still contains resources." {
		t.Errorf("removing a stack with resources: %d %q", r.status, r.message)
	}
	a.mustOK(a.call("DELETE", "/api/stacks/acme/web/dev?force=true", nil, nil), "remove by force")
	if _, ok := cloud.Stack("acme/web/dev"); ok {
		t.Error("the stack survived its removal")
	}
}

func TestServiceCapabilitiesAndFaults(t *testing.T) {
	t.Parallel()
	cloud, token := authtest.StartCloud(t, "acme")
	a := api{t: t, cloud: cloud, token: token}
	var caps apitype.CapabilitiesResponse
	a.call("GET", authtest.CapabilitiesPath, nil, &caps)
	parsed, err := caps.Parse()
	if err != nil || !parsed.BatchEncryption || parsed.DeltaCheckpointUpdates != nil || parsed.BeginUpdate || parsed.StackOutputs {
		t.Errorf("capabilities %+v (%v): want batch encryption alone", parsed, err)
	}

	a.createStack("acme", "web", "dev")
	id, started, _ := a.start("acme/web/dev", "update")
	pattern := "/api/stacks/acme/web/dev/update/*/checkpoint"
	cloud.Inject(pattern, authtest.ServerError)
	upd := "/api/stacks/acme/web/dev/update/" + id
	if r := a.leased("PATCH", upd+"/checkpoint", started.Token, checkpoint, nil); r.status != 500 {
		t.Errorf("the injected fault: %d", r.status)
	}
	a.mustOK(a.leased("PATCH", upd+"/checkpoint", started.Token, checkpoint, nil), "the checkpoint after the fault")
	if n := cloud.Requests(pattern); n != 2 {
		t.Errorf("Requests(%s) = %d, want 2", pattern, n)
	}
}

// TestServiceExchangedToken: an organization token from the OIDC exchange
// reaches its organization's stacks, and no other's.
func TestServiceExchangedToken(t *testing.T) {
	t.Parallel()
	iss, cloud := authtest.Start(t, "acme")
	jwt, err := iss.Mint(map[string]any{"aud": "urn:pulumi:org:acme"})
	if err != nil {
		t.Fatal(err)
	}
	var exchanged struct {
		AccessToken string `json:"access_token"`
	}
	a := api{t: t, cloud: cloud}
	a.mustOK(a.do("POST", authtest.TokenPath, "", false, map[string]string{
		"grant_type":           "urn:ietf:params:oauth:grant-type:token-exchange",
		"subject_token_type":   "urn:ietf:params:oauth:token-type:id_token",
		"subject_token":        jwt,
		"audience":             "urn:pulumi:org:acme",
		"requested_token_type": "urn:pulumi:token-type:access_token:organization",
	}, &exchanged), "exchange")
	a.token = exchanged.AccessToken
	a.createStack("acme", "web", "dev")
	if r := a.call("POST", "/api/stacks/globex/web", apitype.CreateStackRequest{StackName: "dev"}, nil); r.status != 403 {
		t.Errorf("a stack in another organization: %d", r.status)
	}
}
