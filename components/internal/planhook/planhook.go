// Package planhook carries the offline plan's observer through a program's Pulumi context: the
// plan package sets one, and the stage package, which every component goes through, tells it
// the config keys the program sees and the outputs each component registers. It is internal so
// that the hook is no part of any package's public API.
package planhook

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Observer sees what the plan needs from a program run.
type Observer struct {
	// ConfigKeys returns the config keys set.
	ConfigKeys func() []string
	// ComponentOutputs records the outputs a component registers.
	ComponentOutputs func(res pulumi.Resource, outs pulumi.Map)
}

type ctxKey struct{}

// With returns a context carrying obs.
func With(ctx *pulumi.Context, obs *Observer) *pulumi.Context {
	return ctx.WithValue(ctxKey{}, obs)
}

// From returns the observer ctx carries, or nil.
func From(ctx *pulumi.Context) *Observer {
	obs, _ := ctx.Value(ctxKey{}).(*Observer)
	return obs
}
