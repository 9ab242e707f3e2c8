package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"

	"github.com/aws/aws-lambda-go/events"
	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/sqsbatch"
)

// S3Detail is the detail of an EventBridge "Object Created" event from S3
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html).
type S3Detail struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      int64  `json:"size"`
		ETag      string `json:"etag"`
		Sequencer string `json:"sequencer"`
	} `json:"object"`
	Reason string `json:"reason"`
}

// Summary is one metric's statistics over the day. Min, Max, Mean, P50 and P95 are absent when
// the series has no points.
type Summary struct {
	Name  string   `json:"name"`
	Unit  string   `json:"unit"`
	Count int      `json:"count"`
	Sum   float64  `json:"sum"`
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
	Mean  *float64 `json:"mean,omitempty"`
	P50   *float64 `json:"p50,omitempty"` // nearest-rank percentiles
	P95   *float64 `json:"p95,omitempty"`
}

// ProcessedObject is what transform writes to ProcessedKey(item): a pure function of the raw
// object, so duplicate deliveries and re-runs write the same bytes.
type ProcessedObject struct {
	Date    string    `json:"date"`
	Group   string    `json:"group"`
	Device  string    `json:"device"`
	Source  string    `json:"source"` // the raw key
	Metrics []Summary `json:"metrics"`
}

// Summarize computes the processed object of a raw one, metrics sorted by name.
func Summarize(raw RawObject, sourceKey string) ProcessedObject {
	out := ProcessedObject{Date: raw.Date, Group: raw.Group, Device: raw.Device, Source: sourceKey, Metrics: []Summary{}}
	for _, s := range raw.Metrics.Series {
		sm := Summary{Name: s.Name, Unit: s.Unit, Count: len(s.Points)}
		if len(s.Points) > 0 {
			vals := make([]float64, len(s.Points))
			for i, p := range s.Points {
				vals[i] = p.V
				sm.Sum += p.V
			}
			sort.Float64s(vals)
			mean := sm.Sum / float64(len(vals))
			sm.Min, sm.Max, sm.Mean = &vals[0], &vals[len(vals)-1], &mean
			sm.P50, sm.P95 = nearestRank(vals, 50), nearestRank(vals, 95)
		}
		out.Metrics = append(out.Metrics, sm)
	}
	sort.SliceStable(out.Metrics, func(i, j int) bool { return out.Metrics[i].Name < out.Metrics[j].Name })
	return out
}

// nearestRank is the p-th percentile of sorted values by the nearest-rank method.
func nearestRank(sorted []float64, p float64) *float64 {
	r := int(math.Ceil(p / 100 * float64(len(sorted))))
	if r < 1 {
		r = 1
	}
	v := sorted[r-1]
	return &v
}

// Transform is the transform handler: an SQS consumer of S3 "Object Created" events delivered
// through EventBridge. For each record it reads the raw object, summarises it and writes
// ProcessedKey(item) in the same bucket. Records fail individually (partial batch response),
// so only they are delivered again, up to the queue's maxReceiveCount, then go to its DLQ.
//
// Objects outside raw/ are ignored (logged), not failed: the EventBridge rule should not send
// them, and failing would only fill the DLQ. Events that are not S3 "Object Created" events
// fail (an *InputError), so a misrouted rule shows up in the DLQ.
type Transform struct {
	Store interface {
		ObjectGetter
		ObjectPutter
	}
	// Bucket, when set, is the only bucket whose events are accepted.
	Bucket string
	// Concurrency is how many records of a batch run at once (sqsbatch.Options.Concurrency):
	// 0 means sqsbatch's default.
	Concurrency int
	// MemoryMB is the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE); zero means 128, the
	// smallest. With Concurrency it bounds the raw objects a record may read (TransformObjectCap),
	// so that a batch of large objects fails record by record, never the whole batch by running
	// out of memory.
	MemoryMB int
	Log      *slog.Logger
	// Metrics receives each invocation's records transformed and failed as embedded metric
	// format lines (DimOperation OpTransform); nil means none. The main sets metrics.FromEnv
	// with DimFunction FunctionTransform.
	Metrics *metrics.Emitter
}

// TransformDecodeFactor is how much memory decoding a raw object takes per byte of it, at most:
// the JSON decoder's buffer, the decoded values and the garbage of their growth (measured: 6.0
// bytes allocated per byte of a raw object at the cap, of which less is live at once).
const TransformDecodeFactor = 8

// TransformObjectCap is the largest raw object the transform reads: half the function's memory
// (the rest is the runtime's, the SDK's and the output's), shared by the records that run at
// once, over TransformDecodeFactor; never above the 64 MiB every handler is bounded by.
func TransformObjectCap(memoryMB, concurrency int) int {
	if memoryMB <= 0 {
		memoryMB = 128
	}
	if concurrency <= 0 {
		concurrency = sqsbatch.DefaultConcurrency
	}
	return min(maxObjectBytes, memoryMB<<20/2/concurrency/TransformDecodeFactor)
}

// Handle implements the Lambda handler for an SQS event source with ReportBatchItemFailures.
func (h *Transform) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	log := logger(h.Log)
	set := h.Metrics.Start(metrics.Dim(DimOperation, OpTransform))
	defer flush(ctx, log, set)
	resp, err := sqsbatch.Process(ctx, ev, func(ctx context.Context, msg *events.SQSMessage, e events.EventBridgeEvent) error {
		ctx = logx.WithCorrelation(ctx, msg.MessageId)
		ctx, done, err := h.record(ctx, e)
		switch {
		case err != nil:
			log.WarnContext(ctx, "record failed", "messageId", msg.MessageId, "errorName", errorName(err), "error", err)
		case done:
			set.Add(MetricTransformed, metrics.Count, 1)
		}
		return err
	}, &sqsbatch.Options{Concurrency: h.Concurrency, Logger: log})
	// every failed record, those whose body did not decode included
	set.Add(MetricTransformFailed, metrics.Count, float64(len(resp.BatchItemFailures)))
	return resp, err
}

// Record handles one EventBridge event. Once the raw object is read, the lines about it carry
// its correlation id (the raw object's MetaCorrelation, else ItemCorrelation of its
// MetaExecution and its key): the id its export logged.
func (h *Transform) Record(ctx context.Context, e events.EventBridgeEvent) error {
	_, _, err := h.record(ctx, e)
	return err
}

// record is Record, returning the context its lines about the item use and whether it
// transformed an object (false for an ignored one).
func (h *Transform) record(ctx context.Context, e events.EventBridgeEvent) (context.Context, bool, error) {
	log := logger(h.Log)
	if e.Source != "aws.s3" || e.DetailType != "Object Created" {
		return ctx, false, inputError("event", `must be an S3 "Object Created" event (source aws.s3)`, e.Source+" / "+e.DetailType)
	}
	var d S3Detail
	if err := json.Unmarshal(e.Detail, &d); err != nil || d.Bucket.Name == "" || d.Object.Key == "" {
		return ctx, false, inputError("event.detail", "must name bucket.name and object.key", string(e.Detail))
	}
	if h.Bucket != "" && d.Bucket.Name != h.Bucket {
		return ctx, false, inputError("event.detail.bucket.name", "must be "+h.Bucket, d.Bucket.Name)
	}
	it, err := ParseRawKey(d.Object.Key)
	if err != nil {
		log.InfoContext(ctx, "ignored: not a raw object", "key", d.Object.Key)
		return ctx, false, nil
	}
	key := RawKey(it) // canonical (decoded) form
	limit := TransformObjectCap(h.MemoryMB, h.Concurrency)
	var raw RawObject
	meta, err := decodeObjectMeta(ctx, h.Store, d.Bucket.Name, key, limit, &raw)
	id := meta[MetaCorrelation]
	if id == "" {
		id = ItemCorrelation(meta[MetaExecution], it)
	}
	ctx = logx.WithCorrelation(ctx, id)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return ctx, false, err
		}
		log.WarnContext(ctx, "reading the raw object failed", "key", key, "error", err)
		return ctx, false, err
	}
	if raw.Date != it.Date || raw.Group != it.Group || raw.Device != it.Device {
		return ctx, false, inputError("raw object", "must describe the item its key names", fmt.Sprintf("%s holds %s/%s/%s", key, raw.Date, raw.Group, raw.Device))
	}
	out := ProcessedKey(it)
	if _, err := putJSON(ctx, h.Store, d.Bucket.Name, out, Summarize(raw, key), nil); err != nil {
		log.WarnContext(ctx, "writing the processed object failed", "key", out, "error", err)
		return ctx, false, err
	}
	log.InfoContext(ctx, "transformed", "device", it.Device, "raw", key, "processed", out)
	return ctx, true, nil
}
