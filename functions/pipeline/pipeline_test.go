package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/functions/internal/lambdatest"
	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/metrics/emftest"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

const bucket = "skein-dev-data"

var pipelineErrors = map[string]error{
	pipeline.ErrNameInput:           &pipeline.InputError{Problems: []pipeline.Problem{{Field: "date", Rule: "r", Value: "v"}}},
	pipeline.ErrNameStorage:         &pipeline.StorageError{Op: "PutObject", Bucket: "b", Key: "k", Err: errors.New("x")},
	pipeline.ErrNameRetryableBatch:  &pipeline.RetryableBatchError{Failures: []pipeline.ItemFailure{{Error: "ThrottledError"}}, Total: 2},
	pipeline.ErrNameItemsFailed:     &pipeline.ItemsFailedError{Failures: []pipeline.ItemFailure{{Error: "ClientError"}}, Total: 2},
	pipeline.ErrNamePayloadTooLarge: &pipeline.PayloadTooLargeError{Bytes: 300000, Limit: pipeline.MaxPayloadBytes},
	pipeline.ErrNameTooManyFailures: &pipeline.TooManyFailuresError{Check: pipeline.CheckOutput{Items: 2, Captured: 2, CapturedPercent: 100}, Tolerated: 5},
}

func TestMain(m *testing.M) {
	handlers := map[string]any{}
	for name, err := range pipelineErrors {
		handlers[name] = func(context.Context, json.RawMessage) (any, error) { return nil, err }
	}
	lambdatest.Serve(handlers)
	os.Exit(m.Run())
}

// The names the workflow lists in Retry and Catch are what the real Lambda Go runtime reports.
func TestErrorNamesAsTheLambdaRuntimeReportsThem(t *testing.T) {
	for name := range pipelineErrors {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if r := lambdatest.Invoke(t, name, []byte(`{}`), 10*time.Second); r.ErrorType != name {
				t.Errorf("runtime reported %q, constant %q", r.ErrorType, name)
			}
		})
	}
	all := map[string]int{}
	for _, n := range append(pipeline.RetryableErrorNames(), pipeline.PermanentErrorNames()...) {
		all[n]++
	}
	for n, c := range all {
		if c != 1 {
			t.Errorf("%s listed %d times across retryable and permanent", n, c)
		}
	}
	for name := range pipelineErrors {
		if all[name] != 1 {
			t.Errorf("%s is in neither list", name)
		}
	}
}

func fixture(t testing.TB, name string, v any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return b
}

type env struct {
	vendor *vendortest.Server
	client *vendorapi.Client
	s3     *s3.Client
}

func newEnv(t *testing.T, o vendortest.Options) *env {
	t.Helper()
	if o.Latency == 0 {
		o.Latency = -1
	}
	v, err := vendortest.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	c, err := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: "tok", BaseBackoff: time.Millisecond, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	s, err := s3local.Start(bucket, "someone-else")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &env{vendor: v, client: c, s3: s.Client()}
}

func (e *env) get(t *testing.T, key string) []byte {
	t.Helper()
	out, err := e.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer func() { _ = out.Body.Close() }()
	b, _ := io.ReadAll(out.Body)
	return b
}

func (e *env) keys(t *testing.T, prefix string) []string {
	t.Helper()
	out, err := e.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	sort.Strings(keys)
	return keys
}

func TestRunDate(t *testing.T) {
	now := time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		file, want string
	}{
		{"run_date.json", "2026-11-23"},
		{"run_scheduled.json", "2026-11-21"}, // 02:00Z is 18:00 on the 22nd in Los Angeles, minus one day
	} {
		var in pipeline.RunInput
		fixture(t, tc.file, &in)
		got, err := in.RunDate(now)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.file, got, err, tc.want)
		}
	}
	if got, _ := (pipeline.RunInput{}).RunDate(now); got != "2026-11-23" {
		t.Errorf("default is today UTC, got %s", got)
	}
	if got, _ := (pipeline.RunInput{TimeZone: "Asia/Tokyo"}).RunDate(now); got != "2026-11-24" {
		t.Errorf("today in Tokyo, got %s", got)
	}
	if got, _ := (pipeline.RunInput{Time: "2026-03-01T10:00:00Z", DaysBack: 1}).RunDate(now); got != "2026-02-28" {
		t.Errorf("day before 1 March, got %s", got)
	}
	var bad pipeline.RunInput
	fixture(t, "run_invalid.json", &bad)
	_, err := bad.RunDate(now)
	var ie *pipeline.InputError
	if !errors.As(err, &ie) || len(ie.Problems) != 3 {
		t.Fatalf("want 3 problems at once, got %v", err)
	}
	for _, want := range []string{`time must be an RFC 3339`, `"23/11/2026"`, `timeZone`, `"Mars/Olympus"`, `daysBack must be 0..366, got "400"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if _, err := (pipeline.RunInput{Date: "2026-02-30"}).RunDate(now); err == nil {
		t.Error("30 February accepted")
	}
}

func TestListGroups(t *testing.T) {
	e := newEnv(t, vendortest.Options{Groups: 250, PageSize: 100})
	h := &pipeline.ListGroups{Vendor: e.client, Now: func() time.Time { return time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC) }}
	var in pipeline.RunInput
	fixture(t, "run_date.json", &in)
	out, err := h.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Date != "2026-11-23" || len(out.Groups) != 250 || out.Groups[249].ID != "g0250" {
		t.Errorf("date %s, %d groups", out.Date, len(out.Groups))
	}
	if c := e.vendor.Stats().Calls[vendortest.EndpointGroups]; c != 3 {
		t.Errorf("%d group pages fetched, want 3", c)
	}
	if _, err := h.Handle(context.Background(), pipeline.RunInput{Date: "yesterday"}); !isType[*pipeline.InputError](err) {
		t.Errorf("bad date: %T %v", err, err)
	}

	// Vendor errors come back as they are, so the workflow sees their names.
	e2 := newEnv(t, vendortest.Options{Storms: []vendortest.Window{{After: 0, For: time.Hour}}, RetryAfter: -1})
	_, err = (&pipeline.ListGroups{Vendor: e2.client}).Handle(context.Background(), in)
	if vendorapi.Name(err) != vendorapi.ErrNameThrottled {
		t.Errorf("throttled vendor: %T %v", err, err)
	}
}

func isType[T error](err error) bool {
	var x T
	return errors.As(err, &x)
}

func TestListDevicesThenMerge(t *testing.T) {
	e := newEnv(t, vendortest.Options{Groups: 3, DevicesPerGroup: 120, PageSize: 50})
	ld := &pipeline.ListDevices{Vendor: e.client, Store: e.s3, Bucket: bucket}
	var in pipeline.ListDevicesInput
	fixture(t, "list_devices.json", &in)
	out, err := ld.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := pipeline.ObjectRef{Bucket: bucket, Key: "manifests/date=2026-11-23/groups/group=g0002.json"}
	if out.Count != 120 || out.Manifest != want || out.Group.ID != "g0002" {
		t.Fatalf("output %+v", out)
	}
	var items []pipeline.Item
	if err := json.Unmarshal(e.get(t, want.Key), &items); err != nil || len(items) != 120 {
		t.Fatalf("manifest: %d items, %v", len(items), err)
	}
	if items[0] != (pipeline.Item{Date: "2026-11-23", Group: "g0002", Device: "g0002-d0001"}) || items[119].Device != "g0002-d0120" {
		t.Errorf("manifest items %v ... %v", items[0], items[119])
	}

	var results []pipeline.ListDevicesOutput
	for _, g := range []string{"g0003", "g0001"} {
		r, err := ld.Handle(context.Background(), pipeline.ListDevicesInput{Group: pipeline.Group{ID: g}, Date: "2026-11-23"})
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, *r)
	}
	results = append(results, *out)
	mm := &pipeline.MergeManifests{Store: e.s3, Bucket: bucket}
	merged, err := mm.Handle(context.Background(), pipeline.MergeInput{Date: "2026-11-23", Groups: results})
	if err != nil {
		t.Fatal(err)
	}
	if merged.Count != 360 || merged.Groups != 3 || merged.Manifest.Key != "manifests/date=2026-11-23/items.json" || merged.SkipExisting {
		t.Fatalf("merged %+v", merged)
	}
	first := e.get(t, merged.Manifest.Key)
	var all []pipeline.Item
	if err := json.Unmarshal(first, &all); err != nil || len(all) != 360 || all[0].Device != "g0001-d0001" || all[359].Device != "g0003-d0120" {
		t.Fatalf("merged manifest: %d items %v", len(all), err)
	}
	// Idempotent: the same inputs write the same bytes.
	if _, err := mm.Handle(context.Background(), pipeline.MergeInput{Date: "2026-11-23", Groups: results}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, e.get(t, merged.Manifest.Key)) {
		t.Error("re-running the merge changed the manifest")
	}

	// A count that disagrees with the manifest, a wrong date, a bad group id: refused.
	bad := append([]pipeline.ListDevicesOutput(nil), results...)
	bad[0].Count++
	if _, err := mm.Handle(context.Background(), pipeline.MergeInput{Date: "2026-11-23", Groups: bad}); !isType[*pipeline.InputError](err) {
		t.Errorf("count mismatch: %v", err)
	}
	bad = append([]pipeline.ListDevicesOutput(nil), results...)
	bad[1].Date, bad[2].Group.ID = "2026-11-22", "a/b"
	_, err = mm.Handle(context.Background(), pipeline.MergeInput{Date: "2026-11-23", Groups: bad})
	var ie *pipeline.InputError
	if !errors.As(err, &ie) || len(ie.Problems) != 2 {
		t.Errorf("want both problems, got %v", err)
	}
	if _, err := ld.Handle(context.Background(), pipeline.ListDevicesInput{Group: pipeline.Group{ID: "g0009"}, Date: "2026-11-23"}); !isType[*vendorapi.ClientError](err) {
		t.Errorf("unknown group: %T %v", err, err)
	}
}

func TestMergeFromResultWriterFailures(t *testing.T) {
	e := newEnv(t, vendortest.Options{})
	for _, f := range []string{"results_failed.json", "results_pending.jsonl"} {
		if _, err := e.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket),
			Key: aws.String("results/run-1/" + f), Body: bytes.NewReader(fixture(t, f, nil))}); err != nil {
			t.Fatal(err)
		}
	}
	mm := &pipeline.MergeManifests{Store: e.s3, Bucket: bucket}
	out, err := mm.Handle(context.Background(), pipeline.MergeInput{Date: "2026-11-23", Failed: []pipeline.ObjectRef{
		{Bucket: bucket, Key: "results/run-1/results_failed.json"}, {Bucket: bucket, Key: "results/run-1/results_pending.jsonl"}}})
	if err != nil {
		t.Fatal(err)
	}
	var items []pipeline.Item
	if err := json.Unmarshal(e.get(t, out.Manifest.Key), &items); err != nil {
		t.Fatal(err)
	}
	var devs []string
	for _, it := range items {
		devs = append(devs, it.Device)
	}
	// g0001-d0004 appears in two failed records (once), the succeeded record is left out.
	if got := strings.Join(devs, ","); got != "g0001-d0004,g0002-d0009,g0003-d0007" {
		t.Errorf("redrive items %s", got)
	}
	if !out.SkipExisting || !strings.HasPrefix(out.Manifest.Key, "manifests/date=2026-11-23/redrive/") || out.Count != 3 {
		t.Errorf("output %+v", out)
	}
}

func fetchInput(t *testing.T) pipeline.FetchInput {
	var in pipeline.FetchInput
	fixture(t, "fetch_batch.json", &in)
	return in
}

// A batch is ONE raw part: one ok record per device with the vendor's answer, sorted, at a key
// that depends on the items only; a re-run by another execution writes the same bytes there.
func TestFetchMetricsStoresWhatTheVendorSent(t *testing.T) {
	e := newEnv(t, vendortest.Options{})
	h := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	in := fetchInput(t)
	out, err := h.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	key := pipeline.RawPart("2026-11-23", in.Items)
	if out.Succeeded != 4 || out.Skipped != 0 || len(out.Items) != 4 || out.Items[0].Key != key {
		t.Fatalf("output %+v", out)
	}
	if keys := e.keys(t, "raw/"); len(keys) != 1 || keys[0] != key || !strings.HasPrefix(key, "raw/date=2026-11-23/part=g0001-d0001-") {
		t.Errorf("raw keys %v, want the one part %s", keys, key)
	}
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	recs := records[pipeline.RawRecord](t, e, key)
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		want := vendortest.MetricsFor(0, r.Device, day)
		if r.Status != pipeline.StatusOK || r.Date != "2026-11-23" || r.Group != r.Device[:5] || !jsonEqual(r.Metrics, want) {
			t.Errorf("%s: stored record differs from the vendor's answer", r.Device)
		}
		if i > 0 && recs[i-1].Device >= r.Device {
			t.Errorf("records not sorted: %s then %s", recs[i-1].Device, r.Device)
		}
	}
	// Re-running the day writes the same bytes to the same key.
	before := e.get(t, key)
	in.BatchInput.ExecutionID = "another-execution"
	if _, err := h.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, e.get(t, key)) || len(e.keys(t, "raw/")) != 1 {
		t.Error("a re-run changed the raw part")
	}
	// A single item without an ItemBatcher works too.
	one, err := h.Handle(context.Background(), pipeline.FetchInput{Date: "2026-11-23", Group: "g0005", Device: "g0005-d0005"})
	if err != nil || one.Succeeded != 1 {
		t.Errorf("single item: %+v %v", one, err)
	}
}

// records reads a part's JSON Lines.
func records[T any](t *testing.T, e *env, key string) []T {
	t.Helper()
	var out []T
	for _, l := range bytes.Split(bytes.TrimSpace(e.get(t, key)), []byte("\n")) {
		var r T
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		out = append(out, r)
	}
	return out
}

// okRecords counts the ok records of each device over every raw part of the bucket.
func okRecords(t *testing.T, e *env) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, k := range e.keys(t, "raw/") {
		for _, r := range records[pipeline.RawRecord](t, e, k) {
			if r.Status == pipeline.StatusOK {
				n[r.Device]++
			}
		}
	}
	return n
}

// countingStore counts the S3 requests a handler makes.
type countingStore struct {
	*s3.Client
	gets, puts atomic.Int64
}

func (c *countingStore) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.gets.Add(1)
	return c.Client.GetObject(ctx, in, opts...)
}

func (c *countingStore) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c.puts.Add(1)
	return c.Client.PutObject(ctx, in, opts...)
}
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func batchOf(devices ...string) pipeline.FetchInput {
	in := pipeline.FetchInput{BatchInput: pipeline.BatchInput{ExecutionID: "exec-1"}}
	for _, d := range devices {
		in.Items = append(in.Items, pipeline.Item{Date: "2026-11-23", Group: d[:5], Device: d})
	}
	return in
}

func failedDevices(fs []pipeline.ItemFailure) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Item.Device+":"+f.Error)
	}
	return out
}

func TestFetchMetricsPermanentFailures(t *testing.T) {
	e := newEnv(t, vendortest.Options{FailFraction: 0.2, FailStatus: 404, Seed: 3})
	failing := e.vendor.FailingDevices()
	if len(failing) == 0 {
		t.Fatal("no failing devices: change the seed")
	}
	var devices []string
	devices = append(devices, e.vendor.Devices()[:40]...)
	in := batchOf(devices...)
	in.Items = append(in.Items, pipeline.Item{Date: "2026-11-23", Group: "g0001", Device: "../etc"})
	h := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket}
	_, err := h.Handle(context.Background(), in)
	var ife *pipeline.ItemsFailedError
	if !errors.As(err, &ife) {
		t.Fatalf("want ItemsFailedError, got %T %v", err, err)
	}
	var want []string
	for _, d := range devices {
		if e.vendor.IsFailing(d) {
			want = append(want, d+":ClientError")
		}
	}
	want = append(want, "../etc:InputError")
	if got := failedDevices(ife.Failures); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("failures\n got %v\nwant %v", got, want)
	}
	if ife.Succeeded != 40-(len(want)-1) || ife.Total != 41 {
		t.Errorf("succeeded %d total %d", ife.Succeeded, ife.Total)
	}
	if recs := records[pipeline.RawRecord](t, e, pipeline.RawPart("2026-11-23", in.Items[:40])); len(recs) != ife.Succeeded {
		t.Errorf("%d raw records for %d successes", len(recs), ife.Succeeded)
	}
	for _, f := range ife.Failures {
		if f.Message == "" || (f.Error == "ClientError" && !strings.Contains(f.Message, "404")) {
			t.Errorf("failure without its error: %+v", f)
		}
	}
	if !strings.Contains(err.Error(), `"device":"../etc"`) || !strings.HasPrefix(err.Error(), "8 of 41 items failed") && len(want) == 8 {
		t.Errorf("message: %s", err.Error())
	}
	if calls := e.vendor.Stats().Calls[vendortest.EndpointMetrics]; calls != 40 {
		t.Errorf("%d metric calls, want 40 (no call for the invalid item, no retry of 404s)", calls)
	}
}

// Transient failures make the batch retryable; the retry reads its own part once (no request
// per device), keeps what this execution stored, asks the vendor only for the rest and writes
// the merged part: the same bytes as a batch that never failed.
func TestFetchMetricsRetryRedoesOnlyFailedItems(t *testing.T) {
	e := newEnv(t, vendortest.Options{FailFraction: 0.25, FailStatus: 503, Seed: 11})
	devices := e.vendor.Devices()[:20]
	nFail := 0
	for _, d := range devices {
		if e.vendor.IsFailing(d) {
			nFail++
		}
	}
	if nFail == 0 || nFail == 20 {
		t.Fatalf("%d failing of 20: change the seed", nFail)
	}
	store := &countingStore{Client: e.s3}
	h := &pipeline.FetchMetrics{Vendor: e.client, Store: store, Bucket: bucket, Concurrency: 3}
	in := batchOf(devices...)
	key := pipeline.RawPart("2026-11-23", in.Items)
	_, err := h.Handle(context.Background(), in)
	var rbe *pipeline.RetryableBatchError
	if !errors.As(err, &rbe) || len(rbe.Failures) != nFail || rbe.Succeeded != 20-nFail {
		t.Fatalf("want RetryableBatchError with %d failures, got %v", nFail, err)
	}
	for _, f := range rbe.Failures {
		if f.Error != vendorapi.ErrNameServer {
			t.Errorf("failure %+v", f)
		}
	}
	callsBefore := e.vendor.Stats().Calls[vendortest.EndpointMetrics]
	if callsBefore != int64(20-nFail+2*nFail) { // MaxAttempts 2 for each failing device
		t.Errorf("%d calls on the first attempt", callsBefore)
	}
	if g, p := store.gets.Load(), store.puts.Load(); g != 0 || p != 1 || len(records[pipeline.RawRecord](t, e, key)) != 20-nFail {
		t.Errorf("first attempt: %d GETs, %d PUTs, want 0 and 1 part of %d records", g, p, 20-nFail)
	}

	// The outage is over: the retry fetches only the failed devices and completes the part.
	e.vendor.Heal()
	store.gets.Store(0)
	store.puts.Store(0)
	in.RetryCount = 1
	out, err := h.Handle(context.Background(), in)
	if err != nil || out.Skipped != 20-nFail || out.Succeeded != nFail {
		t.Fatalf("retry: %+v %v", out, err)
	}
	if d := e.vendor.Stats().Calls[vendortest.EndpointMetrics] - callsBefore; d != int64(nFail) {
		t.Errorf("the retry made %d vendor calls, want %d (only the failed items)", d, nFail)
	}
	if g, p := store.gets.Load(), store.puts.Load(); g != 1 || p != 1 {
		t.Errorf("the retry made %d GETs and %d PUTs, want 1 and 1", g, p)
	}
	merged := e.get(t, key)
	if n := len(records[pipeline.RawRecord](t, e, key)); n != 20 {
		t.Errorf("merged part of %d records", n)
	}

	// Another execution does not trust this one's part: it fetches everything again, and
	// writes the same bytes.
	in.BatchInput.ExecutionID = "exec-2"
	callsBefore = e.vendor.Stats().Calls[vendortest.EndpointMetrics]
	if _, err := h.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if d := e.vendor.Stats().Calls[vendortest.EndpointMetrics] - callsBefore; d != 20 {
		t.Errorf("another execution's retry made %d calls", d)
	}
	if !bytes.Equal(merged, e.get(t, key)) {
		t.Error("the merged part differs from a whole batch's")
	}

	// SkipExisting keeps whatever the part holds, whoever wrote it.
	in = batchOf(devices...)
	in.BatchInput = pipeline.BatchInput{SkipExisting: true}
	callsBefore = e.vendor.Stats().Calls[vendortest.EndpointMetrics]
	if out, err := h.Handle(context.Background(), in); err != nil || out.Skipped != 20 {
		t.Errorf("skip-existing: %+v %v", out, err)
	}
	if d := e.vendor.Stats().Calls[vendortest.EndpointMetrics] - callsBefore; d != 0 {
		t.Errorf("skip-existing run made %d calls, want 0", d)
	}
}
func TestFetchMetricsKeepsItsConcurrency(t *testing.T) {
	for _, conc := range []int{1, 4} {
		e := newEnv(t, vendortest.Options{Latency: 15 * time.Millisecond, ConcurrencyLimit: conc})
		h := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket, Concurrency: conc}
		out, err := h.Handle(context.Background(), batchOf(e.vendor.Devices()[:24]...))
		if err != nil || out.Succeeded != 24 {
			t.Fatalf("concurrency %d: %v", conc, err)
		}
		st := e.vendor.Stats()
		if st.PeakInFlight != int64(conc) || st.Throttled != 0 {
			t.Errorf("concurrency %d: vendor saw peak %d, %d throttled", conc, st.PeakInFlight, st.Throttled)
		}
	}
}

func TestFetchMetricsNearTheDeadline(t *testing.T) {
	e := newEnv(t, vendortest.Options{})
	h := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket, Reserve: 5 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := h.Handle(ctx, batchOf(e.vendor.Devices()[:3]...))
	var rbe *pipeline.RetryableBatchError
	if !errors.As(err, &rbe) || len(rbe.Failures) != 3 || rbe.Failures[0].Error != vendorapi.ErrNameTransport {
		t.Fatalf("want 3 unattempted items, got %v", err)
	}
	if e.vendor.Stats().Total != 0 {
		t.Error("items were started inside the reserve")
	}
}

func TestFetchMetricsInputAndSettings(t *testing.T) {
	h := &pipeline.FetchMetrics{Concurrency: 101, Reserve: -1}
	err := h.Validate()
	for _, want := range []string{"Vendor is required", "Store is required", "Bucket is required", "Concurrency must be 0..100 (0 means 1), got 101", "Reserve"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	e := newEnv(t, vendortest.Options{})
	h = &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket}
	for _, in := range []pipeline.FetchInput{{}, {Items: []pipeline.Item{{}}, Device: "x"}, {Device: "x", RetryCount: -1}} {
		if _, err := h.Handle(context.Background(), in); !isType[*pipeline.InputError](err) {
			t.Errorf("%+v: %T %v", in, err, err)
		}
	}
}

func TestBatchMessageFitsAStepFunctionsCause(t *testing.T) {
	var fs []pipeline.ItemFailure
	for i := range 2000 {
		fs = append(fs, pipeline.ItemFailure{Item: pipeline.Item{Date: "2026-11-23", Group: "g0001", Device: vendortest.DeviceID(0, i)},
			Error: "ServerError", Message: strings.Repeat("x", 100)})
	}
	msg := (&pipeline.RetryableBatchError{Failures: fs, Total: 2000}).Error()
	if len(msg) > 32768 || !strings.HasPrefix(msg, "2000 of 2000 items failed: [") || !strings.Contains(msg, "more)") {
		t.Errorf("message of %d bytes: %.100s ... %s", len(msg), msg, msg[len(msg)-40:])
	}
}

func TestKeys(t *testing.T) {
	items := batchOf("g0002-d0001", "g0001-d0002", "g0001-d0001").Items
	id := pipeline.PartID(items)
	// The same items in any order, duplicates included, make the same id; other items another.
	if id != pipeline.PartID([]pipeline.Item{items[2], items[0], items[1], items[0]}) || !strings.HasPrefix(id, "g0001-d0001-") || len(id) != len("g0001-d0001-")+12 {
		t.Errorf("PartID %q", id)
	}
	if id == pipeline.PartID(items[:2]) || pipeline.ValidID("part", pipeline.PartID(batchOf("g0001-"+strings.Repeat("d", 122)).Items)) != nil {
		t.Error("PartID: different items share an id, or a long device makes an invalid one")
	}
	key := pipeline.RawPart("2026-11-23", items)
	for _, k := range []string{key, strings.ReplaceAll(key, "=", "%3D")} {
		d, got, err := pipeline.ParsePartKey("raw/", k)
		if err != nil || d != "2026-11-23" || got != id {
			t.Errorf("%s: %v %v %v", k, d, got, err)
		}
	}
	for _, k := range []string{"raw/date=2026-11-23/part=a/b.jsonl", "raw/date=2026-13-01/part=a.jsonl", "raw/date=2026-11-23/part=...jsonl",
		"processed/date=2026-11-23/part=a.jsonl", "raw/date=2026-11-23/part=a.json", "raw/date=2026-11-23/group=g/device=d.json"} {
		if _, _, err := pipeline.ParsePartKey("raw/", k); !isType[*pipeline.InputError](err) {
			t.Errorf("%s accepted", k)
		}
	}
	for _, id := range []string{"", "..", "a..b", "-x", "a/b", "a=b", strings.Repeat("a", 129), "é"} {
		if pipeline.ValidID("id", id) == nil {
			t.Errorf("id %q accepted", id)
		}
	}
	for _, id := range []string{"a", "g0001-d0001", "A.b_c-1", strings.Repeat("a", 128)} {
		if err := pipeline.ValidID("id", id); err != nil {
			t.Errorf("id %q refused: %v", id, err)
		}
	}
}
func mustSQS(t *testing.T, b []byte) events.SQSEvent {
	t.Helper()
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) == 0 {
		t.Fatalf("fixture: %v", err)
	}
	return ev
}

// With FailedPrefix, permanent failures are captured one by one under failed/ with their error
// and the batch succeeds; a transient failure in the same batch still fails it (retryable), and
// an invalid item, which has no safe key, still fails it permanently.
func TestFetchMetricsCapturesPermanentFailures(t *testing.T) {
	e := newEnv(t, vendortest.Options{FailFraction: 0.2, FailStatus: 404, Seed: 3})
	devices := e.vendor.Devices()[:40]
	in := batchOf(devices...)
	h := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket, FailedPrefix: "failed/"}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := h.Handle(context.Background(), in)
	if err != nil {
		t.Fatalf("the batch failed: %v", err)
	}
	var failing []string
	for _, d := range devices {
		if e.vendor.IsFailing(d) {
			failing = append(failing, d)
		}
	}
	if len(failing) == 0 || out.Failed != len(failing) || out.Succeeded != len(devices)-len(failing) {
		t.Fatalf("output %+v, %d failing", out, len(failing))
	}
	// The raw part holds every device with its status; the failed part (same id) the failed
	// records only.
	rawKey := pipeline.RawPart("2026-11-23", in.Items)
	failKey := strings.Replace(rawKey, "raw/", "failed/", 1)
	raw := records[pipeline.RawRecord](t, e, rawKey)
	fails := records[pipeline.RawRecord](t, e, failKey)
	if len(raw) != len(devices) || len(fails) != len(failing) {
		t.Fatalf("%d raw records, %d failed records; want %d and %d", len(raw), len(fails), len(devices), len(failing))
	}
	var inRaw []pipeline.RawRecord
	for _, r := range raw {
		if r.Status == pipeline.StatusFailed {
			inRaw = append(inRaw, r)
		}
	}
	for i, f := range fails {
		if !e.vendor.IsFailing(f.Device) || f.Status != pipeline.StatusFailed || f.Error != vendorapi.ErrNameClient || !strings.Contains(f.Message, "404") || f.Metrics != nil || !jsonEqual(f, inRaw[i]) {
			t.Errorf("%s captured as %+v", f.Device, f)
		}
	}
	for _, it := range out.Items {
		if it.Failed != e.vendor.IsFailing(it.Device) || (it.Failed && it.Key != failKey) || (!it.Failed && it.Key != rawKey) {
			t.Errorf("result %+v", it)
		}
	}
	if n := len(e.keys(t, "failed/")); n != 1 {
		t.Errorf("%d failed parts, want 1", n)
	}

	bad := batchOf(devices[0])
	bad.Items = append(bad.Items, pipeline.Item{Date: "2026-11-23", Group: "g0001", Device: "../etc"})
	_, err = h.Handle(context.Background(), bad)
	var ife *pipeline.ItemsFailedError
	if !errors.As(err, &ife) || len(ife.Failures) != 1 || ife.Failures[0].Item.Device != "../etc" {
		t.Errorf("an invalid item: %T %v", err, err)
	}
	for _, k := range e.keys(t, "failed/") {
		if bytes.Contains(e.get(t, k), []byte("../etc")) {
			t.Errorf("the invalid item was written to %s", k)
		}
	}
	for _, p := range []string{"failed", "raw/", "processed/"} {
		if err := (&pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket, FailedPrefix: p}).Validate(); err == nil {
			t.Errorf("FailedPrefix %q accepted", p)
		}
	}
}

// Transient failures still fail the batch with RetryableBatchError even when FailedPrefix
// captures permanent ones.
func TestFetchMetricsTransientFailuresStillRetry(t *testing.T) {
	e := newEnv(t, vendortest.Options{FailFraction: 0.2, FailStatus: 503, Seed: 3})
	client, err := vendorapi.New(vendorapi.Config{BaseURL: e.vendor.URL, Token: "local", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := &pipeline.FetchMetrics{Vendor: client, Store: e.s3, Bucket: bucket, FailedPrefix: "failed/"}
	_, err = h.Handle(context.Background(), batchOf(e.vendor.Devices()[:20]...))
	var rbe *pipeline.RetryableBatchError
	if !errors.As(err, &rbe) {
		t.Fatalf("want RetryableBatchError, got %T %v", err, err)
	}
	if n := len(e.keys(t, "failed/")); n != 0 {
		t.Errorf("%d transient failures captured as permanent", n)
	}
}

func (e *env) put(t *testing.T, key string, body []byte, meta map[string]string) {
	t.Helper()
	if _, err := e.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body), Metadata: meta}); err != nil {
		t.Fatal(err)
	}
}

func objectCreated(t *testing.T, key string) events.SQSEvent {
	t.Helper()
	detail, _ := json.Marshal(map[string]any{"bucket": map[string]string{"name": bucket}, "object": map[string]any{"key": key}})
	body, _ := json.Marshal(events.EventBridgeEvent{Source: "aws.s3", DetailType: "Object Created", Detail: detail})
	return events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-1", Body: string(body), EventSource: "aws:sqs"}}}
}

// A poison record fails alone: every other record of its part is transformed, the poison one
// is captured in the processed part with its error and payload, logged under its device's
// correlation id and counted; the SQS record succeeds. A record the fetch captured as failed is
// carried on as it is.
func TestTransformIsolatesPoisonRecords(t *testing.T) {
	e := newEnv(t, vendortest.Options{})
	const memoryMB, conc = 128, 1000 // a record cap of about 8 KiB
	limit := pipeline.TransformObjectCap(memoryMB, conc)
	m := vendortest.MetricsFor(0, "g0001-d0001", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	ok := func(dev string) string {
		b, _ := json.Marshal(pipeline.RawRecord{Date: "2026-11-23", Group: "g0001", Device: dev, Status: pipeline.StatusOK, Metrics: &m})
		return string(b)
	}
	lines := []string{
		ok("g0001-d0001"),
		`{"date":"2026-11-23","group":"g0001","device":"g0001-d0002","status":"ok","metrics":"injected"}`, // poison, with its identity
		`not json at all`,
		`{"date":"2026-11-23","group":"g0001","device":"g0001-d0003","status":"ok","pad":"` + strings.Repeat("x", limit) + `"}`, // above the cap
		`{"date":"2026-11-24","group":"g0001","device":"g0001-d0004","status":"ok","metrics":{}}`,                               // another day
		`{"date":"2026-11-23","group":"g0001","device":"g0001-d0005","status":"failed","error":"ClientError","message":"HTTP 404"}`,
		ok("g0001-d0006"),
	}
	key := "raw/date=2026-11-23/part=g0001-d0001-000000000001.jsonl"
	e.put(t, key, []byte(strings.Join(lines, "\n")+"\n"), map[string]string{pipeline.MetaExecution: "exec-1"})
	var logs, emf bytes.Buffer
	h := &pipeline.Transform{Store: e.s3, Bucket: bucket, MemoryMB: memoryMB, Concurrency: conc, Log: logx.New(&logs, slog.LevelInfo),
		Metrics: &metrics.Emitter{Dimensions: []metrics.Dimension{metrics.Dim(pipeline.DimFunction, pipeline.FunctionTransform)}, W: &emf}}
	resp, err := h.Handle(context.Background(), objectCreated(t, key))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%v %+v: a poison record failed its part", err, resp)
	}
	out := records[pipeline.ProcessedRecord](t, e, "processed/date=2026-11-23/part=g0001-d0001-000000000001.jsonl")
	var got []string
	for _, r := range out {
		got = append(got, r.Device+":"+r.Status+":"+r.Error)
	}
	want := "g0001-d0001:ok: g0001-d0002:failed:InputError :failed:InputError g0001-d0003:failed:InputError g0001-d0004:failed:InputError g0001-d0005:failed:ClientError g0001-d0006:ok:"
	if strings.Join(got, " ") != want {
		t.Errorf("processed records\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if out[1].Payload != lines[1] || out[2].Payload != lines[2] || out[3].Payload != "" || !strings.Contains(out[3].Message, "at most") || out[5].Message != "HTTP 404" {
		t.Errorf("failed records without their payload or error: %+v", out[1:6])
	}
	// The poison records are logged under their devices' correlation ids (the over-long one's
	// read from its first KiB).
	for _, dev := range []string{"g0001-d0002", "g0001-d0003"} {
		if !strings.Contains(logs.String(), `"correlationId":"exec-1/2026-11-23/g0001/`+dev+`"`) {
			t.Errorf("no line about the poison record %s under its correlation id:\n%s", dev, logs.String())
		}
	}
	ms, err := emftest.Lines(emf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if ok, failed := emftest.Sum(ms, pipeline.MetricTransformed, nil), emftest.Sum(ms, pipeline.MetricTransformFailed, nil); ok != 2 || failed != 4 {
		t.Errorf("Transformed %v, TransformFailed %v; want 2 and 4", ok, failed)
	}
	// A duplicate delivery writes the same bytes.
	before := e.get(t, "processed/date=2026-11-23/part=g0001-d0001-000000000001.jsonl")
	if _, err := h.Handle(context.Background(), objectCreated(t, key)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, e.get(t, "processed/date=2026-11-23/part=g0001-d0001-000000000001.jsonl")) {
		t.Error("a duplicate delivery changed the processed part")
	}
}

// racingStore lets another writer store the same part just before the handler's first write.
type racingStore struct {
	*s3.Client
	race  func()
	fired atomic.Bool
}

func (r *racingStore) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if strings.HasPrefix(aws.ToString(in.Key), "raw/") && r.fired.CompareAndSwap(false, true) {
		r.race()
	}
	return r.Client.PutObject(ctx, in, opts...)
}

// Two writers of one part never lose a record: a later writer's failure does not replace an
// earlier writer's ok record, and a writer that loses the race (412) reads the part again and
// merges.
func TestWritersOfOnePartLoseNothing(t *testing.T) {
	e := newEnv(t, vendortest.Options{})
	devices := e.vendor.Devices()[:20]
	in := batchOf(devices...)
	key := pipeline.RawPart("2026-11-23", in.Items)
	first := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket}
	if _, err := first.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	whole := e.get(t, key)

	// A second run (another execution, first attempt) whose vendor now refuses some devices.
	refusing, err := vendortest.Start(vendortest.Options{Latency: -1, FailFraction: 0.3, FailStatus: 404, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = refusing.Close() })
	if !slices.ContainsFunc(devices, refusing.IsFailing) {
		t.Fatal("the second vendor refuses none of the devices: change the seed")
	}
	client, _ := vendorapi.New(vendorapi.Config{BaseURL: refusing.URL, Token: "t", MaxAttempts: 1})
	second := &pipeline.FetchMetrics{Vendor: client, Store: e.s3, Bucket: bucket, FailedPrefix: "failed/"}
	in.BatchInput.ExecutionID = "exec-2"
	out, err := second.Handle(context.Background(), in)
	if err != nil || out.Succeeded+out.Skipped != 20 || out.Skipped == 0 || out.Failed != 0 {
		t.Fatalf("second writer: %+v %v", out, err)
	}
	// (The second vendor's answers differ from the first's: another seed.)
	if n := okRecords(t, e); len(n) != 20 || len(e.keys(t, "failed/")) != 0 || bytes.Equal(whole, e.get(t, key)) {
		t.Errorf("a later writer's failures replaced ok records: %d devices ok, failed parts %v", len(n), e.keys(t, "failed/"))
	}

	// A writer that loses the race to its first write reads the part again and merges with
	// the winner's records.
	e2 := newEnv(t, vendortest.Options{})
	winner := pipeline.RawRecord{Date: "2026-11-23", Group: "g0009", Device: "g0009-d0099", Status: pipeline.StatusOK, Metrics: &vendorapi.Metrics{Device: "winner"}}
	store := &racingStore{Client: e2.s3, race: func() {
		b, _ := json.Marshal(winner)
		e2.put(t, key, append(b, '\n'), nil)
	}}
	loser := &pipeline.FetchMetrics{Vendor: e2.client, Store: store, Bucket: bucket}
	if _, err := loser.Handle(context.Background(), batchOf(devices...)); err != nil {
		t.Fatal(err)
	}
	recs := records[pipeline.RawRecord](t, e2, key)
	if len(recs) != 21 || !store.fired.Load() || !strings.Contains(string(e2.get(t, key)), `"device":"winner"`) {
		t.Errorf("%d records after the race (fired %v), want the loser's 20 and the winner's", len(recs), store.fired.Load())
	}
}

// A skipExisting re-run's manifest lacks every device stored ok in the day's parts; they are
// found by reading each part once (no request per device).
func TestMergeManifestsSkipExistingDropsStoredDevices(t *testing.T) {
	e := newEnv(t, vendortest.Options{FailFraction: 0.2, FailStatus: 404, Seed: 3})
	devices := e.vendor.Devices()[:40]
	fetch := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket, FailedPrefix: "failed/"}
	for _, b := range []pipeline.FetchInput{batchOf(devices[:25]...), batchOf(devices[25:]...)} {
		if _, err := fetch.Handle(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := json.Marshal(batchOf(devices...).Items)
	e.put(t, "manifests/date=2026-11-23/groups/group=g0001.json", all, nil)
	store := &countingStore{Client: e.s3}
	mm := &pipeline.MergeManifests{Store: store, Bucket: bucket}
	in := pipeline.MergeInput{Date: "2026-11-23", SkipExisting: true, Groups: []pipeline.ListDevicesOutput{{Date: "2026-11-23", Group: pipeline.Group{ID: "g0001"}, Count: 40,
		Manifest: pipeline.ObjectRef{Bucket: bucket, Key: "manifests/date=2026-11-23/groups/group=g0001.json"}}}}
	out, err := mm.Handle(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var items []pipeline.Item
	if err := json.Unmarshal(e.get(t, out.Manifest.Key), &items); err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, it := range items {
		got = append(got, it.Device)
	}
	for _, d := range devices {
		if e.vendor.IsFailing(d) {
			want = append(want, d)
		}
	}
	if len(want) == 0 || strings.Join(got, ",") != strings.Join(want, ",") || !out.SkipExisting || out.Count != len(want) {
		t.Errorf("manifest %v (%+v), want the failing devices %v", got, out, want)
	}
	if g := store.gets.Load(); g != 1+2 { // the group manifest, then the two parts
		t.Errorf("%d GETs, want 3", g)
	}
	// Without SkipExisting, every device is in the manifest.
	in.SkipExisting = false
	if out, err := mm.Handle(context.Background(), in); err != nil || out.Count != 40 {
		t.Errorf("plain run: %+v %v", out, err)
	}
}

// A batch that names a device twice stores it once.
func TestFetchMetricsOneRecordPerDevice(t *testing.T) {
	e := newEnv(t, vendortest.Options{})
	h := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket}
	in := batchOf("g0001-d0001", "g0001-d0002", "g0001-d0001")
	if _, err := h.Handle(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if recs := records[pipeline.RawRecord](t, e, pipeline.RawPart("2026-11-23", in.Items)); len(recs) != 2 {
		t.Errorf("%d records for 2 devices", len(recs))
	}
}
