package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/components/schedule/cron"
	"github.com/skeinhq/skein/components/sfnlocal"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pace"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/pipeline/layout"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
	"github.com/skeinhq/skein/infra/stack"
)

// Options configure a local run. The zero value of each field is the default its comment names.
type Options struct {
	// Root is the module root holding Pulumi.<stage>.yaml; zero means the module above ".".
	Root string
	// Stack is the stage whose program runs; zero means "dev".
	Stack string
	// Config overrides keys of Pulumi.<stage>.yaml for this run ("pipeline:batchSize": "10");
	// zero means the file as it is.
	Config map[string]string
	// Date is the run date (yyyy-mm-dd); zero means what the schedule would export today:
	// yesterday in the stage's time zone.
	Date string
	// Groups and DevicesPerGroup size the fake vendor; zero means 20 and 50.
	Groups, DevicesPerGroup int
	// Latency of every vendor call; zero means 20 ms.
	Latency time.Duration
	// FailFraction of devices whose metrics call always fails: zero means 0.01; negative means
	// none.
	FailFraction float64
	// FailStatus is those devices' HTTP status: zero means 404 (permanent: captured under
	// failed/); a 5xx is transient: retried, then the batch lands in the FAILED files.
	FailStatus int
	// Storms are windows during which the vendor answers every call with 429.
	Storms []vendortest.Window
	// RetryAfter is the vendor's Retry-After on 429; zero means 1 s.
	RetryAfter time.Duration
	// DuplicateFraction of the transform queue's messages SQS delivers twice (at-least-once);
	// zero means none.
	DuplicateFraction float64
	// PoisonFraction of devices whose raw record the transform can never use (the real
	// transform reads its metrics as PoisonBody, a string, captures the record as failed in the
	// processed part with its error and payload, and logs it under the item's correlation id;
	// the rest of the part is transformed); zero means none.
	PoisonFraction float64
	// TimeScale multiplies the workflow's Retry waits (sfnlocal.Options.TimeScale); zero means
	// 0.05 with one run, so a 2 s backoff waits 100 ms, and 0.25 with more. Vendor latency,
	// Retry-After and rate are real: overlapping runs take real time to share the vendor, and
	// a state throttled at the vendor worker's reserved concurrency retries within its Retry's
	// window (24 attempts of up to 10 s in the dev stage, about 2 minutes on average), which
	// 0.05 would shrink to about 5 s, less than three runs at a binding rate hold the worker.
	TimeScale float64
	// Seed varies the failing devices; zero is a valid seed.
	Seed uint64
	// Progress receives a live one-line display; nil means none.
	Progress io.Writer
	// Log receives the handlers' JSON log lines; nil means none.
	Log io.Writer
	// KeepObjects keeps every raw/ and processed/ part of the run in the Report (tests compare
	// re-runs byte for byte); zero means keys only.
	KeepObjects bool
	// Runs is how many executions of the day Run starts at once (a Scheduler retry, an
	// operator's start, a re-run overlapping the day's run); zero means 1.
	Runs int
	// Refetch is how many of the day's devices Run also sends to the refetch queue while the
	// executions run (fetch-metrics Requests of up to RefetchBatch devices per message), for
	// the vendor worker to consume at the subscription's concurrency; zero means none.
	Refetch int
}

// RefetchBatch is the most devices one refetch message asks for.
const RefetchBatch = 10

// MinProcs is the fewest Go schedulers (GOMAXPROCS) a local run should have; see [Procs].
const MinProcs = 4

// Procs is the GOMAXPROCS for a process that runs the pipeline locally: what the environment
// sets, else at least MinProcs. A local run is a dozen services in one process (the vendor,
// S3, the engine, ten workers, the queue) that in AWS each have their own CPU. With one
// scheduler per core on a small machine, a goroutine whose socket is ready waits until a
// scheduler runs out of work before the poller sees it, and every vendor call pays that
// wait twice (1.5 to 1.8 ms per 20 ms call on 2 cores, measured); with a few more schedulers
// than cores the kernel interleaves them finely and the wait is about a third of that.
func Procs() int {
	if n, err := strconv.Atoi(os.Getenv("GOMAXPROCS")); err == nil && n > 0 {
		return n
	}
	return max(runtime.GOMAXPROCS(0), MinProcs)
}

// Summary is the last line of make local (ARCHITECTURE.md). Items are the day's devices, the
// same for every run; the peaks are the vendor's over all the runs (and the refetch consumer)
// together.
type Summary struct {
	Items           int   `json:"items"`
	Succeeded       int   `json:"succeeded"`
	Failed          int   `json:"failed"`
	Lost            int   `json:"lost"`
	PeakConcurrency int64 `json:"peakConcurrency"`
	MaxConcurrency  int   `json:"maxConcurrency"`
	// WallSeconds is from the runs' start until every device is accounted for;
	// IdealSeconds the larger of calls x latency / MaxConcurrency and calls / rate, over
	// every vendor call of the runs.
	WallSeconds  float64 `json:"wallSeconds"`
	IdealSeconds float64 `json:"idealSeconds"`
	// Runs is how many executions ran at once.
	Runs int `json:"runs"`
	// PeakRate is the most vendor calls started in any window of the rate's period (one
	// second unless the stage's rate says per minute); RateLimit the vendor's rate in calls
	// per that period, 0 when it has none.
	PeakRate  int64 `json:"peakRate"`
	RateLimit int   `json:"rateLimit"`
}

// OverBudget reports whether the vendor saw more calls at once than its concurrency or more
// calls in a window than its rate.
func (s Summary) OverBudget() bool {
	return s.PeakConcurrency > int64(s.MaxConcurrency) || (s.RateLimit > 0 && s.PeakRate > int64(s.RateLimit))
}

// Report is everything a run found, for tests and the command's detail lines.
type Report struct {
	Summary Summary
	Date    string
	// Bucket is the data bucket's (plan) name.
	Bucket string
	// Captured maps each failed device to where it was captured and its error.
	Captured map[string]Capture
	// Lost lists the devices neither processed nor captured.
	Lost []string
	// Processed maps the day's processed/ parts to their bytes (nil bytes without
	// Options.KeepObjects).
	Processed map[string][]byte
	// Raw maps the day's raw/ parts to their bytes (nil bytes without Options.KeepObjects).
	Raw map[string][]byte
	// Records counts the day's records by kind: "raw" and "processed" lines, "ok" raw records,
	// "failed" raw records, "transformFailed" processed records that failed at the transform.
	Records map[string]int
	// DuplicateOK lists the devices with more than one ok record among the day's raw parts
	// (pipeline.RawRecord says when that may happen: a refetch, or a plain re-run after a
	// skipExisting one).
	DuplicateOK []string
	// S3 counts the handlers' S3 requests during the run (the engine's own ItemReader and
	// ResultWriter requests aside).
	S3 S3Stats
	// Vendor is the fake vendor's statistics.
	Vendor vendortest.Stats
	// Transform is the queue simulation's statistics.
	Transform QueueStats
	// Executions are the export executions' ARNs, in the order of their inputs.
	Executions []string
	// ExecutionError is the export executions' errors (joined), if any failed.
	ExecutionError error
	// Functions are the local Lambda functions' statistics, by logical name (invocations,
	// throttles at their reserved concurrency).
	Functions map[string]FunctionStats
	// Refetch is the refetch queue's statistics (Options.Refetch).
	Refetch QueueStats
	// RatePer is the vendor's rate period (PeakRate's window).
	RatePer time.Duration
	// Phases are the seconds from the run's start at which each top-level state of the export
	// was entered, by state name (where the time goes).
	Phases map[string]float64
	// ExportSeconds is the export execution's wall time; TransformSeconds the time until the
	// transform path (running alongside) has drained its queue, from the same start.
	ExportSeconds, TransformSeconds float64
	// Budget is the vendor's concurrency; MapConcurrency and BatchConcurrency how a run
	// shares it.
	Budget, MapConcurrency, BatchConcurrency int
}

// Capture says where a failed item is kept for an operator.
type Capture struct {
	// Where is "failed" (a failed record in a part under failed/, for a device that failed
	// permanently at the fetch), "transform" (a failed record in a processed part: its raw
	// record could not be used), "results" (a ResultWriter FAILED/PENDING file) or "dlq" (the
	// transform's dead-letter queue, for every device of a raw part that could not be read).
	Where string `json:"where"`
	// Location is the part's or the result file's key, or the dead-letter message id.
	Location string `json:"location"`
	// Error is the error name; Cause its message.
	Error string `json:"error"`
	Cause string `json:"cause,omitempty"`
}

// Environment is a running local environment: the plan of the stage, the fake vendor, the
// local S3 server and the engine running the stage's own export definition against the real
// handlers. Run it once or more (a re-run, a redrive) and Close it.
type Environment struct {
	opts      Options
	Plan      *plan.Plan
	Config    *stack.Config
	Vendor    *vendortest.Server
	S3        *s3local.Server
	Engine    *sfnlocal.Engine
	Bucket    string
	Functions map[string]map[string]string // logical worker name -> environment variables
	fns       map[string]*function         // logical worker name -> the local function
	planned   map[string]*plan.Resource    // logical worker name -> its planned function
	physical  map[string]string            // logical worker name -> the function's name in the plan
	raw       *notifier
	s3        *s3Counter
	refetch   *QueueConfig // nil when the plan has no refetch queue
	// redrive, while set, makes run redrive these executions instead of starting new ones.
	redrive []string

	phaseMu    sync.Mutex
	phases     map[string]float64
	phaseStart time.Time
	queueCfg   QueueConfig
	log        *slog.Logger
	logw       io.Writer
	timeZone   string
}

// Poisoned says whether device is one whose raw record Options.PoisonFraction makes the
// transform fail on every delivery.
func (e *Environment) Poisoned(device string) bool {
	return pick("poison", e.opts.Seed, device, e.opts.PoisonFraction)
}

// lockedWriter writes one line at a time from the loggers and the metric emitters.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Start plans the stage offline and starts everything a run needs on this machine.
func Start(opts Options) (*Environment, error) {
	if opts.Stack == "" {
		opts.Stack = "dev"
	}
	if opts.Root == "" {
		r, err := worker.ModuleRoot()
		if err != nil {
			return nil, err
		}
		opts.Root = r
	}
	if opts.TimeScale == 0 {
		opts.TimeScale = 0.05
		if opts.Runs > 1 {
			opts.TimeScale = 0.25
		}
	}
	switch {
	case opts.FailFraction == 0:
		opts.FailFraction = 0.01
	case opts.FailFraction < 0:
		opts.FailFraction = 0
	}
	off, err := stack.Offline(opts.Root, opts.Stack, opts.Config)
	if err != nil {
		return nil, err
	}
	e := &Environment{opts: opts, Plan: off.Plan, Config: off.Config, Functions: map[string]map[string]string{}, physical: map[string]string{},
		fns: map[string]*function{}, planned: map[string]*plan.Resource{}, timeZone: off.Stage.TimeZone}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	// As in Lambda: the handlers' lines (with their correlation ids, logx) and their EMF metric
	// lines share one stream.
	e.logw = &lockedWriter{w: logw}
	e.log = slog.New(logx.Wrap(slog.NewJSONHandler(e.logw, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if opts.Log == nil {
		// Nobody reads the lines: do not spend the handlers' CPU encoding them (a run is a dozen
		// services on a few cores, and every vendor call would pay for it).
		e.log = slog.New(slog.DiscardHandler)
	}

	sm := e.Plan.Find("aws:sfn/stateMachine:StateMachine", stack.WorkflowName)
	if sm == nil {
		return nil, errors.New("local: the plan has no export state machine")
	}
	def, err := sfnlocal.Parse([]byte(sm.String("definition")))
	if err != nil {
		return nil, fmt.Errorf("local: the planned export definition: %w", err)
	}
	for _, fn := range e.Plan.OfType("aws:lambda/function:Function") {
		env := map[string]string{}
		if vars, ok := fn.Get("environment.variables").(map[string]any); ok {
			for k, v := range vars {
				env[k] = fmt.Sprint(v)
			}
		}
		e.Functions[fn.Name] = env
		e.planned[fn.Name] = fn
		e.physical[fn.Name] = fn.String("name")
		if e.physical[fn.Name] == "" {
			e.physical[fn.Name], _ = fn.Outputs["name"].(string)
		}
	}
	e.Bucket = e.Functions[vendorName][layout.EnvDataBucket]
	if e.Bucket == "" {
		return nil, fmt.Errorf("local: the plan has no %s worker with a %s", vendorName, layout.EnvDataBucket)
	}
	qc, ok, err := queueConfig(e.Plan, stack.QueueName)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("local: the plan has no %s queue with its subscription", stack.QueueName)
	}
	e.queueCfg = qc
	if qc, ok, err := queueConfig(e.Plan, refetchName); err != nil {
		return nil, err
	} else if ok {
		e.refetch = &qc
	}

	conc, rate, per := vendorLimits(e.Config)
	e.Vendor, err = vendortest.Start(vendortest.Options{
		Groups: opts.Groups, DevicesPerGroup: opts.DevicesPerGroup, Latency: opts.Latency,
		ConcurrencyLimit: conc, RateLimit: rate, RateWindow: per, FailFraction: opts.FailFraction, FailStatus: cmpOr(opts.FailStatus, 404),
		Storms: opts.Storms, RetryAfter: opts.RetryAfter, Seed: opts.Seed, Token: "local-token",
	})
	if err != nil {
		return nil, err
	}
	e.S3, err = s3local.Start(e.Bucket)
	if err != nil {
		_ = e.Vendor.Close()
		return nil, err
	}
	fns, err := e.handlers()
	if err != nil {
		e.Close()
		return nil, err
	}
	e.Engine, err = sfnlocal.New(def, &sfnlocal.Options{
		Functions: fns, Store: &s3local.Store{Client: e.S3.Client()}, TimeScale: opts.TimeScale, OnEvent: e.onEvent,
		Progress: opts.Progress, Name: sm.String("name"), Region: off.Stage.Region, Account: plan.DefaultAccount,
	})
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// onEvent records when each top-level state of the parent execution is entered.
func (e *Environment) onEvent(ev sfnlocal.Event) {
	if !strings.HasSuffix(ev.Type, "StateEntered") || strings.Contains(ev.ExecutionArn, "/") {
		return
	}
	name, _ := ev.Details["name"].(string)
	e.phaseMu.Lock()
	defer e.phaseMu.Unlock()
	if e.phases != nil {
		if _, seen := e.phases[name]; !seen {
			e.phases[name] = round3(ev.Timestamp.Sub(e.phaseStart).Seconds())
		}
	}
}

// handlers builds the real handlers with the settings the plan gives each function, each
// behind its planned reserved concurrency.
func (e *Environment) handlers() (*sfnlocal.Functions, error) {
	e.s3 = &s3Counter{Client: e.S3.Client()}
	st := e.s3
	vendorEnv := e.Functions[vendorName]
	envInt := func(fn, key string) int {
		n, _ := strconv.Atoi(e.Functions[fn][key])
		return n
	}
	budget, err := pace.FromEnv(func(k string) (string, bool) { v, ok := vendorEnv[k]; return v, ok })
	if err != nil {
		return nil, fmt.Errorf("local: the %s worker's budget: %w", vendorName, err)
	}
	client, err := vendorapi.New(vendorapi.Config{BaseURL: e.Vendor.URL, Token: "local-token",
		MaxAttempts: envInt(vendorName, layout.EnvVendorMaxAttempts), PageSize: envInt(vendorName, layout.EnvVendorPageSize)})
	if err != nil {
		return nil, err
	}
	logFor := func(name string) *slog.Logger { return e.log.With("function", name) }
	// The metrics each worker's main emits, with its planned environment (the namespace).
	emitter := func(name, function string) (*metrics.Emitter, error) {
		em, err := metrics.FromEnv(func(k string) (string, bool) { v, ok := e.Functions[name][k]; return v, ok }, metrics.Dim(pipeline.DimFunction, function))
		if err != nil {
			return nil, fmt.Errorf("local: the %s worker's metrics: %w", name, err)
		}
		em.W = e.logw
		return em, nil
	}
	vendorMetrics, err := emitter(vendorName, pipeline.FunctionVendor)
	if err != nil {
		return nil, err
	}
	transformMetrics, err := emitter(stack.TransformName, pipeline.FunctionTransform)
	if err != nil {
		return nil, err
	}
	e.raw = &notifier{s3Counter: st, bucket: e.Bucket}
	vendor := &pipeline.Vendor{
		ListGroups:  &pipeline.ListGroups{Vendor: client, Log: logFor(vendorName)},
		ListDevices: &pipeline.ListDevices{Vendor: client, Store: st, Bucket: e.Bucket, Log: logFor(vendorName)},
		Fetch: &pipeline.FetchMetrics{Vendor: client, Store: e.raw, Bucket: e.Bucket, Concurrency: envInt(vendorName, layout.EnvBatchConcurrency),
			FailedPrefix: vendorEnv[layout.EnvFailedPrefix], Log: logFor(vendorName)},
		Budget:  budget,
		Log:     logFor(vendorName),
		Metrics: vendorMetrics,
	}
	if err := vendor.Validate(); err != nil {
		return nil, err
	}
	transform := &pipeline.Transform{Store: &poisonStore{s3Counter: st, poisoned: e.Poisoned}, Bucket: e.Functions[stack.TransformName][layout.EnvDataBucket],
		Concurrency: envInt(stack.TransformName, layout.EnvTransformConcurrency), Log: logFor(stack.TransformName), Metrics: transformMetrics}
	fns := &sfnlocal.Functions{}
	for name, h := range map[string]any{
		vendorName:          vendor.Handle,
		stack.MergeName:     (&pipeline.MergeManifests{Store: st, Bucket: e.Bucket, Log: logFor(stack.MergeName)}).Handle,
		stack.TransformName: transform.Handle,
	} {
		physical := e.physical[name]
		if physical == "" {
			return nil, fmt.Errorf("local: the plan has no function %s", name)
		}
		inv, err := invoker(h)
		if err != nil {
			return nil, err
		}
		f := &function{name: name, inner: inv, reserved: reservedConcurrency(e.planned[name]), timeout: functionTimeout(e.planned[name])}
		e.fns[name] = f
		fns.Register(physical, f)
	}
	return fns, nil
}

// notifier is the S3 client the fetch worker writes with: every successful PUT of a raw part
// sends the object's "Object Created" event to the transform queue, as the bucket's EventBridge
// notifications and rule (prefix raw/, suffix .jsonl) do in AWS.
type notifier struct {
	*s3Counter
	mu     sync.Mutex
	sink   func(bucket, key string)
	bucket string
}

func (n *notifier) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	out, err := n.s3Counter.PutObject(ctx, in, opts...)
	if err == nil && strings.HasPrefix(aws.ToString(in.Key), layout.Raw) && strings.HasSuffix(aws.ToString(in.Key), layout.PartSuffix) {
		n.mu.Lock()
		sink := n.sink
		n.mu.Unlock()
		if sink != nil {
			sink(aws.ToString(in.Bucket), aws.ToString(in.Key))
		}
	}
	return out, err
}

func (n *notifier) setSink(f func(bucket, key string)) {
	n.mu.Lock()
	n.sink = f
	n.mu.Unlock()
}

// Close stops the servers.
func (e *Environment) Close() {
	if e.S3 != nil {
		_ = e.S3.Close()
	}
	if e.Vendor != nil {
		_ = e.Vendor.Close()
	}
}

// RunDate is the date a run exports: Options.Date, or yesterday in the stage's time zone.
func (e *Environment) RunDate() string {
	if e.opts.Date != "" {
		return e.opts.Date
	}
	loc, err := cron.LoadLocation(e.timeZone)
	if err != nil {
		loc = time.UTC
	}
	return time.Now().In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
}

// Run executes the export for the run date (Options.Runs executions at once, and the refetch
// consumer beside them with Options.Refetch) while every new raw part's S3 event flows
// through the simulated queue to the transform handler, then accounts for every device.
func (e *Environment) Run(ctx context.Context) (*Report, error) {
	date := e.RunDate()
	input, _ := json.Marshal(map[string]string{"date": date})
	// Results of earlier runs are not this run's: start from a clean results/ (a redrive keeps
	// them: they are its input).
	if err := e.deletePrefix(ctx, layout.ResultsExport+"/"); err != nil {
		return nil, err
	}
	inputs := make([][]byte, max(e.opts.Runs, 1))
	for i := range inputs {
		inputs[i] = input
	}
	return e.run(ctx, date, inputs, e.refetchBodies(date, e.opts.Refetch))
}

// Rerun runs the day of an earlier report again with skipExisting: only the devices without an
// ok record in the day's raw parts (those captured under failed/, or in FAILED and PENDING
// files) are fetched again.
func (e *Environment) Rerun(ctx context.Context, earlier *Report) (*Report, error) {
	input, _ := json.Marshal(map[string]any{"date": earlier.Date, "skipExisting": true})
	return e.run(ctx, earlier.Date, [][]byte{input}, nil)
}

// Redrive runs the export again over the FAILED and PENDING result files of an earlier report:
// only the failed items are fetched again.
func (e *Environment) Redrive(ctx context.Context, earlier *Report) (*Report, error) {
	input, err := e.RedriveInput(earlier)
	if err != nil {
		return nil, err
	}
	return e.run(ctx, earlier.Date, [][]byte{input}, nil)
}

// RedriveExecution redrives the earlier report's failed executions as AWS's RedriveExecution
// does (sfnlocal's Engine.Redrive): the same executions, from the states that did not succeed;
// a Distributed Map reruns only its unsuccessful child executions, and fetch-metrics skips what
// those stored before failing ($$.Execution.RedriveCount). It accounts for every device again.
func (e *Environment) RedriveExecution(ctx context.Context, earlier *Report) (*Report, error) {
	if len(earlier.Executions) == 0 {
		return nil, errors.New("local: the earlier report ran no execution")
	}
	e.redrive = earlier.Executions
	defer func() { e.redrive = nil }()
	inputs := make([][]byte, len(earlier.Executions))
	return e.run(ctx, earlier.Date, inputs, nil)
}

// RedriveInput is the workflow input that redrives an earlier report's FAILED and PENDING
// result files.
func (e *Environment) RedriveInput(earlier *Report) ([]byte, error) {
	files, err := e.resultFiles()
	if err != nil {
		return nil, err
	}
	var failed []pipeline.ObjectRef
	for _, f := range files {
		failed = append(failed, pipeline.ObjectRef{Bucket: e.Bucket, Key: f})
	}
	if len(failed) == 0 {
		return nil, errors.New("local: nothing to redrive")
	}
	return json.Marshal(map[string]any{"date": earlier.Date, "failed": failed})
}

// RunInputs runs the given workflow inputs at once (a day's run beside its redrive, say), with
// n refetch devices on the refetch queue beside them, and accounts for every device of date.
func (e *Environment) RunInputs(ctx context.Context, date string, inputs [][]byte, refetch int) (*Report, error) {
	return e.run(ctx, date, inputs, e.refetchBodies(date, refetch))
}

// refetchBodies are the refetch queue's messages for n of the day's devices, spread evenly
// over them: fetch-metrics Requests of up to RefetchBatch devices.
func (e *Environment) refetchBodies(date string, n int) []string {
	all := e.Vendor.Devices()
	n = min(n, len(all))
	if n <= 0 {
		return nil
	}
	var bodies []string
	var items []pipeline.Item
	flush := func() {
		if len(items) == 0 {
			return
		}
		in, _ := json.Marshal(pipeline.FetchInput{Items: items, BatchInput: pipeline.BatchInput{ExecutionID: "refetch"}})
		b, _ := json.Marshal(pipeline.Request{Op: pipeline.OpFetchMetrics, Input: in})
		bodies = append(bodies, string(b))
		items = nil
	}
	for i := range n {
		d := all[i*len(all)/n]
		items = append(items, pipeline.Item{Date: date, Group: d[:strings.Index(d, "-")], Device: d})
		if len(items) == RefetchBatch {
			flush()
		}
	}
	flush()
	return bodies
}

func (e *Environment) run(ctx context.Context, date string, inputs [][]byte, refetch []string) (*Report, error) {
	start := time.Now()
	before := e.Vendor.Stats()
	s3Before := e.s3.stats()
	conc, rateLimit, per := vendorLimits(e.Config)
	rep := &Report{Date: date, Bucket: e.Bucket, Captured: map[string]Capture{}, Budget: conc,
		MapConcurrency: e.Config.MapConcurrency(), BatchConcurrency: e.Config.BatchConcurrency, RatePer: e.Vendor.Options().RateWindow}
	// The transform path runs while the export writes, as S3 events flow in AWS.
	qs := newQueueSim(e.queueCfg, e.fns[stack.TransformName], e.opts.TimeScale, e.opts.DuplicateFraction, e.opts.Seed)
	qs.start(ctx)
	e.raw.setSink(qs.send)
	var rq *queueSim
	if len(refetch) > 0 {
		if e.refetch == nil {
			return nil, fmt.Errorf("local: the plan has no %s queue with its subscription", refetchName)
		}
		rq = newQueueSim(*e.refetch, e.fns[vendorName], e.opts.TimeScale, 0, e.opts.Seed)
		rq.start(ctx)
		for i, b := range refetch {
			rq.sendBody(fmt.Sprintf("refetch-%d", i), b)
		}
	}
	e.phaseMu.Lock()
	e.phases, e.phaseStart = map[string]float64{}, start
	e.phaseMu.Unlock()
	errs := make([]error, len(inputs))
	rep.Executions = make([]string, len(inputs))
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Go(func() {
			if e.redrive != nil {
				_, errs[i] = e.Engine.Redrive(ctx, e.redrive[i])
				rep.Executions[i] = e.redrive[i]
				return
			}
			name := fmt.Sprintf("local-%s-%d-%d", date, start.UnixNano(), i)
			_, rep.Executions[i], errs[i] = e.Engine.ExecuteNamed(ctx, name, in)
		})
	}
	wg.Wait()
	rep.ExecutionError = errors.Join(errs...)
	e.phaseMu.Lock()
	rep.Phases, e.phases = e.phases, nil
	e.phaseMu.Unlock()
	rep.ExportSeconds = round3(time.Since(start).Seconds())
	if rq != nil {
		rq.drain() // a dead-lettered refetch message is counted in rep.Refetch.DeadLettered
		rep.Refetch = rq.stats
	}
	e.raw.setSink(nil)
	// S3 emits an event for every PUT, including those of batches still finishing when a
	// failed Map run returned: send the events of raw parts written since the run started
	// that the queue has not seen (the local server's times have a precision of a millisecond).
	rawKeys, err := e.listSince(layout.DatePrefix(layout.Raw, date), start.Truncate(time.Millisecond))
	if err != nil {
		return nil, err
	}
	for _, k := range rawKeys {
		qs.sendOnce(e.Bucket, k)
	}
	dlq := qs.drain()
	rep.TransformSeconds = round3(time.Since(start).Seconds())
	rep.Transform = qs.stats
	rep.Functions = map[string]FunctionStats{}
	for name, f := range e.fns {
		rep.Functions[name] = f.stats()
	}
	rep.S3 = e.s3.stats().minus(s3Before)

	succeeded, err := e.account(date, rep, dlq)
	if err != nil {
		return nil, err
	}
	rep.Vendor = e.Vendor.Stats()

	all := e.Vendor.Devices()
	s := &rep.Summary
	s.Items = len(all)
	for _, d := range all {
		switch {
		case succeeded[d]:
			s.Succeeded++
			delete(rep.Captured, d) // captured by an earlier attempt, then processed
		case rep.Captured[d] != Capture{}:
			s.Failed++
		default:
			s.Lost++
			rep.Lost = append(rep.Lost, d)
		}
	}
	// A refetch message neither processed nor dead-lettered is lost work too.
	if rq != nil {
		s.Lost += rep.Refetch.Messages - rep.Refetch.Deleted - rep.Refetch.DeadLettered
	}
	s.Runs = len(inputs)
	s.PeakConcurrency = rep.Vendor.PeakInFlight
	s.MaxConcurrency = conc
	s.PeakRate = rep.Vendor.PeakRate
	s.RateLimit = rateLimit
	s.WallSeconds = round3(time.Since(start).Seconds())
	s.IdealSeconds = round3(Ideal(rep.Vendor.Total-before.Total, e.Vendor.Options().Latency, conc, rateLimit, per).Seconds())
	return rep, nil
}

// Ideal is the shortest time the vendor's budget allows for calls: the larger of calls x
// latency / concurrency and calls / rate (rate calls per per; none when 0).
func Ideal(calls int64, latency time.Duration, concurrency, rate int, per time.Duration) time.Duration {
	ideal := time.Duration(float64(calls) * float64(latency) / float64(max(concurrency, 1)))
	if rate > 0 && per > 0 {
		ideal = max(ideal, time.Duration(float64(calls)*float64(per)/float64(rate)))
	}
	return ideal
}

// account reads the day's parts and the run's failures: the devices with an ok processed
// record (succeeded), and rep's Raw, Processed, Records, DuplicateOK and Captured.
func (e *Environment) account(date string, rep *Report, dlq []*message) (map[string]bool, error) {
	rep.Records = map[string]int{}
	rawOK := map[string]int{}
	rawDevices := map[string][]string{} // raw part -> its devices
	var err error
	rep.Raw, err = parts(e, layout.DatePrefix(layout.Raw, date), func(key string, r record) {
		rep.Records["raw"]++
		rawDevices[key] = append(rawDevices[key], r.Device)
		if r.Status == pipeline.StatusOK {
			rep.Records["ok"]++
			rawOK[r.Device]++
		} else {
			rep.Records["failed"]++
		}
	})
	if err != nil {
		return nil, err
	}
	for d, n := range rawOK {
		if n > 1 {
			rep.DuplicateOK = append(rep.DuplicateOK, d)
		}
	}
	sort.Strings(rep.DuplicateOK)
	if err := e.captureResults(rep, rawOK); err != nil {
		return nil, err
	}
	// Devices refused at the fetch: their failed records, in the failed parts.
	if prefix := e.Functions[vendorName][layout.EnvFailedPrefix]; prefix != "" {
		if _, err := parts(e, layout.DatePrefix(prefix, date), func(key string, r record) {
			rep.Captured[r.Device] = Capture{Where: "failed", Location: key, Error: r.Error, Cause: r.Message}
		}); err != nil {
			return nil, err
		}
	}
	// Every device of a raw part the transform could not read at all.
	for _, m := range dlq {
		for _, d := range rawDevices[m.key] {
			if _, taken := rep.Captured[d]; !taken {
				rep.Captured[d] = Capture{Where: "dlq", Location: m.id, Error: m.err}
			}
		}
	}
	succeeded := map[string]bool{}
	rep.Processed, err = parts(e, layout.DatePrefix(layout.Processed, date), func(key string, r record) {
		rep.Records["processed"]++
		switch {
		case r.Status == pipeline.StatusOK:
			succeeded[r.Device] = true
		case r.Payload != "" || r.Error == pipeline.ErrNameInput:
			rep.Records["transformFailed"]++
			if _, taken := rep.Captured[r.Device]; !taken && r.Device != "" {
				rep.Captured[r.Device] = Capture{Where: "transform", Location: key, Error: r.Error, Cause: r.Message}
			}
		}
	})
	return succeeded, err
}

// record is what the checks read of a part's line (pipeline.RawRecord, pipeline.ProcessedRecord):
// decoding only these fields keeps the harness's reading of a run's parts cheap.
type record struct {
	Device  string `json:"device"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	Message string `json:"message"`
	Payload string `json:"payload"`
}

// parts reads the parts under prefix, calling fn with each record (a line that does not decode
// is an error: the pipeline writes only records); it returns the parts' keys with their bytes
// (nil bytes without Options.KeepObjects).
func parts(e *Environment, prefix string, fn func(key string, r record)) (map[string][]byte, error) {
	keys, err := e.list(prefix)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(keys))
	for _, k := range keys {
		b, err := e.get(k)
		if err != nil {
			return nil, err
		}
		for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var r record
			if err := json.Unmarshal(l, &r); err != nil {
				return nil, fmt.Errorf("local: %s: a line is not a record: %w", k, err)
			}
			fn(k, r)
		}
		if e.opts.KeepObjects {
			out[k] = b
		} else {
			out[k] = nil
		}
	}
	return out, nil
}

// captureResults reads the ResultWriter's FAILED and PENDING files: every record's Input is the
// batch, its Cause names each failed item with its error. Items stored ok are not captured.
func (e *Environment) captureResults(rep *Report, stored map[string]int) error {
	files, err := e.resultFiles()
	if err != nil {
		return err
	}
	for _, key := range files {
		b, err := e.get(key)
		if err != nil {
			return err
		}
		var recs []struct{ Input, Error, Cause string }
		if err := json.Unmarshal(b, &recs); err != nil {
			return fmt.Errorf("local: %s: %w", key, err)
		}
		for _, r := range recs {
			var in pipeline.FetchInput
			if err := json.Unmarshal([]byte(r.Input), &in); err != nil {
				return fmt.Errorf("local: %s: a record's Input is not a batch: %w", key, err)
			}
			for _, it := range in.Items {
				if stored[it.Device] > 0 {
					continue // the batch failed, but this item of it was stored
				}
				rep.Captured[it.Device] = Capture{Where: "results", Location: key, Error: r.Error, Cause: causeOf(r.Cause, it.Device)}
			}
		}
	}
	return nil
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// resultFiles lists the FAILED and PENDING files the ResultWriter wrote under results/export/.
func (e *Environment) resultFiles() ([]string, error) {
	objs, err := e.list(layout.ResultsExport + "/")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range objs {
		base := k[strings.LastIndex(k, "/")+1:]
		if strings.HasPrefix(base, "FAILED_") || strings.HasPrefix(base, "PENDING_") {
			out = append(out, k)
		}
	}
	return out, nil
}

// causeOf returns the part of a batch's cause about one device (the whole cause when it is
// not the handler's per-item list).
func causeOf(cause, device string) string {
	var lambdaErr struct{ ErrorMessage string }
	if json.Unmarshal([]byte(cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		cause = lambdaErr.ErrorMessage // the lambda:invoke integration's cause is the error JSON
	}
	i := strings.Index(cause, "[")
	if i < 0 {
		return cause
	}
	var items []struct {
		Item    struct{ Device string } `json:"item"`
		Error   string                  `json:"error"`
		Message string                  `json:"message"`
	}
	if json.Unmarshal([]byte(cause[i:]), &items) != nil {
		return cause
	}
	for _, it := range items {
		if it.Item.Device == device {
			return it.Error + ": " + it.Message
		}
	}
	return cause
}

func (e *Environment) list(prefix string) ([]string, error) {
	return e.listSince(prefix, time.Time{})
}

// listSince lists the keys under prefix last modified at or after since, sorted. It reads the
// local server's store directly: checking what a run wrote is the harness's work, not the
// pipeline's, and must not load the machine the pipeline's own S3 calls run on.
func (e *Environment) listSince(prefix string, since time.Time) ([]string, error) {
	objs, err := e.S3.List(e.Bucket, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		if !o.LastModified.Before(since) {
			keys = append(keys, o.Key)
		}
	}
	return keys, nil
}

func (e *Environment) get(key string) ([]byte, error) {
	return e.S3.Get(e.Bucket, key)
}

func (e *Environment) deletePrefix(ctx context.Context, prefix string) error {
	keys, err := e.list(prefix)
	if err != nil {
		return err
	}
	c := e.S3.Client()
	for _, k := range keys {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(e.Bucket), Key: aws.String(k)}); err != nil {
			return err
		}
	}
	return nil
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// objectCreated is the EventBridge event S3 sends for a new object (what the transform reads
// from each SQS message body).
func objectCreated(bucketName, key string, size int, seq int) ([]byte, error) {
	ev := events.EventBridgeEvent{
		Version: "0", ID: fmt.Sprintf("local-%08d", seq), DetailType: "Object Created", Source: "aws.s3",
		AccountID: plan.DefaultAccount, Time: time.Now().UTC(), Region: "local",
		Resources: []string{"arn:aws:s3:::" + bucketName},
	}
	detail := map[string]any{
		"version": "0", "bucket": map[string]string{"name": bucketName},
		"object": map[string]any{"key": key, "size": size, "sequencer": fmt.Sprintf("%016X", seq)},
		"reason": "PutObject",
	}
	var err error
	if ev.Detail, err = json.Marshal(detail); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err = enc.Encode(ev)
	return bytes.TrimSpace(buf.Bytes()), err
}
