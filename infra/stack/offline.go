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
	"github.com/skeinhq/skein/components/worker"
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
		Writers:            []plan.Writer{plan.CostWriter(func() cost.Options { return CostOptionsFor(cfg) })},
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
// expected groups and devices, the vendor latency for the workers' durations, and what each
// batch of BatchSize devices causes downstream, shared by its devices: its raw part's PUT, the
// part's S3 event (free), the SQS send, receive and delete of the event (received ten at a
// time), and the transform's invocation, GET of the part and PUT of its processed part. A batch
// with failed devices also writes a failed part: not counted, as failures are a few percent of
// the batches at most.
func (r *OfflineRun) CostOptions() cost.Options { return CostOptionsFor(r.Config) }

// CostOptionsFor sizes the cost model from the stage's settings (see OfflineRun.CostOptions);
// nil settings mean zero Options.
func CostOptionsFor(c *Config) cost.Options {
	if c == nil {
		return cost.Options{}
	}
	lat := c.VendorLatency
	perItem := lat / time.Duration(c.BatchConcurrency)
	// Raw objects per device: one part per batch (functions/pipeline). Each raw part is one S3
	// event, SQS message and transform record, whose GET and processed PUT follow it.
	objects := 1 / float64(max(c.BatchSize, 1))
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
			// Each raw part's S3 event (free) becomes one SQS message, sent by EventBridge, then
			// received and deleted: a part every few seconds per fetch invocation is far slower
			// than the subscription polls, so each message is received and deleted alone.
			PerItem: cost.PerItem{S3Puts: 2 * objects, S3Gets: objects, SqsRequests: 3 * objects, S3Events: objects,
				// A device's log lines (the fetch's and the transform's), and its share of
				// each fetch batch's and each transform invocation's own lines.
				LogBytes: perDeviceLogBytes(c.LogLevel) +
					fetchLogBytesPerBatch/float64(c.BatchSize) + transformLogBytesPerBatch*objects,
				// X-Ray (active on every worker and on the workflow): at most a trace per
				// transform invocation and per batch's child execution, read as traces of their
				// own (the conservative reading; the run itself is one more).
				Traces: objects + 1/float64(c.BatchSize)},
			// The transform, outside the workflow: one invocation per raw part (its message
			// arrives alone, as above), lasting about one GET and one PUT (transformBatch) plus
			// each device's CPU at the function's memory.
			Consumers: []cost.Consumer{{
				Name: TransformName, InvocationsPerItem: objects,
				Duration: transformBatch, PerItemDuration: atMemory(transformCPUPerRecord, transformMemoryMB),
			}},
		},
	}}
}

// transformBatch is the wall time of one transform invocation beyond its devices' CPU: a GET and
// a PUT of about 10 ms each.
const transformBatch = 20 * time.Millisecond

// transformCPUPerRecord is the CPU time one device's raw record (a line of about 3 KB of a raw
// part) takes the transform on a full core: 0.12 ms a device in a part of 100, against a part of
// 1 (make bench-memory, medians of 5 processes, load average 5.5, 2026-12-03). It was 0.87 ms
// a device when each device was its own object, its own SQS record, GET and PUT.
const transformCPUPerRecord = 120 * time.Microsecond

// atMemory is how long cpu of CPU time lasts at memoryMB: Lambda gives a function a share of a
// vCPU in proportion to its memory, a whole one at 1,769 MB
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
func atMemory(cpu time.Duration, memoryMB int) time.Duration {
	return time.Duration(float64(cpu) * fullVCPUMemoryMB / float64(min(memoryMB, fullVCPUMemoryMB)))
}

// fullVCPUMemoryMB is the memory at which a function has one whole vCPU.
const fullVCPUMemoryMB = 1769

// The bytes of log the handlers write (Lambda's own START/END/REPORT lines are off: the
// workers' system log level is WARN), measured by make bench-memory (2026-12-03, per-batch
// parts): at INFO the fetch writes about 1,065 bytes a batch and the transform 949 bytes an
// invocation; DEBUG adds a line of about 265 bytes for each device fetched and one of about
// 336 bytes for each record transformed. A failed device's WARN line is left out: failures are
// rare, and priced by nothing else either.
const (
	fetchLogBytesPerDevice     = 265
	fetchLogBytesPerBatch      = 1065
	transformLogBytesPerRecord = 336
	transformLogBytesPerBatch  = 949
)

// perDeviceLogBytes is what the handlers log for each device at the stage's log level.
func perDeviceLogBytes(level worker.LogLevel) float64 {
	if level == worker.Debug {
		return fetchLogBytesPerDevice + transformLogBytesPerRecord
	}
	return 0
}
