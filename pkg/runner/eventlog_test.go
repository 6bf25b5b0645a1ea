package runner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/octopulumi/octopulumi/internal/testbed"
)

// TestEventFileTails: the portable event log (a file, for platforms
// without named pipes) yields what is appended while the writer runs, and
// ends after Finish once everything was read.
func TestEventFileTails(t *testing.T) {
	t.Parallel()
	e, err := openEventFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(e.Reader())
		got <- string(b)
	}()
	w, err := os.OpenFile(e.Path(), os.O_WRONLY|os.O_TRUNC, 0) // as pulumi does
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"one\n", "two\n", "three\n"} {
		if _, err := w.WriteString(line); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * eventPoll / 2)
	}
	w.Close()
	e.Finish(time.Second)
	select {
	case s := <-got:
		if s != "one\ntwo\nthree\n" {
			t.Errorf("read %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the reader did not end after Finish")
	}
	e.Close()
	if _, err := os.Stat(filepath.Dir(e.Path())); !os.IsNotExist(err) {
		t.Errorf("Close left the event log's folder: %v", err)
	}
}

// TestEventFileOnRealCLI runs an update with the portable event log, as on
// Windows, against the real CLI.
func TestEventFileOnRealCLI(t *testing.T) {
	t.Parallel()
	bed := testbed.New(t)
	dir := bed.Program(t, "two-files")
	r, err := New(dir,
		WithPulumi(bed.Tools.Pulumi), WithPulumiHome(bed.Home), WithBackend(bed.Backend),
		WithoutInheritedEnv(),
		WithEnv(map[string]string{"PULUMI_CONFIG_PASSPHRASE": testbed.Passphrase, "HOME": bed.Dir, "PATH": "/usr/bin:/bin"}),
		func(o *options) error { o.eventFile = true; return nil },
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Up(context.Background(), "organization/two-files/dev", CreateStack())
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary[apitype.OpCreate] != 3 || !res.Succeeded {
		t.Errorf("summary %v, succeeded %v: want 3 created", res.Summary, res.Succeeded)
	}
	if p := res.Outputs["firstPath"].Text(); !strings.HasSuffix(p, "first.txt") {
		t.Errorf("firstPath = %q", p)
	}
}
