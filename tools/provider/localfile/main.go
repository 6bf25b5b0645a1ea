// Command pulumi-resource-localfile is the resource provider of octopulumi's
// offline test bed. Its one resource, localfile:index:File, writes a file, so
// that tests exercise a real provider plugin (downloaded from a loopback
// mirror, started by the real engine) without any cloud.
//
// Two inputs exist only for tests: delaySeconds holds a create, update or
// delete open (to test cancellation and stack locks), and failOnCreate makes
// a create fail on purpose (to test partial failures).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pulumi/pulumi-go-provider/infer"
)

// Version is set at link time by the Makefile; it must match the version in
// the plugin tarball's name.
var Version = "0.1.0"

func main() {
	p, err := infer.NewProviderBuilder().
		WithDisplayName("localfile").
		WithDescription("Writes local files; octopulumi's test provider.").
		WithResources(infer.Resource(&File{})).
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
