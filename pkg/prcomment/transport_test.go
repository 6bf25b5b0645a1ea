package prcomment

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	reset := strconv.FormatInt(now.Add(30*time.Second).Unix(), 10)
	secondaryMsg := "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
	tests := []struct {
		name    string
		status  int
		header  http.Header
		message string
		docURL  string
		want    limit
	}{
		{"a permission 403", 403, http.Header{"X-Ratelimit-Remaining": {"4999"}}, "Resource not accessible by integration", "https://docs.github.com/rest/issues/comments#create-an-issue-comment", limit{}},
		{"a 404 is no limit", 404, http.Header{"X-Ratelimit-Remaining": {"0"}}, "Not Found", "", limit{}},
		{"secondary, Retry-After", 403, http.Header{"Retry-After": {"42"}}, secondaryMsg, "", limit{true, 42 * time.Second}},
		{"secondary by documentation URL", 403, nil, "slow down", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits", limit{true, time.Minute}},
		{"secondary by the old abuse URL", 403, nil, "abuse", "https://developer.github.com/v3/#abuse-rate-limits", limit{true, time.Minute}},
		{"secondary, remaining 0: until the reset", 429, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}}, secondaryMsg, "", limit{true, 31 * time.Second}},
		{"secondary, no headers: a minute", 403, nil, secondaryMsg, "", limit{true, time.Minute}},
		{"primary: one second past the reset", 403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}}, "API rate limit exceeded", "", limit{true, 31 * time.Second}},
		{"primary, reset passed: a second", 403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1"}}, "API rate limit exceeded", "", limit{true, time.Second}},
		{"Retry-After as a date", 429, http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, "", "", limit{true, 90 * time.Second}},
		{"a bare 429: back off as usual", 429, nil, "", "", limit{true, 0}},
	}
	for _, tt := range tests {
		if got := rateLimit(tt.status, tt.header, tt.message, tt.docURL, now); got != tt.want {
			t.Errorf("%s: rateLimit = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestNextPage(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://ghe.example.com/api/v3")
	tests := []struct {
		name, link, want, wantErr string
	}{
		{"none", "", "", ""},
		{"last page", `<https://ghe.example.com/api/v3/repositories/1/issues/7/comments?per_page=100&page=2>; rel="prev", <https://ghe.example.com/api/v3/repositories/1/issues/7/comments?per_page=100&page=1>; rel="first"`, "", ""},
		{"GitHub's order", `<https://ghe.example.com/api/v3/repositories/1/issues/7/comments?per_page=100&page=1>; rel="prev", <https://ghe.example.com/api/v3/repositories/1/issues/7/comments?per_page=100&page=3>; rel="next", <https://ghe.example.com/api/v3/repositories/1/issues/7/comments?per_page=100&page=5>; rel="last"`,
			"https://ghe.example.com/api/v3/repositories/1/issues/7/comments?per_page=100&page=3", ""},
		{"relative", `</api/v3/repositories/1/issues/7/comments?page=2>; rel="next"`, "https://ghe.example.com/api/v3/repositories/1/issues/7/comments?page=2", ""},
		{"several rels", `<https://ghe.example.com/x?page=2>; rel="next last"`, "https://ghe.example.com/x?page=2", ""},
		{"another host", `<https://evil.example.com/x?page=2>; rel="next"`, "", "refusing to send the token there"},
		{"a downgrade to http", `<http://ghe.example.com/x?page=2>; rel="next"`, "", "refusing to send the token there"},
	}
	for _, tt := range tests {
		got, err := nextPage(tt.link, base)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: nextPage error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: nextPage = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
