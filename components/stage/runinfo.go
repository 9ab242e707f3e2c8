package stage

import (
	"reflect"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runInfoConfigKeys lists the keys of the config the context was created with: what the engine
// passed (PULUMI_CONFIG), or what a test gave pulumi.RunErr through a RunOption next to
// pulumi.WithMocks. The SDK answers GetConfig for one key but does not list them, so the keys
// are read, read-only, from the context's run info. ok is false when the SDK's shape is not the
// one expected (the caller then falls back to PULUMI_CONFIG); TestConfigKeysUnderPlainMocks
// fails on an SDK upgrade that changes it.
func runInfoConfigKeys(ctx *pulumi.Context) (keys []string, ok bool) {
	defer func() {
		if recover() != nil {
			keys, ok = nil, false
		}
	}()
	v := reflect.ValueOf(ctx)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, false
	}
	state := v.Elem().FieldByName("state")
	if state.Kind() != reflect.Pointer || state.IsNil() {
		return nil, false
	}
	info := state.Elem().FieldByName("info")
	if !info.IsValid() || info.Type() != reflect.TypeOf(pulumi.RunInfo{}) {
		return nil, false
	}
	cfg := info.FieldByName("Config")
	if cfg.Kind() != reflect.Map || cfg.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	for _, k := range cfg.MapKeys() {
		keys = append(keys, k.String())
	}
	sort.Strings(keys)
	return keys, true
}
