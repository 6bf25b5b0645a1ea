// Command pulumi-resource-localfile is the resource provider of octopulumi's
// offline test bed. Its resource localfile:index:File writes a file, so that
// tests exercise a real provider plugin (downloaded from a loopback mirror,
// started by the real engine) without any cloud; localfile:index:EnvProbe
// records which environment variables the provider process received (as
// SHA-256 digests, never values), so that tests see the cloud credentials a
// real provider would read.
//
// Two inputs exist only for tests: delaySeconds holds a create, update or
// delete open (to test cancellation and stack locks), and failOnCreate makes
// a create fail on purpose (to test partial failures).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Version is set at link time by the Makefile; it must match the version in
// the plugin tarball's name.
var Version = "0.1.0"

func main() {
	p, err := infer.NewProviderBuilder().
		WithDisplayName("localfile").
		WithDescription("Writes local files; octopulumi's test provider.").
		WithResources(infer.Resource(&File{}), infer.Resource(&EnvProbe{})).
		Build()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	if err := p.Run(context.Background(), "localfile", Version); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}

// File is a file on the local disk.
type File struct{}

// FileArgs are the inputs of a File.
type FileArgs struct {
	Path         string `pulumi:"path" provider:"replaceOnChanges"`
	Content      string `pulumi:"content"`
	DelaySeconds int    `pulumi:"delaySeconds,optional"`
	FailOnCreate bool   `pulumi:"failOnCreate,optional"`
}

// FileState is the state of a File.
type FileState struct {
	FileArgs
	Size int `pulumi:"size"`
}

// Annotate describes the resource.
func (f *File) Annotate(a infer.Annotator) { a.Describe(&f, "A file on the local disk.") }

// Annotate describes the inputs.
func (f *FileArgs) Annotate(a infer.Annotator) {
	a.Describe(&f.Path, "Where to write the file; a change replaces the resource.")
	a.Describe(&f.Content, "What to write.")
	a.Describe(&f.DelaySeconds, "Seconds to wait before every create, update and delete (tests only).")
	a.Describe(&f.FailOnCreate, "Fail the create on purpose (tests only).")
}

// Create writes the file.
func (*File) Create(ctx context.Context, req infer.CreateRequest[FileArgs]) (infer.CreateResponse[FileState], error) {
	in := req.Inputs
	state := FileState{FileArgs: in, Size: len(in.Content)}
	if req.DryRun {
		return infer.CreateResponse[FileState]{ID: in.Path, Output: state}, nil
	}
	if err := wait(ctx, in.DelaySeconds); err != nil {
		return infer.CreateResponse[FileState]{}, err
	}
	if in.FailOnCreate {
		return infer.CreateResponse[FileState]{}, fmt.Errorf("failOnCreate is set: refusing to create %s", in.Path)
	}
	if err := write(in.Path, in.Content); err != nil {
		return infer.CreateResponse[FileState]{}, err
	}
	return infer.CreateResponse[FileState]{ID: in.Path, Output: state}, nil
}

// Update rewrites the file's content.
func (*File) Update(ctx context.Context, req infer.UpdateRequest[FileArgs, FileState]) (infer.UpdateResponse[FileState], error) {
	in := req.Inputs
	state := FileState{FileArgs: in, Size: len(in.Content)}
	if req.DryRun {
		return infer.UpdateResponse[FileState]{Output: state}, nil
	}
	if err := wait(ctx, in.DelaySeconds); err != nil {
		return infer.UpdateResponse[FileState]{}, err
	}
	if err := write(in.Path, in.Content); err != nil {
		return infer.UpdateResponse[FileState]{}, err
	}
	return infer.UpdateResponse[FileState]{Output: state}, nil
}

// Delete removes the file; a file already gone is not an error.
func (*File) Delete(ctx context.Context, req infer.DeleteRequest[FileState]) (infer.DeleteResponse, error) {
	if err := wait(ctx, req.State.DelaySeconds); err != nil {
		return infer.DeleteResponse{}, err
	}
	if err := os.Remove(req.State.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return infer.DeleteResponse{}, err
	}
	return infer.DeleteResponse{}, nil
}

func wait(ctx context.Context, seconds int) error {
	if seconds <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(seconds) * time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func write(path, content string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("path %q must be absolute", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// EnvProbe records, for each named environment variable of the provider
// process, whether it is set and the SHA-256 of its value; never the value.
// An end-to-end test compares the digests with those of the credentials it
// expects the provider to receive. It records again whenever the
// environment changes.
type EnvProbe struct{}

// EnvProbeArgs are the inputs of an EnvProbe.
type EnvProbeArgs struct {
	Names []string `pulumi:"names"`
}

// EnvProbeState is what an EnvProbe recorded.
type EnvProbeState struct {
	EnvProbeArgs
	Set    map[string]bool   `pulumi:"set"`
	Sha256 map[string]string `pulumi:"sha256"`
}

// Annotate describes the resource.
func (e *EnvProbe) Annotate(a infer.Annotator) {
	a.Describe(&e, "Records whether environment variables of the provider process are set, and their SHA-256 digests (tests only).")
}

// Annotate describes the inputs.
func (e *EnvProbeArgs) Annotate(a infer.Annotator) {
	a.Describe(&e.Names, "The environment variables to record.")
}

// Annotate describes the outputs.
func (e *EnvProbeState) Annotate(a infer.Annotator) {
	a.Describe(&e.Set, "For each name, whether the variable is set.")
	a.Describe(&e.Sha256, "For each name, the hex SHA-256 of the variable's value; empty when it is not set.")
}

// probe reads the named variables of this process.
func probe(names []string) EnvProbeState {
	st := EnvProbeState{EnvProbeArgs: EnvProbeArgs{Names: names}, Set: map[string]bool{}, Sha256: map[string]string{}}
	for _, n := range names {
		v, ok := os.LookupEnv(n)
		st.Set[n] = ok
		st.Sha256[n] = ""
		if ok {
			sum := sha256.Sum256([]byte(v))
			st.Sha256[n] = hex.EncodeToString(sum[:])
		}
	}
	return st
}

// Create records the variables.
func (*EnvProbe) Create(_ context.Context, req infer.CreateRequest[EnvProbeArgs]) (infer.CreateResponse[EnvProbeState], error) {
	return infer.CreateResponse[EnvProbeState]{ID: "envprobe", Output: probe(req.Inputs.Names)}, nil
}

// Diff reports a change when the names changed or the variables differ
// from what was recorded.
func (*EnvProbe) Diff(_ context.Context, req infer.DiffRequest[EnvProbeArgs, EnvProbeState]) (infer.DiffResponse, error) {
	diff := map[string]p.PropertyDiff{}
	if !slices.Equal(req.Inputs.Names, req.State.Names) {
		diff["names"] = p.PropertyDiff{Kind: p.Update, InputDiff: true}
	}
	now := probe(req.Inputs.Names)
	if !maps.Equal(now.Set, req.State.Set) || !maps.Equal(now.Sha256, req.State.Sha256) {
		diff["sha256"] = p.PropertyDiff{Kind: p.Update}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// Update records the variables again.
func (*EnvProbe) Update(_ context.Context, req infer.UpdateRequest[EnvProbeArgs, EnvProbeState]) (infer.UpdateResponse[EnvProbeState], error) {
	return infer.UpdateResponse[EnvProbeState]{Output: probe(req.Inputs.Names)}, nil
}
