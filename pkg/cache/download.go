package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Pulumi's default plugin sources, as the CLI matches download overrides
// against them.
const (
	defaultGitHubSource = "github://api.github.com/pulumi"
	defaultGetPulumi    = "https://get.pulumi.com/releases/plugins"
	// maxTarballBytes bounds one download; the largest real plugins are
	// well under 1 GiB compressed.
	maxTarballBytes = 8 << 30
)

// baseURL is where p's tarball for platform is downloaded from, with the
// same precedence as the CLI: --server, then an override matching the
// plugin's source, then the source itself.
func (o options) baseURL(p Plugin, platform string) (string, error) {
	base := p.Server
	switch {
	case o.server != "":
		base = o.server
	case p.Server != "":
		if u, ok := applyOverrides(o.overrides, p.Server); ok {
			base = u
		}
	default:
		base = defaultGetPulumi
		if u, ok := applyOverrides(o.overrides, defaultGitHubSource); ok {
			base = u
		} else if u, ok := applyOverrides(o.overrides, defaultGetPulumi); ok {
			base = u
		}
	}
	if !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://") {
		return "", fmt.Errorf("plugin %s: cannot download from %s: serve its tarballs over HTTP and pass a mirror (--server or PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES)", p.Dir(), redactURL(base))
	}
	goos, arch, _ := strings.Cut(platform, "-")
	base = strings.NewReplacer("${NAME}", p.Name, "${VERSION}", p.Version, "${OS}", goos, "${ARCH}", arch).Replace(base)
	return strings.TrimSuffix(base, "/") + "/" + url.QueryEscape(p.Asset(platform)), nil
}

// download GETs u into w and returns the SHA-256 of what it wrote.
func (o options) download(ctx context.Context, u string, w io.Writer) (string, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", 0, fmt.Errorf("download %s: %w", redactURL(u), err)
	}
	req.Header.Set("User-Agent", o.userAgent)
	// GitHub release-asset API URLs answer with the bytes only when asked.
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := o.client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("download %s: %w", redactURL(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("download %s: HTTP %s", redactURL(u), resp.Status)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, maxTarballBytes+1))
	if err != nil {
		return "", n, fmt.Errorf("download %s: %w", redactURL(u), err)
	}
	if n > maxTarballBytes {
		return "", n, fmt.Errorf("download %s: larger than %d bytes", redactURL(u), int64(maxTarballBytes))
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return "", n, fmt.Errorf("download %s: got %d of %d bytes", redactURL(u), n, resp.ContentLength)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
