package sqsbatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/events"
)

// DefaultConcurrency is how many records (FIFO: message groups) are processed at once when
// Options.Concurrency is zero.
const DefaultConcurrency = 10

// MaxConcurrency bounds Options.Concurrency: a Lambda batch holds at most 10,000 records.
const MaxConcurrency = 10000

// Options tune a Process call. The zero value (or nil) is ready to use.
type Options struct {
	// Concurrency is how many records are processed at once (for a FIFO batch: how many message
	// groups). Zero means DefaultConcurrency; 1 processes the batch in order. Allowed 0..10000.
	Concurrency int
	// Logger receives one line per failed record, with its messageId. Nil means slog.Default().
	Logger *slog.Logger
}

// Func handles one raw SQS message.
type Func func(ctx context.Context, msg *events.SQSMessage) error

// DecodeError is a record whose body is not valid JSON for the record type.
type DecodeError struct {
	MessageID string
	Err       error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("sqsbatch: message %s: decode body: %v", e.MessageID, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// RecordError is a record whose handler returned an error.
type RecordError struct {
	MessageID string
	Err       error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("sqsbatch: message %s: %v", e.MessageID, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// PanicError is a record whose handler panicked; the panic is contained to that record.
type PanicError struct {
	MessageID string
	// Value is what the handler panicked with.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("sqsbatch: message %s: handler panicked: %v", e.MessageID, e.Value)
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// SkippedError is a FIFO record that was not processed because an earlier record of its message
// group failed in this batch; it is reported so that SQS redelivers the group in order.
type SkippedError struct {
	MessageID      string
	MessageGroupID string
	// FailedMessageID is the earlier record of the group that failed.
	FailedMessageID string
}

func (e *SkippedError) Error() string {
	return fmt.Sprintf("sqsbatch: message %s: not processed: message %s of group %q failed before it", e.MessageID, e.FailedMessageID, e.MessageGroupID)
}

// NotProcessedError is a record that was not started because the context was done.
type NotProcessedError struct {
	MessageID string
	Err       error
}

func (e *NotProcessedError) Error() string {
	return fmt.Sprintf("sqsbatch: message %s: not processed: %v", e.MessageID, e.Err)
}

func (e *NotProcessedError) Unwrap() error { return e.Err }

// BatchError is returned when every record of the batch failed, so that Lambda retries the whole
// batch. Errors holds each record's error, in record order.
type BatchError struct {
	Errors []error
}

func (e *BatchError) Error() string {
	if len(e.Errors) == 0 {
		return "sqsbatch: every record failed"
	}
	return fmt.Sprintf("sqsbatch: all %d records failed; first: %v", len(e.Errors), e.Errors[0])
}

// Unwrap exposes the records' errors to errors.Is and errors.As.
func (e *BatchError) Unwrap() []error { return e.Errors }

// Process decodes each record's body as JSON into a T and calls fn with it, as
// [ProcessMessages] does. A body that does not decode fails its record with a [*DecodeError].
func Process[T any](ctx context.Context, event events.SQSEvent, fn func(ctx context.Context, msg *events.SQSMessage, body T) error, opts *Options) (events.SQSEventResponse, error) {
	if fn == nil {
		return events.SQSEventResponse{}, errors.New("sqsbatch: Process needs a handler, got nil")
	}
	return ProcessMessages(ctx, event, func(ctx context.Context, msg *events.SQSMessage) error {
		var v T
		if err := json.Unmarshal([]byte(msg.Body), &v); err != nil {
			return &DecodeError{MessageID: msg.MessageId, Err: err}
		}
		return fn(ctx, msg, v)
	}, opts)
}

// ProcessMessages calls fn for every record of event, at most Options.Concurrency at once, and
// returns the partial batch response naming only the failed records. It returns an error only
// when the options are invalid (nothing is processed) or when every record failed ([*BatchError]).
func ProcessMessages(ctx context.Context, event events.SQSEvent, fn Func, opts *Options) (events.SQSEventResponse, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Concurrency < 0 || o.Concurrency > MaxConcurrency {
		return events.SQSEventResponse{}, fmt.Errorf("sqsbatch: Options.Concurrency must be 0..%d (0 means %d), got %d", MaxConcurrency, DefaultConcurrency, o.Concurrency)
	}
	if fn == nil {
		return events.SQSEventResponse{}, errors.New("sqsbatch: ProcessMessages needs a handler, got nil")
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	recs := event.Records
	if len(recs) == 0 {
		return events.SQSEventResponse{}, nil
	}
	errs := make([]error, len(recs))
	if IsFIFO(event) {
		processFIFO(ctx, recs, fn, o.Concurrency, errs)
	} else {
		processStandard(ctx, recs, fn, o.Concurrency, errs)
	}
	var resp events.SQSEventResponse
	failed := 0
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed++
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: recs[i].MessageId})
		logFailure(ctx, o.Logger, &recs[i], err)
	}
	if failed == len(recs) {
		return resp, &BatchError{Errors: errs}
	}
	return resp, nil
}

// IsFIFO reports whether event comes from a FIFO queue: its source ARN ends in ".fifo" or its
// first record carries a MessageGroupId.
func IsFIFO(event events.SQSEvent) bool {
	if len(event.Records) == 0 {
		return false
	}
	r := &event.Records[0]
	return strings.HasSuffix(r.EventSourceARN, ".fifo") || r.Attributes["MessageGroupId"] != ""
}

func logFailure(ctx context.Context, l *slog.Logger, m *events.SQSMessage, err error) {
	level, msg := slog.LevelError, "sqs record failed"
	var skipped *SkippedError
	var notRun *NotProcessedError
	if errors.As(err, &skipped) || errors.As(err, &notRun) {
		level, msg = slog.LevelWarn, "sqs record not processed"
	}
	attrs := []slog.Attr{slog.String("messageId", m.MessageId)}
	if g := m.Attributes["MessageGroupId"]; g != "" {
		attrs = append(attrs, slog.String("messageGroupId", g))
	}
	if n := m.Attributes["ApproximateReceiveCount"]; n != "" {
		attrs = append(attrs, slog.String("receiveCount", n))
	}
	attrs = append(attrs, slog.String("error", err.Error()))
	l.LogAttrs(ctx, level, msg, attrs...)
}

// call runs fn on one record, turning an error or a panic into a typed error naming the record.
func call(ctx context.Context, fn Func, m *events.SQSMessage) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{MessageID: m.MessageId, Value: v, Stack: debug.Stack()}
		}
	}()
	if e := fn(ctx, m); e != nil {
		var de *DecodeError
		if errors.As(e, &de) {
			return e
		}
		return &RecordError{MessageID: m.MessageId, Err: e}
	}
	return nil
}

func processStandard(ctx context.Context, recs []events.SQSMessage, fn Func, conc int, errs []error) {
	one := func(i int) {
		m := &recs[i]
		if err := ctx.Err(); err != nil {
			errs[i] = &NotProcessedError{MessageID: m.MessageId, Err: err}
			return
		}
		errs[i] = call(ctx, fn, m)
	}
	workers := min(conc, len(recs))
	if workers == 1 {
		for i := range recs {
			one(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(recs) {
					return
				}
				one(i)
			}
		}()
	}
	wg.Wait()
}

func processFIFO(ctx context.Context, recs []events.SQSMessage, fn Func, conc int, errs []error) {
	// Group record indexes by message group, keeping batch order inside each group and the order
	// in which groups first appear.
	// Two passes, so that every group's indexes share one allocation.
	index := map[string]int{}
	var counts []int
	gid := make([]int, len(recs))
	for i := range recs {
		g := recs[i].Attributes["MessageGroupId"]
		k, ok := index[g]
		if !ok {
			k = len(counts)
			index[g] = k
			counts = append(counts, 0)
		}
		gid[i] = k
		counts[k]++
	}
	flat := make([]int, len(recs))
	groups := make([][]int, len(counts))
	off := 0
	for k, n := range counts {
		groups[k] = flat[off : off : off+n]
		off += n
	}
	for i, k := range gid {
		groups[k] = append(groups[k], i)
	}
	runGroup := func(idx []int) {
		failedAt := -1
		for _, i := range idx {
			m := &recs[i]
			if failedAt >= 0 {
				errs[i] = &SkippedError{MessageID: m.MessageId, MessageGroupID: m.Attributes["MessageGroupId"], FailedMessageID: recs[failedAt].MessageId}
				continue
			}
			if err := ctx.Err(); err != nil {
				errs[i] = &NotProcessedError{MessageID: m.MessageId, Err: err}
				failedAt = i
				continue
			}
			if err := call(ctx, fn, m); err != nil {
				errs[i] = err
				failedAt = i
			}
		}
	}
	workers := min(conc, len(groups))
	if workers == 1 {
		for _, g := range groups {
			runGroup(g)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(groups) {
					return
				}
				runGroup(groups[k])
			}
		}()
	}
	wg.Wait()
}
