package auth_test

import (
	"fmt"
	"os"

	"github.com/octopulumi/octopulumi/pkg/auth"
)

func ExampleRedactor_String() {
	r := auth.NewRedactor("pul-0123456789abcdef0123456789abcdef01234567")
	fmt.Println(r.String("using token pul-0123456789abcdef0123456789abcdef01234567"))
	// Output: using token [secret]
}

func ExampleRedactor_Writer() {
	r := auth.NewRedactor("hunter22")
	w := r.Writer(os.Stdout)
	// The secret arrives in two writes; it is redacted all the same.
	fmt.Fprint(w, "passphrase: hun")
	fmt.Fprint(w, "ter22\n")
	_ = w.Close()
	// Output: passphrase: [secret]
}
