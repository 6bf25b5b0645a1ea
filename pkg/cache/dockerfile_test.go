package cache

import (
	"errors"
	"strings"
	"testing"
)

func TestDockerfile(t *testing.T) {
	t.Parallel()
	m := &Manifest{Format: 1, Pulumi: "v3.274.1", Plugins: []Plugin{
		{Kind: "resource", Name: "random", Version: "4.16.0", Checksums: map[string]string{"linux-amd64": sum64}},
		{Kind: "resource", Name: "localfile", Version: "0.1.0", Server: "https://p.example/a&b", Checksums: map[string]string{"linux-amd64": sum64}},
	}}
	tests := []struct {
		name      string
		opts      []DockerfileOption
		want, not []string
	}{
		{"defaults", nil, []string{
			"FROM pulumi/pulumi:3.274.1\nCOPY octopulumi /usr/local/bin/octopulumi\n",
			"octopulumi binary for the image's platform (linux-amd64)",
			"ENV PULUMI_HOME=/opt/pulumi",
			"pulumi plugin install resource localfile 0.1.0 --exact --server 'https://p.example/a&b' --checksum " + sum64 + " \\\n",
			"pulumi plugin install resource random 4.16.0 --exact --checksum " + sum64 + " \\\n",
			"\nENTRYPOINT []\n",
		}, []string{"ARG"}},
		{"air-gapped", []DockerfileOption{WithServer("http://mirror.local/plugins"), WithDownloadOverrides("^github://=http://mirror.local/gh"), WithPulumiVersion("v3.280.0"), WithImage("registry.local/pulumi"), WithPulumiHome("/pulumi")}, []string{
			"FROM registry.local/pulumi:3.280.0\nCOPY octopulumi /usr/local/bin/octopulumi\n",
			"ARG PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES='^github://=http://mirror.local/gh'\n",
			"random 4.16.0 --exact --server http://mirror.local/plugins --checksum",
			"chmod -R a+rwX /pulumi\n",
		}, []string{"p.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Dockerfile(m, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Dockerfile lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("Dockerfile has %q:\n%s", n, got)
				}
			}
			if strings.Count(got, "ENTRYPOINT []\n") != 1 || !strings.HasSuffix(got, "ENTRYPOINT []\n") {
				t.Errorf("the entrypoint is not reset last:\n%s", got)
			}
			if strings.Index(got, "localfile") > strings.Index(got, "random") {
				t.Errorf("plugins not in a fixed order:\n%s", got)
			}
		})
	}
	if _, err := Dockerfile(m, WithPlatform("linux-arm64")); !errors.Is(err, ErrInvalidManifest) || !strings.Contains(err.Error(), "linux-arm64") {
		t.Fatalf("Dockerfile for a platform without checksums = %v", err)
	}
	noVersion := *m
	noVersion.Pulumi = ""
	if _, err := Dockerfile(&noVersion); err == nil {
		t.Fatal("Dockerfile without a CLI version to pin succeeded")
	}
}
