package zwsp

import "testing"

func TestInsertAndInputWritten(t *testing.T) {
	t.Parallel()
	in := "##octopus ##vso["
	at := []int{8, 15}
	out := string(Insert(nil, in, at))
	if want := "##octopu" + Mark + "s ##vso" + Mark + "["; out != want {
		t.Fatalf("Insert = %q, want %q", out, want)
	}
	for n, want := range map[int]int{0: 0, 8: 8, 9: 8, 10: 8, 11: 8, 12: 9, 18: 15, 19: 15, 22: 16} {
		if got := InputWritten(n, at); got != want {
			t.Errorf("InputWritten(%d) = %d, want %d", n, got, want)
		}
	}
	if got := string(Insert(nil, []byte("plain"), nil)); got != "plain" {
		t.Errorf("Insert with no positions = %q", got)
	}
}
