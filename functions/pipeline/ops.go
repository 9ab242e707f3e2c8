package pipeline

import "encoding/json"

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
