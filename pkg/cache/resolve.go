package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/octopulumi/octopulumi/internal/pulumicmd"
)

// Resolve finds the exact plugins the Pulumi program in programDir needs, with
// the real CLI: `pulumi install` into a scratch PULUMI_HOME (so nothing
// already installed hides a download), then `pulumi plugin ls --json` for
// what got installed. The download URL of each plugin comes from the CLI's
// own verbose log ("full plugin download url"); Resolve downloads that
// tarball once more to record its SHA-256 (the CLI keeps no checksum), and
// the tarballs of [WithPlatforms] from the same server.
//
// Run it where the plugins' servers are reachable (upstream CI), or give
// the mirror the workers use: [WithServer] sends every download, the CLI's
// and Resolve's, to one mirror; [WithDownloadOverrides] applies the same
// PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES to both. The CLI runs with its
// TMPDIR in Resolve's scratch folder, removed afterwards. Write the result
// with [WriteManifest] beside Pulumi.yaml.
func Resolve(ctx context.Context, programDir string, opts ...ResolveOption) (*Manifest, error) {
	o, err := configure(defaultOptions(), opts, ResolveOption.configureResolve)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp("", "octopulumi-resolve-*")
	if err != nil {
		return nil, fmt.Errorf("resolve plugins: scratch folder: %w", err)
	}
	defer os.RemoveAll(scratch)
	env, err := o.resolveEnv(scratch)
	if err != nil {
		return nil, fmt.Errorf("resolve plugins: %w", err)
	}
	for _, d := range []string{"home", "tmp"} {
		if err := os.Mkdir(filepath.Join(scratch, d), 0o700); err != nil {
			return nil, fmt.Errorf("resolve plugins: scratch folder: %w", err)
		}
	}

	var logs bytes.Buffer
	if _, err := o.run(ctx, programDir, env, &logs, "install", "--logtostderr", "-v=9"); err != nil {
		return nil, fmt.Errorf("resolve plugins: pulumi install in %s: %w%s", programDir, err, tail(logs.Bytes()))
	}
	ls, err := o.run(ctx, programDir, env, io.Discard, "plugin", "ls", "--json")
	if err != nil {
		return nil, fmt.Errorf("resolve plugins: pulumi plugin ls: %w", err)
	}
	var listed []struct{ Name, Kind, Version string }
	if err := json.Unmarshal(ls, &listed); err != nil {
		return nil, fmt.Errorf("resolve plugins: reading `pulumi plugin ls --json`: %w", err)
	}
	ver, err := o.run(ctx, programDir, env, io.Discard, "version")
	if err != nil {
		return nil, fmt.Errorf("resolve plugins: pulumi version: %w", err)
	}
	urls := downloadURLs(logs.Bytes())
	m := &Manifest{Format: ManifestFormat, Pulumi: strings.TrimSpace(string(ver))}
	if !versionRE.MatchString(strings.TrimPrefix(m.Pulumi, "v")) {
		m.Pulumi = "" // a CLI built without its version
	}
	for _, l := range listed {
		p := Plugin{Kind: l.Kind, Name: l.Name, Version: strings.TrimPrefix(l.Version, "v"), Checksums: map[string]string{}}
		if p.Version == "" {
			continue // bundled with the CLI, nothing to download
		}
		here := Platform()
		full, ok := urls[p.Asset(here)]
		if ok {
			if base, cut := strings.CutSuffix(full, "/"+p.Asset(here)); cut && !strings.HasPrefix(base, defaultGetPulumi) {
				p.Server = base
			}
		} else if full, err = o.baseURL(p, here); err != nil {
			return nil, err
		}
		if p.Checksums[here], _, err = o.download(ctx, full, io.Discard); err != nil {
			return nil, fmt.Errorf("resolve plugin %s: checksum: %w", p.Dir(), err)
		}
		for _, plat := range o.platforms {
			if plat == here {
				continue
			}
			u, err := o.baseURL(p, plat)
			if err != nil {
				return nil, err
			}
			if p.Checksums[plat], _, err = o.download(ctx, u, io.Discard); err != nil {
				return nil, fmt.Errorf("resolve plugin %s for %s: checksum: %w", p.Dir(), plat, err)
			}
		}
		m.Plugins = append(m.Plugins, p)
	}
	slices.SortFunc(m.Plugins, func(a, b Plugin) int { return strings.Compare(a.Dir(), b.Dir()) })
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("resolve plugins: %w", err)
	}
	o.logger.InfoContext(ctx, "resolved plugins", "program", programDir, "plugins", len(m.Plugins))
	return m, nil
}

// resolveEnv is the CLI's environment: the caller's, with PULUMI_HOME and
// TMPDIR in the scratch folder (the CLI leaves a copy of every tarball it
// downloads in TMPDIR), no update check, no plugin found on PATH instead of
// downloaded, and Resolve's download source: with [WithServer] an override
// that sends every plugin to the mirror, as `pulumi plugin install --server`
// does; else [WithDownloadOverrides], else the caller's overrides.
func (o options) resolveEnv(scratch string) ([]string, error) {
	base := o.env
	if base == nil {
		base = os.Environ()
	}
	overrides := o.overSpec
	if o.server != "" {
		// The CLI splits its overrides on "," and "=" and has no escape.
		if strings.ContainsAny(o.server, ",=") {
			return nil, fmt.Errorf("mirror URL %s holds a ',' or '=', which PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES cannot carry: serve the mirror at a URL without them", redactURL(o.server))
		}
		// "^" matches every plugin source; its only group, $0, is empty.
		overrides = "^=" + o.server
	}
	tmp := filepath.Join(scratch, "tmp")
	set := map[string]string{"PULUMI_IGNORE_AMBIENT_PLUGINS": "true", "TMPDIR": tmp, "TMP": tmp, "TEMP": tmp}
	if overrides != "" {
		set["PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES"] = overrides
	}
	// The caller's whole environment passes (proxies, TLS roots, its own
	// overrides), but for what octopulumi owns: a resolution needs no
	// backend and no token.
	env := pulumicmd.Env{
		Parent:  base,
		Inherit: []string{"*"},
		Set:     set,
		Owned:   map[string]string{"PULUMI_HOME": filepath.Join(scratch, "home")},
	}
	return env.Environ(nil), nil
}

// maxCLIOutput bounds what Resolve keeps of one CLI process's output: the
// debug log of `pulumi install -v=9` is a few MiB at most.
const maxCLIOutput = 64 << 20

// run runs one CLI invocation through internal/pulumicmd, the one command
// builder, and returns its standard output; stderr also receives the
// process's standard error. Both are bounded.
func (o options) run(ctx context.Context, dir string, env []string, stderr io.Writer, args ...string) ([]byte, error) {
	cmd := pulumicmd.Command(ctx, pulumicmd.Spec{Pulumi: o.pulumiPath(env), Dir: dir, Args: args, Env: env, Grace: 10 * time.Second})
	out := &boundedBuffer{max: maxCLIOutput}
	errBuf := &boundedBuffer{max: maxCLIOutput}
	cmd.Stdout = out
	cmd.Stderr = io.MultiWriter(errBuf, stderr)
	p, err := pulumicmd.Start(cmd, 10*time.Second)
	if err == nil {
		err = p.Wait()
	}
	if err == nil && (out.over || errBuf.over) {
		err = fmt.Errorf("pulumi %s wrote more than %d bytes", args[0], maxCLIOutput)
	}
	if err != nil && stderr == io.Discard {
		return out.buf.Bytes(), fmt.Errorf("%w%s", err, tail(errBuf.buf.Bytes()))
	}
	return out.buf.Bytes(), err
}

// boundedBuffer keeps up to max bytes and notes whether more came.
type boundedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

// Write keeps what fits; it never fails, so the process is never blocked.
func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room < len(p) {
		b.over = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

// pulumiPath finds the CLI on the PATH of env, as the child would.
func (o options) pulumiPath(env []string) string {
	if strings.ContainsRune(o.pulumi, os.PathSeparator) {
		return o.pulumi
	}
	for _, kv := range slices.Backward(env) {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			for _, d := range strings.Split(p, string(os.PathListSeparator)) {
				cand := d + string(os.PathSeparator) + o.pulumi
				if info, err := os.Stat(cand); err == nil && !info.IsDir() {
					return cand
				}
			}
			break
		}
	}
	return o.pulumi
}

// downloadURLs maps an asset name to the URL the CLI downloaded it from, from
// the JSON log lines of `pulumi --logtostderr -v=9`.
func downloadURLs(logs []byte) map[string]string {
	out := map[string]string{}
	for line := range bytes.Lines(logs) {
		var rec struct{ Msg string }
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		if u, ok := strings.CutPrefix(rec.Msg, "full plugin download url: "); ok {
			u = strings.TrimSpace(u)
			out[path.Base(strings.SplitN(u, "?", 2)[0])] = u
		}
	}
	return out
}

// tail is the gist of the CLI's human output, for errors: its closing
// "error:" lines and the line before them (the last attempt's cause), with
// the JSON log records, retry notices and echoes of the cancellation left
// out, so that a failed install does not put its whole retry log in the
// error.
func tail(stderr []byte) string {
	var lines []string
	for line := range bytes.Lines(stderr) {
		// A log record can follow a human line that lacks its newline.
		if i := bytes.Index(line, []byte(`{"time":`)); i >= 0 {
			line = line[:i]
		}
		t := string(bytes.TrimSpace(line))
		if t == "" || t[0] == '{' || strings.HasPrefix(t, "Will retry in ") || t == "context canceled" {
			continue
		}
		if len(t) > maxTailLine {
			t = t[:maxTailLine] + "…"
		}
		lines = append(lines, t)
	}
	keep := lines[max(0, len(lines)-3):]
	if i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "error:") }); i >= 0 {
		keep = lines[max(0, i-1):min(len(lines), i+3)]
	}
	if len(keep) == 0 {
		return ""
	}
	return ": " + strings.Join(keep, "; ")
}

// maxTailLine bounds one line of the CLI's output in an error.
const maxTailLine = 400
