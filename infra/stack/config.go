package stack

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/schedule/cron"
	"github.com/skeinhq/skein/components/stage"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// Namespace is the Pulumi config namespace of the reference pipeline's settings.
const Namespace = "pipeline"

// Config keys, without the namespace.
const (
	KeyVendorURL               = "vendorUrl"
	KeyVendorToken             = "vendorToken"
	KeyVendorConcurrency       = "vendorConcurrency"
	KeyVendorRate              = "vendorRate"
	KeyBatchSize               = "batchSize"
	KeyBatchConcurrency        = "batchConcurrency"
	KeyListConcurrency         = "listConcurrency"
	KeyToleratedFailurePercent = "toleratedFailurePercent"
	KeyTransformConcurrency    = "transformConcurrency"
	KeySchedule                = "schedule"
	KeyScheduleEnabled         = "scheduleEnabled"
	KeyDaysBack                = "daysBack"
	KeyVendorLatencyMs         = "vendorLatencyMs"
	KeyExpectedGroups          = "expectedGroups"
	KeyExpectedDevices         = "expectedDevices"
	KeyLogLevel                = "logLevel"
)

// renamedVendorBudget is the old name of KeyVendorConcurrency: a stage file that still sets it
// gets an error naming the new keys.
const renamedVendorBudget = "vendorBudget"

var knownKeys = []string{
	KeyVendorURL, KeyVendorToken, KeyVendorConcurrency, KeyVendorRate, KeyBatchSize, KeyBatchConcurrency, KeyListConcurrency,
	KeyToleratedFailurePercent, KeyTransformConcurrency, KeySchedule, KeyScheduleEnabled, KeyDaysBack,
	KeyVendorLatencyMs, KeyExpectedGroups, KeyExpectedDevices, KeyLogLevel,
}

// Limits of the settings.
const (
	// MaxVendorConcurrency is the most concurrent vendor calls (budget.MaxConcurrency).
	MaxVendorConcurrency = budget.MaxConcurrency
	// MaxBatchSize keeps a batch's fetches (size x latency / batchConcurrency) well inside the
	// five minutes of an Express child execution at the latencies vendors have.
	MaxBatchSize = 1000
	// MaxListConcurrency is the inline Map's limit (about 40 concurrent iterations).
	MaxListConcurrency = 40
	// MaxVendorLatency bounds the assumed vendor latency the fetch timeout is derived from.
	MaxVendorLatency = 10 * time.Second
	// ExpressLimit is the longest an Express child execution runs.
	ExpressLimit = 5 * time.Minute
	// TaskMargin is how much longer a Task waits than its worker's own timeout, so that the
	// function's timeout (a retriable Lambda error) comes before the state's States.Timeout.
	TaskMargin = 10 * time.Second
)

// Config is the reference pipeline's per-stage configuration, from the `pipeline:` keys of
// Pulumi.<stage>.yaml. The zero value of each field is replaced by the default its comment names.
type Config struct {
	// VendorURL is the vendor API's base URL; required, https (http only for loopback hosts).
	VendorURL string
	// VendorToken is the vendor API token, a config secret; required. It is stored as an SSM
	// SecureString parameter that the workers read at start-up, never as an environment variable.
	VendorToken pulumi.StringOutput
	// VendorConcurrency is the most vendor calls in flight at once that the vendor accepts, over
	// every caller: every run, redrive and the refetch queue's consumer together (the vendor
	// worker reserves VendorConcurrency / BatchConcurrency invocations). Zero means 10; allowed
	// 1..10,000, and at least 2 x BatchConcurrency (the refetch queue's consumer needs two
	// invocations).
	VendorConcurrency int
	// VendorRate is the vendor's published rate ("100/s", "3000/min"); every invocation of the
	// vendor worker paces its calls to its share of it. Zero means none (concurrency only).
	VendorRate budget.Rate
	// BatchSize is the devices per Distributed Map batch (one fetch-metrics invocation). Zero
	// means 25; allowed 1..1,000.
	BatchSize int
	// BatchConcurrency is how many of a batch's devices one invocation fetches at once. Zero
	// means 1; allowed 1..100 and at most VendorConcurrency / 2. The vendor worker reserves
	// VendorConcurrency / BatchConcurrency invocations, so the vendor never sees more than
	// VendorConcurrency calls, whatever starts them.
	BatchConcurrency int
	// ListConcurrency is the inline Map's MaxConcurrency over the groups (one listing call each
	// at a time). Zero means the vendor worker's reserved concurrency, at most 40; allowed
	// 1..min(40, VendorConcurrency / BatchConcurrency).
	ListConcurrency int
	// ToleratedFailurePercent is the share of failed batches the Distributed Map tolerates
	// before it fails the run; failed batches are captured either way. Zero means 5; allowed
	// 0..100 (set 0 explicitly with "0": a value of "0" is kept).
	ToleratedFailurePercent float64
	// TransformConcurrency caps the transform worker's concurrent invocations (the queue
	// subscription's maximum concurrency). Zero means 5; allowed 2..1,000.
	TransformConcurrency int
	// Schedule is the export's schedule expression in the stage's time zone. Zero means
	// "cron(0 2 * * ? *)" (02:00 every day).
	Schedule string
	// ScheduleEnabled turns the schedule on; unset means on in production stages only.
	ScheduleEnabled *bool
	// DaysBack is which day a scheduled run exports: zero means 1 (yesterday); allowed 0..366.
	DaysBack *int
	// VendorLatency is the vendor's typical latency, from which the fetch worker's timeout is
	// derived. Zero means 200 ms; allowed 1 ms..10 s.
	VendorLatency time.Duration
	// ExpectedGroups and ExpectedDevices size the cost model's "one run". Zero means 20 groups
	// and 1,000 devices.
	ExpectedGroups, ExpectedDevices int
	// LogLevel is the handlers' log level: DEBUG, INFO, WARN or ERROR; zero means INFO. At INFO
	// a batch writes one line, plus one for each device that failed; DEBUG adds a line for each
	// device stored and each record transformed (about 600 bytes a device: at $0.50 a GB
	// ingested, $0.30 per million devices, most of what the pipeline costs).
	LogLevel worker.LogLevel
}

// LoadConfig reads and validates the pipeline's settings; every problem is reported at once, and
// an unknown `pipeline:` key is an error.
func LoadConfig(ctx *pulumi.Context, production bool) (*Config, error) {
	c := check.New("pipeline", ctx.Stack())
	get := func(k string) (string, bool) { return ctx.GetConfig(Namespace + ":" + k) }
	k := func(key string) string { return Namespace + ":" + key }
	atoi := func(key string, def int) int {
		v, ok := get(key)
		if !ok {
			return def
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			// Zero is how the Config struct says "default"; in the file, omit the key instead.
			c.Add(k(key), "must be a whole number above 0 (omit the key for the default)", v)
			return def
		}
		return n
	}
	out := &Config{}
	out.VendorURL, _ = get(KeyVendorURL)
	if v, ok := get(KeyVendorToken); ok && v != "" {
		out.VendorToken = pulumi.ToSecret(pulumi.String(v)).(pulumi.StringOutput)
		if !ctx.IsConfigSecret(k(KeyVendorToken)) {
			// The value is not echoed: it is a token in plain text in a stage file.
			c.Add(k(KeyVendorToken), "must be a secret, not plain text in the stage file (remove it, then pulumi config set --secret "+k(KeyVendorToken)+" <token>)", nil)
		}
	} else {
		c.Add(k(KeyVendorToken), "is required (pulumi config set --secret "+k(KeyVendorToken)+" <token>)", nil)
	}
	out.VendorConcurrency = atoi(KeyVendorConcurrency, 0)
	if v, ok := get(KeyVendorRate); ok {
		r, err := budget.ParseRate(v)
		if err != nil {
			c.Add(k(KeyVendorRate), "must be <requests>/<window>, such as 100/s, 3000/min or 20/10s", v)
		}
		out.VendorRate = r
	}
	if v, ok := get(renamedVendorBudget); ok {
		c.Add(k(renamedVendorBudget), "was renamed to "+k(KeyVendorConcurrency)+" (the vendor's concurrency; its rate is "+k(KeyVendorRate)+")", v)
	}
	out.BatchSize = atoi(KeyBatchSize, 0)
	out.BatchConcurrency = atoi(KeyBatchConcurrency, 0)
	out.ListConcurrency = atoi(KeyListConcurrency, 0)
	out.TransformConcurrency = atoi(KeyTransformConcurrency, 0)
	out.ExpectedGroups = atoi(KeyExpectedGroups, 0)
	out.ExpectedDevices = atoi(KeyExpectedDevices, 0)
	if v, ok := get(KeyDaysBack); ok {
		d, err := strconv.Atoi(v)
		if err != nil {
			c.Add(k(KeyDaysBack), fmt.Sprintf("must be a whole number 0..%d", pipeline.MaxDaysBack), v)
		}
		out.DaysBack = &d
	}
	if v, ok := get(KeyVendorLatencyMs); ok {
		n, err := strconv.Atoi(v)
		// Checked before the multiplication: 18446744078710 ms would wrap to 5 s.
		if err != nil || n <= 0 || int64(n) > MaxVendorLatency.Milliseconds() {
			c.Add(k(KeyVendorLatencyMs), fmt.Sprintf("must be 1..%d milliseconds", MaxVendorLatency.Milliseconds()), v)
		} else {
			out.VendorLatency = time.Duration(n) * time.Millisecond
		}
	}
	tolerated := false
	if v, ok := get(KeyToleratedFailurePercent); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			c.Add(k(KeyToleratedFailurePercent), "must be a number 0..100", v)
		}
		out.ToleratedFailurePercent = f
		tolerated = true
	}
	if v, ok := get(KeyLogLevel); ok {
		switch l := worker.LogLevel(strings.ToUpper(strings.TrimSpace(v))); l {
		case worker.Debug, worker.Info, worker.Warn, worker.Error:
			out.LogLevel = l
		default:
			c.Add(k(KeyLogLevel), "must be DEBUG, INFO, WARN or ERROR", v)
		}
	}
	out.Schedule, _ = get(KeySchedule)
	if v, ok := get(KeyScheduleEnabled); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			c.Add(k(KeyScheduleEnabled), "must be true or false", v)
		}
		out.ScheduleEnabled = &b
	}
	for _, key := range stage.UnknownKeys(ctx, Namespace, append(knownKeys, renamedVendorBudget)) {
		c.Add(key, stage.UnknownKeyRule("pipeline setting", Namespace, knownKeys), nil)
	}
	out.applyDefaults(production, tolerated)
	if err := errors.Join(c.Err(), out.Validate(ctx.Stack())); err != nil {
		return nil, err
	}
	return out, nil
}

// applyDefaults is the one place the pipeline's defaults live.
func (p *Config) applyDefaults(production, toleratedSet bool) {
	if p.VendorConcurrency == 0 {
		p.VendorConcurrency = 10
	}
	if p.BatchSize == 0 {
		p.BatchSize = 25
	}
	if p.BatchConcurrency == 0 {
		p.BatchConcurrency = 1
	}
	if p.ListConcurrency == 0 {
		p.ListConcurrency = min(max(p.Reserved(), 1), MaxListConcurrency)
	}
	if !toleratedSet {
		p.ToleratedFailurePercent = 5
	}
	if p.TransformConcurrency == 0 {
		p.TransformConcurrency = 5
	}
	if p.LogLevel == "" {
		p.LogLevel = worker.Info
	}
	if p.Schedule == "" {
		p.Schedule = "cron(0 2 * * ? *)"
	}
	if p.ScheduleEnabled == nil {
		on := production
		p.ScheduleEnabled = &on
	}
	if p.DaysBack == nil {
		one := 1
		p.DaysBack = &one
	}
	if p.VendorLatency == 0 {
		p.VendorLatency = 200 * time.Millisecond
	}
	if p.ExpectedGroups == 0 {
		p.ExpectedGroups = 20
	}
	if p.ExpectedDevices == 0 {
		p.ExpectedDevices = 1000
	}
}

// Validate checks a Config with its defaults applied.
func (p *Config) Validate(stackName string) error {
	c := check.New("pipeline", stackName)
	k := func(key string) string { return Namespace + ":" + key }
	if p.VendorURL == "" {
		c.Add(k(KeyVendorURL), "is required (the vendor API's base URL)", nil)
	} else if problem, shown := vendorapi.CheckBaseURL(p.VendorURL); problem != "" {
		c.Add(k(KeyVendorURL), problem, shown)
	}
	c.Int(k(KeyVendorConcurrency), p.VendorConcurrency, 1, MaxVendorConcurrency)
	c.Int(k(KeyBatchSize), p.BatchSize, 1, MaxBatchSize)
	c.Int(k(KeyBatchConcurrency), p.BatchConcurrency, 1, min(pipeline.MaxBatchConcurrency, max(p.VendorConcurrency/2, 1)))
	c.Int(k(KeyListConcurrency), p.ListConcurrency, 1, min(MaxListConcurrency, max(p.Reserved(), 1)))
	if p.VendorConcurrency >= 1 && p.BatchConcurrency >= 1 && p.VendorConcurrency <= MaxVendorConcurrency {
		if _, err := budget.Allocate(VendorName, p.BudgetArgs()); err != nil {
			c.Add(k(KeyVendorRate), "must give every invocation of the vendor worker a share: "+err.Error(), p.VendorRate.String())
		}
	}
	if !(p.ToleratedFailurePercent >= 0 && p.ToleratedFailurePercent <= 100) {
		c.Add(k(KeyToleratedFailurePercent), "must be 0..100", p.ToleratedFailurePercent)
	}
	c.Int(k(KeyTransformConcurrency), p.TransformConcurrency, 2, 1000)
	if p.DaysBack != nil {
		c.Int(k(KeyDaysBack), *p.DaysBack, 0, pipeline.MaxDaysBack)
	}
	if p.VendorLatency < time.Millisecond || p.VendorLatency > MaxVendorLatency {
		c.Add(k(KeyVendorLatencyMs), fmt.Sprintf("must be 1..%d milliseconds", MaxVendorLatency.Milliseconds()), p.VendorLatency.Milliseconds())
	}
	if _, err := cron.Parse(p.Schedule); err != nil {
		c.Add(k(KeySchedule), "must be a valid EventBridge Scheduler expression: "+err.Error(), p.Schedule)
	}
	c.Int(k(KeyExpectedGroups), p.ExpectedGroups, 1, 100000)
	c.Int(k(KeyExpectedDevices), p.ExpectedDevices, 1, 100000000)
	if p.BatchSize > 0 && p.BatchConcurrency > 0 && p.VendorLatency > 0 {
		if t := p.FetchTimeout() + TaskMargin; t > ExpressLimit {
			c.Add(k(KeyBatchSize), fmt.Sprintf("makes a batch need %v (batchSize x vendorLatencyMs x 3 tries / batchConcurrency + 10 s, + %v for the task), above the %v an Express child execution may run; lower batchSize or raise batchConcurrency", t, TaskMargin, ExpressLimit), p.BatchSize)
		}
	}
	return c.Err()
}

// Reserved is the vendor worker's reserved concurrency: VendorConcurrency / BatchConcurrency
// invocations, each making up to BatchConcurrency calls at once.
func (p *Config) Reserved() int { return p.VendorConcurrency / max(p.BatchConcurrency, 1) }

// MapConcurrency is the Distributed Map's MaxConcurrency: the vendor worker's reserved
// concurrency, so that one run alone uses the whole budget and overlapping runs are throttled
// (and retried) instead of overrunning the vendor.
func (p *Config) MapConcurrency() int { return max(1, p.Reserved()) }

// BudgetArgs is the vendor's budget: its concurrency and rate, drawn on by the vendor worker alone
// (every vendor call goes through it), BatchConcurrency calls per invocation.
func (p *Config) BudgetArgs() *budget.BudgetArgs {
	return &budget.BudgetArgs{
		Concurrency: p.VendorConcurrency,
		Rate:        p.VendorRate,
		Shares:      []budget.Share{{Worker: VendorName, CallsPerInvocation: p.BatchConcurrency}},
	}
}

// VendorTimeout is the vendor worker's timeout: the longest of its operations, fetching a batch
// (FetchTimeout) and listing a group's devices (two minutes).
func (p *Config) VendorTimeout() time.Duration { return max(p.FetchTimeout(), 2*time.Minute) }

// FetchTimeout is the fetch worker's timeout: every item of a batch, BatchConcurrency at a time,
// may take three tries at the vendor's latency, plus 10 s for the client's Retry-After waits and
// the S3 writes, in whole seconds.
func (p *Config) FetchTimeout() time.Duration {
	rounds := (p.BatchSize + p.BatchConcurrency - 1) / p.BatchConcurrency
	t := time.Duration(rounds)*3*p.VendorLatency + 10*time.Second
	return (t + time.Second - 1).Truncate(time.Second)
}
