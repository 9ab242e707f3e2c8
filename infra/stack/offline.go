package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/cost"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/stage"
)

// PlanSecretPlaceholder stands in for secrets the offline plan cannot decrypt or that the stack
// file does not hold yet; resources.json shows it as "[secret]".
const PlanSecretPlaceholder = plan.PlaceholderSecret

// PlanCommand is `make plan`: the reference pipeline's program under plan.Command, with the
// vendor token as a placeholder secret when the stage file lacks it, and cost.json sized from the
// stage's settings (CostOptionsFor).
func PlanCommand() plan.Command {
	var cfg *Config
	return plan.Command{
		Program:            func(ctx *pulumi.Context) error { return program(ctx, func(_ *stage.Stage, c *Config) { cfg = c }) },
		PlaceholderSecrets: []string{Namespace + ":" + KeyVendorToken},
		Writers:            []plan.Writer{cost.Writer(func() cost.Options { return CostOptionsFor(cfg) })},
	}
}

// Offline runs the stage's program under the plan harness, from the project whose Pulumi.yaml is
// in root (its name, its stage files): no CLI, no credentials, no network. A vendor token missing from the file
// (it is set with `pulumi config set --secret`, often only in the deploying account's backend)
// is replaced by a placeholder secret, so every stage can be planned from a fresh clone.
//
// overrides replace keys of the file ("pipeline:batchSize": "10"), for local runs and tests
// that vary a setting; an empty value removes the key.
func Offline(root, stackName string, overrides ...map[string]string) (*OfflineRun, error) {
	pr, err := plan.LoadProject(root)
	if err != nil {
		return nil, err
	}
	opts, err := pr.StackOptions(stackName)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no stage %q: %s does not exist", stackName, filepath.Join(pr.StackConfigDir, "Pulumi."+stackName+".yaml"))
		}
		return nil, err
	}
	for _, o := range overrides {
		for k, v := range o {
			if v == "" {
				delete(opts.Config, k)
				continue
			}
			opts.Config[k] = v
		}
	}
	key := Namespace + ":" + KeyVendorToken
	if _, ok := opts.Config[key]; !ok {
		opts.Config[key] = PlanSecretPlaceholder
		opts.SecretKeys = append(opts.SecretKeys, key)
	}
	run := &OfflineRun{}
	run.Plan, err = plan.Run(func(ctx *pulumi.Context) error {
		return program(ctx, func(st *stage.Stage, cfg *Config) { run.Stage, run.Config = st, cfg })
	}, opts)
	if err != nil {
		return nil, err
	}
	return run, nil
}

// OfflineRun is an offline run of a stage: what it registered, and the settings it used.
type OfflineRun struct {
	Plan   *plan.Plan
	Stage  *stage.Stage
	Config *Config
}

// CostOptions sizes the cost model's run of the export workflow from the stage's settings: the
// expected groups and devices, the vendor latency for the workers' durations, and the data
// requests each batch of BatchSize devices causes (its raw part's PUT, the transform's GET of it
// and PUT of its processed part, and the SQS send, receive and delete of the part's one event,
// received ten at a time), spread over its devices. A batch with failed devices also writes a
// failed part: not counted, as failures are a few percent of the batches at most.
func (r *OfflineRun) CostOptions() cost.Options { return CostOptionsFor(r.Config) }

// CostOptionsFor sizes the cost model from the stage's settings (see OfflineRun.CostOptions);
// nil settings mean zero Options.
func CostOptionsFor(c *Config) cost.Options {
	if c == nil {
		return cost.Options{}
	}
	lat := c.VendorLatency
	perItem := lat / time.Duration(c.BatchConcurrency)
	batch := float64(max(c.BatchSize, 1))
	return cost.Options{Workloads: map[string]cost.Workload{
		WorkflowName: {
			Items:    c.ExpectedDevices,
			MapItems: map[string]int{"ListDevices": c.ExpectedGroups},
			// A million devices are costed as more devices per group: the listing's cost
			// is per group, the fan-out's per device.
			FixedMapItems: map[string]bool{"ListDevices": true},
			// The vendor worker does three jobs; its durations are given per Task state.
			Durations: map[string]time.Duration{
				"ListGroups":         lat + 50*time.Millisecond,
				"ListDevicesOfGroup": 2*lat + 50*time.Millisecond, // a page or two, then the manifest PUT
				MergeName:            time.Duration(c.ExpectedGroups)*10*time.Millisecond + 100*time.Millisecond,
				"Fetch":              60 * time.Millisecond, // with the part's PUT
			},
			PerItemDurations: map[string]time.Duration{"Fetch": perItem},
			PerItem:          cost.PerItem{S3Puts: 2 / batch, S3Gets: 1 / batch, SQSRequests: (1 + 2.0/10) / batch},
		},
	}}
}
