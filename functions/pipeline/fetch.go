package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/pipeline/layout"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// MetricsFetcher fetches one device's metrics for one day (*vendorapi.Client).
type MetricsFetcher interface {
	Metrics(ctx context.Context, deviceID, date string) (*vendorapi.Metrics, error)
}

// BatchInput is the ItemBatcher's BatchInput: the same for every batch of a Map run.
type BatchInput struct {
	// ExecutionID is the parent execution's id ($$.Execution.Id); raw parts carry it as
	// metadata, so a retry of the same execution can keep what it already stored.
	ExecutionID string `json:"executionId,omitempty"`
	// SkipExisting keeps every ok record of the batch's part, whoever wrote it, on every
	// attempt (merge-manifests sets it for a skipExisting re-run or a redrive, whose manifest
	// already lacks the devices stored ok in the day's parts).
	SkipExisting bool `json:"skipExisting,omitempty"`
	// RedriveCount is $$.Execution.RedriveCount; above zero, items stored by the same execution
	// are skipped as on a retry.
	RedriveCount int `json:"redriveCount,omitempty"`
}

// FetchInput is fetch-metrics' input: a Distributed Map batch ({"Items":[...],"BatchInput":{...}}
// from an ItemBatcher), plus the Task's RetryCount ($$.State.RetryCount) when the infra passes it.
// A single item ({"date","group","device"}, no ItemBatcher) is accepted too.
type FetchInput struct {
	Items      []Item     `json:"Items,omitempty"`
	BatchInput BatchInput `json:"BatchInput"`
	RetryCount int        `json:"RetryCount,omitempty"`
	// A single item, when Items is empty.
	Date   string `json:"date,omitempty"`
	Group  string `json:"group,omitempty"`
	Device string `json:"device,omitempty"`
}

func (in FetchInput) items() ([]Item, error) {
	if len(in.Items) > 0 {
		if in.Device != "" || in.Group != "" || in.Date != "" {
			return nil, inputError("Items", "and a single item (date, group, device) are alternatives", strconv.Itoa(len(in.Items))+" items and device "+in.Device)
		}
		return in.Items, nil
	}
	if in.Device == "" && in.Group == "" && in.Date == "" {
		return nil, inputError("Items", "must hold at least one item (or give date, group and device)", "[]")
	}
	return []Item{{Date: in.Date, Group: in.Group, Device: in.Device}}, nil
}

// ItemResult is one item of a batch and the part that holds it.
type ItemResult struct {
	Device string `json:"device"`
	// Key is the raw part holding the item's ok record, or, for a Failed item, the failed part
	// (under FetchMetrics.FailedPrefix) holding its failed record.
	Key     string `json:"key"`
	Skipped bool   `json:"skipped,omitempty"` // already stored by this execution (or SkipExisting)
	// Failed is an item that failed permanently and was captured: a failed record (its error
	// name and message) in the batch's raw part and in its failed part.
	Failed bool `json:"failed,omitempty"`
}

// FetchOutput is fetch-metrics' result when every item of the batch is stored.
type FetchOutput struct {
	Succeeded int `json:"succeeded"`
	Skipped   int `json:"skipped"`
	// Failed counts the items captured as failed records.
	Failed int          `json:"failed,omitempty"`
	Items  []ItemResult `json:"items"`
}

// MetaExecution is the user metadata key (x-amz-meta-skein-execution) naming the execution that
// last wrote a raw part: a retry or redrive of the same execution keeps the part's ok records
// and fetches only the rest, and the transform's lines about each record carry the
// correlation id (ItemCorrelation) of that execution, as the export's lines do.
const MetaExecution = "skein-execution"

// FetchMetrics is the fetch-metrics handler. It fetches the metrics of every device of a batch
// and writes ONE object per batch and date: the raw part RawPart(date, items), JSON Lines, one
// RawRecord per device with its status, sorted by group then device. The same items always make
// the same key, and the same answers the same bytes. With FailedPrefix set, a batch with
// failed records also writes them to the failed part of the same id under FailedPrefix.
//
// At most Concurrency vendor calls of a batch are in flight at once; the workflow's
// MaxConcurrency times Concurrency is what the vendor sees at most.
//
// Writes never lose a record: the first write of a part is conditional on its absence
// (If-None-Match), and when the part exists (a re-run, an overlapping run, the refetch
// consumer) it is read once and merged (an ok record beats a failed one, a new record an old
// one of the same status) and written conditionally on the ETag read (If-Match). On a retry
// ($$.State.RetryCount > 0) or redrive of the same execution, and with BatchInput.SkipExisting,
// the batch first reads its own part (ONE GetObject, never a request per device), keeps the ok
// records stored by this execution (any writer's with SkipExisting), fetches only the other
// devices and writes the merged part. A first attempt makes no read.
//
// A batch either succeeds whole (FetchOutput) or fails with a typed error after every item was
// tried and every success stored: *RetryableBatchError when any failure may pass,
// *ItemsFailedError when all are permanent. Both list every failed item with its error name
// and message.
type FetchMetrics struct {
	Vendor MetricsFetcher
	Store  interface {
		ObjectGetter
		ObjectPutter
	}
	Bucket string
	// Concurrency is how many items of a batch run at once, 1..100. Zero means 1.
	Concurrency int
	// Reserve is the time kept before the Lambda deadline: no item starts later than that, so
	// the batch can still write its part and report which items it did not reach. Zero means 2s.
	Reserve time.Duration
	// FailedPrefix, when set (env FAILED_PREFIX, such as "failed/"), captures each item that
	// fails permanently (vendor 4xx, an answer that is not the documented JSON) as a failed
	// record, in the raw part and in the failed part <FailedPrefix>date=<d>/part=<id>.jsonl,
	// and the batch goes on: it then fails only for failures that may pass, which its Retry
	// retries, and for invalid items, which have no safe key. So one device the vendor no
	// longer knows does not fail a whole batch, and the Distributed Map's tolerance (which counts
	// every item of a failed batch) measures transient trouble, not a few dead devices. Zero
	// means permanent failures fail the batch with *ItemsFailedError, for the ResultWriter's
	// FAILED files.
	FailedPrefix string
	Log          *slog.Logger
}

// MaxBatchConcurrency bounds FetchMetrics.Concurrency.
const MaxBatchConcurrency = 100

// Validate checks the handler's settings (the mains call it at start-up).
func (h *FetchMetrics) Validate() error {
	var errs []error
	if h.Vendor == nil {
		errs = append(errs, errors.New("pipeline: FetchMetrics.Vendor is required"))
	}
	if h.Store == nil {
		errs = append(errs, errors.New("pipeline: FetchMetrics.Store is required"))
	}
	if h.Bucket == "" {
		errs = append(errs, errors.New("pipeline: FetchMetrics.Bucket is required (env "+layout.EnvDataBucket+")"))
	}
	if h.Concurrency < 0 || h.Concurrency > MaxBatchConcurrency {
		errs = append(errs, fmt.Errorf("pipeline: FetchMetrics.Concurrency must be 0..%d (0 means 1), got %d", MaxBatchConcurrency, h.Concurrency))
	}
	if h.FailedPrefix != "" && (!strings.HasSuffix(h.FailedPrefix, "/") || h.FailedPrefix == layout.Raw || h.FailedPrefix == layout.Processed) {
		errs = append(errs, fmt.Errorf("pipeline: FetchMetrics.FailedPrefix must end with / and differ from %s and %s (env %s), got %q", layout.Raw, layout.Processed, layout.EnvFailedPrefix, h.FailedPrefix))
	}
	if h.Reserve < 0 || h.Reserve > time.Minute {
		errs = append(errs, fmt.Errorf("pipeline: FetchMetrics.Reserve must be 0..1m (0 means 2s), got %v", h.Reserve))
	}
	return errors.Join(errs...)
}

// batchPart is the items of a batch with one date: one raw part.
type batchPart struct {
	date    string
	idx     []int // indexes into the batch's items
	key     string
	failKey string
	stored  *storedPart // read before fetching (retries, SkipExisting); nil otherwise
}

// Handle implements the Lambda handler.
func (h *FetchMetrics) Handle(ctx context.Context, in FetchInput) (*FetchOutput, error) {
	log := logger(h.Log)
	items, err := in.items()
	if err == nil && in.RetryCount < 0 {
		err = inputError("RetryCount", "must be >= 0", strconv.Itoa(in.RetryCount))
	}
	if err != nil {
		log.ErrorContext(ctx, "invalid input", "error", err)
		return nil, err
	}
	bi := in.BatchInput
	ctx = logx.WithCorrelation(ctx, correlation(ctx, bi.ExecutionID, "batch="+items[0].Device))
	conc := max(h.Concurrency, 1)
	reserve := h.Reserve
	if reserve == 0 {
		reserve = 2 * time.Second
	}
	checkExisting := bi.SkipExisting || ((in.RetryCount > 0 || bi.RedriveCount > 0) && bi.ExecutionID != "")

	results := make([]ItemResult, len(items))
	failures := make([]*ItemFailure, len(items))
	recs := make([]*RawRecord, len(items))
	// The valid items, by date: one part each (a manifest's batch has one date; a refetch
	// message may mix them).
	var parts []*batchPart
	byDate := map[string]*batchPart{}
	for i, it := range items {
		if err := it.Validate("Items[" + strconv.Itoa(i) + "]."); err != nil {
			failures[i] = &ItemFailure{Item: it, Error: ErrNameInput, Message: err.Error()}
			continue
		}
		p := byDate[it.Date]
		if p == nil {
			p = &batchPart{date: it.Date}
			byDate[it.Date], parts = p, append(parts, p)
		}
		p.idx = append(p.idx, i)
	}
	for _, p := range parts {
		its := make([]Item, len(p.idx))
		for j, i := range p.idx {
			its[j] = items[i]
		}
		id := PartID(its)
		p.key = layout.Part(layout.Raw, p.date, id)
		if h.FailedPrefix != "" {
			p.failKey = layout.Part(h.FailedPrefix, p.date, id)
		}
		if !checkExisting {
			continue
		}
		stored, err := readPart(ctx, h.Store, h.Bucket, p.key)
		if err != nil {
			for _, i := range p.idx {
				failures[i] = &ItemFailure{Item: items[i], Error: errorName(err), Message: err.Error()}
			}
			p.idx = nil
			continue
		}
		p.stored = stored
		keep := bi.SkipExisting || stored.meta[MetaExecution] == bi.ExecutionID
		ok := map[Item]bool{}
		for _, r := range stored.recs {
			if keep && r.Status == StatusOK {
				ok[r.Item()] = true
			}
		}
		for _, i := range p.idx {
			if ok[items[i]] {
				results[i] = ItemResult{Device: items[i].Device, Key: p.key, Skipped: true}
			}
		}
	}

	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, p := range parts {
		for _, i := range p.idx {
			it := items[i]
			if results[i].Skipped {
				continue
			}
			sem <- struct{}{}
			if dl, ok := ctx.Deadline(); (ok && time.Until(dl) < reserve) || ctx.Err() != nil {
				<-sem
				failures[i] = &ItemFailure{Item: it, Error: vendorapi.ErrNameTransport, Message: "not attempted: the invocation's deadline is near"}
				continue
			}
			wg.Go(func() {
				defer func() { <-sem }()
				ictx := logx.WithCorrelation(ctx, ItemCorrelation(bi.ExecutionID, it))
				m, err := h.Vendor.Metrics(ictx, it.Device, it.Date)
				if err != nil {
					failures[i] = &ItemFailure{Item: it, Error: errorName(err), Message: err.Error()}
					log.WarnContext(ictx, "item failed", "device", it.Device, "group", it.Group, "date", it.Date,
						"errorName", errorName(err), "error", err)
					return
				}
				recs[i] = &RawRecord{Date: it.Date, Group: it.Group, Device: it.Device, Status: StatusOK, Metrics: m}
			})
		}
	}
	wg.Wait()
	h.capture(items, failures, recs)
	for _, p := range parts {
		h.store(ctx, bi, items, p, recs, failures, results)
	}

	out := &FetchOutput{Items: []ItemResult{}}
	var failed []ItemFailure
	retryable := false
	for i := range items {
		if f := failures[i]; f != nil {
			failed = append(failed, *f)
			retryable = retryable || retryableName(f.Error)
			continue
		}
		out.Items = append(out.Items, results[i])
		switch {
		case results[i].Failed:
			out.Failed++
		case results[i].Skipped:
			out.Skipped++
		default:
			out.Succeeded++
		}
	}
	m := metrics.From(ctx)
	m.Add(MetricFetched, metrics.Count, float64(out.Succeeded))
	m.Add(MetricSkipped, metrics.Count, float64(out.Skipped))
	m.Add(MetricCaptured, metrics.Count, float64(out.Failed))
	m.Add(MetricFailed, metrics.Count, float64(len(failed)))
	if len(failed) > 0 {
		stored := out.Succeeded + out.Skipped
		log.ErrorContext(ctx, "batch incomplete", "items", len(items), "stored", stored, "failed", len(failed), "retryable", retryable, "retryCount", in.RetryCount)
		if retryable {
			return nil, &RetryableBatchError{Failures: failed, Succeeded: stored, Total: len(items)}
		}
		return nil, &ItemsFailedError{Failures: failed, Succeeded: stored, Total: len(items)}
	}
	log.InfoContext(ctx, "batch stored", "items", len(items), "succeeded", out.Succeeded, "skipped", out.Skipped, "failed", out.Failed, "retryCount", in.RetryCount)
	return out, nil
}

// capture turns every permanent failure of a valid item into a failed record (with
// FailedPrefix set): the batch goes on without it.
func (h *FetchMetrics) capture(items []Item, failures []*ItemFailure, recs []*RawRecord) {
	if h.FailedPrefix == "" {
		return
	}
	for i, f := range failures {
		if f == nil || retryableName(f.Error) || f.Error == ErrNameInput {
			continue // an invalid item has no safe key: it fails the batch, for the FAILED files
		}
		if f.Error == vendorapi.ErrNameAuth {
			// A refused token is not this device's failure: the batch fails, and with every
			// batch failing, so does the run (the Distributed Map's tolerance).
			continue
		}
		it := items[i]
		recs[i] = &RawRecord{Date: it.Date, Group: it.Group, Device: it.Device, Status: StatusFailed, Error: f.Error, Message: f.Message}
	}
}

// store writes one part's new records (merged with what the part holds) and its failed part,
// and sets each item's result; an item whose record could not be written fails with a
// StorageError (retryable).
func (h *FetchMetrics) store(ctx context.Context, bi BatchInput, items []Item, p *batchPart, recs []*RawRecord, failures []*ItemFailure, results []ItemResult) {
	log := logger(h.Log)
	var fresh []RawRecord
	var mine []int
	for _, i := range p.idx {
		if recs[i] != nil {
			fresh = append(fresh, *recs[i])
			mine = append(mine, i)
		}
	}
	if len(fresh) == 0 {
		return // every item skipped or failed: the part is as it was
	}
	fail := func(err error, idx []int) {
		for _, i := range idx {
			what := "storing"
			if f := failures[i]; f != nil {
				what = "capturing the failure (" + f.Error + ": " + f.Message + ")"
			}
			failures[i] = &ItemFailure{Item: items[i], Error: ErrNameStorage, Message: what + " failed: " + err.Error()}
		}
	}
	var meta map[string]string
	if bi.ExecutionID != "" {
		meta = map[string]string{MetaExecution: bi.ExecutionID}
	}
	merged, err := writePart(ctx, h.Store, h.Bucket, p.key, fresh, p.stored, meta)
	if err != nil {
		log.ErrorContext(ctx, "writing a raw part failed", "key", p.key, "error", err)
		fail(err, mine)
		return
	}
	var failedRecs []RawRecord
	okInPart := map[Item]bool{}
	for _, r := range merged {
		if r.Status == StatusFailed {
			failedRecs = append(failedRecs, r)
		} else {
			okInPart[r.Item()] = true
		}
	}
	var captured []int
	for _, i := range mine {
		switch {
		case okInPart[items[i]] && recs[i].Status == StatusFailed:
			// Another writer stored the device ok: its record stands, and the item is stored.
			failures[i] = nil
			results[i] = ItemResult{Device: items[i].Device, Key: p.key, Skipped: true}
		case recs[i].Status == StatusFailed:
			captured = append(captured, i)
		}
	}
	if len(failedRecs) > 0 && p.failKey != "" {
		if err := putLines(ctx, h.Store, h.Bucket, p.failKey, failedRecs, RawRecord.Item, meta); err != nil {
			log.ErrorContext(ctx, "writing a failed part failed", "key", p.failKey, "error", err)
			fail(err, captured)
			captured = nil
		}
	}
	for _, i := range mine {
		it := items[i]
		ictx := logx.WithCorrelation(ctx, ItemCorrelation(bi.ExecutionID, it))
		if recs[i].Status == StatusOK && !results[i].Skipped {
			results[i] = ItemResult{Device: it.Device, Key: p.key}
			log.InfoContext(ictx, "item stored", "device", it.Device, "key", p.key)
		}
	}
	for _, i := range captured {
		it, f := items[i], failures[i]
		ictx := logx.WithCorrelation(ctx, ItemCorrelation(bi.ExecutionID, it))
		results[i] = ItemResult{Device: it.Device, Key: p.failKey, Failed: true}
		failures[i] = nil
		log.WarnContext(ictx, "item captured as failed", "device", it.Device, "group", it.Group, "date", it.Date, "errorName", f.Error, "key", p.failKey)
	}
}

func retryableName(name string) bool {
	switch name {
	case vendorapi.ErrNameThrottled, vendorapi.ErrNameServer, vendorapi.ErrNameTransport, ErrNameStorage:
		return true
	}
	return false
}
