package cache

import (
	"context"
	"errors"
	"fmt"
)

// Warm makes plugins present in the run's PULUMI_HOME home before Pulumi
// runs; it is what a deploy step calls. Its sources are options:
//
//   - [FromBundle] only: restore the bundle (archive or extracted folder)
//     into home, hard-linking from a folder.
//   - [FromShared] only: link the worker-shared cache's plugins into home.
//   - both: first fill the shared cache from the bundle (copied and
//     hashed once per worker, so the cache never shares bytes with a package
//     folder that Tentacle may rewrite), then link from the cache into home.
//
// With [WithManifest], only the manifest's plugins are restored, a source
// that lacks one is an error, and Report.Missing lists what Pulumi would
// still download (nothing, when all went well). Without a source, Warm only
// reports what is missing.
func Warm(ctx context.Context, home string, opts ...WarmOption) (*Report, error) {
	o, err := configure(defaultOptions(), opts, WarmOption.configureWarm)
	if err != nil {
		return nil, err
	}
	if home == "" {
		return nil, errors.New("warm plugins: no PULUMI_HOME given")
	}
	r := &Report{}
	switch {
	case o.bundle != "" && o.shared != "":
		fill := o
		fill.noLink, fill.deep = true, true
		if _, err := fill.restore(ctx, o.bundle, o.shared); err != nil {
			return nil, fmt.Errorf("fill the worker-shared plugin cache %s: %w", o.shared, err)
		}
		r, err = o.restore(ctx, o.shared, home)
	case o.shared != "":
		r, err = o.restore(ctx, o.shared, home)
	case o.bundle != "":
		r, err = o.restore(ctx, o.bundle, home)
	}
	if err != nil {
		return r, err
	}
	if o.manifest != nil {
		if r.Missing, err = Check(home, o.manifest); err != nil {
			return r, err
		}
	}
	return r, nil
}
