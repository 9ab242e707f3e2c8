// Package planfile holds the entries of a plan's resources.json as plain JSON-tagged types, free
// of the Pulumi SDK, so that components/plan writes them and components/plan/diff reads them
// with one definition.
package planfile

// Ref names a resource by type and logical name.
type Ref struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// Resource is one entry of resources.json: a registered resource's type, logical name, parent,
// physical id and its inputs and outputs as plain JSON values.
type Resource struct {
	Type    string         `json:"type"`
	Name    string         `json:"name"`
	Parent  *Ref           `json:"parent"`
	Id      string         `json:"id"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
}
