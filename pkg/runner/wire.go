package runner

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// The engine's step events carry every resource's inputs and outputs, old
// and new: on a large stack, decoding them all into maps is most of the
// runner's own work during an update. wireEvent reads an event as
// apitype.EngineEvent does, but leaves the property maps the collector
// never reads as raw JSON, and decodes only those it reads: the new inputs
// of a resource's step that changes it (for the plan's fingerprint) and the
// new outputs of the stack resource (the stack's outputs).

// wireEvent is an engine event as it is read.
type wireEvent struct {
	apitype.EngineEvent
	// These shadow the embedded fields of the same JSON names.
	ResourcePreEvent *wireStepEvent `json:"resourcePreEvent,omitempty"`
	ResOutputsEvent  *wireStepEvent `json:"resOutputsEvent,omitempty"`
}

type wireStepEvent struct {
	Metadata wireStepMetadata `json:"metadata"`
	Planning bool             `json:"planning,omitempty"`
}

type wireStepMetadata struct {
	apitype.StepEventMetadata
	Old lazyJSON           `json:"old"`
	New *wireStateMetadata `json:"new"`
}

type wireStateMetadata struct {
	apitype.StepEventStateMetadata
	Inputs  lazyJSON `json:"inputs"`
	Outputs lazyJSON `json:"outputs"`
}

// lazyJSON keeps a value's JSON text without decoding it. It refers to the
// decoder's input, so it is valid only as long as that is.
type lazyJSON []byte

func (l *lazyJSON) UnmarshalJSON(b []byte) error {
	*l = b
	return nil
}

// decodeEvent decodes one event line into the apitype.EngineEvent the
// collector reads: the same but for the step events' old states (absent)
// and the property maps it has no use for (nil).
func decodeEvent(line []byte) (apitype.EngineEvent, error) {
	var w wireEvent
	if err := json.Unmarshal(line, &w); err != nil {
		return apitype.EngineEvent{}, err
	}
	ev := w.EngineEvent
	if p := w.ResourcePreEvent; p != nil {
		md, err := p.Metadata.step(p.Metadata.Op != apitype.OpSame, false)
		if err != nil {
			return apitype.EngineEvent{}, err
		}
		ev.ResourcePreEvent = &apitype.ResourcePreEvent{Metadata: md, Planning: p.Planning}
	}
	if o := w.ResOutputsEvent; o != nil {
		md, err := o.Metadata.step(false, o.Metadata.Type == stackType)
		if err != nil {
			return apitype.EngineEvent{}, err
		}
		ev.ResOutputsEvent = &apitype.ResOutputsEvent{Metadata: md, Planning: o.Planning}
	}
	return ev, nil
}

// step is the metadata with the new state's inputs and outputs decoded
// when asked for.
func (m *wireStepMetadata) step(inputs, outputs bool) (apitype.StepEventMetadata, error) {
	md := m.StepEventMetadata
	md.Old, md.New = nil, nil
	if m.New != nil {
		n := m.New.StepEventStateMetadata
		if inputs {
			if err := m.New.Inputs.decode(&n.Inputs); err != nil {
				return md, err
			}
		}
		if outputs {
			if err := m.New.Outputs.decode(&n.Outputs); err != nil {
				return md, err
			}
		}
		md.New = &n
	}
	return md, nil
}

func (l lazyJSON) decode(m *map[string]any) error {
	if len(l) == 0 {
		return nil
	}
	return json.Unmarshal(l, m)
}
