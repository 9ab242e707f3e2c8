package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
	"github.com/skeinhq/skein/infra/local"
)

// The dev stage's own program and handlers, with faults injected everywhere: devices whose
// metrics always fail (404), a 429 storm while the export runs, SQS delivering a fifth of the
// transform's messages twice, and raw records the transform can never use. Nothing may be
// lost, every failure is captured with its error, no device has two ok records, the vendor never
// sees more calls at once than the budget, and a re-run of the day writes the same bytes.
func TestFaultsLoseNothing(t *testing.T) {
	env := start(t, local.Options{
		Date: "2026-11-23", Groups: 6, DevicesPerGroup: 20, Latency: 2 * time.Millisecond,
		FailFraction: 0.05, Storms: []vendortest.Window{{After: 150 * time.Millisecond, For: 300 * time.Millisecond}},
		RetryAfter: -1, DuplicateFraction: 0.2, PoisonFraction: 0.03, Seed: 7, KeepObjects: true,
	})
	ctx := context.Background()
	rep, err := env.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Summary
	t.Logf("summary %+v; vendor %+v; transform %+v", s, rep.Vendor, rep.Transform)
	if rep.ExecutionError != nil {
		t.Fatalf("the export failed: %v", rep.ExecutionError)
	}
	if s.Items != 120 || s.Lost != 0 || s.Succeeded+s.Failed != s.Items {
		t.Fatalf("summary %+v, lost %v", s, rep.Lost)
	}
	if s.PeakConcurrency > int64(s.MaxConcurrency) {
		t.Errorf("the vendor saw %d calls at once, budget %d", s.PeakConcurrency, s.MaxConcurrency)
	}
	if rep.Vendor.Throttled == 0 {
		t.Error("the storm throttled nothing: the test does not test retries")
	}
	if rep.Transform.Duplicates == 0 {
		t.Errorf("no duplicates injected: %+v", rep.Transform)
	}
	failing := map[string]bool{}
	for _, d := range env.Vendor.FailingDevices() {
		failing[d] = true
		c, ok := rep.Captured[d]
		if !ok || c.Where != "failed" || c.Error != "ClientError" || !strings.Contains(c.Cause, "404") {
			t.Errorf("failing device %s: captured %+v", d, c)
		}
	}
	poisoned := 0
	for d, c := range rep.Captured {
		if c.Where == "transform" {
			poisoned++
			// the real transform refused the poisoned record (local.PoisonBody), alone
			if failing[d] || !env.Poisoned(d) || c.Error != "InputError" || !strings.Contains(c.Location, "processed/") {
				t.Errorf("%s failed at the transform: %+v", d, c)
			}
		}
	}
	if poisoned == 0 || len(rep.Captured) != s.Failed || rep.Transform.DeadLettered != 0 {
		t.Errorf("%d poisoned devices, %d captured, summary %+v, transform %+v", poisoned, len(rep.Captured), s, rep.Transform)
	}
	// One processed part per raw part, one processed record per raw record; one ok record at
	// most per device.
	if len(rep.Processed) != len(rep.Raw) || rep.Records["processed"] != rep.Records["raw"] || rep.Records["raw"] != s.Items || len(rep.DuplicateOK) != 0 {
		t.Errorf("%d raw parts, %d processed; records %v; devices with two ok records %v", len(rep.Raw), len(rep.Processed), rep.Records, rep.DuplicateOK)
	}
	// PUTs and GETs per batch, not per device: fewer in all than devices, even with retries.
	if rep.S3.Puts+rep.S3.Gets >= int64(s.Items) {
		t.Errorf("S3 requests %+v for %d devices in %d parts", rep.S3, s.Items, len(rep.Raw))
	}

	// Re-running the day overwrites the same keys with the same bytes.
	again, err := env.Run(ctx)
	if err != nil || again.ExecutionError != nil {
		t.Fatal(err, again.ExecutionError)
	}
	if again.Summary.Lost != 0 || len(again.Raw) != len(rep.Raw) || len(again.Processed) != len(rep.Processed) {
		t.Fatalf("re-run: %+v (%d raw, %d processed)", again.Summary, len(again.Raw), len(again.Processed))
	}
	for k, b := range rep.Raw {
		if !bytes.Equal(again.Raw[k], b) {
			t.Errorf("a re-run changed %s", k)
		}
	}
	for k, b := range rep.Processed {
		if !bytes.Equal(again.Processed[k], b) {
			t.Errorf("a re-run changed %s", k)
		}
	}
}

// A re-run of the day with skipExisting fetches only the devices captured under failed/: its
// manifest lacks every device stored ok, read from the day's raw parts (one GET per part, no
// request per device), and no device gets a second ok record.
func TestRerunFetchesOnlyFailedItems(t *testing.T) {
	// A tenth of the devices fail: above the stage's 5%, so the run tolerates 20% here.
	env, rep, failing := runWithFailures(t, local.Options{Date: "2026-11-24", Groups: 3, DevicesPerGroup: 20, Latency: -1, FailFraction: 0.1, Seed: 3,
		Config: map[string]string{"pipeline:toleratedFailurePercent": "20"}})
	ctx := context.Background()
	before := env.Vendor.Stats().Calls[vendortest.EndpointMetrics]
	again, err := env.Rerun(ctx, rep)
	if err != nil || again.ExecutionError != nil {
		t.Fatal(err, again.ExecutionError)
	}
	if got := env.Vendor.Stats().Calls[vendortest.EndpointMetrics] - before; got != int64(len(failing)) {
		t.Errorf("the re-run made %d metric calls, want %d", got, len(failing))
	}
	if again.Summary.Lost != 0 || again.Summary.Failed != len(failing) {
		t.Errorf("re-run summary %+v", again.Summary)
	}
	// The re-run wrote its own parts (the failing devices again refused: failed records only),
	// one event each.
	newParts := len(again.Raw) - len(rep.Raw)
	if newParts < 1 || again.Transform.Messages != newParts || again.Records["ok"] != rep.Records["ok"] || len(again.DuplicateOK) != 0 {
		t.Errorf("the re-run wrote %d parts, sent %d transform messages; ok records %d then %d; duplicates %v",
			newParts, again.Transform.Messages, rep.Records["ok"], again.Records["ok"], again.DuplicateOK)
	}
	// merge-manifests: the 3 group manifests and each of the first run's parts (then the
	// check: the ResultWriter's manifest and its one result file); each new batch: its own part
	// (skipExisting); the transform: each new part. None per device.
	if want := int64(3 + len(rep.Raw) + 2 + 2*newParts); again.S3.Gets != want || again.S3.Lists != 1 {
		t.Errorf("the re-run made %d GETs and %d LISTs, want %d and 1", again.S3.Gets, again.S3.Lists, want)
	}
}

// A vendor that refuses more devices than the stage tolerates fails the run (CheckFailures), even
// though every refused device is captured and no batch failed.
func TestTooManyCapturedFailuresFailTheRun(t *testing.T) {
	env := start(t, local.Options{Date: "2026-11-24", Groups: 3, DevicesPerGroup: 20, Latency: -1, FailFraction: 1, Seed: 3})
	rep, err := env.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExecutionError == nil || !strings.Contains(rep.ExecutionError.Error(), "TooManyFailuresError") || !strings.Contains(rep.ExecutionError.Error(), "60 of 60 items") {
		t.Errorf("execution error %v", rep.ExecutionError)
	}
	if rep.Summary.Succeeded != 0 || rep.Summary.Lost != 0 || rep.Summary.Failed != 60 {
		t.Errorf("summary %+v", rep.Summary)
	}
}

// Transient failures (HTTP 503 after every retry) land with their batch in the FAILED files; a
// redrive from those files fetches only the devices that did not make it.
func TestRedriveFetchesOnlyFailedItems(t *testing.T) {
	env, rep, failing := runWithFailures(t, local.Options{Date: "2026-11-24", Groups: 3, DevicesPerGroup: 20, Latency: -1, FailFraction: 0.1, FailStatus: 503, Seed: 3,
		Config: map[string]string{"pipeline:toleratedFailurePercent": "100"}})
	ctx := context.Background()
	for _, d := range failing {
		if c := rep.Captured[d]; c.Where != "results" || c.Error != "RetryableBatchError" {
			t.Errorf("%s captured as %+v", d, c)
		}
	}
	before := env.Vendor.Stats().Calls[vendortest.EndpointMetrics]
	// Each failing device took the same number of attempts (client retries x Task retries) in
	// the first run; the redrive repeats exactly those, and nothing for the stored devices.
	attempts := before - int64(rep.Summary.Succeeded)
	red, err := env.Redrive(ctx, rep)
	if err != nil || red.ExecutionError != nil {
		t.Fatal(err, red.ExecutionError)
	}
	if got := env.Vendor.Stats().Calls[vendortest.EndpointMetrics] - before; got != attempts || attempts%int64(len(failing)) != 0 {
		t.Errorf("the redrive made %d metric calls, want %d (%d failing devices)", got, attempts, len(failing))
	}
	if len(red.DuplicateOK) != 0 || red.Summary.Lost != 0 {
		t.Errorf("after the redrive: devices with two ok records %v, summary %+v", red.DuplicateOK, red.Summary)
	}
}

// When the failures exceed the tolerance the Map run fails, and still nothing is lost: the
// failed batches are in FAILED files and the ones never started in PENDING files, each with its
// items, where a redrive picks them up.
func TestToleranceExceededLosesNothing(t *testing.T) {
	_, rep := toleranceExceeded(t, local.Options{Date: "2026-11-25", Groups: 4, DevicesPerGroup: 25, Latency: time.Millisecond,
		FailFraction: 0.2, FailStatus: 500, Seed: 11, Config: map[string]string{"pipeline:toleratedFailurePercent": "5"}})
	if s := rep.Summary; s.Lost != 0 || s.Failed == 0 || s.Succeeded+s.Failed != s.Items {
		t.Fatalf("summary %+v, lost %v", s, rep.Lost)
	}
	pending := 0
	for d, c := range rep.Captured {
		if c.Where != "results" || c.Location == "" {
			t.Errorf("%s captured as %+v", d, c)
		}
		if c.Error == "" {
			pending++ // a PENDING record: never run, so no error
		}
	}
	if pending == 0 {
		t.Error("no PENDING items: the run did not stop early, the test tests nothing")
	}
}

// toleranceExceeded runs one day whose transient failures must exceed the Map's tolerance.
func toleranceExceeded(t *testing.T, o local.Options) (*local.Environment, *local.Report) {
	t.Helper()
	env := start(t, o)
	rep, err := env.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExecutionError == nil || !strings.Contains(rep.ExecutionError.Error(), "States.ExceedToleratedFailureThreshold") {
		t.Fatalf("execution error %v, want the Map's tolerance exceeded", rep.ExecutionError)
	}
	return env, rep
}

// runWithFailures runs one day and checks that exactly the vendor's failing devices failed and
// nothing was lost.
func runWithFailures(t *testing.T, o local.Options) (*local.Environment, *local.Report, []string) {
	t.Helper()
	env := start(t, o)
	rep, err := env.Run(context.Background())
	if err != nil || rep.ExecutionError != nil {
		t.Fatal(err, rep.ExecutionError)
	}
	failing := env.Vendor.FailingDevices()
	if len(failing) == 0 || rep.Summary.Failed != len(failing) || rep.Summary.Lost != 0 {
		t.Fatalf("summary %+v with %d failing devices", rep.Summary, len(failing))
	}
	return env, rep, failing
}

// start starts a local environment that the test closes when it ends.
func start(t *testing.T, o local.Options) *local.Environment {
	t.Helper()
	env, err := local.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}

func TestProcsHonoursTheEnvironmentElseAtLeastMinProcs(t *testing.T) {
	t.Setenv("GOMAXPROCS", "3")
	if got := local.Procs(); got != 3 {
		t.Errorf("GOMAXPROCS=3: Procs() = %d, want 3", got)
	}
	for _, v := range []string{"", "0", "-2", "many"} {
		t.Setenv("GOMAXPROCS", v)
		if got := local.Procs(); got < local.MinProcs || got < runtime.GOMAXPROCS(0) {
			t.Errorf("GOMAXPROCS=%q: Procs() = %d, want at least max(%d, %d)", v, got, local.MinProcs, runtime.GOMAXPROCS(0))
		}
	}
}

// withinBudget checks what every budget test needs: nothing lost, every device accounted for,
// the vendor never above its concurrency or its rate, and no 429 the pipeline caused itself
// (only storms may throttle).
func withinBudget(t *testing.T, rep *local.Report) {
	t.Helper()
	s := rep.Summary
	t.Logf("summary %+v; vendor %+v; functions %+v; refetch %+v", s, rep.Vendor, rep.Functions, rep.Refetch)
	if rep.ExecutionError != nil {
		t.Errorf("an execution failed: %v", rep.ExecutionError)
	}
	if s.Lost != 0 || s.Succeeded+s.Failed != s.Items {
		t.Errorf("lost %d: %v", s.Lost, rep.Lost)
	}
	if s.OverBudget() || s.RateLimit == 0 {
		t.Errorf("the vendor saw %d calls at once (concurrency %d) and %d in a window (rate %d)", s.PeakConcurrency, s.MaxConcurrency, s.PeakRate, s.RateLimit)
	}
	if rep.Vendor.OverLimit != 0 || rep.Vendor.OverRate != 0 {
		t.Errorf("the pipeline itself caused 429s: %d over the concurrency, %d over the rate", rep.Vendor.OverLimit, rep.Vendor.OverRate)
	}
	if rep.Refetch.Deleted+rep.Refetch.DeadLettered != rep.Refetch.Messages {
		t.Errorf("refetch messages neither processed nor dead-lettered: %+v", rep.Refetch)
	}
}

// Three executions of the same day at once, and the refetch queue's consumer beside them, all
// draw on one vendor budget whose rate binds (400 calls a second, where 10 calls at once at
// 2 ms could make 5,000): the vendor worker's reserved concurrency throttles the surplus
// invocations, the workflow retries them, and nothing is lost.
func TestOverlappingRunsAndAConsumerShareOneBudget(t *testing.T) {
	env := start(t, local.Options{Date: "2026-11-26", Groups: 6, DevicesPerGroup: 20, Latency: 2 * time.Millisecond,
		FailFraction: 0.05, Seed: 4, Runs: 3, Refetch: 40, Config: map[string]string{local.KeyVendorRate: "400/s"}})
	rep, err := env.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	withinBudget(t, rep)
	if s := rep.Summary; s.Runs != 3 || s.RateLimit != 400 || s.Failed != len(env.Vendor.FailingDevices()) {
		t.Errorf("summary %+v", s)
	}
	// The failing devices answer 404: captured under failed/, their batches succeed.
	if rep.Refetch.Messages != 4 || rep.Refetch.Deleted != 4 {
		t.Errorf("refetch %+v, want 40 devices in 4 messages, all processed", rep.Refetch)
	}
	vf := rep.Functions["vendor"]
	if vf.Reserved != rep.Budget || vf.PeakInFlight > int64(vf.Reserved) || vf.Throttles == 0 {
		t.Errorf("vendor worker %+v: want its reserved concurrency %d held and surplus invocations throttled", vf, rep.Budget)
	}
	// Three runs of one manifest write the same parts (merged, never a second ok record); only
	// the refetch consumer's parts may hold a device again (pipeline.RawRecord).
	if len(rep.DuplicateOK) > 40 {
		t.Errorf("%d devices with two ok records, more than the 40 refetched", len(rep.DuplicateOK))
	}
	// Three runs fetched every device at least three times, the refetch consumer 40 more.
	if got, min := rep.Vendor.Calls["metrics"], int64(3*rep.Summary.Items+40); got < min {
		t.Errorf("%d metric calls, want at least %d", got, min)
	}
}

// A redrive of a run's FAILED files, a skipExisting re-run and a fresh run of the same day, at
// once and beside the refetch consumer, share one budget too. (A refetch message holding a
// device that always answers 503 ends in the queue's dead-letter queue, as it would in AWS.)
func TestRedriveBesideRunsSharesOneBudget(t *testing.T) {
	env := start(t, local.Options{Date: "2026-11-27", Groups: 4, DevicesPerGroup: 20, Latency: 2 * time.Millisecond,
		FailFraction: 0.1, FailStatus: 503, Seed: 3,
		Config: map[string]string{local.KeyVendorRate: "400/s", "pipeline:toleratedFailurePercent": "100"}})
	ctx := context.Background()
	first, err := env.Run(ctx)
	if err != nil || first.ExecutionError != nil {
		t.Fatal(err, first.ExecutionError)
	}
	redrive, err := env.RedriveInput(first)
	if err != nil {
		t.Fatal(err)
	}
	rerun, _ := json.Marshal(map[string]any{"date": first.Date, "skipExisting": true})
	day, _ := json.Marshal(map[string]any{"date": first.Date})
	rep, err := env.RunInputs(ctx, first.Date, [][]byte{redrive, rerun, day}, 30)
	if err != nil {
		t.Fatal(err)
	}
	withinBudget(t, rep)
	if rep.Summary.Runs != 3 || rep.Summary.Failed != len(env.Vendor.FailingDevices()) {
		t.Errorf("summary %+v with %d failing devices", rep.Summary, len(env.Vendor.FailingDevices()))
	}
}

// The documented redrive (RedriveExecution): a run whose transient failures exceed the Map's
// tolerance fails; once the outage is over, redriving the same execution completes it with
// nothing lost, running only the child executions that did not succeed, so no device is fetched
// successfully twice.
func TestRedriveExecutionCompletesAFailedRun(t *testing.T) {
	env, rep := toleranceExceeded(t, local.Options{Date: "2026-11-24", Groups: 4, DevicesPerGroup: 25, Latency: -1, FailFraction: 0.1, FailStatus: 503, Seed: 5,
		Config: map[string]string{"pipeline:toleratedFailurePercent": "0", "pipeline:batchSize": "10"}})
	ctx := context.Background()
	if rep.Summary.Lost != 0 {
		t.Errorf("the failed run lost %d devices: %v", rep.Summary.Lost, rep.Lost)
	}
	firstServed := env.Vendor.Stats().MetricsServed
	runs := env.Engine.MapRunsOf(rep.Executions[0])
	if len(runs) != 1 {
		t.Fatalf("map runs %v", runs)
	}
	mr, err := env.Engine.DescribeMapRun(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	notSucceeded := mr.ItemCounts.Total - mr.ItemCounts.Succeeded
	env.Vendor.Heal()
	red, err := env.RedriveExecution(ctx, rep)
	if err != nil {
		t.Fatal(err)
	}
	if red.ExecutionError != nil {
		t.Fatalf("the redrive failed: %v", red.ExecutionError)
	}
	if len(red.Executions) != 1 || red.Executions[0] != rep.Executions[0] {
		t.Errorf("the redrive ran %v, want the same execution %v", red.Executions, rep.Executions)
	}
	d, err := env.Engine.Describe(rep.Executions[0])
	if err != nil || d.RedriveCount != 1 || d.Status != "SUCCEEDED" {
		t.Errorf("describe: %+v, %v", d, err)
	}
	if red.Summary.Lost != 0 || red.Summary.Succeeded != red.Summary.Items || len(red.DuplicateOK) != 0 {
		t.Errorf("after the redrive: %+v, devices with two ok records %v", red.Summary, red.DuplicateOK)
	}
	// The redrive reran only the child executions that did not succeed: it fetched no device of a
	// batch that succeeded the first time. (A rerun child fetches its whole batch again: its
	// input, with the BatchInput of the first attempt, cannot tell it that it is a rerun.)
	redriveServed := env.Vendor.Stats().MetricsServed - firstServed
	if notSucceeded == 0 || redriveServed > int64(notSucceeded) || firstServed+redriveServed < int64(red.Summary.Items) {
		t.Errorf("the redrive fetched %d devices; %d were in batches that had not succeeded; %d fetched before", redriveServed, notSucceeded, firstServed)
	}
	if mr, err := env.Engine.DescribeMapRun(runs[0]); err != nil || mr.ItemCounts.Succeeded != mr.ItemCounts.Total || mr.RedriveCount != 1 {
		t.Errorf("the Map Run after the redrive: %+v, %v", mr, err)
	}
}
