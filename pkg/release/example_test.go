package release_test

import (
	"fmt"

	"github.com/octopulumi/octopulumi/pkg/release"
)

func ExamplePackageNames() {
	n, err := release.PackageNames("MyCompany.Infra", "1.4.2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.Program)
	fmt.Println(n.Plugins)
	fmt.Println(n.Dependencies)
	_, err = release.PackageNames("MyCompany.Infra.2", "1.4.2")
	fmt.Println(err)
	// Output:
	// MyCompany.Infra.1.4.2.zip
	// MyCompany.Infra.Plugins.1.4.2.tar.gz
	// MyCompany.Infra.Dependencies.1.4.2.tar.gz
	// release: ID: Octopus would read MyCompany.Infra.2.1.4.2.zip as package "MyCompany.Infra" version "2.1.4.2", not "MyCompany.Infra.2" version "1.4.2": end the id with a segment that is not all digits
}

func ExampleParseFileName() {
	id, version, ok := release.ParseFileName("MyCompany.Infra.Plugins.1.4.2-rc.1.tar.gz")
	fmt.Println(id, version, ok)
	// Output:
	// MyCompany.Infra.Plugins 1.4.2-rc.1 true
}
