package cache_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/octopulumi/octopulumi/pkg/cache"
)

func ExampleReadDependencies() {
	program, err := os.MkdirTemp("", "program-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(program)
	for name, content := range map[string]string{
		"package.json":      `{"version": "1.0.0", "dependencies": {"@pulumi/pulumi": "3.248.0"}}`,
		"package-lock.json": `{"lockfileVersion": 3, "packages": {"": {}, "node_modules/@pulumi/pulumi": {"version": "3.248.0"}}}`,
	} {
		if err := os.WriteFile(filepath.Join(program, name), []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	d, err := cache.ReadDependencies(context.Background(), program, "nodejs", cache.WithRuntimeVersion("v20.20.2"))
	if err != nil {
		log.Fatal(err)
	}
	installed, why, err := d.Installed()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d)
	fmt.Println(d.Key[:len("nodejs-npm-")], len(d.Key))
	fmt.Println(installed, why)
	// Output:
	// nodejs (node v20.20.2), npm, package-lock.json
	// nodejs-npm- 43
	// false no node_modules
}
