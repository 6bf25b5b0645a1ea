package cache

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

const sum64 = "ea99a249ddd861a1e5c8612cba072951da97c8000907220939f2664d25db2c16"

func TestParseManifestNamesTheBadField(t *testing.T) {
	t.Parallel()
	entry := `{"kind":"resource","name":"aws","version":"6.1.0","checksums":{"linux-amd64":"` + sum64 + `"}`
	plugin := func(fields string) string { return `{"format":1,"plugins":[` + entry + fields + `}]}` }
	tests := []struct {
		name, in, field string
	}{
		{"not JSON", `{`, "(file)"},
		{"unknown field", `{"format":1,"plugins":[],"extra":1}`, "extra"},
		{"wrong type", `{"format":"1","plugins":[]}`, "format"},
		{"format", `{"format":2,"plugins":[]}`, "format"},
		{"cli version", `{"format":1,"pulumi":"latest","plugins":[]}`, "pulumi"},
		{"kind", strings.Replace(plugin(""), `"resource"`, `"thing"`, 1), "plugins[0].kind"},
		{"name", strings.Replace(plugin(""), `"aws"`, `"AWS!"`, 1), "plugins[0].name"},
		{"v prefix", strings.Replace(plugin(""), `"6.1.0"`, `"v6.1.0"`, 1), "plugins[0].version"},
		{"range", strings.Replace(plugin(""), `"6.1.0"`, `">=6.0.0"`, 1), "plugins[0].version"},
		{"server", plugin(`,"server":"ftp://x"`), "plugins[0].server"},
		{"checksum", strings.Replace(plugin(""), sum64, "abc", 1), "plugins[0].checksums.linux-amd64"},
		{"platform", strings.Replace(plugin(""), "linux-amd64", "Linux", 1), "plugins[0].checksums"},
		{"no checksum", strings.Replace(plugin(""), `"linux-amd64":"`+sum64+`"`, "", 1), "plugins[0].checksums"},
		{"duplicate", `{"format":1,"plugins":[` + entry + `},` + entry + `}]}`, "plugins[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseManifest([]byte(tt.in))
			var me *ManifestError
			if !errors.As(err, &me) || !errors.Is(err, ErrInvalidManifest) {
				t.Fatalf("ParseManifest = %v; want a *ManifestError", err)
			}
			if me.Field != tt.field {
				t.Fatalf("field = %q (%v); want %q", me.Field, err, tt.field)
			}
		})
	}
}

func TestManifestRoundTripIsCanonical(t *testing.T) {
	t.Parallel()
	m := &Manifest{Format: 1, Pulumi: "v3.274.1", Plugins: []Plugin{
		{Kind: "resource", Name: "random", Version: "4.16.0", Checksums: map[string]string{"linux-amd64": sum64}},
		{Kind: "resource", Name: "aws", Version: "6.1.0", Server: "https://mirror.example/plugins", Checksums: map[string]string{"linux-amd64": sum64, "darwin-arm64": sum64}},
	}}
	path := filepath.Join(t.TempDir(), ManifestFile)
	if err := WriteManifest(path, m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Plugins[0].Name != "aws" {
		t.Fatalf("plugins not sorted: %+v", back.Plugins)
	}
	a, _ := m.Marshal()
	b, _ := back.Marshal()
	if string(a) != string(b) {
		t.Fatalf("round trip changed the manifest:\n%s\n%s", a, b)
	}
	if _, err := ReadManifest(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Fatal("ReadManifest of a missing file succeeded")
	}
}

func TestDownloadURL(t *testing.T) {
	t.Parallel()
	p := Plugin{Kind: "resource", Name: "aws", Version: "6.1.0"}
	withServer := p
	withServer.Server = "https://plugins.example/${NAME}/v${VERSION}/"
	tests := []struct {
		name string
		p    Plugin
		opts []BundleOption
		want string
	}{
		{"default source", p, nil, "https://get.pulumi.com/releases/plugins/pulumi-resource-aws-v6.1.0-linux-amd64.tar.gz"},
		{"plugin server with placeholders", withServer, nil, "https://plugins.example/aws/v6.1.0/pulumi-resource-aws-v6.1.0-linux-amd64.tar.gz"},
		{"--server wins", withServer, []BundleOption{WithServer("http://mirror.local/p/")}, "http://mirror.local/p/pulumi-resource-aws-v6.1.0-linux-amd64.tar.gz"},
		{"override of the GitHub default", p, []BundleOption{WithDownloadOverrides(`^github://api.github.com/(?P<org>[^/]+)=https://m.local/${org}`)}, "https://m.local/pulumi/pulumi-resource-aws-v6.1.0-linux-amd64.tar.gz"},
		{"override of a plugin server", withServer, []BundleOption{WithDownloadOverrides(`^https://plugins\.example/(.*)=https://m.local/$1`)}, "https://m.local/aws/v6.1.0/pulumi-resource-aws-v6.1.0-linux-amd64.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := configure(defaultOptions(), tt.opts, BundleOption.configureBundle)
			if err != nil {
				t.Fatal(err)
			}
			got, err := o.baseURL(tt.p, "linux-amd64")
			if err != nil || got != tt.want {
				t.Fatalf("baseURL = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := configure(defaultOptions(), []BundleOption{WithDownloadOverrides("no-equals-sign")}, BundleOption.configureBundle); err == nil {
		t.Fatal("a malformed override was accepted")
	}
	gh := p
	gh.Server = "github://api.github.com/acme"
	if o := defaultOptions(); func() error { _, err := o.baseURL(gh, "linux-amd64"); return err }() == nil {
		t.Fatal("a github:// server without a mirror was accepted for a direct download")
	}
}

func TestDownloadURLsFromCLILog(t *testing.T) {
	t.Parallel()
	log := `{"msg":"localfile downloading from http://127.0.0.1:1"}
not json
{"time":"x","msg":"full plugin download url: http://127.0.0.1:1/pulumi-resource-localfile-v0.1.0-linux-amd64.tar.gz","v":9}
`
	got := downloadURLs([]byte(log))
	if got["pulumi-resource-localfile-v0.1.0-linux-amd64.tar.gz"] != "http://127.0.0.1:1/pulumi-resource-localfile-v0.1.0-linux-amd64.tar.gz" || len(got) != 1 {
		t.Fatalf("downloadURLs = %v", got)
	}
}
