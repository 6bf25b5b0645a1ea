package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"
)

// Tests re-execute this binary as helper processes (real separate
// processes, for the concurrency and crash tests): with
// OCTOPULUMI_CACHE_HELPER=restore it restores CACHE_SRC into CACHE_HOME and
// prints its Report as JSON; with =hang it stops after populating a plugin,
// before committing it, and waits to be killed.
func TestMain(m *testing.M) {
	switch os.Getenv("OCTOPULUMI_CACHE_HELPER") {
	case "":
		code := m.Run()
		if sharedDir != "" {
			os.RemoveAll(sharedDir)
		}
		os.Exit(code)
	case "hang":
		testHookPopulated = func(string) {
			fmt.Println("POPULATED")
			time.Sleep(time.Hour)
		}
	}
	r, err := Restore(context.Background(), os.Getenv("CACHE_SRC"), os.Getenv("CACHE_HOME"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
	os.Exit(0)
}
