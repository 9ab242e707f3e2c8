package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pace"
	"github.com/skeinhq/skein/functions/sqsbatch"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// Ops returns the vendor worker's operations, in the order of the workflow (a fresh slice on
// every call).
func Ops() []string { return []string{OpListGroups, OpListDevices, OpFetchMetrics} }

// Vendor is the vendor worker's handler (functions/vendor): the one Lambda function through
// which every call to the vendor goes, so that its reserved concurrency and each invocation's
// share of the vendor's rate bound every caller at once. It answers two kinds of event:
//
//   - a [Request] from a workflow Task ({"op": "list-devices", "input": {...}}): the operation's
//     handler runs on the input and its output is the result;
//   - an SQS event (a queue such as "refetch" subscribed to the worker), each record's body a
//     Request with op fetch-metrics: each record is fetched as a batch, and the failed records
//     are reported as a partial batch response (sqsbatch), so that only they come back.
//
// Every invocation gets a fresh pacer from Budget (package pace: an empty bucket) on its
// context, which the vendor client waits for before every HTTP request.
type Vendor struct {
	// ListGroups, ListDevices and Fetch run the operations; a nil one answers its op with an
	// *InputError ("not served by this worker").
	ListGroups  *ListGroups
	ListDevices *ListDevices
	Fetch       *FetchMetrics
	// Budget is each invocation's share of the vendor's budget (pace.FromEnv: the
	// SKEIN_BUDGET_* variables the worker component sets). Zero means not paced.
	Budget pace.Config
	// RecordConcurrency is how many records of one SQS event run at once. Zero means 1: each
	// record is a batch that already runs Fetch.Concurrency calls at once, and the budget's
	// calls in flight bound the invocation whatever this is.
	RecordConcurrency int
	// Log receives the handler's lines; nil means none.
	Log *slog.Logger
	// Metrics receives each operation's metrics (vendor calls, 429s, latency; items fetched,
	// skipped, failed and captured) as embedded metric format lines, with the operation as a
	// dimension; nil means none. The main sets metrics.FromEnv with DimFunction FunctionVendor.
	Metrics *metrics.Emitter
}

// Handle implements the Lambda handler: an SQS event (it has "Records") or a Request.
func (h *Vendor) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	var probe struct {
		Records json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(event, &probe); err != nil {
		return nil, inputError("event", "must be a JSON object: a Request {op, input} or an SQS event", snippetOf(event))
	}
	if probe.Records != nil {
		var ev events.SQSEvent
		if err := json.Unmarshal(event, &ev); err != nil {
			return nil, inputError("Records", "must be an SQS event's records", err.Error())
		}
		return h.Records(ctx, ev)
	}
	var req Request
	if err := json.Unmarshal(event, &req); err != nil {
		return nil, inputError("event", "must be a Request {op, input}", err.Error())
	}
	return h.Request(ctx, req)
}

// Request runs one operation with a fresh pacer.
func (h *Vendor) Request(ctx context.Context, req Request) (any, error) {
	return h.request(vendorapi.WithPacer(ctx, h.Budget.New()), req)
}

func (h *Vendor) request(ctx context.Context, req Request) (any, error) {
	if h.Metrics != nil && (req.Op == OpListGroups || req.Op == OpListDevices || req.Op == OpFetchMetrics) {
		set := h.Metrics.Start(metrics.Dim(DimOperation, req.Op))
		ctx = vendorapi.WithObserver(metrics.With(ctx, set), vendorObserver(set))
		defer flush(ctx, logger(h.Log), set)
	}
	input := bytes.TrimSpace(req.Input)
	if len(input) == 0 || bytes.Equal(input, []byte("null")) {
		input = []byte("{}")
	}
	notServed := inputError("op", "is not served by this worker", req.Op)
	switch req.Op {
	case OpListGroups:
		if h.ListGroups != nil {
			return serve(ctx, req.Op, "RunInput", input, h.ListGroups.Handle)
		}
		return nil, notServed
	case OpListDevices:
		if h.ListDevices != nil {
			return serve(ctx, req.Op, "ListDevicesInput", input, h.ListDevices.Handle)
		}
		return nil, notServed
	case OpFetchMetrics:
		if h.Fetch != nil {
			return serve(ctx, req.Op, "FetchInput", input, h.Fetch.Handle)
		}
		return nil, notServed
	}
	err := inputError("op", "must be one of "+strings.Join(Ops(), ", "), req.Op)
	logger(h.Log).ErrorContext(ctx, "unknown operation", "error", err)
	return nil, err
}

// Records handles an SQS event: each record's body is a Request with op fetch-metrics, run as
// a batch; the records that fail are reported in BatchItemFailures. One pacer serves the whole
// event (one invocation).
func (h *Vendor) Records(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	ctx = vendorapi.WithPacer(ctx, h.Budget.New())
	conc := h.RecordConcurrency
	if conc <= 0 {
		conc = 1
	}
	return sqsbatch.Process(ctx, ev, func(ctx context.Context, msg *events.SQSMessage, req Request) error {
		if req.Op != OpFetchMetrics {
			return inputError("body.op", "must be "+OpFetchMetrics+" on a queue", req.Op)
		}
		_, err := h.request(logx.WithCorrelation(ctx, msg.MessageId), req)
		return err
	}, &sqsbatch.Options{Concurrency: conc, Logger: logger(h.Log)})
}

// Validate checks the handler's settings (the main calls it at start-up).
func (h *Vendor) Validate() error {
	var errs []error
	if h.ListGroups == nil && h.ListDevices == nil && h.Fetch == nil {
		errs = append(errs, errors.New("pipeline: Vendor serves no operation (ListGroups, ListDevices and Fetch are nil)"))
	}
	if h.Fetch != nil {
		errs = append(errs, h.Fetch.Validate())
	}
	if err := h.Budget.Validate(); err != nil {
		errs = append(errs, err)
	}
	if h.Metrics != nil {
		errs = append(errs, h.Metrics.Validate())
	}
	if h.RecordConcurrency < 0 || h.RecordConcurrency > sqsbatch.MaxConcurrency {
		errs = append(errs, fmt.Errorf("pipeline: Vendor.RecordConcurrency must be 0..%d (0 means 1), got %d", sqsbatch.MaxConcurrency, h.RecordConcurrency))
	}
	return errors.Join(errs...)
}

// serve decodes an operation's input (typ names its type in the error) and runs handle on it.
// With an error, the result is an untyped nil, so that no typed nil pointer is encoded as a
// result.
func serve[In, Out any](ctx context.Context, op, typ string, input []byte, handle func(context.Context, In) (*Out, error)) (any, error) {
	var in In
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, inputError("input", "must be a "+typ+" for op "+op, err.Error())
	}
	out, err := handle(ctx, in)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func snippetOf(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
