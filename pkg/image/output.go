package image

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Push writes r to the registry as ref (an index for a multi-platform
// result), with the credentials of [WithKeychain], and returns its digest.
func Push(ctx context.Context, r *Result, ref string, opts ...Option) (v1.Hash, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return v1.Hash{}, err
	}
	to, err := name.ParseReference(ref)
	if err != nil {
		return v1.Hash{}, err
	}
	if r.Index != nil {
		err = remote.WriteIndex(to, r.Index, o.remoteOptions(ctx)...)
	} else {
		err = remote.Write(to, r.Image, o.remoteOptions(ctx)...)
	}
	if err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", ref, err)
	}
	return r.Digest()
}

// WriteTarball writes platform's image of r to file as a tarball that
// `docker load` reads, tagged tag. A Docker engine loads one platform at a
// time, so a multi-platform result needs its platform named
// ("linux/amd64"); for a single image, "" will do.
func WriteTarball(r *Result, platform, tag, file string) error {
	t, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	img := r.Image
	if platform != "" || img == nil {
		if img, err = r.Platform(platform); err != nil {
			return err
		}
	}
	return tarball.WriteToFile(file, t, img)
}
