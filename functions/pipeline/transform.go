package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sort"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pipeline/layout"
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

// ProcessedRecord is one line of a processed part (layout.Processed): one line per line of its
// raw part, in the same order. A pure function of the raw part, so duplicate deliveries and
// re-runs write the same bytes.
//
//   - Status ok: Metrics summarises the raw record's series.
//   - Status failed with a fetch failure: the raw record's Error and Message, carried on.
//   - Status failed at the transform (a poison record): Error and Message say why, and Payload
//     is the raw line as read (empty when it was above the transform's record cap); Date, Group
//     and Device are set when the line named them (for an over-long line, in its first KiB).
type ProcessedRecord struct {
	Date    string    `json:"date"`
	Group   string    `json:"group"`
	Device  string    `json:"device"`
	Status  string    `json:"status"`
	Source  string    `json:"source"` // the raw part's key
	Metrics []Summary `json:"metrics,omitempty"`
	Error   string    `json:"error,omitempty"`
	Message string    `json:"message,omitempty"`
	Payload string    `json:"payload,omitempty"`
}

// Summarize computes the processed record of an ok raw record, metrics sorted by name.
func Summarize(raw RawRecord, sourceKey string) ProcessedRecord {
	out := ProcessedRecord{Date: raw.Date, Group: raw.Group, Device: raw.Device, Status: StatusOK, Source: sourceKey, Metrics: []Summary{}}
	if raw.Metrics == nil {
		return out
	}
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
// through EventBridge, one event per raw part. For each record it streams the raw part line by
// line (one raw record in memory at a time, each at most TransformObjectCap bytes), summarises
// each ok record, carries each failed one on, and writes ONE processed part
// (layout.Processed, the raw part's date and id) in the same bucket.
//
// Failures are per raw record: a line that is not a raw record, names another date, or is
// above the cap (a poison record) becomes a failed ProcessedRecord with its error and payload,
// is logged with the device's correlation id and counted in MetricTransformFailed, and the
// rest of the part is transformed. Only an object that cannot be read or written at all fails
// its SQS record (partial batch response), which is delivered again, up to the queue's
// maxReceiveCount, then goes to its DLQ.
//
// Objects that are not raw parts are ignored (logged), not failed: the EventBridge rule should
// not send them, and failing would only fill the DLQ. Events that are not S3 "Object Created"
// events fail (an *InputError), so a misrouted rule shows up in the DLQ.
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
	// smallest. With Concurrency it bounds each raw record (line) a part may hold
	// (TransformObjectCap), so that a large record fails alone, never the whole batch by running
	// out of memory.
	MemoryMB int
	Log      *slog.Logger
	// Metrics receives each invocation's records transformed and failed as embedded metric
	// format lines (DimOperation OpTransform); nil means none. The main sets metrics.FromEnv
	// with DimFunction FunctionTransform.
	Metrics *metrics.Emitter
}

// TransformDecodeFactor is how much memory decoding a raw record takes per byte of it, at most:
// the line's buffer, the decoded values and the garbage of their growth (measured on raw
// objects: 6.0 bytes allocated per byte at the cap, of which less is live at once).
const TransformDecodeFactor = 8

// TransformObjectCap is the largest raw record (one line of a raw part) the transform reads:
// half the function's memory (the rest is the runtime's, the SDK's and the output's), shared by
// the records that run at once, over TransformDecodeFactor; never above the 64 MiB every
// handler is bounded by. A longer line is a failed record, not a failed object.
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
		n, err := h.record(ctx, e)
		if err != nil {
			log.WarnContext(ctx, "record failed", "messageId", msg.MessageId, "errorName", errorName(err), "error", err)
			return err
		}
		set.Add(MetricTransformed, metrics.Count, float64(n.ok))
		set.Add(MetricTransformFailed, metrics.Count, float64(n.failed))
		return nil
	}, &sqsbatch.Options{Concurrency: h.Concurrency, Logger: log})
	// every SQS record that failed whole, those whose body did not decode included
	set.Add(MetricTransformFailed, metrics.Count, float64(len(resp.BatchItemFailures)))
	return resp, err
}

// TransformCounts counts a raw part's records by outcome.
type TransformCounts struct {
	// OK records were summarised; Failed records failed at the transform (poison records);
	// Carried records had failed at the fetch and were carried on.
	OK, Failed, Carried int
}

// Record handles one EventBridge event: one raw part in, one processed part out.
func (h *Transform) Record(ctx context.Context, e events.EventBridgeEvent) (TransformCounts, error) {
	n, err := h.record(ctx, e)
	return TransformCounts{OK: n.ok, Failed: n.failed, Carried: n.carried}, err
}

type transformCounts struct{ ok, failed, carried int }

// record is Record. The lines about each raw record carry its correlation id (ItemCorrelation
// of the part's MetaExecution and the record's item): the id its export logged.
func (h *Transform) record(ctx context.Context, e events.EventBridgeEvent) (transformCounts, error) {
	var n transformCounts
	log := logger(h.Log)
	if e.Source != "aws.s3" || e.DetailType != "Object Created" {
		return n, inputError("event", `must be an S3 "Object Created" event (source aws.s3)`, e.Source+" / "+e.DetailType)
	}
	var d S3Detail
	if err := json.Unmarshal(e.Detail, &d); err != nil || d.Bucket.Name == "" || d.Object.Key == "" {
		return n, inputError("event.detail", "must name bucket.name and object.key", string(e.Detail))
	}
	if h.Bucket != "" && d.Bucket.Name != h.Bucket {
		return n, inputError("event.detail.bucket.name", "must be "+h.Bucket, d.Bucket.Name)
	}
	date, id, err := ParsePartKey(layout.Raw, d.Object.Key)
	if err != nil {
		log.InfoContext(ctx, "ignored: not a raw part", "key", d.Object.Key)
		return n, nil
	}
	key := layout.Part(layout.Raw, date, id) // canonical (decoded) form
	outKey := layout.Part(layout.Processed, date, id)
	obj, err := h.Store.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(d.Bucket.Name), Key: aws.String(key)})
	if err != nil {
		err = &StorageError{Op: "GetObject", Bucket: d.Bucket.Name, Key: key, Err: err}
		log.WarnContext(ctx, "reading the raw part failed", "key", key, "error", err)
		return n, err
	}
	defer func() { _ = obj.Body.Close() }()
	execution := obj.Metadata[MetaExecution]
	limit := TransformObjectCap(h.MemoryMB, h.Concurrency)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	line := 0
	err = scanLines(obj.Body, limit, func(b []byte, tooLong bool) error {
		line++
		pr, why := transformLine(b, tooLong, limit, date, key)
		rctx := ctx
		if it := (Item{Date: pr.Date, Group: pr.Group, Device: pr.Device}); it.Validate("") == nil {
			rctx = logx.WithCorrelation(ctx, ItemCorrelation(execution, it))
		}
		switch {
		case why != nil:
			n.failed++
			log.WarnContext(rctx, "raw record failed", "key", key, "line", line, "device", pr.Device, "errorName", pr.Error, "error", why)
		case pr.Status == StatusOK:
			n.ok++
			log.InfoContext(rctx, "transformed", "device", pr.Device, "raw", key, "processed", outKey)
		default:
			n.carried++
		}
		return enc.Encode(pr)
	})
	if err != nil {
		err = &StorageError{Op: "GetObject", Bucket: d.Bucket.Name, Key: key, Err: err}
		log.WarnContext(ctx, "reading the raw part failed", "key", key, "error", err)
		return transformCounts{}, err
	}
	if err := putBytes(ctx, h.Store, d.Bucket.Name, outKey, out.Bytes(), nil); err != nil {
		log.WarnContext(ctx, "writing the processed part failed", "key", outKey, "error", err)
		return transformCounts{}, err
	}
	log.InfoContext(ctx, "part transformed", "raw", key, "processed", outKey, "ok", n.ok, "failed", n.failed, "carried", n.carried)
	return n, nil
}

// transformLine is the processed record of one raw line; why is the transform's failure, nil
// for an ok record and for a fetch failure carried on.
func transformLine(b []byte, tooLong bool, limit int, date, key string) (ProcessedRecord, error) {
	failed := func(err *InputError, payload string) (ProcessedRecord, error) {
		pr := ProcessedRecord{Status: StatusFailed, Source: key, Error: ErrNameInput, Message: err.Error(), Payload: payload}
		// whatever identity the line still gives
		var id struct{ Date, Group, Device string }
		if json.Unmarshal(b, &id) == nil {
			pr.Date, pr.Group, pr.Device = id.Date, id.Group, id.Device
		} else {
			pr.Date, pr.Group, pr.Device = identityOf(b)
		}
		return pr, err
	}
	if tooLong {
		return failed(inputError("record", fmt.Sprintf("must be at most %d bytes (what the function's memory allows for each record it runs at once)", limit), "a longer line"), "")
	}
	var raw RawRecord
	if err := json.Unmarshal(b, &raw); err != nil {
		return failed(inputError("record", "must be a raw record", err.Error()), string(b))
	}
	switch {
	case raw.Item().Validate("record.") != nil:
		return failed(inputError("record", "must name a valid date, group and device", raw.Date+"/"+raw.Group+"/"+raw.Device), string(b))
	case raw.Date != date:
		return failed(inputError("record.date", "must be the part's date "+date, raw.Date), string(b))
	case raw.Status == StatusFailed:
		return ProcessedRecord{Date: raw.Date, Group: raw.Group, Device: raw.Device, Status: StatusFailed, Source: key, Error: raw.Error, Message: raw.Message}, nil
	case raw.Status != StatusOK || raw.Metrics == nil:
		return failed(inputError("record", "must be ok with metrics, or failed", raw.Status), string(b))
	}
	return Summarize(raw, key), nil
}
