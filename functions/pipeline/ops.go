package pipeline

import (
	"context"
	"encoding/json"
)

// Operations of the vendor worker. Every call to the vendor goes through one Lambda function
// (functions/vendor), so that its reserved concurrency and its per-invocation rate (a share of
// the vendor's budget, components/budget) bound every caller at once: the listing and the
// fetching of every overlapping run, a redrive and a queue consumer alike.
const (
	OpListGroups   = "list-groups"   // RunInput -> ListGroupsOutput
	OpListDevices  = "list-devices"  // ListDevicesInput -> ListDevicesOutput
	OpFetchMetrics = "fetch-metrics" // FetchInput -> FetchOutput
)

// Request is the vendor worker's event: the operation and its input, as the workflow's Task
// Parameters build it ({"op": "list-devices", "input.$": "$"}).
type Request struct {
	Op    string          `json:"op"`
	Input json.RawMessage `json:"input"`
}

// Vendor is the vendor worker's handler: it routes each Request to the handler of its
// operation. Nil handlers refuse their operation.
type Vendor struct {
	ListGroups   *ListGroups
	ListDevices  *ListDevices
	FetchMetrics *FetchMetrics
}

// Handle decodes the request's input for its operation and runs it. An unknown operation or an
// input that does not decode is an InputError (never retried).
func (h *Vendor) Handle(ctx context.Context, req Request) (any, error) {
	decode := func(v any) error {
		if len(req.Input) == 0 {
			return inputError("input", "is required", "")
		}
		if err := json.Unmarshal(req.Input, v); err != nil {
			return inputError("input", "must be the "+req.Op+" input: "+err.Error(), "")
		}
		return nil
	}
	switch {
	case req.Op == OpListGroups && h.ListGroups != nil:
		var in RunInput
		if err := decode(&in); err != nil {
			return nil, err
		}
		return h.ListGroups.Handle(ctx, in)
	case req.Op == OpListDevices && h.ListDevices != nil:
		var in ListDevicesInput
		if err := decode(&in); err != nil {
			return nil, err
		}
		return h.ListDevices.Handle(ctx, in)
	case req.Op == OpFetchMetrics && h.FetchMetrics != nil:
		var in FetchInput
		if err := decode(&in); err != nil {
			return nil, err
		}
		return h.FetchMetrics.Handle(ctx, in)
	}
	return nil, inputError("op", "must be one of "+OpListGroups+", "+OpListDevices+", "+OpFetchMetrics, req.Op)
}
