package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/metrics/emftest"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
	"github.com/skeinhq/skein/infra/stack"
)

func plannedEnv(t *testing.T, p *plan.Plan, name string) map[string]string {
	t.Helper()
	for _, fn := range p.OfType("aws:lambda/function:Function") {
		if fn.Name != name {
			continue
		}
		env := map[string]string{}
		vars, _ := fn.Get("environment.variables").(map[string]any)
		for k, v := range vars {
			env[k] = fmt.Sprint(v)
		}
		return env
	}
	t.Fatalf("no function %s in the plan", name)
	return nil
}

// The captured-failures alarm watches the metric the vendor worker emits: the handler, run with
// the planned worker's environment as its main runs it, captures a device the vendor refuses,
// and its EMF lines (judged by the specification's schema) hold a datapoint with the alarm's
// namespace, metric name and exact dimension set that breaches the alarm's threshold. Renaming
// the metric, its namespace or a dimension on either side fails this test.
func TestCapturedAlarmWatchesWhatTheHandlerEmits(t *testing.T) {
	const topic = "arn:aws:sns:eu-west-1:123456789012:ops"
	p, err := planWith(t, map[string]string{"skein:alarmTopicArn": topic})
	if err != nil {
		t.Fatal(err)
	}
	alarm := p.Find("aws:cloudwatch/metricAlarm:MetricAlarm", stack.CapturedAlarmName)
	if alarm == nil {
		t.Fatal("no captured-failures alarm")
	}
	for path, want := range map[string]any{
		"statistic": "Sum", "period": 300.0, "evaluationPeriods": 1.0, "threshold": 0.0,
		"comparisonOperator": "GreaterThanThreshold", "treatMissingData": "notBreaching",
	} {
		if got := alarm.Get(path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("alarm %s = %v, want %v", path, got, want)
		}
	}
	for _, key := range []string{"alarmActions", "okActions"} {
		if acts, _ := alarm.Get(key).([]any); len(acts) != 1 || acts[0] != topic {
			t.Errorf("alarm %s = %v, want the stage's topic", key, alarm.Get(key))
		}
	}
	alarmDims := map[string]string{}
	dims, _ := alarm.Get("dimensions").(map[string]any)
	for k, v := range dims {
		alarmDims[k] = fmt.Sprint(v)
	}

	// Run the handler as functions/vendor's main builds it, with the planned environment.
	env := plannedEnv(t, p, stack.VendorName)
	v, err := vendortest.Start(vendortest.Options{FailFraction: 0.5, FailStatus: 404, Latency: -1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Close() }()
	s3, err := s3local.Start("data")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s3.Close() }()
	client, err := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	emf, err := metrics.FromEnv(func(k string) (string, bool) { s, ok := env[k]; return s, ok }, metrics.Dim(pipeline.DimFunction, pipeline.FunctionVendor))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	emf.W = &out
	h := &pipeline.Vendor{Fetch: &pipeline.FetchMetrics{Vendor: client, Store: s3.Client(), Bucket: "data", FailedPrefix: env["FAILED_PREFIX"]}, Metrics: emf}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	in := pipeline.FetchInput{BatchInput: pipeline.BatchInput{ExecutionID: "exec"}}
	for _, d := range v.Devices()[:10] {
		in.Items = append(in.Items, pipeline.Item{Date: "2026-11-23", Group: d[:5], Device: d})
	}
	b, _ := json.Marshal(in)
	res, err := h.Request(context.Background(), pipeline.Request{Op: pipeline.OpFetchMetrics, Input: b})
	if err != nil {
		t.Fatal(err)
	}
	if res.(*pipeline.FetchOutput).Failed == 0 {
		t.Fatal("the fixture must capture a device")
	}
	ms, err := emftest.Lines(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var breaching float64
	for _, m := range ms {
		if m.Namespace == alarm.String("namespace") && m.Name == alarm.String("metricName") && maps.Equal(m.Dimensions, alarmDims) {
			for _, x := range m.Values {
				breaching += x
			}
		}
	}
	if breaching <= alarm.Get("threshold").(float64) {
		t.Errorf("no datapoint of the handler breaches the alarm (namespace %q, metric %q, dimensions %v); the handler emitted:\n%s",
			alarm.String("namespace"), alarm.String("metricName"), alarmDims, out.String())
	}

	// Without a topic, the alarm still exists and notifies nobody; the transform gets the
	// namespace too.
	p, err = planWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	alarm = p.Find("aws:cloudwatch/metricAlarm:MetricAlarm", stack.CapturedAlarmName)
	if alarm == nil || alarm.Get("alarmActions") != nil {
		t.Errorf("without a topic: %+v", alarm)
	}
	if ns := plannedEnv(t, p, stack.TransformName)[metrics.EnvNamespace]; ns == "" || ns != alarm.String("namespace") {
		t.Errorf("transform namespace %q, alarm's %q", ns, alarm.String("namespace"))
	}
}
