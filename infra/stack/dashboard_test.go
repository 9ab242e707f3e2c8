package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/skeinhq/skein/components/dashboard"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/metrics/emftest"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
	"github.com/skeinhq/skein/infra/stack"
)

// awsMetrics are the metrics each AWS service documents, by namespace: the one dimension they
// are published with per resource, the planned resource type that dimension names, and the
// output of that resource the dimension's value is.
var awsMetrics = map[string]struct {
	dim, resourceType, output string
	metrics                   []string
}{
	// Step Functions: execution metrics, per state machine.
	dashboard.NamespaceStates: {dashboard.DimStateMachineArn, "aws:sfn/stateMachine:StateMachine", "arn", []string{
		"ExecutionTime", "ExecutionThrottled", "ExecutionsAborted", "ExecutionsFailed", "ExecutionsStarted",
		"ExecutionsSucceeded", "ExecutionsTimedOut", "ExecutionsRedriven", "RedrivenExecutionsSucceeded",
		"RedrivenExecutionsFailed", "RedrivenExecutionsTimedOut", "RedrivenExecutionsAborted"}},
	// Lambda: function metrics, per function name.
	dashboard.NamespaceLambda: {dashboard.DimFunctionName, "aws:lambda/function:Function", "name", []string{
		"Invocations", "Errors", "Throttles", "DeadLetterErrors", "DestinationDeliveryFailures", "Duration",
		"ConcurrentExecutions", "UnreservedConcurrentExecutions", "AsyncEventsReceived", "AsyncEventAge", "AsyncEventsDropped"}},
	// SQS: queue metrics, per queue name.
	dashboard.NamespaceSqs: {dashboard.DimQueueName, "aws:sqs/queue:Queue", "name", []string{
		"ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible",
		"ApproximateNumberOfMessagesVisible", "NumberOfEmptyReceives", "NumberOfMessagesDeleted",
		"NumberOfMessagesReceived", "NumberOfMessagesSent", "SentMessageSize"}},
}

func plannedBody(t *testing.T, p *plan.Plan) dashboard.Body {
	t.Helper()
	r := p.Find(dashboard.ResourceType, stack.DashboardName)
	if r == nil {
		t.Fatal("no dashboard in the plan")
	}
	var b dashboard.Body
	if err := json.Unmarshal([]byte(r.String("dashboardBody")), &b); err != nil {
		t.Fatalf("dashboard body: %v", err)
	}
	return b
}

// Every AWS metric on the stage's dashboard is one its service publishes, with the dimension it
// publishes it with, naming a resource the plan creates; and every planned function, queue
// (dead-letter queues included) and state machine is drawn. A widget left behind by a renamed or
// removed resource, or a typo in a metric name, fails this test.
func TestDashboardDrawsWhatPlannedResourcesEmit(t *testing.T) {
	p, err := planWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := plannedBody(t, p)
	drawn := map[string]map[string]bool{} // namespace -> dimension values drawn
	var emf int
	for _, w := range body.Widgets {
		if w.Type != "metric" {
			continue
		}
		if w.Properties.Region != "eu-west-1" {
			t.Errorf("widget %q: region %q, want the stage's eu-west-1", w.Properties.Title, w.Properties.Region)
		}
		for _, m := range w.Properties.Metrics {
			spec, ok := awsMetrics[m.Namespace]
			if !ok {
				emf++
				continue // the handlers' metrics: judged by TestDashboardDrawsWhatHandlersEmit
			}
			if !slices.Contains(spec.metrics, m.Name) {
				t.Errorf("widget %q: %s has no metric %s", w.Properties.Title, m.Namespace, m.Name)
			}
			dims := m.DimensionMap()
			if len(dims) != 1 || dims[spec.dim] == "" {
				t.Errorf("widget %q: %s %s dimensions %v, want only %s", w.Properties.Title, m.Namespace, m.Name, dims, spec.dim)
				continue
			}
			found := false
			for _, r := range p.OfType(spec.resourceType) {
				if v, _ := r.Outputs[spec.output].(string); v == dims[spec.dim] {
					found = true
				}
			}
			if !found {
				t.Errorf("widget %q: %s %s=%q names no planned %s", w.Properties.Title, m.Name, spec.dim, dims[spec.dim], spec.resourceType)
			}
			if drawn[m.Namespace] == nil {
				drawn[m.Namespace] = map[string]bool{}
			}
			drawn[m.Namespace][dims[spec.dim]] = true
		}
	}
	if emf == 0 {
		t.Error("the dashboard draws none of the handlers' metrics")
	}
	for ns, spec := range awsMetrics {
		rs := p.OfType(spec.resourceType)
		if len(rs) == 0 {
			t.Errorf("the plan has no %s", spec.resourceType)
		}
		for _, r := range rs {
			if v, _ := r.Outputs[spec.output].(string); !drawn[ns][v] {
				t.Errorf("planned %s %s (%s) is on no widget", spec.resourceType, r.Name, v)
			}
		}
	}
}

// Every handler metric on the dashboard is one the real handlers emit: the vendor worker (every
// operation, with a vendor that refuses some devices and answers 429 for a while) and the
// transform, run as their mains build them with the planned workers' environments, write EMF
// lines (judged by the specification's schema) that carry each drawn metric with the drawn
// namespace and exact dimension set.
func TestDashboardDrawsWhatHandlersEmit(t *testing.T) {
	p, err := planWith(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := plannedBody(t, p)
	const bucket = "skein-dev-data" // the fixture event's bucket
	// One vendor per operation, each answering 429 (Retry-After 1s) for its first 500ms, so each
	// operation's first call is throttled and its retry served; the same seed gives the same
	// groups, devices and refusals.
	vendor := func() (*vendortest.Server, *vendorapi.Client) {
		t.Helper()
		v, err := vendortest.Start(vendortest.Options{Groups: 2, DevicesPerGroup: 5, FailFraction: 0.3, FailStatus: 404, Latency: -1, Seed: 1,
			Storms: []vendortest.Window{{For: 500 * time.Millisecond}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = v.Close() })
		c, err := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		return v, c
	}
	s3, err := s3local.Start(bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s3.Close() }()
	emitter := func(worker, function string, w *bytes.Buffer) *metrics.Emitter {
		env := plannedEnv(t, p, worker)
		e, err := metrics.FromEnv(func(k string) (string, bool) { s, ok := env[k]; return s, ok }, metrics.Dim(pipeline.DimFunction, function))
		if err != nil {
			t.Fatal(err)
		}
		e.W = w
		return e
	}
	var out bytes.Buffer
	env := plannedEnv(t, p, stack.VendorName)
	h := &pipeline.Vendor{
		ListGroups:  &pipeline.ListGroups{},
		ListDevices: &pipeline.ListDevices{Store: s3.Client(), Bucket: bucket},
		Fetch:       &pipeline.FetchMetrics{Store: s3.Client(), Bucket: bucket, FailedPrefix: env["FAILED_PREFIX"]},
		Metrics:     emitter(stack.VendorName, pipeline.FunctionVendor, &out),
	}
	const date = "2026-11-23"
	var v *vendortest.Server
	request := func(op string, in any) {
		t.Helper()
		var c *vendorapi.Client
		v, c = vendor()
		h.ListGroups.Vendor, h.ListDevices.Vendor, h.Fetch.Vendor = c, c, c
		if err := h.Validate(); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(in)
		if _, err := h.Request(context.Background(), pipeline.Request{Op: op, Input: b}); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	request(pipeline.OpListGroups, pipeline.RunInput{Date: date})
	request(pipeline.OpListDevices, pipeline.ListDevicesInput{Group: v.Groups()[0], Date: date})
	fetch := pipeline.FetchInput{BatchInput: pipeline.BatchInput{ExecutionID: "exec", SkipExisting: true}}
	for _, d := range v.Devices() {
		fetch.Items = append(fetch.Items, pipeline.Item{Date: date, Group: d[:5], Device: d})
	}
	request(pipeline.OpFetchMetrics, fetch)
	request(pipeline.OpFetchMetrics, fetch) // skips what the first stored

	// The transform, on the fixture event: its first object was stored by the fetch above, the
	// others were not.
	raw, err := os.ReadFile(filepath.Join(root(t), "functions", "pipeline", "testdata", "sqs_object_created.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	tr := &pipeline.Transform{Store: s3.Client(), Bucket: bucket, Metrics: emitter(stack.TransformName, pipeline.FunctionTransform, &out)}
	if _, err := tr.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}

	ms, err := emftest.Lines(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ ns, name, dims string }
	dimKey := func(d map[string]string) string {
		ks := slices.Sorted(maps.Keys(d))
		var b strings.Builder
		for _, k := range ks {
			fmt.Fprintf(&b, "%s=%s;", k, d[k])
		}
		return b.String()
	}
	emitted := map[key]bool{}
	for _, m := range ms {
		emitted[key{m.Namespace, m.Name, dimKey(m.Dimensions)}] = true
	}
	var drawn int
	for _, w := range body.Widgets {
		for _, m := range w.Properties.Metrics {
			if _, aws := awsMetrics[m.Namespace]; aws {
				continue
			}
			drawn++
			if k := (key{m.Namespace, m.Name, dimKey(m.DimensionMap())}); !emitted[k] {
				var have []string
				for e := range emitted {
					have = append(have, fmt.Sprintf("%s %s {%s}", e.ns, e.name, e.dims))
				}
				sort.Strings(have)
				t.Errorf("widget %q draws %s %s {%s}, which no handler emitted; they emitted:\n%s", w.Properties.Title, k.ns, k.name, k.dims, strings.Join(have, "\n"))
			}
		}
	}
	if drawn == 0 {
		t.Error("no handler metric drawn")
	}
}
