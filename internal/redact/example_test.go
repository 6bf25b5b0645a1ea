package redact_test

import (
	"fmt"
	"os"

	"github.com/octopulumi/octopulumi/internal/redact"
)

func ExampleRedactor_String() {
	r := redact.New("pul-0123456789abcdef0123456789abcdef01234567")
	fmt.Println(r.String("using token pul-0123456789abcdef0123456789abcdef01234567"))
	// Output: using token [secret]
}

func ExampleRedactor_Writer() {
	r := redact.New("hunter22")
	w := r.Writer(os.Stdout)
	// The secret arrives in two writes; it is redacted all the same.
	fmt.Fprint(w, "passphrase: hun")
	fmt.Fprint(w, "ter22\n")
	_ = w.Close()
	// Output: passphrase: [secret]
}
