package stage

import (
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ConfigKeys returns every config key set for the stack ("aws:region", "pipeline:vendorUrl"),
// sorted. Under the plan harness it asks the harness; otherwise it reads what the Pulumi engine
// passed the program.
func ConfigKeys(ctx *pulumi.Context) []string { return configKeys(ctx) }

// UnknownKeys returns the keys set in namespace that are not among known (without the
// namespace), sorted, so that programs reject a mistyped setting of their own namespace as Load
// does for skein:. In the project's own namespace the stage settings ([Keys]) are known too,
// since Load reads them there.
func UnknownKeys(ctx *pulumi.Context, namespace string, known []string) []string {
	var out []string
	for _, k := range configKeys(ctx) {
		ns, key, ok := strings.Cut(k, ":")
		if ok && ns == namespace && !slices.Contains(known, key) && (ns != ctx.Project() || !slices.Contains(knownKeys, key)) {
			out = append(out, k)
		}
	}
	return out
}

// UnknownKeyRule is the rule an unknown key breaks, listing the known ones; what names the
// settings ("stage setting", "pipeline setting").
func UnknownKeyRule(what, namespace string, known []string) string {
	return "is not a " + what + "; known keys are " + namespace + ":" + strings.Join(known, ", "+namespace+":")
}
