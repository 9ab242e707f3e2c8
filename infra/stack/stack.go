package stack

import (
	"errors"
	"fmt"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/bucket"
	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/dashboard"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/schedule"
	"github.com/skeinhq/skein/components/stage"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/pipeline/layout"
)

// Logical names of what the program creates; make local and the tests find resources by them.
const (
	BucketName    = "data"
	ParameterName = "vendor-token"
	WorkflowName  = "export"
	ScheduleName  = "export-daily"
	QueueName     = "transform"
	RawEventName  = "raw-created"
	RefetchName   = "refetch"
	BudgetName    = "vendor"
	VendorName    = "vendor"
	MergeName     = "merge-manifests"
	TransformName = "transform"
	// CapturedAlarmName is the alarm on devices captured under layout.Failed.
	CapturedAlarmName = "captured-failures"
	// DashboardName is the stage's dashboard.
	DashboardName = "pipeline"
)

// MetricsNamespace is the namespace of the handlers' embedded-format metrics in a stage,
// "skein/<project>/<stage>": the workers get it as metrics.EnvNamespace, and the alarms on those
// metrics read it, so stages sharing an account never mix their metrics.
func MetricsNamespace(st *stage.Stage) string {
	return "skein/" + st.Project + "/" + st.Name
}

// RefetchReceives is the refetch queue's maxReceiveCount.
//
// The data bucket's key prefixes and the handlers' environment variables are
// functions/pipeline/layout's (functions/README.md lists every key): the handlers write and read
// with the same names the program grants, routes and configures here.
const RefetchReceives = 20

// Program is the reference pipeline for one stage: infra/main.go runs it with pulumi.Run, and
// make plan and make local under the plan harness.
func Program(ctx *pulumi.Context) error { return program(ctx, nil) }

// program is Program, telling seen the stage and settings it loaded (for the offline runs).
func program(ctx *pulumi.Context, seen func(*stage.Stage, *Config)) error {
	st, stErr := stage.Load(ctx)
	production := st != nil && st.Production
	cfg, cfgErr := LoadConfig(ctx, production)
	if err := errors.Join(stErr, cfgErr); err != nil {
		return err
	}
	if seen != nil {
		seen(st, cfg)
	}
	p, err := New(ctx, st, cfg)
	if err != nil {
		return err
	}
	p.Export(ctx)
	return nil
}

// Pipeline is what the program created, for the exports and for tests.
type Pipeline struct {
	Budget    *budget.Budget
	Bucket    *bucket.Bucket
	Token     *ssm.Parameter
	Workers   map[string]*worker.Worker
	Workflow  *workflow.Workflow
	Schedule  *schedule.Schedule
	Queue     *queue.Queue
	Refetch   *queue.Queue
	RawEvents *bucket.Event
	// CapturedAlarm fires when the vendor worker captured any device under layout.Failed in a
	// 5-minute period (the handler's Captured metric), so tolerated failures are seen.
	CapturedAlarm *cloudwatch.MetricAlarm
	// Dashboard draws the workflow, the workers, the queues and the handlers' metrics.
	Dashboard *dashboard.Dashboard
}

// New composes the pipeline: the vendor's budget, the data bucket, the vendor token parameter,
// three workers (the vendor worker, through which every vendor call goes, merge-manifests and
// transform), the export workflow, its daily schedule, the refetch queue (consumed by the vendor
// worker within the same budget), and the transform path (S3 events through EventBridge to a
// queue consumed at a capped concurrency).
func New(ctx *pulumi.Context, st *stage.Stage, cfg *Config) (*Pipeline, error) {
	p := &Pipeline{Workers: map[string]*worker.Worker{}}
	var err error
	p.Budget, err = budget.NewBudget(ctx, BudgetName, cfg.BudgetArgs())
	if err != nil {
		return nil, err
	}
	p.Bucket, err = bucket.NewBucket(ctx, BucketName, &bucket.BucketArgs{
		Stage: st,
		// Results, manifests and failed items are what an operator redrives from; they are kept
		// for 90 days.
		Expirations: []bucket.Expiration{{Prefix: layout.Results, Days: 90}, {Prefix: layout.Manifests, Days: 90}, {Prefix: layout.Failed, Days: 90}},
	})
	if err != nil {
		return nil, err
	}

	// The token never reaches an environment variable, a log or the plan: a SecureString
	// parameter (encrypted with the account's aws/ssm key) read once by the workers at start-up.
	paramName := fmt.Sprintf("/%s/%s/vendor-token", st.Project, st.Name)
	p.Token, err = ssm.NewParameter(ctx, ParameterName, &ssm.ParameterArgs{
		Name:        pulumi.String(paramName),
		Type:        pulumi.String("SecureString"),
		Value:       cfg.VendorToken,
		Description: pulumi.String("The vendor API token of the " + st.Name + " export pipeline"),
		Tags:        st.TagsFor(ParameterName),
	})
	if err != nil {
		return nil, err
	}
	readToken := policy.Statement{Sid: "ReadVendorToken", Actions: []string{"ssm:GetParameter"}, Resources: []pulumi.StringInput{p.Token.Arn}}
	vendorEnv := map[string]string{layout.EnvVendorURL: cfg.VendorURL, layout.EnvVendorTokenParam: paramName}
	data := map[string]pulumi.StringInput{layout.EnvDataBucket: p.Bucket.Name}

	type spec struct {
		name, desc string
		timeout    time.Duration
		env        map[string]string
		vendor     bool
	}
	specs := []spec{
		{VendorName, "Calls the vendor API within its budget: lists groups and devices, fetches batches of metrics into raw/", cfg.VendorTimeout(), map[string]string{layout.EnvBatchConcurrency: fmt.Sprint(cfg.BatchConcurrency), layout.EnvFailedPrefix: layout.Failed}, true},
		{MergeName, "Merges the group manifests (or failed results) into one manifest", 2 * time.Minute, nil, false},
		{TransformName, "Summarises raw parts into processed/", 30 * time.Second, nil, false},
	}
	for _, s := range specs {
		env := map[string]string{metrics.EnvNamespace: MetricsNamespace(st)}
		var stmts []policy.Statement
		if s.vendor {
			for k, v := range vendorEnv {
				env[k] = v
			}
			stmts = append(stmts, readToken)
		}
		for k, v := range s.env {
			env[k] = v
		}
		var draw *budget.Budget
		if s.vendor {
			draw = p.Budget
		}
		w, err := worker.NewWorker(ctx, s.name, &worker.WorkerArgs{
			Stage:             st,
			Package:           "./functions/" + s.name,
			Timeout:           s.timeout,
			MemoryMB:          memoryMB[s.name],
			Environment:       env,
			EnvironmentInputs: data,
			Statements:        stmts,
			Budget:            draw,
			Description:       s.desc,
		})
		if err != nil {
			return nil, err
		}
		p.Workers[s.name] = w
	}
	grants := []struct {
		w      string
		access bucket.Access
		prefix string
	}{
		{VendorName, bucket.Write, layout.Manifests},
		{MergeName, bucket.ReadWrite, layout.Manifests},
		{MergeName, bucket.Read, layout.Results},
		// A skipExisting re-run's or a redrive's manifest lacks the devices stored ok: merge-
		// manifests lists the day's raw parts and reads each once.
		{MergeName, bucket.Read, layout.Raw},
		{MergeName, bucket.List, layout.Raw},
		// A retried batch reads its own raw part once, and every write merges with what a part
		// holds (conditional writes).
		{VendorName, bucket.ReadWrite, layout.Raw},
		{VendorName, bucket.Write, layout.Failed},
		{TransformName, bucket.Read, layout.Raw},
		{TransformName, bucket.Write, layout.Processed},
	}
	for _, g := range grants {
		if _, err := p.Bucket.Grant(p.Workers[g.w], g.access, g.prefix); err != nil {
			return nil, err
		}
	}

	p.Workflow, err = workflow.NewWorkflow(ctx, WorkflowName, &workflow.WorkflowArgs{
		Stage:      st,
		Definition: ExportDefinition(cfg, p.Workers, p.Bucket.Name),
	})
	if err != nil {
		return nil, err
	}

	state := schedule.StateDisabled
	if *cfg.ScheduleEnabled {
		state = schedule.StateEnabled
	}
	p.Schedule, err = schedule.NewSchedule(ctx, ScheduleName, &schedule.ScheduleArgs{
		Stage:      st,
		Expression: cfg.Schedule,
		State:      state,
		Target:     p.Workflow,
		// list-groups reads the scheduled time in the stage's zone and exports DaysBack before.
		Input:       map[string]any{"time": schedule.AttrScheduledTime, "timeZone": st.TimeZone, "daysBack": *cfg.DaysBack},
		ContextKey:  schedule.NoContext,
		Description: "Starts the daily vendor export",
	})
	if err != nil {
		return nil, err
	}

	p.RawEvents, err = p.Bucket.OnObjectCreated(RawEventName, &bucket.EventArgs{Prefix: layout.Raw, Suffix: layout.PartSuffix})
	if err != nil {
		return nil, err
	}
	p.Queue, err = queue.NewQueue(ctx, QueueName, &queue.QueueArgs{
		Stage:        st,
		Consumer:     p.Workers[TransformName],
		Subscription: &queue.SubscribeArgs{MaxConcurrency: cfg.TransformConcurrency},
		Senders:      []queue.Sender{{Service: "events.amazonaws.com", SourceArn: p.RawEvents.RuleArn}},
	})
	if err != nil {
		return nil, err
	}
	if _, err := p.RawEvents.SendTo(p.Queue, nil); err != nil {
		return nil, err
	}
	// Devices to fetch again, sent by an operator or another system as pipeline.Request messages
	// ({"op":"fetch-metrics","input":{"Items":[...],"BatchInput":{...}}}): consumed by the vendor
	// worker, so within the same budget as every run, two invocations at most. While runs keep
	// every reserved invocation busy, Lambda throttles the consumer and each throttled receive
	// counts toward the dead-letter queue: 20 receives (each after the visibility timeout) keep
	// a message waiting through a run before it would be captured there.
	p.Refetch, err = queue.NewQueue(ctx, RefetchName, &queue.QueueArgs{
		Stage:           st,
		Consumer:        p.Workers[VendorName],
		MaxReceiveCount: RefetchReceives,
		Subscription:    &queue.SubscribeArgs{BatchSize: 1, MaxConcurrency: queue.MinMaxConcurrency},
	})
	if err != nil {
		return nil, err
	}
	p.CapturedAlarm, err = capturedAlarm(ctx, st, p.Workers[VendorName])
	if err != nil {
		return nil, err
	}
	p.Dashboard, err = dashboard.NewDashboard(ctx, DashboardName, &dashboard.DashboardArgs{
		Stage:     st,
		Workflows: map[string]*workflow.Workflow{WorkflowName: p.Workflow},
		Workers:   p.Workers,
		Queues:    map[string]*queue.Queue{QueueName: p.Queue, RefetchName: p.Refetch},
		Schedules: map[string]*schedule.Schedule{ScheduleName: p.Schedule},
		Handlers:  HandlerWidgets(st),
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// The workers' memory, chosen from what `make bench-memory` measures of each handler (peak RSS
// and CPU time per item, run as its built binary: README, "What a handler costs"). Lambda gives a
// function CPU in proportion to its memory (1,769 MB is one vCPU, 128 MB about 7% of one) and
// bills memory x duration, so more memory pays only where CPU, not waiting, sets the duration,
// and only up to where waiting takes over again.
const (
	// vendorMemoryMB: the fetch peaks at 23 MB for a batch of 500 devices, 10 at once, and takes
	// 0.73 ms of CPU a device. It is IO-bound: each invocation waits on the vendor, paced to its
	// share of the vendor's rate (prod: 100/s over 2 reserved invocations, about 48 calls/s:
	// 35 ms of CPU a second, half of the 72 ms a second 128 MB gives), so a larger size would
	// bill more GB-seconds for the same wait. Raise it when one invocation's calls per second x
	// 0.73 ms come near memory/1,769 of a second.
	vendorMemoryMB = 128
	// mergeMemoryMB: the merge holds the day's devices in memory: 27 MB at 1,000 devices, 30 MB
	// at 20,000, 55 to 64 MB at 100,000 (0.3 to 0.4 KB a device), 3 to 5 us of CPU a device.
	// 128 MB holds a day of about 200,000 devices; a stage expecting more needs about 64 MB +
	// 0.4 KB a device (a million: 512 MB). Both stages expect 1,000.
	mergeMemoryMB = 128
	// transformMemoryMB: 19 to 22 MB for a raw part of 10 to 100 devices (3 KB each), 0.12 ms of
	// CPU a device (it was 25 to 27 MB and 0.87 ms a record with one object per device): an SQS
	// batch of 10 parts of 500 devices is about 600 ms of CPU, so at 128 MB the transform is
	// CPU-bound, and CPU-bound work costs about the same GB-seconds at any size up to where the
	// waits dominate: a larger size would only be faster, and the transform answers to a queue,
	// not to a user. Its memory also bounds each raw record it reads (a line of a part:
	// pipeline.TransformObjectCap, 838 KB at 128 MB, 10 parts at once), and holds each part's
	// processed lines (about 0.6 KB a device) until its PUT.
	transformMemoryMB = 128
)

// memoryMB is each worker's memory, by name.
var memoryMB = map[string]int{VendorName: vendorMemoryMB, MergeName: mergeMemoryMB, TransformName: transformMemoryMB}

// HandlerWidgets are the dashboard's graphs of the handlers' embedded-format metrics
// (functions/pipeline), each with the exact dimension set the handler emits it with.
func HandlerWidgets(st *stage.Stage) *dashboard.Handlers {
	dims := func(fn, op string) []dashboard.Dimension {
		return []dashboard.Dimension{{Name: pipeline.DimFunction, Value: fn}, {Name: pipeline.DimOperation, Value: op}}
	}
	vendor := func(op string) []dashboard.Dimension { return dims(pipeline.FunctionVendor, op) }
	calls := []string{pipeline.MetricVendorCalls, pipeline.MetricVendorThrottled}
	return &dashboard.Handlers{
		Namespace: MetricsNamespace(st),
		Widgets: []dashboard.HandlerWidget{
			{Title: "fetch-metrics: items", Dimensions: vendor(pipeline.OpFetchMetrics), Metrics: []string{pipeline.MetricFetched, pipeline.MetricSkipped, pipeline.MetricFailed, pipeline.MetricCaptured}},
			{Title: "fetch-metrics: vendor calls and 429s", Dimensions: vendor(pipeline.OpFetchMetrics), Metrics: calls},
			{Title: "fetch-metrics: vendor latency p99 (ms)", Dimensions: vendor(pipeline.OpFetchMetrics), Metrics: []string{pipeline.MetricVendorLatency}, Stat: "p99"},
			{Title: "list-groups: vendor calls and 429s", Dimensions: vendor(pipeline.OpListGroups), Metrics: calls},
			{Title: "list-devices: vendor calls and 429s", Dimensions: vendor(pipeline.OpListDevices), Metrics: calls},
			{Title: "transform: records", Dimensions: dims(pipeline.FunctionTransform, pipeline.OpTransform), Metrics: []string{pipeline.MetricTransformed, pipeline.MetricTransformFailed}},
		},
	}
}

// capturedAlarm watches the vendor worker's Captured metric (EMF, functions/pipeline): devices
// the vendor refused, captured under failed/ without failing their batch, which the Map's
// tolerance therefore never counts. Any in 5 minutes is worth a look; no data (no fetch ran) is
// not. It notifies the stage's alarm topic when it has one.
func capturedAlarm(ctx *pulumi.Context, st *stage.Stage, vendor *worker.Worker) (*cloudwatch.MetricAlarm, error) {
	return alarm.New(ctx, CapturedAlarmName, alarm.Metric{
		Description: pulumi.String("Devices were captured under " + layout.Failed + " (the vendor refused them: 4xx or an answer that is not the documented JSON) in the last 5 minutes. " +
			"Read failed/date=<d>/ for each device's error; fix the cause, then send them to the refetch queue or redrive the run."),
		Namespace:  MetricsNamespace(st),
		Name:       pipeline.MetricCaptured,
		Dimensions: pulumi.StringMap{pipeline.DimFunction: pulumi.String(pipeline.FunctionVendor), pipeline.DimOperation: pulumi.String(pipeline.OpFetchMetrics)},
		Statistic:  "Sum",
		Period:     5 * time.Minute,
		Comparison: "GreaterThanThreshold",
	}, alarm.Args{}.Topic(st.AlarmTopicArn), st.TagsFor(CapturedAlarmName), nil, pulumi.DependsOn([]pulumi.Resource{vendor}))
}

// ExportDefinition is the export workflow (functions/README.md, "The export workflow, step by
// step"): list the groups, list each group's devices (inline Map), merge the group manifests,
// then fetch every device's metrics in batches (Distributed Map) at the vendor budget. An input
// with "failed" (ResultWriter FAILED/PENDING files) skips the listing and fetches only those
// items again.
func ExportDefinition(cfg *Config, workers map[string]*worker.Worker, bucketName pulumi.StringInput) workflow.Definition {
	targets := map[string]policy.Function{}
	for k, w := range workers {
		targets[k] = w
	}
	return exportDefinition(cfg, targets, bucketName)
}

func exportDefinition(cfg *Config, w map[string]policy.Function, bucketName pulumi.StringInput) workflow.Definition {
	retry := []workflow.Retry{{
		// A function that ran past its own timeout (Lambda's Sandbox.Timedout) is retried like a
		// vendor that was slow: a retried batch skips what it stored.
		ErrorEquals: append(pipeline.RetryableErrorNames(), "Sandbox.Timedout"),
		Interval:    2 * time.Second,
		BackoffRate: 2,
		MaxAttempts: pulumi.IntRef(4),
		MaxDelay:    30 * time.Second,
		FullJitter:  true,
	}}
	task := func(name string, timeout time.Duration, params map[string]any, next string) *workflow.Task {
		t := &workflow.Task{
			Call:       workflow.Invoke{Worker: w[name], Integration: true},
			Parameters: params,
			AlsoRetry:  retry,
			Timeout:    timeout + TaskMargin,
			Next:       next,
		}
		t.End = next == ""
		return t
	}
	// Every vendor call goes through the vendor worker: {"op": ..., "input": ...}.
	vendor := func(op string, input map[string]any, next string) *workflow.Task {
		params := map[string]any{"op": op, "input.$": "$"}
		if input != nil {
			params = map[string]any{"op": op, "input": input}
		}
		return task(VendorName, cfg.VendorTimeout(), params, next)
	}
	return workflow.Definition{
		Comment: "Exports every device's metrics of a day from the vendor API within its budget (skein reference pipeline)",
		StartAt: "Route",
		States: workflow.States{
			"Route": &workflow.Choice{
				Comment: "A redrive input names the FAILED/PENDING result files of an earlier run",
				Choices: []workflow.Rule{{Condition: workflow.Cmp("$.failed", workflow.IsPresent, true), Next: "MergeFailures"}},
				Default: "ListGroups",
			},
			"ListGroups": vendor(pipeline.OpListGroups, nil, "ListDevices"),
			"ListDevices": &workflow.Map{
				Comment:   "A group that still fails after its retries fails the run: its devices would otherwise be missing from the manifest",
				ItemsPath: "$.groups",
				ItemSelector: map[string]any{
					"group.$": "$$.Map.Item.Value", "date.$": "$.date", "executionId.$": "$$.Execution.Id",
				},
				MaxConcurrency: cfg.ListConcurrency,
				ResultPath:     "$.groups",
				Processor: workflow.Definition{StartAt: "ListDevicesOfGroup", States: workflow.States{
					"ListDevicesOfGroup": vendor(pipeline.OpListDevices, nil, ""),
				}},
				Next: "MergeManifests",
			},
			"MergeManifests": task(MergeName, 2*time.Minute, map[string]any{
				"date.$": "$.date", "groups.$": "$.groups", "executionId.$": "$$.Execution.Id", "skipExisting.$": "$.skipExisting",
			}, "FetchAll"),
			"MergeFailures": task(MergeName, 2*time.Minute, nil, "FetchAll"),
			"FetchAll": &workflow.Map{
				Comment:        fmt.Sprintf("At most %d batches at once x %d calls each = the vendor's concurrency of %d; overlapping runs share the vendor worker's %d reserved invocations", cfg.MapConcurrency(), cfg.BatchConcurrency, cfg.VendorConcurrency, cfg.Reserved()),
				MaxConcurrency: cfg.MapConcurrency(),
				Distributed: &workflow.Distributed{
					Reader: &workflow.ItemReader{Source: workflow.JsonArray, Bucket: bucketName, KeyPath: "$.manifest.key", Prefix: layout.Manifests},
					Batcher: &workflow.ItemBatcher{MaxItemsPerBatch: cfg.BatchSize, BatchInput: map[string]any{
						"executionId.$":  "$$.Execution.Id",
						"skipExisting.$": "$.skipExisting",
						"redriveCount.$": "$$.Execution.RedriveCount",
					}},
					Writer:                     &workflow.ResultWriter{Bucket: bucketName, Prefix: layout.ResultsExport},
					ToleratedFailurePercentage: cfg.ToleratedFailurePercent,
					Label:                      "Fetch",
				},
				Processor: workflow.Definition{StartAt: "Fetch", States: workflow.States{
					"Fetch": vendor(pipeline.OpFetchMetrics, map[string]any{
						"Items.$": "$.Items", "BatchInput.$": "$.BatchInput", "RetryCount.$": "$$.State.RetryCount",
					}, ""),
				}},
				ResultPath: "$.fetch",
				Next:       "CheckFailures",
			},
			// Devices the vendor refuses are captured without failing their batch, so the Map's
			// tolerance does not see them: this step fails the run when more of them were
			// captured than the stage tolerates (a vendor refusing everything is not green).
			"CheckFailures": task(MergeName, 2*time.Minute, map[string]any{
				"date.$": "$.date", "executionId.$": "$$.Execution.Id",
				"check": map[string]any{
					"results.$": "$.fetch.ResultWriterDetails", "items.$": "$.count", "stored.$": "$.stored", "tolerancePercent": cfg.ToleratedFailurePercent,
				},
			}, ""),
		},
	}
}

// Export registers the stack outputs other stacks read through a stack reference.
func (p *Pipeline) Export(ctx *pulumi.Context) {
	ctx.Export("bucketName", p.Bucket.Name)
	ctx.Export("bucketArn", p.Bucket.Arn)
	ctx.Export("stateMachineArn", p.Workflow.Arn)
	ctx.Export("stateMachineConsoleUrl", p.Workflow.ConsoleUrl)
	ctx.Export("scheduleArn", p.Schedule.Arn)
	ctx.Export("queueArn", p.Queue.Arn)
	ctx.Export("queueUrl", p.Queue.Url)
	ctx.Export("deadLetterQueueUrl", p.Queue.DeadLetterUrl)
	ctx.Export("redriveCommand", p.Queue.RedriveCommand)
	ctx.Export("refetchQueueUrl", p.Refetch.Url)
	ctx.Export("vendorTokenParameter", p.Token.Name)
	fns := pulumi.StringMap{}
	for name, w := range p.Workers {
		fns[name] = w.Arn
	}
	ctx.Export("functionArns", fns)
	ctx.Export("dashboardUrl", p.Dashboard.ConsoleUrl)
}
