package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/components/sfnlocal"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

// The definition in testdata/export.asl.json wires the handlers as functions/README.md tells the
// infra to. asl-validator judges it, and components/sfnlocal (another implementation of the
// Step Functions semantics, Distributed Map, ItemReader, ItemBatcher and ResultWriter included)
// runs it against the real handlers, the fake vendor and a local S3 server.
func TestExportWorkflowEndToEnd(t *testing.T) {
	def := fixture(t, "export.asl.json", nil)
	var verdict struct {
		IsValid bool   `json:"isValid"`
		Errors  string `json:"errors"`
	}
	if err := json.Unmarshal(runASLValidator(t, def), &verdict); err != nil || !verdict.IsValid {
		t.Fatalf("asl-validator: %v %s", err, verdict.Errors)
	}

	const budget = 4 // the Map's MaxConcurrency x BATCH_CONCURRENCY 1
	v, err := vendortest.Start(vendortest.Options{Groups: 4, DevicesPerGroup: 15, Latency: 5 * time.Millisecond,
		ConcurrencyLimit: budget, FailFraction: 0.1, FailStatus: 404, Seed: 5, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Close() }()
	failing := v.FailingDevices()
	if len(failing) == 0 {
		t.Fatal("no failing devices: change the seed")
	}
	s3srv, err := s3local.Start(bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s3srv.Close() }()
	client, err := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: "local", PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	st := s3srv.Client()
	e := &env{vendor: v, client: client, s3: st}
	fns := &sfnlocal.Functions{}
	for name, h := range map[string]any{
		"list-groups":     (&pipeline.ListGroups{Vendor: client}).Handle,
		"list-devices":    (&pipeline.ListDevices{Vendor: client, Store: st, Bucket: bucket}).Handle,
		"merge-manifests": (&pipeline.MergeManifests{Store: st, Bucket: bucket}).Handle,
		"fetch-metrics":   (&pipeline.FetchMetrics{Vendor: client, Store: st, Bucket: bucket}).Handle,
	} {
		if err := fns.RegisterFunc(name, h); err != nil {
			t.Fatal(err)
		}
	}
	d, err := sfnlocal.Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sfnlocal.New(d, &sfnlocal.Options{Functions: fns, Store: &s3local.Store{Client: st}, TimeScale: 0.001, Name: "export"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// 1. The day's run.
	out, err := eng.Execute(ctx, []byte(`{"date":"2026-11-23"}`))
	if err != nil {
		t.Fatalf("execution failed: %v", err)
	}
	raw := e.keys(t, "raw/")
	if ok := okRecords(t, e); len(ok) != 60-len(failing) {
		t.Errorf("%d devices with an ok record, want %d", len(ok), 60-len(failing))
	}
	stats := v.Stats()
	if stats.PeakInFlight > budget || stats.Throttled != 0 {
		t.Errorf("the vendor saw %d calls at once (budget %d) and throttled %d", stats.PeakInFlight, budget, stats.Throttled)
	}
	failedKey := failedResults(t, e, out)
	recs := readRecords(t, e.get(t, failedKey))
	captured := map[string]bool{}
	for _, r := range recs {
		if r.Error != pipeline.ErrNameItemsFailed {
			t.Errorf("failed batch with error %q, want %s", r.Error, pipeline.ErrNameItemsFailed)
		}
		var in pipeline.FetchInput
		if err := json.Unmarshal([]byte(r.Input), &in); err != nil {
			t.Fatal(err)
		}
		for _, it := range in.Items {
			if v.IsFailing(it.Device) {
				captured[it.Device] = true
				if !strings.Contains(r.Cause, it.Device) || !strings.Contains(r.Cause, "404") {
					t.Errorf("the cause of %s's batch does not name it with its error: %.300s", it.Device, r.Cause)
				}
			}
		}
	}
	for _, dev := range failing {
		if !captured[dev] {
			t.Errorf("failing device %s is not in the FAILED results with its input", dev)
		}
	}
	snapshot := map[string][]byte{}
	for _, k := range raw {
		snapshot[k] = e.get(t, k)
	}

	// 2. Redrive from the FAILED results: only the failed items are fetched again.
	before := v.Stats().Calls[vendortest.EndpointMetrics]
	redrive, _ := json.Marshal(map[string]any{"date": "2026-11-23", "failed": []pipeline.ObjectRef{{Bucket: bucket, Key: failedKey}}})
	if _, err := eng.Execute(ctx, redrive); err != nil {
		t.Fatalf("redrive failed: %v", err)
	}
	if got := v.Stats().Calls[vendortest.EndpointMetrics] - before; got != int64(len(failing)) {
		t.Errorf("the redrive made %d metric calls, want %d (the failed items only)", got, len(failing))
	}
	for dev, n := range okRecords(t, e) {
		if n != 1 {
			t.Errorf("%s has %d ok records, want at most 1", dev, n)
		}
	}

	// 3. Re-running the day overwrites the same keys with the same bytes.
	if _, err := eng.Execute(ctx, []byte(`{"date":"2026-11-23"}`)); err != nil {
		t.Fatal(err)
	}
	again := e.keys(t, "raw/")
	if strings.Join(again, ",") != strings.Join(raw, ",") {
		t.Errorf("a re-run changed the set of raw keys")
	}
	for _, k := range again {
		if !bytes.Equal(snapshot[k], e.get(t, k)) {
			t.Errorf("a re-run changed %s", k)
		}
	}
	if st := v.Stats(); st.PeakInFlight > budget {
		t.Errorf("peak %d over the budget %d", st.PeakInFlight, budget)
	}
}

// With transient vendor failures (5xx), the Task's Retry runs the batch again and the retry
// fetches only the items that failed; after the retries the batch is recorded as
// RetryableBatchError.
func TestExportWorkflowRetriesOnlyFailedItems(t *testing.T) {
	v, err := vendortest.Start(vendortest.Options{Groups: 2, DevicesPerGroup: 10, Latency: -1, FailFraction: 0.15, FailStatus: 503, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Close() }()
	failing := v.FailingDevices()
	if len(failing) == 0 || len(failing) == 20 {
		t.Fatalf("%d failing: change the seed", len(failing))
	}
	s3srv, err := s3local.Start(bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s3srv.Close() }()
	client, _ := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: "local", MaxAttempts: 1})
	st := s3srv.Client()
	fns := &sfnlocal.Functions{}
	_ = fns.RegisterFunc("list-groups", (&pipeline.ListGroups{Vendor: client}).Handle)
	_ = fns.RegisterFunc("list-devices", (&pipeline.ListDevices{Vendor: client, Store: st, Bucket: bucket}).Handle)
	_ = fns.RegisterFunc("merge-manifests", (&pipeline.MergeManifests{Store: st, Bucket: bucket}).Handle)
	_ = fns.RegisterFunc("fetch-metrics", (&pipeline.FetchMetrics{Vendor: client, Store: st, Bucket: bucket}).Handle)
	d, err := sfnlocal.Parse(fixture(t, "export.asl.json", nil))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sfnlocal.New(d, &sfnlocal.Options{Functions: fns, Store: &s3local.Store{Client: st}, TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	out, err := eng.Execute(context.Background(), []byte(`{"date":"2026-11-23"}`))
	if err != nil {
		t.Fatal(err)
	}
	// 20 first attempts, then MaxAttempts 2 retries of each failing item only.
	if got, want := v.Stats().Calls[vendortest.EndpointMetrics], int64(20+2*len(failing)); got != want {
		t.Errorf("%d metric calls, want %d", got, want)
	}
	e := &env{vendor: v, client: client, s3: st}
	recs := readRecords(t, e.get(t, failedResults(t, e, out)))
	var devs []string
	for _, r := range recs {
		if r.Error != pipeline.ErrNameRetryableBatch {
			t.Errorf("error %q", r.Error)
		}
		for _, f := range failing {
			if strings.Contains(r.Cause, f) {
				devs = append(devs, f)
			}
		}
	}
	sort.Strings(devs)
	if strings.Join(devs, ",") != strings.Join(failing, ",") {
		t.Errorf("causes name %v, want %v", devs, failing)
	}
}

type record struct {
	Input, Error, Cause, Status string
}

func readRecords(t *testing.T, b []byte) []record {
	t.Helper()
	var recs []record
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

// failedResults follows the Map's ResultWriterDetails to the FAILED file.
func failedResults(t *testing.T, e *env, out []byte) string {
	t.Helper()
	var res struct {
		ResultWriterDetails struct{ Bucket, Key string }
	}
	if err := json.Unmarshal(out, &res); err != nil || res.ResultWriterDetails.Key == "" {
		t.Fatalf("output %s: %v", out, err)
	}
	var manifest struct {
		ResultFiles struct {
			FAILED []struct{ Key string }
		}
	}
	if err := json.Unmarshal(e.get(t, res.ResultWriterDetails.Key), &manifest); err != nil || len(manifest.ResultFiles.FAILED) != 1 {
		t.Fatalf("result manifest: %v %+v", err, manifest)
	}
	return manifest.ResultFiles.FAILED[0].Key
}

// runASLValidator runs asl-validator from the repository's .tools (components/internal/judge does
// the same for components/, whose internal packages functions/ cannot import). Missing tools fail
// the test with the hint to run `make tools`; it never skips.
func runASLValidator(t *testing.T, def []byte) []byte {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = filepath.Dir(dir)
	}
	tools := filepath.Join(dir, ".tools", "node_modules")
	node, mod := filepath.Join(tools, ".bin", "node"), filepath.Join(tools, "asl-validator")
	for _, p := range []string{node, filepath.Join(mod, "package.json")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the independent tools are not installed (run `make tools`): %v", err)
		}
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "asl_validate.js"))
	cmd := exec.Command(node, script, mod)
	cmd.Stdin = bytes.NewReader(def)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("asl-validator: %v\n%s", err, stderr.String())
	}
	return out
}
