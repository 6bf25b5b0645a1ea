package prcomment_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/octopulumi/octopulumi/pkg/prcomment"
)

const secretToken = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"

// Event payloads in the shapes of GitHub's webhook payloads ("Webhook
// events and payloads"), cut to the fields that matter and a few that do
// not.
const (
	pullRequestEvent       = `{"action":"synchronize","number":42,"pull_request":{"url":"https://api.github.com/repos/acme/infra/pulls/42","id":1,"number":42,"state":"open","head":{"ref":"feature","sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e"}},"repository":{"full_name":"acme/infra"}}`
	pullRequestTargetEvent = `{"action":"opened","number":43,"pull_request":{"number":43}}`
	prCommentEvent         = `{"action":"created","issue":{"number":44,"title":"Add a bucket","pull_request":{"url":"https://api.github.com/repos/acme/infra/pulls/44","html_url":"https://github.com/acme/infra/pull/44"}},"comment":{"id":7,"body":"/preview"}}`
	issueCommentEvent      = `{"action":"created","issue":{"number":45,"title":"A bug"},"comment":{"id":8,"body":"hi"}}`
	pushEvent              = `{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"6dcb09b5b57875f334f61aebed695e2e4193db5e","commits":[]}`
)

func writeEvent(t *testing.T, payload string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(p, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTargetFromEnv(t *testing.T) {
	t.Parallel()
	base := []string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_SERVER_URL=https://github.com", "GITHUB_RUN_ID=9876543210"}
	tests := []struct {
		name    string
		env     func(t *testing.T) []string
		token   string
		want    prcomment.Target
		wantErr []string
		noPR    bool
	}{
		{
			name: "pull_request",
			env: func(t *testing.T) []string {
				return append(base, "GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH="+writeEvent(t, pullRequestEvent), "GITHUB_REF=refs/pull/42/merge")
			},
			want: prcomment.Target{APIURL: "", Repository: "acme/infra", Number: 42, RunURL: "https://github.com/acme/infra/actions/runs/9876543210"},
		},
		{
			name: "pull_request_target on GitHub Enterprise Server",
			env: func(t *testing.T) []string {
				return []string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_API_URL=https://ghe.example.com/api/v3", "GITHUB_SERVER_URL=https://ghe.example.com",
					"GITHUB_RUN_ID=17", "GITHUB_EVENT_PATH=" + writeEvent(t, pullRequestTargetEvent), "GITHUB_REF=refs/heads/main"}
			},
			want: prcomment.Target{APIURL: "https://ghe.example.com/api/v3", Repository: "acme/infra", Number: 43, RunURL: "https://ghe.example.com/acme/infra/actions/runs/17"},
		},
		{
			name: "issue_comment on a pull request",
			env: func(t *testing.T) []string {
				return append(base, "GITHUB_EVENT_NAME=issue_comment", "GITHUB_EVENT_PATH="+writeEvent(t, prCommentEvent), "GITHUB_REF=refs/heads/main")
			},
			want: prcomment.Target{Repository: "acme/infra", Number: 44, RunURL: "https://github.com/acme/infra/actions/runs/9876543210"},
		},
		{
			name: "no payload: GITHUB_REF",
			env: func(t *testing.T) []string {
				return []string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_REF=refs/pull/7/merge"}
			},
			want: prcomment.Target{Repository: "acme/infra", Number: 7},
		},
		{
			name: "the last of repeated variables wins",
			env: func(t *testing.T) []string {
				return []string{"GITHUB_REPOSITORY=old/repo", "GITHUB_REPOSITORY=acme/infra", "GITHUB_REF=refs/pull/8/merge"}
			},
			want: prcomment.Target{Repository: "acme/infra", Number: 8},
		},
		{
			name: "issue_comment on an issue",
			env: func(t *testing.T) []string {
				return append(base, "GITHUB_EVENT_NAME=issue_comment", "GITHUB_EVENT_PATH="+writeEvent(t, issueCommentEvent), "GITHUB_REF=refs/heads/main")
			},
			noPR:    true,
			wantErr: []string{"GITHUB_EVENT_NAME is issue_comment", "run the job on pull_request"},
		},
		{
			name: "push",
			env: func(t *testing.T) []string {
				return append(base, "GITHUB_EVENT_NAME=push", "GITHUB_EVENT_PATH="+writeEvent(t, pushEvent), "GITHUB_REF=refs/heads/main")
			},
			noPR:    true,
			wantErr: []string{`"refs/heads/main"`, "run the job on pull_request"},
		},
		{
			name:    "no GITHUB_REPOSITORY",
			env:     func(t *testing.T) []string { return []string{"GITHUB_REF=refs/pull/7/merge"} },
			wantErr: []string{"GITHUB_REPOSITORY is not set", "GitHub Actions"},
		},
		{
			name:    "a malformed GITHUB_REPOSITORY",
			env:     func(t *testing.T) []string { return []string{"GITHUB_REPOSITORY=acme", "GITHUB_REF=refs/pull/7/merge"} },
			wantErr: []string{`"acme" is not owner/name`},
		},
		{
			name: "the payload is a directory",
			env: func(t *testing.T) []string {
				return append(base, "GITHUB_EVENT_PATH="+t.TempDir())
			},
			wantErr: []string{"is not a regular file"},
		},
		{
			name: "the payload is missing",
			env: func(t *testing.T) []string {
				return append(base, "GITHUB_EVENT_PATH="+filepath.Join(t.TempDir(), "gone.json"))
			},
			wantErr: []string{"reading the event payload (GITHUB_EVENT_PATH)"},
		},
		{
			name: "the payload is not JSON",
			env: func(t *testing.T) []string {
				return append(base, "GITHUB_EVENT_PATH="+writeEvent(t, "{not json"))
			},
			wantErr: []string{"is not a JSON event payload"},
		},
		{
			name: "the payload is too large",
			env: func(t *testing.T) []string {
				p := filepath.Join(t.TempDir(), "event.json")
				f, err := os.Create(p)
				if err != nil {
					t.Fatal(err)
				}
				// A sparse file: large to read, cheap to make.
				if err := f.Truncate(32<<20 + 1); err != nil {
					t.Fatal(err)
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
				return append(base, "GITHUB_EVENT_PATH="+p)
			},
			wantErr: []string{"larger than 32 MiB"},
		},
		{
			name: "an empty token",
			env: func(t *testing.T) []string {
				return []string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_REF=refs/pull/7/merge"}
			},
			token:   " ",
			wantErr: []string{"the GitHub token is empty", "GITHUB_TOKEN"},
		},
		{
			name: "a token with a newline",
			env: func(t *testing.T) []string {
				return []string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_REF=refs/pull/7/merge"}
			},
			token:   secretToken + "\n",
			wantErr: []string{"white space or control characters"},
		},
		{
			name: "a plain-http GITHUB_API_URL",
			env: func(t *testing.T) []string {
				return []string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_REF=refs/pull/7/merge", "GITHUB_API_URL=http://ghe.example.com/api/v3"}
			},
			wantErr: []string{`"http://ghe.example.com/api/v3" is plain http`, "use https"},
		},
		{
			name: "an API URL with user info",
			env: func(t *testing.T) []string {
				return []string{"GITHUB_REPOSITORY=acme/infra", "GITHUB_REF=refs/pull/7/merge", "GITHUB_API_URL=https://user:pw@ghe.example.com/api/v3"}
			},
			wantErr: []string{"must not carry a query, a fragment or user info"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := tt.token
			if token == "" {
				token = secretToken
			}
			got, err := prcomment.TargetFromEnv(tt.env(t), token)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("TargetFromEnv = %v, want an error", got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if errors.Is(err, prcomment.ErrNoPullRequest) != tt.noPR {
					t.Errorf("errors.Is(err, ErrNoPullRequest) = %v, want %v", !tt.noPR, tt.noPR)
				}
				if strings.Contains(err.Error(), secretToken) {
					t.Error("the error holds the token")
				}
				return
			}
			if err != nil {
				t.Fatalf("TargetFromEnv: %v", err)
			}
			want := tt.want
			want.Token = token
			if got != want {
				t.Errorf("TargetFromEnv =\n %#v\nwant\n %#v", got, want)
			}
		})
	}
}

func TestTargetHidesTheToken(t *testing.T) {
	t.Parallel()
	tg := prcomment.Target{Repository: "acme/infra", Number: 7, Token: secretToken}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("target", "target", tg)
	tests := []struct {
		name, text, want string
	}{
		{"String", tg.String(), "acme/infra#7 at https://api.github.com"},
		{"%v", fmt.Sprintf("%v", tg), "acme/infra#7"},
		{"%+v", fmt.Sprintf("%+v", tg), "acme/infra#7"},
		{"%#v", fmt.Sprintf("%#v", tg), `Token: "[secret]"`},
		{"slog", logged.String(), `"repository":"acme/infra"`},
	}
	for _, tt := range tests {
		if strings.Contains(tt.text, secretToken) {
			t.Errorf("%s shows the token: %s", tt.name, tt.text)
		}
		if !strings.Contains(tt.text, tt.want) {
			t.Errorf("%s = %q, want it to say %q", tt.name, tt.text, tt.want)
		}
	}
}

// TestValidateWantsHTTPS checks that the token goes over https, or over
// plain http only to a loopback host, where a local fake listens.
func TestValidateWantsHTTPS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		apiURL string
		want   string // "" when valid
	}{
		{"", ""},
		{"https://api.github.com", ""},
		{"https://ghe.example.com/api/v3/", ""},
		{"HTTPS://ghe.example.com/api/v3", ""},
		{"http://127.0.0.1:8080/api/v3", ""},
		{"http://127.4.5.6/api/v3", ""},
		{"http://localhost:3000/api/v3", ""},
		{"http://LocalHost/api/v3", ""},
		{"http://[::1]:8080/api/v3", ""},
		{"http://[::ffff:127.0.0.1]:8080/api/v3", ""},
		{"http://ghe.example.com/api/v3", "is plain http"},
		{"HTTP://ghe.example.com/api/v3", "is plain http"},
		{"http://10.0.0.1/api/v3", "is plain http"},
		{"http://[::2]/api/v3", "is plain http"},
		{"http://0.0.0.0:8080/api/v3", "is plain http"},
		{"http://127.0.0.1.nip.io/api/v3", "is plain http"},
		{"http://localhost.example.com/api/v3", "is plain http"},
		{"http://128.0.0.1/api/v3", "is plain http"},
		{"ftp://ghe.example.com/api/v3", "is not an http(s) URL"},
		{"https://", "is not an http(s) URL"},
	}
	for _, tt := range tests {
		tg := prcomment.Target{APIURL: tt.apiURL, Repository: "acme/infra", Number: 7, Token: secretToken}
		err := tg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(%q): %v, want it accepted", tt.apiURL, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Validate(%q): %v, want an error saying %q", tt.apiURL, err, tt.want)
		case err != nil && strings.Contains(err.Error(), secretToken):
			t.Errorf("Validate(%q): the error holds the token", tt.apiURL)
		}
	}
}
