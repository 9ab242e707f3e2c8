package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/metrics/emftest"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

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
