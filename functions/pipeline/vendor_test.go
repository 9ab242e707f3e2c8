package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/skeinhq/skein/functions/pace"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/pipeline/layout"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

func vendorHandler(e *env, budget pace.Config, conc int) *pipeline.Vendor {
	return &pipeline.Vendor{
		ListGroups:  &pipeline.ListGroups{Vendor: e.client},
		ListDevices: &pipeline.ListDevices{Vendor: e.client, Store: e.s3, Bucket: bucket},
		Fetch:       &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket, Concurrency: conc},
		Budget:      budget,
	}
}

// A Request reaches the operation it names with its input decoded, and the result is the
// operation's output; an unknown op or an input of the wrong shape is an InputError naming the
// field, the rule and the value.
func TestVendorRoutesRequests(t *testing.T) {
	e := newEnv(t, vendortest.Options{Groups: 3, DevicesPerGroup: 4})
	h := vendorHandler(e, pace.Config{}, 1)
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	call := func(op, input string) (string, error) {
		out, err := h.Handle(ctx, json.RawMessage(`{"op":"`+op+`","input":`+input+`}`))
		if err != nil {
			return "", err
		}
		b, _ := json.Marshal(out)
		return string(b), nil
	}
	out, err := call(pipeline.OpListGroups, `{"date":"2026-11-23"}`)
	if err != nil || !strings.Contains(out, `"groups":[{"id":"g0001"`) || !strings.Contains(out, `"date":"2026-11-23"`) {
		t.Fatalf("list-groups: %s %v", out, err)
	}
	out, err = call(pipeline.OpListDevices, `{"group":{"id":"g0002"},"date":"2026-11-23"}`)
	if err != nil || !strings.Contains(out, `"count":4`) || !slices.Contains(e.keys(t, "manifests/"), layout.GroupManifest("2026-11-23", "g0002")) {
		t.Fatalf("list-devices: %s %v", out, err)
	}
	out, err = call(pipeline.OpFetchMetrics, `{"Items":[{"date":"2026-11-23","group":"g0002","device":"g0002-d0001"}],"BatchInput":{},"RetryCount":0}`)
	if err != nil || !strings.Contains(out, `"succeeded":1`) {
		t.Fatalf("fetch-metrics: %s %v", out, err)
	}
	for _, tc := range []struct{ event, want string }{
		{`{"op":"list-everything","input":{}}`, `op must be one of list-groups, list-devices, fetch-metrics, got "list-everything"`},
		{`{"op":"list-devices","input":{"group":"g0001"}}`, `input must be a ListDevicesInput for op list-devices`},
		{`[1,2]`, `event must be a JSON object`},
	} {
		_, err := h.Handle(ctx, json.RawMessage(tc.event))
		if !isType[*pipeline.InputError](err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an InputError with %q", tc.event, err, tc.want)
		}
	}
	only := &pipeline.Vendor{ListGroups: h.ListGroups}
	if _, err := only.Handle(ctx, json.RawMessage(`{"op":"fetch-metrics","input":{}}`)); !isType[*pipeline.InputError](err) || !strings.Contains(err.Error(), "not served") {
		t.Errorf("an op without its handler: %v", err)
	}
}

// Each invocation draws on its share: with one call in flight allowed, a batch that runs five
// items at once still sends the vendor one call at a time (the control, without a budget,
// sends more), and with a rate the vendor never sees more than the share in any window.
func TestVendorPacesEveryInvocation(t *testing.T) {
	batch := `{"op":"fetch-metrics","input":{"Items":[`
	for i := range 10 {
		if i > 0 {
			batch += ","
		}
		batch += fmt.Sprintf(`{"date":"2026-11-23","group":"g0001","device":"g0001-d%04d"}`, i+1)
	}
	batch += `],"BatchInput":{}}}`
	for _, tc := range []struct {
		name   string
		budget pace.Config
		check  func(vendortest.Stats) bool
	}{
		{"one-call-in-flight", pace.Config{Calls: 1}, func(s vendortest.Stats) bool { return s.PeakInFlight == 1 }},
		{"control-no-budget", pace.Config{}, func(s vendortest.Stats) bool { return s.PeakInFlight > 1 }},
		// 50 calls a second, burst 1, every invocation's bucket starting empty: 20 calls take at
		// least 20 x 20 ms, whatever else the machine does (a lower bound on the time cannot be
		// met by luck; the exact spacing is functions/pace's tests', on a fake clock).
		{"rate", pace.Config{Rate: 50}, func(vendortest.Stats) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, vendortest.Options{Groups: 1, DevicesPerGroup: 10, Latency: time.Millisecond, RateWindow: 100 * time.Millisecond})
			h := vendorHandler(e, tc.budget, 5)
			start := time.Now()
			for range 2 { // two invocations, one after the other
				if _, err := h.Handle(context.Background(), json.RawMessage(batch)); err != nil {
					t.Fatal(err)
				}
			}
			took := time.Since(start)
			if s := e.vendor.Stats(); !tc.check(s) || s.MetricsServed != 20 {
				t.Errorf("vendor stats %+v", s)
			}
			if tc.budget.Rate > 0 && took < 20*time.Second/time.Duration(tc.budget.Rate) {
				t.Errorf("20 calls at %v/s took %v: the invocations were not paced", tc.budget.Rate, took)
			}
		})
	}
}

// An SQS event's records are fetch-metrics Requests; the ones that fail (another op, a body
// that is not a Request, a batch whose items fail transiently) are reported by message id, the
// others are stored.
func TestVendorConsumesAQueue(t *testing.T) {
	e := newEnv(t, vendortest.Options{Groups: 2, DevicesPerGroup: 5, FailFraction: 0.3, FailStatus: 503, Seed: 2})
	failing := e.vendor.FailingDevices()
	if len(failing) == 0 {
		t.Fatal("no failing device: change the seed")
	}
	ok := ""
	for _, d := range e.vendor.Devices() {
		if !slices.Contains(failing, d) {
			ok = d
			break
		}
	}
	item := func(d string) string {
		return fmt.Sprintf(`{"op":"fetch-metrics","input":{"Items":[{"date":"2026-11-23","group":"%s","device":"%s"}]}}`, d[:5], d)
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m-ok", Body: item(ok), EventSource: "aws:sqs"},
		{MessageId: "m-op", Body: `{"op":"list-groups","input":{}}`, EventSource: "aws:sqs"},
		{MessageId: "m-body", Body: `not json`, EventSource: "aws:sqs"},
		{MessageId: "m-503", Body: item(failing[0]), EventSource: "aws:sqs"},
	}}
	raw, _ := json.Marshal(ev)
	h := vendorHandler(e, pace.Config{Rate: 1000, Calls: 2}, 1)
	h.RecordConcurrency = 2
	out, err := h.Handle(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	resp, okType := out.(events.SQSEventResponse)
	if !okType {
		t.Fatalf("result %T, want events.SQSEventResponse", out)
	}
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"m-503", "m-body", "m-op"}) {
		t.Errorf("reported failures %v, want m-503, m-body, m-op", ids)
	}
	if keys := e.keys(t, "raw/"); !slices.Equal(keys, []string{pipeline.RawPart("2026-11-23", []pipeline.Item{{Date: "2026-11-23", Group: ok[:5], Device: ok}})}) {
		t.Errorf("raw objects %v", keys)
	}
}
