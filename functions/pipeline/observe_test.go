package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/metrics/emftest"
	"github.com/skeinhq/skein/functions/pace"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

func fetchRequest(t *testing.T, in pipeline.FetchInput) pipeline.Request {
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	return pipeline.Request{Op: pipeline.OpFetchMetrics, Input: b}
}

// The vendor worker's metrics, judged by the EMF schema, count what the fake vendor saw and
// what the batch did.
func TestVendorWorkerMetrics(t *testing.T) {
	e := newEnv(t, vendortest.Options{FailFraction: 0.2, FailStatus: 404, Seed: 3})
	var out bytes.Buffer
	h := vendorHandler(e, pace.Config{}, 4)
	h.Fetch.FailedPrefix = "failed/"
	h.Metrics = &metrics.Emitter{Namespace: "skein/test/dev", Dimensions: []metrics.Dimension{metrics.Dim(pipeline.DimFunction, pipeline.FunctionVendor)}, W: &out}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	devices := e.vendor.Devices()[:30]
	res, err := h.Request(context.Background(), fetchRequest(t, batchOf(devices...)))
	if err != nil {
		t.Fatal(err)
	}
	fo := res.(*pipeline.FetchOutput)
	ms, err := emftest.Lines(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	dims := map[string]string{pipeline.DimFunction: pipeline.FunctionVendor, pipeline.DimOperation: pipeline.OpFetchMetrics}
	stats := e.vendor.Stats()
	for name, want := range map[string]float64{
		pipeline.MetricFetched:     float64(fo.Succeeded),
		pipeline.MetricCaptured:    float64(fo.Failed),
		pipeline.MetricSkipped:     0,
		pipeline.MetricFailed:      0,
		pipeline.MetricVendorCalls: float64(stats.Total),
	} {
		if got := emftest.Sum(ms, name, dims); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if fo.Failed == 0 || fo.Succeeded == 0 {
		t.Fatalf("the fixture needs both outcomes: %+v", fo)
	}
	var latencies int
	for _, m := range ms {
		if m.Name == pipeline.MetricVendorLatency {
			latencies += len(m.Values)
			if m.Unit != string(metrics.Milliseconds) || m.Namespace != "skein/test/dev" {
				t.Errorf("latency %+v", m)
			}
		}
	}
	if latencies != int(stats.Total) {
		t.Errorf("%d latencies for %d calls", latencies, stats.Total)
	}
}

func TestVendorWorkerCountsThrottles(t *testing.T) {
	e := newEnv(t, vendortest.Options{Storms: []vendortest.Window{{After: 0, For: time.Hour}}, RetryAfter: -1})
	var out bytes.Buffer
	h := vendorHandler(e, pace.Config{}, 1)
	h.Metrics = &metrics.Emitter{Dimensions: []metrics.Dimension{metrics.Dim(pipeline.DimFunction, pipeline.FunctionVendor)}, W: &out}
	_, err := h.Request(context.Background(), fetchRequest(t, batchOf(e.vendor.Devices()[:2]...)))
	var rb *pipeline.RetryableBatchError
	if !errors.As(err, &rb) {
		t.Fatalf("a storm fails the batch as retryable, got %T %v", err, err)
	}
	ms, err := emftest.Lines(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	dims := map[string]string{pipeline.DimOperation: pipeline.OpFetchMetrics}
	st := e.vendor.Stats()
	if got := emftest.Sum(ms, pipeline.MetricVendorThrottled, dims); got != float64(st.Throttled) || got == 0 {
		t.Errorf("VendorThrottled = %v, the vendor answered %d 429s", got, st.Throttled)
	}
	if got := emftest.Sum(ms, pipeline.MetricFailed, dims); got != 2 {
		t.Errorf("Failed = %v, want 2", got)
	}
}

// logLines decodes JSON log lines.
func logLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("not JSON: %s", l)
		}
		out = append(out, m)
	}
	return out
}

// One device's lines carry one correlation id from the export (fetch) to the transform, and
// its raw part carries the execution as metadata.
func TestOneCorrelationIDAcrossExportAndTransform(t *testing.T) {
	e := newEnv(t, vendortest.Options{})
	var logs, emf bytes.Buffer
	log := logx.New(&logs, slog.LevelInfo)
	fetch := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket, FailedPrefix: "failed/", Log: log}
	in := batchOf("g0001-d0001", "g0001-d0002")
	in.BatchInput.ExecutionID = "arn:aws:states:eu-west-1:123456789012:execution:export:run-1"
	other := batchOf("g0001-d0003") // the fixture's other part
	other.BatchInput = in.BatchInput
	for _, b := range []pipeline.FetchInput{in, other} {
		if _, err := fetch.Handle(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	it := in.Items[0]
	want := pipeline.ItemCorrelation(in.BatchInput.ExecutionID, it)
	if want != in.BatchInput.ExecutionID+"/"+it.Date+"/"+it.Group+"/"+it.Device {
		t.Fatalf("ItemCorrelation = %q", want)
	}
	head, err := e.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(pipeline.RawPart(it.Date, in.Items))})
	if err != nil {
		t.Fatal(err)
	}
	if head.Metadata[pipeline.MetaExecution] != in.BatchInput.ExecutionID {
		t.Errorf("raw part metadata %v, want %s=%s", head.Metadata, pipeline.MetaExecution, in.BatchInput.ExecutionID)
	}
	h := &pipeline.Transform{Store: e.s3, Bucket: bucket, Log: log,
		Metrics: &metrics.Emitter{Dimensions: []metrics.Dimension{metrics.Dim(pipeline.DimFunction, pipeline.FunctionTransform)}, W: &emf}}
	if _, err := h.Handle(context.Background(), mustSQS(t, fixture(t, "sqs_object_created.json", nil))); err != nil {
		t.Fatal(err)
	}
	byFunc := map[string]int{}
	for _, l := range logLines(t, logs.Bytes()) {
		if l["device"] != it.Device {
			continue
		}
		if l["correlationId"] != want {
			t.Errorf("a line about %s has correlationId %v, want %s: %v", it.Device, l["correlationId"], want, l)
		}
		byFunc[l["msg"].(string)]++
	}
	if byFunc["item stored"] == 0 || byFunc["transformed"] == 0 {
		t.Errorf("want the export's and the transform's lines about %s, got %v\n%s", it.Device, byFunc, logs.String())
	}
	ms, err := emftest.Lines(emf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	dims := map[string]string{pipeline.DimFunction: pipeline.FunctionTransform, pipeline.DimOperation: pipeline.OpTransform}
	// the fixture: three parts transform (one a duplicate), holding 2+1+2 ok records; four
	// SQS records fail (see TestTransformFixtureBatch)
	if got, failed := emftest.Sum(ms, pipeline.MetricTransformed, dims), emftest.Sum(ms, pipeline.MetricTransformFailed, dims); got != 5 || failed != 4 {
		t.Errorf("Transformed %v, TransformFailed %v; want 5 and 4:\n%s", got, failed, emf.String())
	}
	if !strings.Contains(logs.String(), `"msg":"record failed"`) {
		t.Error("a failed record is logged by the transform")
	}
}
