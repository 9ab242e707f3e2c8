package cost

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// DefaultItems is the workload of a state machine Options.Workloads does not name.
const DefaultItems = 1000

// DefaultDuration is the duration of one Lambda invocation when the workload gives none.
const DefaultDuration = 100 * time.Millisecond

// DefaultExpressMemoryMB is the memory an Express execution is billed for when the workload
// gives none: the smallest unit, enough for a definition and payload of a few hundred KB
// (the pricing page estimates 50 MB + definition size + payload size x Map/Parallel steps).
const DefaultExpressMemoryMB = 64

// DefaultResultWriterPuts is the number of S3 PUT requests one ResultWriter export makes when
// the workload gives none: manifest.json plus one SUCCEEDED, FAILED and PENDING file each (the
// conservative reading: AWS writes a file per status that has results, each up to 5 GB).
const DefaultResultWriterPuts = 4

// Function is a Lambda function a definition invokes.
type Function struct {
	// Name is the logical name, the key of Workload.Durations; zero means the name in the ARN.
	Name string `json:"name"`
	// MemoryMB is the configured memory; zero means 128 (Lambda's default).
	MemoryMB int `json:"memoryMB"`
	// Architecture is "arm64" or "x86_64"; zero means x86_64 (Lambda's default).
	Architecture string `json:"architecture"`
}

// PerItem are data requests made for every item, outside the workflow (by the workers, or by
// a queue consumer): for example 1 raw PUT, 1 GET and 1 processed PUT in S3, and a send,
// receive and delete in SQS. Zero means none. Fractions are per-batch requests shared by the
// items of a batch (1/500 for one object written per batch of 500).
type PerItem struct {
	S3Puts      float64 `json:"s3Puts"`
	S3Gets      float64 `json:"s3Gets"`
	SqsRequests float64 `json:"sqsRequests"`
	// S3Events are S3 Event Notifications sent to EventBridge's default bus (an "Object
	// Created" event per object written under a watched prefix). They are listed, at no
	// charge: S3 does not charge for event notifications, and EventBridge does not charge for
	// the events AWS services publish to the default bus
	// (https://aws.amazon.com/eventbridge/pricing/: "All state change events published by AWS
	// services are free"); the SQS messages they become are SqsRequests.
	S3Events float64 `json:"s3Events"`
	// LogBytes are the bytes of log CloudWatch Logs ingests per item: the application log lines
	// every function writes for it at the stage's level (make bench-memory measures them for
	// the reference handlers), and its share of each invocation's own lines.
	LogBytes float64 `json:"logBytes"`
	// Traces are the X-Ray traces recorded per item: its share of the traced requests that
	// start a trace of their own (a queue consumer's invocations, a child execution), at most
	// one each; X-Ray's default sampling rule records the first request each second and 5% of
	// the others.
	Traces float64 `json:"traces"`
}

// Consumer is a Lambda function the items reach outside the workflow: a queue consumer fed by
// S3 events through EventBridge and SQS (the reference pipeline's transform), or any function
// invoked a known number of times per item. Its invocations are Lambda requests
// (orchestration) and its duration GB-seconds (compute), like a workflow's functions.
type Consumer struct {
	// Name is the function's logical name (its cost.json key); required. A function of the
	// plan (or of Estimate's fns) with this name gives the zero MemoryMB and Architecture, and
	// a non-zero one must agree with it.
	Name string
	// InvocationsPerItem is how many invocations one item causes: 1 for one invocation per
	// item, 0.1 for SQS batches of 10 items, 1.0/500 for one object per batch of 500 in batches
	// of one message. Must be above 0 and at most 1,000.
	InvocationsPerItem float64
	// MemoryMB is the function's memory; zero means the named function's, else 128 (Lambda's
	// default); allowed 128..10,240.
	MemoryMB int
	// Architecture is "arm64" or "x86_64"; zero means the named function's, else x86_64.
	Architecture string
	// Duration is the fixed part of one invocation; PerItemDuration is added for each item it
	// handles (1 / InvocationsPerItem items). Both zero means DefaultDuration per invocation.
	Duration, PerItemDuration time.Duration
}

// MarshalJSON writes the durations in milliseconds, as the assumptions' other durations.
func (c Consumer) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name               string  `json:"name"`
		InvocationsPerItem float64 `json:"invocationsPerItem"`
		MemoryMB           int     `json:"memoryMB"`
		Architecture       string  `json:"architecture"`
		DurationMs         float64 `json:"durationMs"`
		PerItemDurationMs  float64 `json:"perItemDurationMs"`
	}{c.Name, c.InvocationsPerItem, c.MemoryMB, c.Architecture, millis(c.Duration), millis(c.PerItemDuration)})
}

// MaxInvocationsPerItem bounds Consumer.InvocationsPerItem.
const MaxInvocationsPerItem = 1000

func millis(d time.Duration) float64 { return round6(float64(d) / float64(time.Millisecond)) }

// Workload is what one execution processes, and how long its work takes.
type Workload struct {
	// Type is the state machine's type, STANDARD or EXPRESS; zero means STANDARD (Marshal
	// takes it from the resource).
	Type string `json:"type"`
	// Items is the number of items one run fans out over; zero means DefaultItems.
	Items int `json:"items"`
	// MapItems are iteration counts by Map state name; zero means the items that reach the
	// Map (Items at the top level, the share of an enclosing iteration inside one). An
	// iteration of a Map with n iterations carries 1/n of the Map's items.
	MapItems map[string]int `json:"mapItems,omitempty"`
	// FixedMapItems names Map states whose iterations do not grow with the items when the
	// workload is scaled to a million items (a listing over a fixed set of groups): the
	// per-million figure is then the cost of a million more items at the same groups. Zero
	// means every MapItems entry scales in proportion.
	FixedMapItems map[string]bool `json:"fixedMapItems,omitempty"`
	// BatchSizes override ItemBatcher.MaxItemsPerBatch by Map state name; zero means the
	// definition's MaxItemsPerBatch (required when the definition gives only a path).
	BatchSizes map[string]int `json:"batchSizes,omitempty"`
	// Choices are the branch each Choice state takes, by state name (the name of the next
	// state); zero means its Default, or the first rule's Next when there is no Default.
	Choices map[string]string `json:"choices,omitempty"`
	// Retries are extra attempts per entry of a Task state, by state name; zero means none.
	// Each attempt is one more transition and one more invocation.
	Retries map[string]int `json:"retries,omitempty"`
	// Durations are the fixed duration of one invocation, by Task state name or by function
	// logical name (a state's entry, or PerItemDurations entry, wins: one function that several
	// states invoke for different work); zero means DefaultDuration, or no fixed part when
	// PerItemDurations names the function.
	Durations map[string]time.Duration `json:"-"`
	// PerItemDurations add a duration per item the invocation handles (a batch's items, or
	// an inline iteration's share), by Task state name or function logical name; zero means
	// none.
	PerItemDurations map[string]time.Duration `json:"-"`
	// ExpressMemoryMB is the memory of an Express execution, rounded up to 64 MB; zero means
	// DefaultExpressMemoryMB.
	ExpressMemoryMB int `json:"expressMemoryMB"`
	// ResultWriterPuts are the S3 PUTs of one ResultWriter export; zero means
	// DefaultResultWriterPuts.
	ResultWriterPuts int `json:"resultWriterPuts"`
	// PerItem are data requests per item; zero means none.
	PerItem PerItem `json:"perItem"`
	// Consumers are functions invoked for the items outside the workflow (queue consumers);
	// zero means none.
	Consumers []Consumer `json:"consumers,omitempty"`
}

func (w Workload) withDefaults() Workload {
	if w.Type == "" {
		w.Type = "STANDARD"
	}
	w.Type = strings.ToUpper(w.Type)
	if w.Items == 0 {
		w.Items = DefaultItems
	}
	if w.ExpressMemoryMB == 0 {
		w.ExpressMemoryMB = DefaultExpressMemoryMB
	}
	w.ExpressMemoryMB = (w.ExpressMemoryMB + 63) / 64 * 64
	if w.ResultWriterPuts == 0 {
		w.ResultWriterPuts = DefaultResultWriterPuts
	}
	return w
}

func (w Workload) validate() error {
	var errs []error
	bad := func(field string, v any, allowed string) {
		errs = append(errs, fmt.Errorf("cost: Workload.%s must be %s, got %v", field, allowed, v))
	}
	if w.Type != "STANDARD" && w.Type != "EXPRESS" {
		bad("Type", w.Type, "STANDARD or EXPRESS")
	}
	if w.Items < 0 {
		bad("Items", w.Items, "at least 0")
	}
	if w.ExpressMemoryMB < 0 {
		bad("ExpressMemoryMB", w.ExpressMemoryMB, "at least 0")
	}
	if w.ResultWriterPuts < 0 {
		bad("ResultWriterPuts", w.ResultWriterPuts, "at least 0")
	}
	nonNegative(bad, "MapItems", w.MapItems)
	nonNegative(bad, "BatchSizes", w.BatchSizes)
	nonNegative(bad, "Retries", w.Retries)
	nonNegative(bad, "Durations", w.Durations)
	nonNegative(bad, "PerItemDurations", w.PerItemDurations)
	if w.PerItem.S3Puts < 0 || w.PerItem.S3Gets < 0 || w.PerItem.SqsRequests < 0 || w.PerItem.S3Events < 0 || w.PerItem.LogBytes < 0 || w.PerItem.Traces < 0 {
		bad("PerItem", w.PerItem, "at least 0 in every field")
	}
	for i, c := range w.Consumers {
		f := func(name string) string { return fmt.Sprintf("Consumers[%d].%s", i, name) }
		if c.Name == "" {
			bad(f("Name"), `""`, "a function's logical name")
		}
		if !(c.InvocationsPerItem > 0 && c.InvocationsPerItem <= MaxInvocationsPerItem) {
			bad(f("InvocationsPerItem"), c.InvocationsPerItem, fmt.Sprintf("above 0 and at most %d", MaxInvocationsPerItem))
		}
		if c.MemoryMB != 0 && (c.MemoryMB < 128 || c.MemoryMB > 10240) {
			bad(f("MemoryMB"), c.MemoryMB, "0 (the function's) or 128..10240")
		}
		if c.Architecture != "" && c.Architecture != "arm64" && c.Architecture != "x86_64" {
			bad(f("Architecture"), fmt.Sprintf("%q", c.Architecture), `"" (the function's), "arm64" or "x86_64"`)
		}
		if c.Duration < 0 {
			bad(f("Duration"), c.Duration, "at least 0")
		}
		if c.PerItemDuration < 0 {
			bad(f("PerItemDuration"), c.PerItemDuration, "at least 0")
		}
	}
	return errors.Join(errs...)
}

// perMillion scales the workload to 1,000,000 items, MapItems in proportion (at least 1) unless
// FixedMapItems keeps them.
func (w Workload) perMillion() Workload {
	f := 1e6 / float64(w.Items)
	out := w
	out.Items = 1_000_000
	if w.MapItems != nil {
		out.MapItems = map[string]int{}
		for k, v := range w.MapItems {
			if v == 0 {
				continue
			}
			if w.FixedMapItems[k] {
				out.MapItems[k] = v
				continue
			}
			out.MapItems[k] = max(1, int(math.Round(float64(v)*f)))
		}
	}
	return out
}

// Breakdown is the cost of one state machine: one run, per million items, and the naive design.
type Breakdown struct {
	// Type is STANDARD or EXPRESS.
	Type string `json:"type"`
	// Run is one execution of the workload; PerMillionItems one execution with the workload
	// scaled to 1,000,000 items. Month is Run times the runs a month (set by Marshal; nil
	// when no schedule starts the machine).
	Run             Scope  `json:"run"`
	Month           *Scope `json:"month"`
	PerMillionItems Scope  `json:"perMillionItems"`
	// MapRuns describe each Distributed Map of one run.
	MapRuns []MapRun `json:"mapRuns"`
	// Naive is the same processing with every Map an inline Map of a Standard workflow, one
	// item per iteration, one invocation per item.
	Naive Naive `json:"naive"`
	// Ratio is Naive.PerMillionItems.Orchestration.Total / PerMillionItems.Orchestration.Total,
	// both without the Workload.Consumers' requests, which the two designs share (0 when ours
	// costs nothing).
	Ratio float64 `json:"ratio"`

	run, perMillion, naiveRun tally
	prices                    Prices
}

// Naive is the naive design's cost.
type Naive struct {
	Run             Scope  `json:"run"`
	Month           *Scope `json:"month"`
	PerMillionItems Scope  `json:"perMillionItems"`
}

// MapRun is one Distributed Map state's Map Run(s) in one execution.
type MapRun struct {
	// State is the Map state's name; Runs how many Map Runs it starts per execution (more
	// than one inside an iteration).
	State string  `json:"state"`
	Runs  float64 `json:"runs"`
	// Items is the iterations of one Map Run; BatchSize the items per child (1 without an
	// ItemBatcher); ChildExecutions the children of all Runs.
	Items           int     `json:"items"`
	BatchSize       int     `json:"batchSize"`
	ChildExecutions float64 `json:"childExecutions"`
	// ExecutionType is the children's type, EXPRESS or STANDARD.
	ExecutionType string `json:"executionType"`
	// TransitionsPerChild is the state transitions of one child (billed only for STANDARD);
	// BilledMillisecondsPerChild the billed duration of one EXPRESS child (0 for STANDARD),
	// both averaged over the children.
	TransitionsPerChild        float64 `json:"transitionsPerChild"`
	BilledMillisecondsPerChild float64 `json:"billedMillisecondsPerChild"`
}

// Scope is the usage and cost of one scope (a run, a month, a million items).
type Scope struct {
	Usage         Usage         `json:"usage"`
	Orchestration Orchestration `json:"orchestration"`
	Compute       Compute       `json:"compute"`
	Data          Data          `json:"data"`
	// Observability is the log data CloudWatch Logs ingests and the traces X-Ray records
	// (Workload.PerItem.LogBytes and Traces).
	Observability float64 `json:"observability"`
	// Total is the sum of the sections' totals and Observability.
	Total float64 `json:"total"`
	// Items itemise the three sections by request type (and by function for Lambda), every
	// type listed even at a count of zero, sorted by cost, largest first (then by name and
	// function). Their costs sum to Total, give or take the rounding of each to 1e-6.
	Items []Item `json:"items"`
	// Largest is the Key of the costliest item ("" when nothing costs anything).
	Largest string `json:"largest"`
}

// Item names of Scope.Items.
const (
	ItemStateTransitions = "stateTransitions"
	ItemExpressRequests  = "expressRequests"
	ItemExpressGBSeconds = "expressGBSeconds"
	ItemLambdaRequests   = "lambdaRequests"
	ItemLambdaGBSeconds  = "lambdaGBSeconds"
	ItemS3Put            = "s3Put"
	ItemS3Get            = "s3Get"
	ItemSqsRequests      = "sqsRequests"
	ItemS3Events         = "s3Events"
	ItemLogsIngested     = "logsIngested"
	ItemXRayTraces       = "xrayTraces"
)

// Sections of Scope.Items.
const (
	SectionOrchestration = "orchestration"
	SectionCompute       = "compute"
	SectionData          = "data"
	SectionObservability = "observability"
)

// Item is one billed request type of a scope: how many, at what unit price, for what cost.
type Item struct {
	// Name is one of the Item... constants; Function the function's logical name for Lambda
	// items ("" otherwise).
	Name     string `json:"name"`
	Function string `json:"function,omitempty"`
	// Section is orchestration, compute, data or observability (the Scope field the cost is
	// part of).
	Section string `json:"section"`
	// Unit is what Count counts: "transition", "request", "GB-second", "event", "GB" or "trace".
	Unit      string  `json:"unit"`
	Count     float64 `json:"count"`
	UnitPrice float64 `json:"unitPrice"`
	Cost      float64 `json:"cost"`
	// Free says, with its source, why an item is listed at no charge ("" otherwise).
	Free string `json:"free,omitempty"`
}

// Key names the item uniquely in its scope: Name, or Name:Function for a Lambda item
// ("lambdaGBSeconds:vendor").
func (i Item) Key() string {
	if i.Function == "" {
		return i.Name
	}
	return i.Name + ":" + i.Function
}

// FreeS3Events is the Free note of ItemS3Events.
const FreeS3Events = "S3 event notifications to EventBridge's default bus: S3 charges nothing for them and EventBridge does not charge for AWS service events on the default bus (https://aws.amazon.com/eventbridge/pricing/)"

// Usage counts the billed units.
type Usage struct {
	// StateTransitions are billed Standard transitions (parent, Standard children).
	StateTransitions float64 `json:"stateTransitions"`
	// ChildExecutions are Distributed Map children started.
	ChildExecutions float64 `json:"childExecutions"`
	// ExpressRequests and ExpressGBSeconds are Express executions and their billed duration.
	ExpressRequests  float64 `json:"expressRequests"`
	ExpressGBSeconds float64 `json:"expressGBSeconds"`
	// Lambda lists the invoked functions, by logical name.
	Lambda []LambdaUsage `json:"lambda"`
	// S3PutRequests count PUT, COPY, POST and LIST requests; S3GetRequests GET requests.
	S3PutRequests float64 `json:"s3PutRequests"`
	S3GetRequests float64 `json:"s3GetRequests"`
	SqsRequests   float64 `json:"sqsRequests"`
	// S3Events are S3 event notifications sent to EventBridge (free: see PerItem.S3Events).
	S3Events float64 `json:"s3Events"`
	// LogBytes are the bytes of log ingested; Traces the X-Ray traces recorded.
	LogBytes float64 `json:"logBytes"`
	Traces   float64 `json:"traces"`
}

// LambdaUsage is one function's invocations and billed GB-seconds.
type LambdaUsage struct {
	Function     string  `json:"function"`
	MemoryMB     int     `json:"memoryMB"`
	Architecture string  `json:"architecture"`
	Invocations  float64 `json:"invocations"`
	GBSeconds    float64 `json:"gbSeconds"`
}

// Orchestration is what Step Functions and Lambda charge per request.
type Orchestration struct {
	StateTransitions float64 `json:"stateTransitions"`
	ExpressRequests  float64 `json:"expressRequests"`
	ExpressDuration  float64 `json:"expressDuration"`
	LambdaRequests   float64 `json:"lambdaRequests"`
	Total            float64 `json:"total"`
}

// Compute is Lambda duration, by function logical name.
type Compute struct {
	Functions map[string]float64 `json:"functions"`
	Total     float64            `json:"total"`
}

// Data is S3 and SQS requests.
type Data struct {
	S3Put float64 `json:"s3Put"`
	S3Get float64 `json:"s3Get"`
	Sqs   float64 `json:"sqs"`
	Total float64 `json:"total"`
}

// Estimate costs one definition (ASL JSON) under a workload. fns are the functions it may
// invoke, by ARN; an ARN not in fns is costed at the defaults of Function. It returns every
// problem of the definition at once, as *DefinitionError values.
func Estimate(definition []byte, fns map[string]Function, w Workload, pr Prices) (Breakdown, error) {
	w = w.withDefaults()
	pr = pr.WithDefaults()
	if err := errors.Join(w.validate(), consumersAgree(w.Consumers, fns), pr.validate()); err != nil {
		return Breakdown{}, err
	}
	m, err := parse(definition)
	if err != nil {
		return Breakdown{}, err
	}
	if errs := validate(m, nil, w.BatchSizes); len(errs) > 0 {
		return Breakdown{}, errors.Join(errs...)
	}
	b := Breakdown{Type: w.Type, prices: pr}
	ours := func(w Workload, naive bool) (tally, error) {
		e := &estimator{w: w, fns: fns, naive: naive}
		t, err := e.top(m)
		if err != nil {
			return tally{}, err
		}
		return t, nil
	}
	if b.run, err = ours(w, false); err != nil {
		return Breakdown{}, err
	}
	if b.perMillion, err = ours(w.perMillion(), false); err != nil {
		return Breakdown{}, err
	}
	if b.naiveRun, err = ours(w, true); err != nil {
		return Breakdown{}, err
	}
	naivePerMillion, err := ours(w.perMillion(), true)
	if err != nil {
		return Breakdown{}, err
	}
	b.Run = b.run.scope(pr, 1)
	b.PerMillionItems = b.perMillion.scope(pr, 1)
	b.MapRuns = b.run.mapRunsRounded()
	b.Naive = Naive{Run: b.naiveRun.scope(pr, 1), PerMillionItems: naivePerMillion.scope(pr, 1)}
	// The ratio compares the workflows: consumers outside them cost the same in both designs.
	if o := b.perMillion.workflowOrchestration(pr); o > 0 {
		b.Ratio = round6(naivePerMillion.workflowOrchestration(pr) / o)
	}
	return b, nil
}

// withRuns sets Month and Naive.Month to runs executions.
func (b *Breakdown) withRuns(runs float64) {
	m := b.run.scope(b.prices, runs)
	n := b.naiveRun.scope(b.prices, runs)
	b.Month, b.Naive.Month = &m, &n
}

// tally is unrounded usage.
type tally struct {
	transitions     float64
	children        float64
	expressRequests float64
	expressGBs      float64
	lambda          map[string]*lambdaTally // by logical name
	s3Puts, s3Gets  float64
	sqs             float64
	s3Events        float64
	logBytes        float64
	traces          float64
	// consumerRequests are the invocations of Workload.Consumers (outside the workflow).
	consumerRequests float64
	durationMs       float64 // sum of Task and Wait durations, for Express billing
	mapRuns          []MapRun
}

type lambdaTally struct {
	fn          Function
	invocations float64
	gbs         float64
}

func (t *tally) add(o tally, k float64) {
	theirs := o.counts()
	for i, c := range t.counts() {
		*c += k * *theirs[i]
	}
	for _, name := range slices.Sorted(maps.Keys(o.lambda)) {
		l := o.lambda[name]
		t.invoke(l.fn, k*l.invocations, k*l.gbs)
	}
	for _, r := range o.mapRuns {
		r.Runs *= k
		r.ChildExecutions *= k
		t.mapRuns = append(t.mapRuns, r)
	}
}

// counts are every count of the tally but the functions' and the Map Runs': what add scales.
func (t *tally) counts() []*float64 {
	return []*float64{&t.transitions, &t.children, &t.expressRequests, &t.expressGBs, &t.s3Puts, &t.s3Gets,
		&t.sqs, &t.s3Events, &t.logBytes, &t.traces, &t.consumerRequests, &t.durationMs}
}

func (t *tally) invoke(fn Function, n, gbs float64) {
	if t.lambda == nil {
		t.lambda = map[string]*lambdaTally{}
	}
	l := t.lambda[fn.Name]
	if l == nil {
		l = &lambdaTally{fn: fn}
		t.lambda[fn.Name] = l
	}
	l.invocations += n
	l.gbs += gbs
}

func (t tally) lambdaRequests() float64 {
	n := 0.0
	for _, l := range t.lambda {
		n += l.invocations
	}
	return n
}

func (t tally) orchestration(pr Prices) float64 {
	return t.transitions*pr.StandardTransition + t.expressRequests*pr.ExpressRequest +
		t.expressGBs*pr.ExpressGBSecond + t.lambdaRequests()*pr.LambdaRequest
}

// workflowOrchestration is orchestration without the consumers' requests.
func (t tally) workflowOrchestration(pr Prices) float64 {
	return t.orchestration(pr) - t.consumerRequests*pr.LambdaRequest
}

func gbSecondPrice(fn Function, pr Prices) float64 {
	if fn.Architecture == "arm64" {
		return pr.LambdaGBSecondArm64
	}
	return pr.LambdaGBSecondX86
}

// scope prices k times the tally, rounding every figure to 1e-6.
func (t tally) scope(pr Prices, k float64) Scope {
	var s Scope
	names := slices.Sorted(maps.Keys(t.lambda))
	s.Usage = Usage{
		StateTransitions: round6(k * t.transitions),
		ChildExecutions:  round6(k * t.children),
		ExpressRequests:  round6(k * t.expressRequests),
		ExpressGBSeconds: round6(k * t.expressGBs),
		Lambda:           []LambdaUsage{},
		S3PutRequests:    round6(k * t.s3Puts),
		S3GetRequests:    round6(k * t.s3Gets),
		SqsRequests:      round6(k * t.sqs),
		S3Events:         round6(k * t.s3Events),
		LogBytes:         round6(k * t.logBytes),
		Traces:           round6(k * t.traces),
	}
	item := func(name, fn, section, unit string, count, price float64) {
		s.Items = append(s.Items, Item{Name: name, Function: fn, Section: section, Unit: unit,
			Count: round6(k * count), UnitPrice: price, Cost: round6(k * count * price)})
	}
	item(ItemStateTransitions, "", SectionOrchestration, "transition", t.transitions, pr.StandardTransition)
	item(ItemExpressRequests, "", SectionOrchestration, "request", t.expressRequests, pr.ExpressRequest)
	item(ItemExpressGBSeconds, "", SectionOrchestration, "GB-second", t.expressGBs, pr.ExpressGBSecond)
	for _, n := range names {
		l := t.lambda[n]
		item(ItemLambdaRequests, n, SectionOrchestration, "request", l.invocations, pr.LambdaRequest)
		item(ItemLambdaGBSeconds, n, SectionCompute, "GB-second", l.gbs, gbSecondPrice(l.fn, pr))
	}
	item(ItemS3Put, "", SectionData, "request", t.s3Puts, pr.S3Put)
	item(ItemS3Get, "", SectionData, "request", t.s3Gets, pr.S3Get)
	item(ItemSqsRequests, "", SectionData, "request", t.sqs, pr.SqsRequest)
	item(ItemS3Events, "", SectionData, "event", t.s3Events, 0)
	s.Items[len(s.Items)-1].Free = FreeS3Events
	item(ItemLogsIngested, "", SectionObservability, "GB", t.logBytes/1e9, pr.LogsIngestedGB)
	item(ItemXRayTraces, "", SectionObservability, "trace", t.traces, pr.XRayTrace)
	sort.SliceStable(s.Items, func(i, j int) bool {
		a, b := s.Items[i], s.Items[j]
		if a.Cost != b.Cost {
			return a.Cost > b.Cost
		}
		return a.Key() < b.Key()
	})
	if s.Items[0].Cost > 0 {
		s.Largest = s.Items[0].Key()
	}
	s.Compute.Functions = map[string]float64{}
	compute := 0.0
	for _, n := range names {
		l := t.lambda[n]
		s.Usage.Lambda = append(s.Usage.Lambda, LambdaUsage{
			Function: n, MemoryMB: l.fn.MemoryMB, Architecture: l.fn.Architecture,
			Invocations: round6(k * l.invocations), GBSeconds: round6(k * l.gbs),
		})
		c := k * l.gbs * gbSecondPrice(l.fn, pr)
		s.Compute.Functions[n] = round6(c)
		compute += c
	}
	s.Compute.Total = round6(compute)
	orch := k * t.orchestration(pr)
	s.Orchestration = Orchestration{
		StateTransitions: round6(k * t.transitions * pr.StandardTransition),
		ExpressRequests:  round6(k * t.expressRequests * pr.ExpressRequest),
		ExpressDuration:  round6(k * t.expressGBs * pr.ExpressGBSecond),
		LambdaRequests:   round6(k * t.lambdaRequests() * pr.LambdaRequest),
		Total:            round6(orch),
	}
	data := k * (t.s3Puts*pr.S3Put + t.s3Gets*pr.S3Get + t.sqs*pr.SqsRequest)
	s.Data = Data{
		S3Put: round6(k * t.s3Puts * pr.S3Put),
		S3Get: round6(k * t.s3Gets * pr.S3Get),
		Sqs:   round6(k * t.sqs * pr.SqsRequest),
		Total: round6(data),
	}
	obs := k * (t.logBytes/1e9*pr.LogsIngestedGB + t.traces*pr.XRayTrace)
	s.Observability = round6(obs)
	s.Total = round6(orch + compute + data + obs)
	return s
}

func (t tally) mapRunsRounded() []MapRun {
	out := []MapRun{}
	for _, r := range t.mapRuns {
		r.Runs = round6(r.Runs)
		r.ChildExecutions = round6(r.ChildExecutions)
		r.TransitionsPerChild = round6(r.TransitionsPerChild)
		r.BilledMillisecondsPerChild = round6(r.BilledMillisecondsPerChild)
		out = append(out, r)
	}
	return out
}

func round6(x float64) float64 {
	r := math.Round(x*1e6) / 1e6
	if r == 0 {
		return 0 // no -0 in the output
	}
	return r
}

// estimator walks a definition for one workload.
type estimator struct {
	w     Workload
	fns   map[string]Function
	naive bool
}

// top walks the state machine and bills it as its type.
func (e *estimator) top(m *machine) (tally, error) {
	t, err := e.walk(m, float64(e.w.Items), nil)
	if err != nil {
		return tally{}, err
	}
	if e.w.Type == "EXPRESS" && !e.naive {
		t.transitions = 0
		t.expressRequests++
		t.expressGBs += e.expressGBs(t.durationMs)
	}
	per := e.w.PerItem
	n := float64(e.w.Items)
	t.s3Puts += n * per.S3Puts
	t.s3Gets += n * per.S3Gets
	t.sqs += n * per.SqsRequests
	t.s3Events += n * per.S3Events
	t.logBytes += n * per.LogBytes
	t.traces += n * per.Traces
	for _, c := range e.w.Consumers {
		fn := e.consumer(c)
		d, per := c.Duration, c.PerItemDuration
		if d == 0 && per == 0 {
			d = DefaultDuration
		}
		ms := float64(d)/float64(time.Millisecond) + float64(per)/float64(time.Millisecond)/c.InvocationsPerItem
		billed := math.Max(1, math.Ceil(ms-1e-9))
		invocations := n * c.InvocationsPerItem
		t.invoke(fn, invocations, invocations*billed/1000*float64(fn.MemoryMB)/1024)
		t.consumerRequests += invocations
	}
	return t, nil
}

// consumersAgree reports every consumer whose MemoryMB or Architecture differs from those of
// the function of the same name in fns: one function has one configuration.
func consumersAgree(cs []Consumer, fns map[string]Function) error {
	var errs []error
	for i, c := range cs {
		for _, arn := range slices.Sorted(maps.Keys(fns)) {
			f := fns[arn]
			if f.Name != c.Name {
				continue
			}
			if c.MemoryMB != 0 && f.MemoryMB != 0 && c.MemoryMB != f.MemoryMB {
				errs = append(errs, fmt.Errorf("cost: Workload.Consumers[%d].MemoryMB must be 0 or the %d of function %s, got %d", i, f.MemoryMB, c.Name, c.MemoryMB))
			}
			if c.Architecture != "" && f.Architecture != "" && c.Architecture != f.Architecture {
				errs = append(errs, fmt.Errorf("cost: Workload.Consumers[%d].Architecture must be \"\" or the %q of function %s, got %q", i, f.Architecture, c.Name, c.Architecture))
			}
			break
		}
	}
	return errors.Join(errs...)
}

// consumer is c's function: its own memory and architecture, else those of the function of
// the same name in fns, else Lambda's defaults.
func (e *estimator) consumer(c Consumer) Function {
	fn := Function{Name: c.Name, MemoryMB: c.MemoryMB, Architecture: c.Architecture}
	for _, arn := range slices.Sorted(maps.Keys(e.fns)) {
		if f := e.fns[arn]; f.Name == c.Name {
			if fn.MemoryMB == 0 {
				fn.MemoryMB = f.MemoryMB
			}
			if fn.Architecture == "" {
				fn.Architecture = f.Architecture
			}
			break
		}
	}
	if fn.MemoryMB == 0 {
		fn.MemoryMB = 128
	}
	if fn.Architecture == "" {
		fn.Architecture = "x86_64"
	}
	return fn
}

// expressGBs is the billed GB-seconds of one Express execution lasting ms milliseconds:
// rounded up to 100 ms (at least 100 ms), at ExpressMemoryMB.
func (e *estimator) expressGBs(ms float64) float64 {
	billed := math.Max(100, math.Ceil(ms/100-1e-9)*100)
	return billed / 1000 * float64(e.w.ExpressMemoryMB) / 1024
}

func (e *estimator) function(target string) Function {
	fn, ok := e.fns[target]
	if !ok {
		// An ARN with a version or alias qualifier: arn:aws:lambda:r:a:function:name:qualifier.
		if parts := strings.Split(target, ":"); len(parts) == 8 {
			fn, ok = e.fns[strings.Join(parts[:7], ":")]
		}
	}
	if !ok && !strings.HasPrefix(target, "arn:") {
		// A bare function name, as lambda:invoke accepts.
		for _, arn := range slices.Sorted(maps.Keys(e.fns)) {
			if strings.HasSuffix(arn, ":function:"+target) {
				fn = e.fns[arn]
				break
			}
		}
	}
	if fn.Name == "" {
		fn.Name = target
		if i := strings.Index(target, ":function:"); i >= 0 {
			fn.Name = strings.SplitN(target[i+len(":function:"):], ":", 2)[0]
		}
	}
	if fn.MemoryMB == 0 {
		fn.MemoryMB = 128
	}
	if fn.Architecture == "" {
		fn.Architecture = "x86_64"
	}
	return fn
}

// walk follows one path through m for an execution (or iteration) carrying items items.
func (e *estimator) walk(m *machine, items float64, in []string) (tally, error) {
	var t tally
	seen := map[string]bool{}
	for name := m.StartAt; name != ""; {
		if seen[name] {
			return tally{}, &DefinitionError{State: name, In: in, Problem: "entered twice on the costed path (a loop): set Workload.Choices to leave it"}
		}
		seen[name] = true
		s := m.States[name]
		t.transitions++
		next := s.Next
		switch s.Type {
		case "Task":
			e.task(&t, name, s, items)
		case "Wait":
			if s.Seconds != nil {
				t.durationMs += *s.Seconds * 1000
			}
		case "Choice":
			next = s.Default
			if next == "" {
				next = s.Choices[0].Next
			}
			if c, ok := e.w.Choices[name]; ok {
				if _, exists := m.States[c]; !exists {
					return tally{}, &DefinitionError{State: name, In: in, Problem: fmt.Sprintf("Workload.Choices names %q, which is no state here", c)}
				}
				next = c
			}
		case "Parallel":
			for _, b := range s.Branches {
				bt, err := e.walk(b, items, append(append([]string(nil), in...), name))
				if err != nil {
					return tally{}, err
				}
				t.add(bt, 1)
			}
		case "Map":
			if err := e.mapState(&t, name, s, items, in); err != nil {
				return tally{}, err
			}
		case "Succeed", "Fail":
			next = ""
		}
		if s.End {
			next = ""
		}
		name = next
	}
	return t, nil
}

func (e *estimator) task(t *tally, name string, s *state, items float64) {
	attempts := float64(1 + e.w.Retries[name])
	t.transitions += attempts - 1
	if target := lambdaTarget(s); target != "" {
		fn := e.function(target)
		d, byState := e.w.Durations[name]
		per, perByState := e.w.PerItemDurations[name]
		if !byState && !perByState {
			d, per = e.w.Durations[fn.Name], e.w.PerItemDurations[fn.Name]
		}
		if d == 0 && per == 0 {
			d = DefaultDuration
		}
		ms := float64(d)/float64(time.Millisecond) + items*float64(per)/float64(time.Millisecond)
		billed := math.Max(1, math.Ceil(ms-1e-9))
		t.invoke(fn, attempts, attempts*billed/1000*float64(fn.MemoryMB)/1024)
		t.durationMs += attempts * ms
		return
	}
	r := strings.ToLower(s.Resource)
	switch {
	case strings.Contains(r, ":sqs:sendmessage"):
		t.sqs += attempts
	case strings.Contains(r, ":s3:putobject"), strings.Contains(r, ":s3:copyobject"), strings.Contains(r, ":s3:listobjects"):
		t.s3Puts += attempts
	case strings.Contains(r, ":s3:getobject"), strings.Contains(r, ":s3:headobject"):
		t.s3Gets += attempts
	}
}

// iterations is a Map's iteration count for items items reaching it.
func (e *estimator) iterations(name string, items float64) int {
	if n := e.w.MapItems[name]; n > 0 {
		return n
	}
	return int(math.Ceil(items - 1e-9))
}

func (e *estimator) mapState(t *tally, name string, s *state, items float64, in []string) error {
	p := s.Processor()
	n := e.iterations(name, items)
	if n == 0 {
		return nil
	}
	share := items / float64(n) // items one iteration carries
	sub := append(append([]string(nil), in...), name)
	first := len(t.mapRuns) // where this Map's own MapRun goes, before its nested ones
	if !s.Distributed() || e.naive {
		it, err := e.walk(p, share, sub)
		if err != nil {
			return err
		}
		t.add(it, float64(n))
		return nil
	}
	batch := 1
	if b := s.ItemBatcher; b != nil {
		if b.MaxItemsPerBatch != nil {
			batch = int(*b.MaxItemsPerBatch)
		}
		if v := e.w.BatchSizes[name]; v > 0 {
			batch = v
		}
	}
	if r := s.ItemReader; r != nil {
		res := strings.ToLower(r.Resource)
		switch {
		case strings.Contains(res, "listobjects"):
			t.s3Puts += math.Ceil(float64(n) / 1000) // LIST pages of 1,000 keys
		case strings.Contains(res, "getobject"):
			t.s3Gets++
			if r.ReaderConfig != nil && strings.EqualFold(r.ReaderConfig.InputType, "MANIFEST") {
				t.s3Gets++ // the inventory manifest, then its data file
			}
		}
	}
	if s.ResultWriter != nil && s.ResultWriter.Resource != "" {
		t.s3Puts += float64(e.w.ResultWriterPuts)
	}
	express := childExpress(s)
	run := MapRun{State: name, Runs: 1, Items: n, BatchSize: batch, ExecutionType: "STANDARD"}
	if express {
		run.ExecutionType = "EXPRESS"
	}
	groups := []struct {
		count float64
		size  int
	}{{float64(n / batch), batch}}
	if r := n % batch; r > 0 {
		groups = append(groups, struct {
			count float64
			size  int
		}{1, r})
	}
	var children, childTransitions, childMs float64
	for _, g := range groups {
		if g.count == 0 {
			continue
		}
		ct, err := e.walk(p, float64(g.size)*share, sub)
		if err != nil {
			return err
		}
		children += g.count
		childTransitions += g.count * ct.transitions
		if express {
			gbs := e.expressGBs(ct.durationMs)
			childMs += g.count * gbs * 1000 * 1024 / float64(e.w.ExpressMemoryMB)
			ct.transitions = 0 // Express bills requests and duration, not transitions
			ct.expressRequests++
			ct.expressGBs += gbs
		}
		ct.durationMs = 0
		t.add(ct, g.count)
	}
	// One transition of the parent for each child execution started (concepts-transitions).
	t.transitions += children
	t.children += children
	run.ChildExecutions = children
	run.TransitionsPerChild = childTransitions / children
	if express {
		run.BilledMillisecondsPerChild = childMs / children
	}
	// Nested Map Runs were appended by add; this one goes before them.
	t.mapRuns = append(t.mapRuns[:first], append([]MapRun{run}, t.mapRuns[first:]...)...)
	return nil
}

// nonNegative reports every negative value of m, by key in order, as field[key].
func nonNegative[V int | time.Duration](bad func(field string, v any, allowed string), field string, m map[string]V) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] < 0 {
			bad(fmt.Sprintf("%s[%q]", field, k), m[k], "at least 0")
		}
	}
}
