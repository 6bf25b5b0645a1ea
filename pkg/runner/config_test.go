package runner

import (
	"strings"
	"testing"
)

// TestPlainConfigInvocations: values too large for a command line go on
// stdin; the rest are batched under the command-line limits.
func TestPlainConfigInvocations(t *testing.T) {
	t.Parallel()
	var values []ConfigValue
	for i := range 40 {
		values = append(values, ConfigValue{Key: "k" + strings.Repeat("x", i), Value: strings.Repeat("v", 30<<10)})
	}
	values = append(values, ConfigValue{Key: "big", Value: strings.Repeat("b", 200<<10)})
	invs := plainConfigInvocations("org/p/dev", values, false)
	var stdin, setAll int
	for _, inv := range invs {
		size := 0
		for _, a := range inv.args {
			if len(a) > 128<<10 {
				t.Fatalf("an argument of %d bytes: Linux refuses over 128 KiB", len(a))
			}
			size += len(a)
		}
		if size > maxArgBatch+4<<10 {
			t.Errorf("a command line of %d bytes", size)
		}
		switch inv.args[1] {
		case "set":
			stdin++
			if inv.stdin != values[40].Value+"\n" || inv.positional[0] != "big" || !contains(inv.args, "--plaintext") {
				t.Errorf("the big value is not set through stdin as plain text: %q", inv.args)
			}
		case "set-all":
			setAll++
		}
	}
	if stdin != 1 || setAll != 5 {
		t.Errorf("%d stdin and %d set-all processes, want 1 and 5 (40 values of 30 KiB in batches of 256 KiB)", stdin, setAll)
	}
}

func contains(args []string, s string) bool {
	for _, a := range args {
		if a == s {
			return true
		}
	}
	return false
}
