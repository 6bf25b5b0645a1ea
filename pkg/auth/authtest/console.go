package authtest

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// The Pulumi CLI prints a link to each update in the Pulumi Cloud console
// ("View in Browser", "View Live"): the API URL with api. swapped for app.,
// or, for any other host, PULUMI_CONSOLE_DOMAIN in place of the host
// (client.CloudConsoleURL), then /<org>/<project>/<stack>/updates/<version>
// for an update and …/previews/<update ID> for a preview. Without either the
// CLI prints no link. The fake serves those pages itself: run the CLI with
// PULUMI_CONSOLE_DOMAIN=[Cloud.ConsoleDomain] and its links open here.

// ConsoleDomain is the value of PULUMI_CONSOLE_DOMAIN that makes the CLI
// link updates to the fake's own console pages.
func (c *Cloud) ConsoleDomain() string {
	u, _ := url.Parse(c.URL)
	return u.Host
}

// UpdateURL is the link the CLI prints for version of stack
// (org/project/stack) when PULUMI_CONSOLE_DOMAIN is [Cloud.ConsoleDomain].
func (c *Cloud) UpdateURL(stack string, version int) string {
	return c.consoleURL(stack, "updates", strconv.Itoa(version))
}

// PreviewURL is the link the CLI prints for a preview of stack, by its
// update ID (see [Cloud.Updates]).
func (c *Cloud) PreviewURL(stack, updateID string) string {
	return c.consoleURL(stack, "previews", updateID)
}

func (c *Cloud) consoleURL(parts ...string) string {
	u, _ := url.Parse(c.URL)
	u.Path = path.Join(parts...)
	return u.String()
}

// console serves GET /<org>/<project>/<stack>/updates/<version> and
// …/previews/<id> as a small page about the update; it reports whether
// the request was one of those.
func (c *Cloud) console(w http.ResponseWriter, r *http.Request) bool {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodGet || len(parts) != 5 || parts[0] == "api" {
		return false
	}
	stack, what, ref := strings.Join(parts[:3], "/"), parts[3], parts[4]
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	var found *fakeUpdate
	for _, up := range c.st.order {
		if up.stack.fullName() != stack {
			continue
		}
		if what == "updates" && !up.preview() && up.version > 0 && strconv.Itoa(up.version) == ref ||
			what == "previews" && up.preview() && up.id == ref {
			found = up
		}
	}
	if found == nil {
		return false
	}
	info := found.info()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>%s: %s %d</h1><p>Result: %s</p><p>Message: %s</p>\n",
		html.EscapeString(stack), html.EscapeString(stack), html.EscapeString(string(info.Kind)), info.Version,
		html.EscapeString(string(info.Result)), html.EscapeString(info.Message))
	return true
}
