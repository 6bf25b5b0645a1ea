package authtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/auth/authtest"
)

// An ESC environment on the fake, opened as the CLI opens a stack's
// imports: the values a program gets come back, secrets marked.
func ExampleCloud_AddEnvironment() {
	cloud := authtest.NewCloud()
	defer cloud.Close()
	token := cloud.IssueToken(authtest.User{Login: "octo", Organizations: []string{"acme"}})
	cloud.AddEnvironment("acme", "shop", "staging", authtest.Environment{Values: map[string]any{
		"pulumiConfig":         map[string]any{"greeting": "hello from ESC", "dbPassword": authtest.ESCSecret("s3cret")},
		"environmentVariables": map[string]any{"REGION": "eu-west-1"},
	}})
	call := func(method, path string) map[string]any {
		req, _ := http.NewRequest(method, cloud.URL+authtest.ESCPath+path, strings.NewReader(""))
		req.Header.Set("Authorization", "token "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return body
	}
	opened := call("POST", "/acme/shop/staging/open?duration=2h")
	env := call("GET", fmt.Sprintf("/acme/shop/staging/open/%v", opened["id"]))
	props := env["properties"].(map[string]any)
	config := props["pulumiConfig"].(map[string]any)["value"].(map[string]any)
	fmt.Println(config["greeting"].(map[string]any)["value"])
	fmt.Println(config["dbPassword"].(map[string]any)["secret"])
	fmt.Println(cloud.EnvironmentOpens("acme", "shop", "staging"))
	// Output:
	// hello from ESC
	// true
	// 1
}
