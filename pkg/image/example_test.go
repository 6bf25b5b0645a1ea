package image_test

import (
	"context"
	"fmt"
	"log"

	"github.com/octopulumi/octopulumi/pkg/cache"
	"github.com/octopulumi/octopulumi/pkg/image"
)

// Upstream CI, with no Docker daemon, builds the worker image for both
// platforms of pulumi/pulumi and pushes it.
func ExampleBuild() {
	ctx := context.Background()
	m, err := cache.ReadManifest(cache.ManifestFile)
	if err != nil {
		log.Fatal(err)
	}
	base, err := image.DefaultBase(m) // pulumi/pulumi:<the manifest's CLI version>
	if err != nil {
		log.Fatal(err)
	}
	contents := map[string]image.Contents{}
	for _, p := range []string{"linux-amd64", "linux-arm64"} {
		exe, err := image.ReadBinary("dist/octopulumi-" + p + ".1.4.0.tar.gz")
		if err != nil {
			log.Fatal(err)
		}
		// Made by cache.BundleFile(ctx, m, …, cache.WithPlatform(p)).
		contents[p[:5]+"/"+p[6:]] = image.Contents{Octopulumi: exe, Bundle: "plugins-" + p + ".tar.gz"}
	}
	built, err := image.Build(ctx, image.FromRef(base), contents, image.WithRevision("0123abc"), image.WithVersion("1.4.0"))
	if err != nil {
		log.Fatal(err)
	}
	digest, err := image.Push(ctx, built, "registry.example/octopus/pulumi-worker:1.4.0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pushed", digest)
}
