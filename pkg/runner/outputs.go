package runner

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Outputs reads stack's outputs with secret values in clear, flagged as
// secret, in one process (`pulumi stack export --show-secrets`). Only the
// top level of an output is checked for secrecy.
func (r *Runner) Outputs(ctx context.Context, stack string) (Outputs, error) {
	if err := checkStack("stack export", stack); err != nil {
		return nil, err
	}
	out, err := r.run(ctx, invocation{args: []string{"stack", "export", "--show-secrets", "--stack", stack}, quiet: true}, nil)
	if err != nil {
		return nil, classify(stack, "stack export", err, failure{})
	}
	var dep apitype.UntypedDeployment
	if err := json.Unmarshal([]byte(out.stdout), &dep); err != nil {
		return nil, fmt.Errorf("runner: reading the export of %s: %w", stack, err)
	}
	var state struct {
		Resources []struct {
			Type    string         `json:"type"`
			Outputs map[string]any `json:"outputs"`
		} `json:"resources"`
	}
	if len(dep.Deployment) > 0 {
		if err := json.Unmarshal(dep.Deployment, &state); err != nil {
			return nil, fmt.Errorf("runner: reading the export of %s: %w", stack, err)
		}
	}
	for _, res := range state.Resources {
		if res.Type == stackType {
			outs := outputsOf(res.Outputs)
			for _, o := range outs {
				if o.Secret {
					r.redact.Add(o.Text())
				}
			}
			r.redact.Add(secretValues(res.Outputs)...)
			return outs, nil
		}
	}
	return Outputs{}, nil
}
