package stage

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// ConfigKeys returns every config key set for the stack ("aws:region", "pipeline:vendorUrl"),
// sorted, so that programs can reject unknown keys of their own namespace as Load does for
// skein:. Under the plan harness it asks the harness; otherwise it reads what the Pulumi engine
// passed the program.
func ConfigKeys(ctx *pulumi.Context) []string { return configKeys(ctx) }
