package authtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// The fake Cloud keeps stacks as the service does: an update holds its
// stack's lock until it completes or is cancelled, and a second one is
// refused with the service's 409. The pulumi CLI makes these calls itself
// when PULUMI_BACKEND_URL is cloud.URL.
func ExampleCloud_Updates() {
	cloud := authtest.NewCloud()
	defer cloud.Close()
	token := cloud.IssueToken(authtest.User{Login: "octo", Organizations: []string{"acme"}})

	call := func(method, path string, body, out any) int {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, cloud.URL+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "token "+token)
		resp, err := cloud.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(out)
		return resp.StatusCode
	}
	start := func() (string, int, apitype.ErrorResponse) {
		var created apitype.UpdateProgramResponse
		call("POST", "/api/stacks/acme/web/dev/update", apitype.UpdateProgramRequest{
			Name: "web", Metadata: apitype.UpdateMetadata{Message: "deploy release 1.2.3"},
		}, &created)
		var refused apitype.ErrorResponse
		status := call("POST", "/api/stacks/acme/web/dev/update/"+created.UpdateID, apitype.StartUpdateRequest{}, &refused)
		return created.UpdateID, status, refused
	}

	call("POST", "/api/stacks/acme/web", apitype.CreateStackRequest{StackName: "dev"}, nil)
	first, status, _ := start()
	fmt.Println("first update:", status)
	_, status, refused := start()
	fmt.Println("second update:", status, refused.Error())
	fmt.Println("cancel the first:", call("POST", "/api/stacks/acme/web/dev/update/"+first+"/cancel", nil, nil))
	for _, u := range cloud.Updates("acme/web/dev") {
		fmt.Printf("%s %q: %s\n", u.Kind, u.Message(), u.Status)
	}
	// Output:
	// first update: 200
	// second update: 409 [409] Conflict: Another update is currently in progress.
	// cancel the first: 204
	// update "deploy release 1.2.3": cancelled
	// update "deploy release 1.2.3": not started
}
