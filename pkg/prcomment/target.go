package prcomment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// DefaultAPIURL is GitHub's REST API. GitHub Enterprise Server serves it at
// https://HOST/api/v3, which GitHub Actions gives as GITHUB_API_URL.
const DefaultAPIURL = "https://api.github.com"

// maxEventBytes bounds the event payload read from GITHUB_EVENT_PATH:
// GitHub caps webhook payloads at 25 MB ("Webhook events and payloads"),
// and the runner writes that payload to the file.
const maxEventBytes = 32 << 20

// ErrNoPullRequest is returned (wrapped) by [TargetFromEnv] when the job is
// not running for a pull request, e.g. on a push: there is nothing to
// comment on, and a caller may skip the comment.
var ErrNoPullRequest = errors.New("the job is not running for a pull request")

// Target is the pull request to comment on, and the credentials to do it.
type Target struct {
	// APIURL is GitHub's REST API root: [DefaultAPIURL] (used when empty), or
	// https://HOST/api/v3 on GitHub Enterprise Server. It must be https, so
	// the token is not sent in the clear; plain http is accepted only for a
	// loopback host (localhost, 127.0.0.0/8, ::1), as a local fake serves.
	APIURL string
	// Repository is "owner/name".
	Repository string
	// Number is the pull request's number.
	Number int
	// Token is sent as "Authorization: Bearer <token>". It is a secret: it
	// never appears in a log line or an error, nor in String or LogValue.
	Token string
	// RunURL is the workflow run's page, for [WithFullDiffURL]; optional.
	RunURL string
}

// String describes the target without its token.
func (t Target) String() string {
	return fmt.Sprintf("%s#%d at %s", t.Repository, t.Number, t.apiURL())
}

// GoString describes the target without its token, for %#v.
func (t Target) GoString() string {
	return fmt.Sprintf("prcomment.Target{APIURL: %q, Repository: %q, Number: %d, Token: %q, RunURL: %q}",
		t.APIURL, t.Repository, t.Number, "[secret]", t.RunURL)
}

// LogValue logs the target without its token.
func (t Target) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_url", t.apiURL()),
		slog.String("repository", t.Repository),
		slog.Int("number", t.Number),
	)
}

func (t Target) apiURL() string {
	if t.APIURL == "" {
		return DefaultAPIURL
	}
	return strings.TrimSuffix(t.APIURL, "/")
}

// GitHub's rules for names: a user or organization name is letters, digits
// and single inner hyphens; a repository name is letters, digits, ".", "_"
// and "-" (dead-claudia/github-limits, "Usernames", "Repository names").
var (
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// Validate checks the target and says what to fix.
func (t Target) Validate() error {
	u, err := url.Parse(t.apiURL())
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("prcomment: the API URL %q is not an http(s) URL such as %s (GITHUB_API_URL)", t.APIURL, DefaultAPIURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("prcomment: the API URL %q must not carry a query, a fragment or user info", u.Redacted())
	}
	if u.Scheme != "https" && !loopback(u.Hostname()) {
		return fmt.Errorf("prcomment: the API URL %q is plain http, which would send the token unencrypted: use https (http is accepted only for a loopback host, such as a local fake at 127.0.0.1)", t.APIURL)
	}
	if _, _, err := splitRepository(t.Repository); err != nil {
		return err
	}
	if t.Number <= 0 || t.Number > math.MaxInt32 {
		return fmt.Errorf("prcomment: %d is not a pull-request number", t.Number)
	}
	if strings.TrimSpace(t.Token) == "" {
		return errors.New("prcomment: the GitHub token is empty: give the step the job's token, e.g. `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`")
	}
	if strings.ContainsFunc(t.Token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return errors.New("prcomment: the GitHub token holds white space or control characters: pass the token alone, without a newline")
	}
	return nil
}

// loopback reports whether host is "localhost" or a loopback address
// (127.0.0.0/8, ::1), whose traffic never leaves the machine.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func splitRepository(full string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(full, "/")
	if !ok || !ownerRE.MatchString(owner) || !repoRE.MatchString(name) || name == "." || name == ".." {
		return "", "", fmt.Errorf("prcomment: the repository %q is not owner/name (GITHUB_REPOSITORY)", full)
	}
	return owner, name, nil
}

// TargetFromEnv reads the pull request a GitHub Actions job runs for from
// environ (as os.Environ gives it; the last of repeated names wins) and pairs
// it with token:
//
//   - GITHUB_API_URL, else [DefaultAPIURL];
//   - GITHUB_REPOSITORY, "owner/name" (required);
//   - the pull request's number from the event payload at GITHUB_EVENT_PATH:
//     pull_request.number (pull_request and pull_request_target events),
//     number, or issue.number when issue.pull_request is present (an
//     issue_comment on a pull request); else from GITHUB_REF,
//     refs/pull/<n>/merge (GitHub Actions "Variables reference");
//   - RunURL from GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID.
//
// A job that runs for no pull request gets an error wrapping
// [ErrNoPullRequest]. The payload is read only from a regular file, and at
// most 32 MiB of it.
func TargetFromEnv(environ []string, token string) (Target, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	t := Target{APIURL: env["GITHUB_API_URL"], Repository: env["GITHUB_REPOSITORY"], Token: token}
	if t.Repository == "" {
		return Target{}, errors.New("prcomment: GITHUB_REPOSITORY is not set: run in a GitHub Actions job, whose runner sets it to owner/name, or set it yourself")
	}
	if _, _, err := splitRepository(t.Repository); err != nil {
		return Target{}, err
	}
	n, err := pullRequestNumber(env)
	if err != nil {
		return Target{}, err
	}
	t.Number = n
	t.RunURL = runURL(env)
	if err := t.Validate(); err != nil {
		return Target{}, err
	}
	return t, nil
}

// runURL is the run's page, ${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID},
// or "" when a part is missing.
func runURL(env map[string]string) string {
	server := strings.TrimSuffix(env["GITHUB_SERVER_URL"], "/")
	if server == "" {
		server = "https://github.com"
	}
	id := env["GITHUB_RUN_ID"]
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return ""
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return ""
	}
	return server + "/" + env["GITHUB_REPOSITORY"] + "/actions/runs/" + id
}

var pullRefRE = regexp.MustCompile(`^refs/pull/([0-9]+)/(?:merge|head)$`)

func pullRequestNumber(env map[string]string) (int, error) {
	if p := env["GITHUB_EVENT_PATH"]; p != "" {
		n, err := numberFromEvent(p)
		if err != nil || n > 0 {
			return n, err
		}
	}
	if m := pullRefRE.FindStringSubmatch(env["GITHUB_REF"]); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil && n > 0 && n <= math.MaxInt32 {
			return n, nil
		}
	}
	event := env["GITHUB_EVENT_NAME"]
	if event == "" {
		event = "not set"
	}
	return 0, fmt.Errorf("prcomment: %w: GITHUB_EVENT_NAME is %s, the payload at GITHUB_EVENT_PATH names no pull request, and GITHUB_REF (%q) is not refs/pull/<number>/merge; run the job on pull_request (or pull_request_target, or issue_comment on a pull request), or skip the comment",
		ErrNoPullRequest, event, env["GITHUB_REF"])
}

// event is what the payload says about a pull request, in the shapes of
// GitHub's webhook payloads ("Webhook events and payloads": pull_request,
// issue_comment); actions/toolkit's context.issue reads the same fields.
type event struct {
	Number      int `json:"number"`
	PullRequest *struct {
		Number int `json:"number"`
	} `json:"pull_request"`
	Issue *struct {
		Number      int             `json:"number"`
		PullRequest json.RawMessage `json:"pull_request"`
	} `json:"issue"`
}

// numberFromEvent returns the pull request's number from the payload file,
// or 0 when the payload is not about a pull request.
func numberFromEvent(path string) (int, error) {
	data, err := readEvent(path)
	if err != nil {
		return 0, err
	}
	var ev event
	if err := json.Unmarshal(data, &ev); err != nil {
		return 0, fmt.Errorf("prcomment: GITHUB_EVENT_PATH %q is not a JSON event payload: %w", path, err)
	}
	var n int
	switch {
	case ev.PullRequest != nil && ev.PullRequest.Number > 0:
		n = ev.PullRequest.Number
	case ev.Number > 0:
		n = ev.Number
	case ev.Issue != nil && ev.Issue.Number > 0 && len(ev.Issue.PullRequest) > 0 && !bytes.Equal(ev.Issue.PullRequest, []byte("null")):
		// issue_comment fires for issues too; only a pull request's issue
		// carries pull_request (GitHub Actions "Events that trigger
		// workflows", issue_comment on pull requests only).
		n = ev.Issue.Number
	}
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("prcomment: the event payload's pull-request number %d is out of range", n)
	}
	return n, nil
}

func readEvent(path string) ([]byte, error) {
	// Stat first: opening a FIFO would block until someone writes to it.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("prcomment: reading the event payload (GITHUB_EVENT_PATH): %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("prcomment: GITHUB_EVENT_PATH %q is not a regular file (%s): point it at the runner's event.json", path, fi.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("prcomment: reading the event payload (GITHUB_EVENT_PATH): %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEventBytes+1))
	if err != nil {
		return nil, fmt.Errorf("prcomment: reading the event payload %q: %w", path, err)
	}
	if len(data) > maxEventBytes {
		return nil, fmt.Errorf("prcomment: the event payload %q is larger than %d MiB, more than GitHub sends", path, maxEventBytes>>20)
	}
	return data, nil
}
