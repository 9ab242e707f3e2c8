package cost

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	arnPrepare = "arn:aws:lambda:us-east-1:123456789012:function:prepare-1a2b3c4"
	arnList    = "arn:aws:lambda:us-east-1:123456789012:function:list-groups-5d6e7f8"
	arnFetch   = "arn:aws:lambda:us-east-1:123456789012:function:fetch-metrics-9a8b7c6"
)

// small is a Standard machine: a Task, an inline Map over groups of one Task (invoked through
// lambda:invoke), and a Distributed Map reading its items from S3, in batches of %d, EXPRESS
// children of one Task, results written to S3.
func small(batch int) []byte {
	return fmt.Appendf(nil, `{
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Task", "Resource": %q, "Next": "Groups"},
    "Groups": {
      "Type": "Map",
      "ItemsPath": "$.groups",
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "List",
        "States": {
          "List": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": %q, "Payload.$": "$"},
            "End": true
          }
        }
      },
      "Next": "Fetch"
    },
    "Fetch": {
      "Type": "Map",
      "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "items.json"}
      },
      "ItemBatcher": {"MaxItemsPerBatch": %d},
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "FetchBatch",
        "States": {
          "FetchBatch": {"Type": "Task", "Resource": %q, "End": true}
        }
      },
      "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "results/"}},
      "End": true
    }
  }
}`, arnPrepare, arnList, batch, arnFetch)
}

var smallFns = map[string]Function{
	arnPrepare: {Name: "prepare"}, // 128 MB x86_64: Lambda's defaults
	arnList:    {Name: "list-groups", MemoryMB: 256, Architecture: "arm64"},
	arnFetch:   {Name: "fetch-metrics", MemoryMB: 1024, Architecture: "arm64"},
}

// smallWorkload: 100 items in 3 groups; list-groups takes 200 ms, fetch-metrics 50 ms plus
// 20 ms per item of its batch, prepare the default 100 ms.
func smallWorkload() Workload {
	return Workload{
		Items:            100,
		MapItems:         map[string]int{"Groups": 3},
		Durations:        map[string]time.Duration{"list-groups": 200 * time.Millisecond, "fetch-metrics": 50 * time.Millisecond},
		PerItemDurations: map[string]time.Duration{"fetch-metrics": 20 * time.Millisecond},
	}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestSmallByHand checks every figure of one run and of a million items against numbers derived
// by hand from DefaultPrices.
func TestSmallByHand(t *testing.T) {
	b, err := Estimate(small(10), smallFns, smallWorkload(), Prices{})
	if err != nil {
		t.Fatal(err)
	}
	u := b.Run.Usage
	// Transitions of the Standard parent:
	//   Prepare                                 1
	//   Groups: the Map 1 + 3 iterations x List 1  4
	//   Fetch: the Map 1 + 1 per child started; 100 items / 10 per batch = 10 children  11
	//   (the EXPRESS children's own transitions are not billed)            = 16
	near(t, "run transitions", u.StateTransitions, 16)
	near(t, "run child executions", u.ChildExecutions, 10)
	near(t, "run Express requests", u.ExpressRequests, 10)
	// Each child runs fetch-metrics on 10 items: 50 + 10 x 20 = 250 ms, billed 300 ms at 64 MB:
	// 0.3 s x 64/1024 GB = 0.01875 GB-s; 10 children = 0.1875 GB-s.
	near(t, "run Express GB-s", u.ExpressGBSeconds, 0.1875)
	want := map[string][2]float64{ // invocations, GB-s
		"prepare":       {1, 0.1 * 0.125},      // 100 ms x 128 MB
		"list-groups":   {3, 3 * 0.2 * 0.25},   // 3 x 200 ms x 256 MB
		"fetch-metrics": {10, 10 * 0.25 * 1.0}, // 10 x 250 ms x 1024 MB
	}
	if len(u.Lambda) != len(want) {
		t.Fatalf("lambda usage %+v, want 3 functions", u.Lambda)
	}
	for _, l := range u.Lambda {
		w, ok := want[l.Function]
		if !ok {
			t.Fatalf("unexpected function %q", l.Function)
		}
		near(t, l.Function+" invocations", l.Invocations, w[0])
		near(t, l.Function+" GB-s", l.GBSeconds, w[1])
	}
	near(t, "run S3 GETs (ItemReader)", u.S3GetRequests, 1)
	near(t, "run S3 PUTs (ResultWriter)", u.S3PutRequests, DefaultResultWriterPuts)

	// Dollars, rounded to 1e-6:
	//   transitions 16 x 0.000025 = 0.0004; Express requests 10 x 0.000001 = 0.00001;
	//   Express duration 0.1875 x 0.0000166667 = 0.000003125; Lambda requests 14 x 0.0000002 =
	//   0.0000028; orchestration = 0.000415925 -> 0.000416.
	o := b.Run.Orchestration
	near(t, "run transitions $", o.StateTransitions, 0.0004)
	near(t, "run Express requests $", o.ExpressRequests, 0.00001)
	near(t, "run Express duration $", o.ExpressDuration, 0.000003)
	near(t, "run Lambda requests $", o.LambdaRequests, 0.000003)
	near(t, "run orchestration $", o.Total, 0.000416)
	//   compute: prepare 0.0125 x 0.0000166667 = 0.000000208; list-groups 0.15 x 0.0000133334 =
	//   0.000002; fetch-metrics 2.5 x 0.0000133334 = 0.0000333335; total 0.0000355418 -> 0.000036.
	near(t, "run compute $", b.Run.Compute.Total, 0.000036)
	near(t, "run fetch-metrics $", b.Run.Compute.Functions["fetch-metrics"], 0.000033)
	//   data: 1 GET x 0.0000004 + 4 PUT x 0.000005 = 0.0000204 -> 0.00002.
	near(t, "run data $", b.Run.Data.Total, 0.00002)
	//   total 0.000415925 + 0.0000355418 + 0.0000204 = 0.0004718669 -> 0.000472.
	near(t, "run total $", b.Run.Total, 0.000472)

	// Per million items: 3 groups per 100 items scale to 30,000; 1,000,000 / 10 = 100,000
	// children. Transitions 1 + (1 + 30,000) + (1 + 100,000) = 130,003 -> $3.250075; Express
	// 100,000 requests -> $0.1 and 1,875 GB-s -> $0.0312500625; Lambda 1 + 30,000 + 100,000 =
	// 130,001 requests -> $0.0260002. Orchestration $3.4073252625 -> 3.407325.
	pm := b.PerMillionItems
	near(t, "per-million transitions", pm.Usage.StateTransitions, 130003)
	near(t, "per-million children", pm.Usage.ChildExecutions, 100000)
	near(t, "per-million orchestration $", pm.Orchestration.Total, 3.407325)
	// Naive: Fetch is an inline Map of 1,000,000 iterations, one invocation each.
	// Transitions 1 + (1 + 30,000) + (1 + 1,000,000) = 1,030,003 -> $25.750075; Lambda
	// 1,030,001 requests -> $0.2060002. Orchestration $25.9560752 -> 25.956075.
	npm := b.Naive.PerMillionItems
	near(t, "naive per-million transitions", npm.Usage.StateTransitions, 1030003)
	near(t, "naive per-million Express requests", npm.Usage.ExpressRequests, 0)
	near(t, "naive per-million orchestration $", npm.Orchestration.Total, 25.956075)
	// Naive data: no ItemReader, no ResultWriter.
	near(t, "naive per-million data $", npm.Data.Total, 0)
	// Ratio 25.9560752 / 3.4073252625 = 7.617727...
	near(t, "ratio", b.Ratio, 7.617727)

	if len(b.MapRuns) != 1 {
		t.Fatalf("map runs %+v, want one", b.MapRuns)
	}
	r := b.MapRuns[0]
	if r.State != "Fetch" || r.Items != 100 || r.BatchSize != 10 || r.ChildExecutions != 10 || r.ExecutionType != "EXPRESS" || r.TransitionsPerChild != 1 || r.BilledMillisecondsPerChild != 300 {
		t.Errorf("map run %+v", r)
	}
	if b.Month != nil {
		t.Errorf("Estimate set Month %+v; only Marshal knows the schedule", b.Month)
	}
}

// TestBatchSizeChangesChildren: 100 items in batches of 30 are 3 full children and one of 10,
// each billed at its own duration.
func TestBatchSizeChangesChildren(t *testing.T) {
	for _, c := range []struct {
		batch    int
		children float64
		gbs      float64 // Express GB-s of the run
	}{
		{10, 10, 10 * 0.3 * 0.0625},
		// 3 x (50 + 30 x 20 = 650 ms, billed 700) + 1 x (50 + 10 x 20 = 250 ms, billed 300).
		{30, 4, (3*0.7 + 0.3) * 0.0625},
		// 1 x (50 + 100 x 20 = 2,050 ms, billed 2,100).
		{100, 1, 2.1 * 0.0625},
		// 100 x (50 + 20 = 70 ms, billed 100).
		{1, 100, 100 * 0.1 * 0.0625},
	} {
		b, err := Estimate(small(c.batch), smallFns, smallWorkload(), Prices{})
		if err != nil {
			t.Fatal(err)
		}
		u := b.Run.Usage
		near(t, fmt.Sprintf("batch %d children", c.batch), u.ChildExecutions, c.children)
		near(t, fmt.Sprintf("batch %d transitions", c.batch), u.StateTransitions, 1+4+1+c.children)
		near(t, fmt.Sprintf("batch %d Express GB-s", c.batch), u.ExpressGBSeconds, c.gbs)
		// fetch-metrics works 100 items x 20 ms plus 50 ms per invocation, at 1 GB.
		for _, l := range u.Lambda {
			if l.Function == "fetch-metrics" {
				near(t, fmt.Sprintf("batch %d fetch GB-s", c.batch), l.GBSeconds, (100*0.020+c.children*0.050)*1)
			}
		}
	}
	// A workload override wins over the definition's MaxItemsPerBatch.
	w := smallWorkload()
	w.BatchSizes = map[string]int{"Fetch": 25}
	b, err := Estimate(small(10), smallFns, w, Prices{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "override children", b.Run.Usage.ChildExecutions, 4)
}

// TestRatioGrowsWithBatchSize prints the per-million figures for batch sizes 1, 10 and 100 and
// checks that batching makes the naive design relatively worse.
func TestRatioGrowsWithBatchSize(t *testing.T) {
	prev := 0.0
	for _, batch := range []int{1, 10, 100} {
		b, err := Estimate(small(batch), smallFns, smallWorkload(), Prices{})
		if err != nil {
			t.Fatal(err)
		}
		pm, n := b.PerMillionItems, b.Naive.PerMillionItems
		t.Logf("batch %3d per million items: ours orchestration $%.6f (transitions $%.6f, Express $%.6f + $%.6f, Lambda requests $%.6f), compute $%.6f, data $%.6f, total $%.6f; naive orchestration $%.6f, total $%.6f; ratio %.3f",
			batch, pm.Orchestration.Total, pm.Orchestration.StateTransitions, pm.Orchestration.ExpressRequests, pm.Orchestration.ExpressDuration, pm.Orchestration.LambdaRequests,
			pm.Compute.Total, pm.Data.Total, pm.Total, n.Orchestration.Total, n.Total, b.Ratio)
		if b.Ratio <= prev {
			t.Errorf("batch %d: ratio %v does not grow (previous %v)", batch, b.Ratio, prev)
		}
		prev = b.Ratio
		// The naive design does not depend on the batch size.
		near(t, fmt.Sprintf("batch %d naive orchestration", batch), n.Orchestration.Total, 25.956075)
	}
}

// TestExpressMachine: an EXPRESS state machine is one request plus its duration; no
// transitions.
func TestExpressMachine(t *testing.T) {
	def := []byte(`{"StartAt":"A","States":{
	  "A":{"Type":"Task","Resource":"` + arnPrepare + `","Next":"W"},
	  "W":{"Type":"Wait","Seconds":1,"Next":"B"},
	  "B":{"Type":"Task","Resource":"` + arnPrepare + `","End":true}}}`)
	b, err := Estimate(def, smallFns, Workload{Type: "EXPRESS", Items: 1}, Prices{})
	if err != nil {
		t.Fatal(err)
	}
	u := b.Run.Usage
	near(t, "transitions", u.StateTransitions, 0)
	near(t, "requests", u.ExpressRequests, 1)
	// 100 + 1,000 + 100 ms = 1,200 ms at 64 MB = 0.075 GB-s.
	near(t, "GB-s", u.ExpressGBSeconds, 1.2*0.0625)
	// The naive design is Standard: 3 transitions.
	near(t, "naive transitions", b.Naive.Run.Usage.StateTransitions, 3)
}

// TestChoicesRetriesAndData: a Choice follows Default unless told; retries add transitions and
// invocations; per-item data requests are counted for every item.
func TestChoicesRetriesAndData(t *testing.T) {
	def := []byte(`{"StartAt":"Route","States":{
	  "Route":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"Other"}],"Default":"Work"},
	  "Other":{"Type":"Pass","Next":"Work"},
	  "Work":{"Type":"Task","Resource":"` + arnPrepare + `","Next":"Send"},
	  "Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody.$":"$"},"End":true}}}`)
	w := Workload{Items: 10, PerItem: PerItem{S3Puts: 2, S3Gets: 1, SqsRequests: 3}}
	b, err := Estimate(def, smallFns, w, Prices{})
	if err != nil {
		t.Fatal(err)
	}
	u := b.Run.Usage
	near(t, "default path transitions", u.StateTransitions, 3) // Route, Work, Send
	near(t, "SQS", u.SqsRequests, 1+10*3)
	near(t, "S3 PUT", u.S3PutRequests, 20)
	near(t, "S3 GET", u.S3GetRequests, 10)
	w.Choices = map[string]string{"Route": "Other"}
	w.Retries = map[string]int{"Work": 2}
	b, err = Estimate(def, smallFns, w, Prices{})
	if err != nil {
		t.Fatal(err)
	}
	u = b.Run.Usage
	near(t, "other path with retries", u.StateTransitions, 1+1+3+1) // Route, Other, Work x3, Send
	near(t, "invocations with retries", u.Lambda[0].Invocations, 3)
}

// TestPricesOverride: a zero field keeps its default, a set one is used.
func TestPricesOverride(t *testing.T) {
	b, err := Estimate(small(10), smallFns, smallWorkload(), Prices{StandardTransition: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "transitions $", b.Run.Orchestration.StateTransitions, 16*0.001)
	near(t, "Express requests $ (default price)", b.Run.Orchestration.ExpressRequests, 0.00001)
}

func TestRejectsMalformedDefinitions(t *testing.T) {
	task := `{"Type":"Task","Resource":"` + arnPrepare + `","End":true}`
	for _, c := range []struct {
		name, def string
		w         Workload
		want      []string // every one must appear in the error
	}{
		{"not JSON", `{"StartAt":`, Workload{}, []string{"not valid ASL JSON"}},
		{"no states", `{"StartAt":"A","States":{}}`, Workload{}, []string{"no States"}},
		{"StartAt missing", `{"StartAt":"B","States":{"A":` + task + `}}`, Workload{}, []string{`StartAt "B" names no state`}},
		{"dangling Next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`, Workload{}, []string{`state "A"`, `Next "Nowhere"`}},
		{"neither Next nor End", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`, Workload{}, []string{`state "A"`, "neither Next nor End"}},
		{"unknown type", `{"StartAt":"A","States":{"A":{"Type":"Loop","End":true}}}`, Workload{}, []string{`state "A"`, `unknown Type "Loop"`}},
		{"Map without processor", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true}}}`, Workload{}, []string{`state "M"`, "no ItemProcessor"}},
		{"nested Task without Resource", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","End":true}}},"End":true}}}`, Workload{}, []string{`state "T" (in "M")`, "no Resource"}},
		{"batch size by path only", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemBatcher":{"MaxItemsPerBatchPath":"$.n"},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"T","States":{"T":` + task + `}},"End":true}}}`, Workload{}, []string{`state "M"`, `Workload.BatchSizes["M"]`}},
		{"batch size zero", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemBatcher":{"MaxItemsPerBatch":0},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"T","States":{"T":` + task + `}},"End":true}}}`, Workload{}, []string{`state "M"`, "at least 1, got 0"}},
		{"two problems at once", `{"StartAt":"A","States":{"A":{"Type":"Task","Next":"B"},"B":{"Type":"Choice","Choices":[]}}}`, Workload{}, []string{`state "A"`, `state "B"`, "no Resource", "no Choices"}},
		{"loop", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"Done"}],"Default":"A"},"Done":{"Type":"Succeed"}}}`, Workload{}, []string{`state "A"`, "loop", "Workload.Choices"}},
		{"choice override to nowhere", `{"StartAt":"B","States":{"B":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"Done"}]},"Done":{"Type":"Succeed"}}}`, Workload{Choices: map[string]string{"B": "Gone"}}, []string{`state "B"`, `"Gone"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Estimate([]byte(c.def), nil, c.w, Prices{})
			if err == nil {
				t.Fatal("accepted")
			}
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Errorf("error %v is not a *DefinitionError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestRejectsBadWorkload(t *testing.T) {
	_, err := Estimate(small(10), smallFns, Workload{Items: -1, MapItems: map[string]int{"Groups": -3}, Type: "FAST"}, Prices{SqsRequest: -1})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range []string{"Workload.Items must be at least 0, got -1", `Workload.MapItems["Groups"]`, "Workload.Type must be STANDARD or EXPRESS, got FAST", "Prices.SqsRequest"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

// TestConsumersAndItemsByHand: functions outside the workflow are priced per item, every
// request type is itemised with its count, unit price and cost, sorted by cost, and the
// largest is named.
func TestConsumersAndItemsByHand(t *testing.T) {
	w := smallWorkload()
	w.PerItem = PerItem{S3Puts: 1, S3Events: 1, LogBytes: 2000, Traces: 0.1}
	w.Consumers = []Consumer{
		// SQS batches of 10 items: 20 ms a batch plus 3 ms an item, at 256 MB arm64.
		{Name: "transform", InvocationsPerItem: 0.1, MemoryMB: 256, Architecture: "arm64", Duration: 20 * time.Millisecond, PerItemDuration: 3 * time.Millisecond},
		// A workflow function also consuming a queue: the plan's memory and architecture
		// (1 GB arm64), DefaultDuration.
		{Name: "fetch-metrics", InvocationsPerItem: 0.01},
	}
	b, err := Estimate(small(10), smallFns, w, Prices{})
	if err != nil {
		t.Fatal(err)
	}
	u := b.Run.Usage
	want := map[string][2]float64{ // invocations, GB-s
		"prepare":       {1, 0.1 * 0.125},
		"list-groups":   {3, 3 * 0.2 * 0.25},
		"fetch-metrics": {10 + 1, 10*0.25*1.0 + 1*0.1*1.0}, // + 100 x 0.01 invocations of 100 ms at 1 GB
		"transform":     {10, 10 * 0.050 * 0.25},           // 100 x 0.1 invocations of 20 + 10 x 3 = 50 ms at 256 MB
	}
	if len(u.Lambda) != len(want) {
		t.Fatalf("lambda usage %+v, want 4 functions", u.Lambda)
	}
	for _, l := range u.Lambda {
		near(t, l.Function+" invocations", l.Invocations, want[l.Function][0])
		near(t, l.Function+" GB-s", l.GBSeconds, want[l.Function][1])
	}
	near(t, "S3 events", u.S3Events, 100)
	near(t, "S3 PUTs", u.S3PutRequests, 100+DefaultResultWriterPuts)

	// Every item of the run, by hand from DefaultPrices, rounded to 1e-6:
	//   s3Put 104 x 0.000005 = 0.00052; stateTransitions 16 x 0.000025 = 0.0004;
	//   logsIngested 100 x 2,000 bytes = 0.0002 GB x $0.50 = 0.0001;
	//   xrayTraces 100 x 0.1 = 10 x $0.000005 = 0.00005;
	//   lambdaGBSeconds:fetch-metrics 2.6 x 0.0000133334 = 0.0000346668 -> 0.000035;
	//   expressRequests 10 x 0.000001 = 0.00001; lambdaRequests:fetch-metrics 11 x 0.0000002 =
	//   0.0000022 -> 0.000002; lambdaRequests:transform 10 x 0.0000002 -> 0.000002;
	//   expressGBSeconds 0.1875 x 0.0000166667 -> 0.000003;
	//   lambdaGBSeconds:list-groups 0.15 x 0.0000133334 (arm64) = 0.000002;
	//   lambdaGBSeconds:transform 0.125 x 0.0000133334 = 0.00000166668 -> 0.000002;
	//   s3Get 1 x 0.0000004 -> 0; lambdaRequests:list-groups 3 x 0.0000002 -> 0.000001;
	//   lambdaGBSeconds:prepare 0.0125 x 0.0000166667 -> 0; lambdaRequests:prepare -> 0;
	//   sqsRequests 0; s3Events 100 x $0 (free).
	type row struct {
		key   string
		count float64
		price float64
		cost  float64
	}
	rows := []row{
		{"s3Put", 104, 0.000005, 0.00052},
		{"stateTransitions", 16, 0.000025, 0.0004},
		{"logsIngested", 0.0002, 0.5, 0.0001},
		{"xrayTraces", 10, 0.000005, 0.00005},
		{"lambdaGBSeconds:fetch-metrics", 2.6, 0.0000133334, 0.000035},
		{"expressRequests", 10, 0.000001, 0.00001},
		{"expressGBSeconds", 0.1875, 0.0000166667, 0.000003},
		{"lambdaGBSeconds:list-groups", 0.15, 0.0000133334, 0.000002},
		{"lambdaGBSeconds:transform", 0.125, 0.0000133334, 0.000002},
		{"lambdaRequests:fetch-metrics", 11, 0.0000002, 0.000002},
		{"lambdaRequests:transform", 10, 0.0000002, 0.000002},
		{"lambdaRequests:list-groups", 3, 0.0000002, 0.000001},
		{"lambdaGBSeconds:prepare", 0.0125, 0.0000166667, 0},
		{"lambdaRequests:prepare", 1, 0.0000002, 0},
		{"s3Events", 100, 0, 0},
		{"s3Get", 1, 0.0000004, 0},
		{"sqsRequests", 0, 0.0000004, 0},
	}
	items := b.Run.Items
	if len(items) != len(rows) {
		t.Fatalf("%d items, want %d: %+v", len(items), len(rows), items)
	}
	sum := 0.0
	for i, r := range rows {
		it := items[i]
		if it.Key() != r.key {
			t.Errorf("item %d is %s, want %s", i, it.Key(), r.key)
			continue
		}
		near(t, r.key+" count", it.Count, r.count)
		near(t, r.key+" unit price", it.UnitPrice, r.price)
		near(t, r.key+" cost", it.Cost, r.cost)
		sum += it.Cost
	}
	if b.Run.Largest != "s3Put" {
		t.Errorf("largest %q, want s3Put", b.Run.Largest)
	}
	if items[14].Free == "" || !strings.Contains(items[14].Free, "eventbridge/pricing") {
		t.Errorf("s3Events is not marked free with its source: %+v", items[14])
	}
	near(t, "observability $", b.Run.Observability, 0.00015)
	if math.Abs(sum-b.Run.Total) > 1e-5 {
		t.Errorf("items sum to %v, total %v", sum, b.Run.Total)
	}
	// Orchestration gains the consumers' 11 requests: 0.000415925 + 11 x 0.0000002 = 0.000418125.
	near(t, "orchestration $", b.Run.Orchestration.Total, 0.000418)
	// Per million items: 1,000,000 x 1 PUT + 4 = $5.00002 is the largest; transform 100,000
	// invocations of 50 ms at 256 MB = 1,250 GB-s.
	if b.PerMillionItems.Largest != "s3Put" {
		t.Errorf("per-million largest %q", b.PerMillionItems.Largest)
	}
	for _, it := range b.PerMillionItems.Items {
		switch it.Key() {
		case "s3Put":
			near(t, "per-million s3Put $", it.Cost, 5.00002)
		case "lambdaGBSeconds:transform":
			near(t, "per-million transform GB-s", it.Count, 1250)
		case "lambdaRequests:transform":
			near(t, "per-million transform requests $", it.Cost, 0.02)
		case "logsIngested": // 2 x 10^9 bytes
			near(t, "per-million logs $", it.Cost, 1)
		}
	}
	// The ratio compares the workflows: the consumers cost the same in both designs.
	near(t, "ratio", b.Ratio, 7.617727)
}

func TestRejectsBadConsumers(t *testing.T) {
	w := smallWorkload()
	w.PerItem.S3Events = -1
	w.Consumers = []Consumer{
		{Name: "ok", InvocationsPerItem: 1},
		{InvocationsPerItem: 0, MemoryMB: 64, Architecture: "arm", Duration: -time.Millisecond, PerItemDuration: -time.Millisecond},
		{Name: "many", InvocationsPerItem: 1001},
	}
	_, err := Estimate(small(10), smallFns, w, Prices{})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, s := range []string{
		"Workload.PerItem must be at least 0 in every field",
		`Workload.Consumers[1].Name must be a function's logical name, got ""`,
		"Workload.Consumers[1].InvocationsPerItem must be above 0 and at most 1000, got 0",
		"Workload.Consumers[1].MemoryMB must be 0 (the function's) or 128..10240, got 64",
		`Workload.Consumers[1].Architecture must be "" (the function's), "arm64" or "x86_64", got "arm"`,
		"Workload.Consumers[1].Duration must be at least 0, got -1ms",
		"Workload.Consumers[1].PerItemDuration must be at least 0, got -1ms",
		"Workload.Consumers[2].InvocationsPerItem must be above 0 and at most 1000, got 1001",
	} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if strings.Contains(err.Error(), "Consumers[0]") {
		t.Errorf("a valid consumer is reported: %v", err)
	}
	// A consumer that is a function of the plan cannot have another memory or architecture.
	w = smallWorkload()
	w.Consumers = []Consumer{{Name: "fetch-metrics", InvocationsPerItem: 1, MemoryMB: 512, Architecture: "x86_64"}, {Name: "fetch-metrics", InvocationsPerItem: 1, MemoryMB: 1024, Architecture: "arm64"}}
	_, err = Estimate(small(10), smallFns, w, Prices{})
	for _, s := range []string{
		"Workload.Consumers[0].MemoryMB must be 0 or the 1024 of function fetch-metrics, got 512",
		`Workload.Consumers[0].Architecture must be "" or the "arm64" of function fetch-metrics, got "x86_64"`,
	} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %v does not say %q", err, s)
		}
	}
	if err != nil && strings.Contains(err.Error(), "Consumers[1]") {
		t.Errorf("an agreeing consumer is reported: %v", err)
	}
}

// TestPriceFieldsListEveryPrice: withDefaults and validate walk Prices.fields, which must name
// every field of Prices, so a price added later gets its default and its check.
func TestPriceFieldsListEveryPrice(t *testing.T) {
	var p Prices
	typ := reflect.TypeOf(p)
	fields := p.fields()
	if len(fields) != typ.NumField() {
		t.Fatalf("fields lists %d prices, Prices has %d", len(fields), typ.NumField())
	}
	for i, f := range fields {
		if f.name != typ.Field(i).Name {
			t.Errorf("fields[%d] is %s, Prices' field %d is %s", i, f.name, i, typ.Field(i).Name)
		}
	}
	if got := (Prices{}).WithDefaults(); got != DefaultPrices() {
		t.Errorf("zero prices with defaults %+v", got)
	}
	if err := (Prices{DashboardMonth: -1}).validate(); err == nil || !strings.Contains(err.Error(), "Prices.DashboardMonth must be positive, got -1") {
		t.Errorf("validate: %v", err)
	}
}
