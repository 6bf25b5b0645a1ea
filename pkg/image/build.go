package image

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/octopulumi/octopulumi/pkg/cache"
)

// Contents is what goes into one platform's image.
type Contents struct {
	// Octopulumi is the octopulumi executable built for the platform (see
	// [ReadBinary]).
	Octopulumi []byte
	// Bundle is a plugin bundle for the platform: an archive made by
	// [cache.Bundle] (octopulumi cache bundle --platform) or its extracted
	// folder.
	Bundle string
}

// Base is the image to start from; make one with [FromRef], [FromImage] or
// [FromIndex].
type Base struct {
	ref   string
	image v1.Image
	index v1.ImageIndex
}

// FromRef is a base pulled from a registry (an index or one image), with
// the credentials of [WithKeychain].
func FromRef(ref string) Base { return Base{ref: ref} }

// FromImage is a single-platform base.
func FromImage(img v1.Image) Base { return Base{image: img} }

// FromIndex is a multi-platform base.
func FromIndex(idx v1.ImageIndex) Base { return Base{index: idx} }

// DefaultBase is pulumi/pulumi tagged with m's Pulumi CLI version, the
// version the plugins were resolved with.
func DefaultBase(m *cache.Manifest) (string, error) {
	v := strings.TrimPrefix(m.Pulumi, "v")
	if v == "" {
		return "", &cache.ManifestError{Field: "pulumi", Reason: "no CLI version to pin the base image to: regenerate the manifest or give a base"}
	}
	return DefaultBaseRepository + ":" + v, nil
}

// Result is a built image: Index for a multi-platform base, else Image.
type Result struct {
	Image v1.Image
	Index v1.ImageIndex
	// Images are the built images by platform (os/arch[/variant]).
	Images map[string]v1.Image
	// Plugins are the plugin folders in the images' PULUMI_HOME (of every
	// platform), sorted.
	Plugins []string
}

// Digest is the digest to pull the result by: the index's or the image's.
func (r *Result) Digest() (v1.Hash, error) {
	if r.Index != nil {
		return r.Index.Digest()
	}
	return r.Image.Digest()
}

// Platform is the built image for platform (os/arch[/variant]).
func (r *Result) Platform(platform string) (v1.Image, error) {
	if img, ok := r.Images[platform]; ok {
		return img, nil
	}
	return nil, fmt.Errorf("no image for platform %s: built %s", platform, strings.Join(slices.Sorted(maps.Keys(r.Images)), ", "))
}

// Build makes the worker image: for each platform of base (each image of a
// multi-platform index), base plus a layer with contents[platform]'s
// octopulumi at [WithBinaryPath] and a layer with its plugin bundle in
// [WithPulumiHome], no ENTRYPOINT or CMD, PULUMI_HOME and
// PULUMI_SKIP_UPDATE_CHECK=true in the environment, and labels. contents
// is keyed by platform, "linux/amd64" or with a variant "linux/arm64/v8";
// a platform of the base with no contents is an error.
//
// The same inputs give the same digest: layer entries are sorted, owned
// by root and dated [WithCreated] (default [Epoch]), as is the image.
func Build(ctx context.Context, base Base, contents map[string]Contents, opts ...Option) (*Result, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return nil, err
	}
	if base.ref != "" {
		if base, err = o.pull(ctx, base.ref); err != nil {
			return nil, err
		}
	}
	r := &Result{Images: map[string]v1.Image{}}
	b := builder{o: o, contents: contents, result: r}
	switch {
	case base.index != nil:
		r.Index, err = b.index(ctx, base.index)
	case base.image != nil:
		r.Image, _, err = b.image(ctx, base.image, nil)
	default:
		err = errors.New("build image: no base")
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// pull gets ref's index or image.
func (o options) pull(ctx context.Context, ref string) (Base, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return Base{}, err
	}
	desc, err := remote.Get(r, o.remoteOptions(ctx)...)
	if err != nil {
		return Base{}, fmt.Errorf("pull base %s: %w", ref, err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		return Base{index: idx}, err
	}
	img, err := desc.Image()
	return Base{image: img}, err
}

func (o options) remoteOptions(ctx context.Context) []remote.Option {
	return append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(o.keychain)}, o.remote...)
}

type builder struct {
	o        options
	contents map[string]Contents
	result   *Result
}

// index builds every runnable platform of idx into a new index of the
// same media type; entries without a platform (such as attestations,
// which describe the base's images, not ours) are left out.
func (b builder) index(ctx context.Context, idx v1.ImageIndex) (v1.ImageIndex, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return nil, err
	}
	out := mutate.IndexMediaType(empty.Index, mt)
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" || !d.MediaType.IsImage() {
			continue
		}
		base, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		img, desc, err := b.image(ctx, base, d.Platform)
		if err != nil {
			return nil, err
		}
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: img, Descriptor: desc})
	}
	if len(b.result.Images) == 0 {
		return nil, errors.New("build image: the base index has no platform image")
	}
	return out, nil
}

// image builds one platform's image; platform is the index's, or nil to
// read it from the config.
func (b builder) image(ctx context.Context, base v1.Image, platform *v1.Platform) (v1.Image, v1.Descriptor, error) {
	cf, err := base.ConfigFile()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	if platform == nil {
		platform = cf.Platform()
	}
	if platform == nil {
		platform = &v1.Platform{}
	}
	key, c, ok := b.lookup(*platform)
	if !ok {
		return nil, v1.Descriptor{}, fmt.Errorf("build image: no octopulumi and bundle given for the base's platform %s", key)
	}
	if len(c.Octopulumi) == 0 || c.Bundle == "" {
		return nil, v1.Descriptor{}, fmt.Errorf("build image: platform %s needs both an octopulumi binary and a plugin bundle", key)
	}
	mt, err := base.MediaType()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	layerType := types.DockerLayer
	if mt == types.OCIManifestSchema1 {
		layerType = types.OCILayer
	}
	binLayer, err := layerOf([]entry{{name: strings.TrimPrefix(b.o.binary, "/"), mode: 0o755, data: c.Octopulumi}}, b.o.created, layerType)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	entries, plugins, err := pluginEntries(ctx, c.Bundle, b.o.home)
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("build image for %s: %w", key, err)
	}
	pluginLayer, err := layerOf(entries, b.o.created, layerType)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	at := v1.Time{Time: b.o.created}
	img, err := mutate.Append(base,
		mutate.Addendum{Layer: binLayer, MediaType: layerType, History: v1.History{Created: at, CreatedBy: "octopulumi cache image: COPY octopulumi " + b.o.binary}},
		mutate.Addendum{Layer: pluginLayer, MediaType: layerType, History: v1.History{Created: at, CreatedBy: "octopulumi cache image: plugins " + strings.Join(plugins, ",") + " in " + b.o.home}},
	)
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	if img, err = b.configure(img, plugins); err != nil {
		return nil, v1.Descriptor{}, err
	}
	b.result.Images[key] = img
	b.result.Plugins = slices.Compact(slices.Sorted(slices.Values(append(b.result.Plugins, plugins...))))
	return img, v1.Descriptor{MediaType: mt, Platform: platform}, nil
}

// lookup finds contents for p: by its full name, else by os/arch.
func (b builder) lookup(p v1.Platform) (string, Contents, bool) {
	key := path.Join(p.OS, p.Architecture, p.Variant)
	if c, ok := b.contents[key]; ok {
		return key, c, true
	}
	c, ok := b.contents[p.OS+"/"+p.Architecture]
	return key, c, ok
}

// configure resets the entrypoint and command, sets the environment and
// labels, and fixes the created time.
func (b builder) configure(img v1.Image, plugins []string) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Config.Entrypoint, cf.Config.Cmd = nil, nil
	cf.Config.Env = slices.DeleteFunc(cf.Config.Env, func(kv string) bool {
		return strings.HasPrefix(kv, "PULUMI_HOME=") || strings.HasPrefix(kv, "PULUMI_SKIP_UPDATE_CHECK=")
	})
	cf.Config.Env = append(cf.Config.Env, "PULUMI_HOME="+b.o.home, "PULUMI_SKIP_UPDATE_CHECK=true")
	labels := maps.Clone(cf.Config.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, b.o.labels)
	for k, v := range map[string]string{
		"org.opencontainers.image.source":   b.o.source,
		"org.opencontainers.image.revision": b.o.revision,
		"org.opencontainers.image.version":  b.o.version,
	} {
		if v != "" {
			labels[k] = v
		}
	}
	labels[PluginsLabel] = strings.Join(plugins, ",")
	cf.Config.Labels = labels
	cf.Created = v1.Time{Time: b.o.created}
	return mutate.ConfigFile(img, cf)
}
