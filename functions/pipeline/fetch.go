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
	"github.com/skeinhq/skein/functions/vendorapi"
)

// MetricsFetcher fetches one device's metrics for one day (*vendorapi.Client).
type MetricsFetcher interface {
	Metrics(ctx context.Context, deviceID, date string) (*vendorapi.Metrics, error)
}

// BatchInput is the ItemBatcher's BatchInput: the same for every batch of a Map run.
type BatchInput struct {
	// ExecutionID is the parent execution's id ($$.Execution.Id); raw objects carry it as
	// metadata, so a retry of the same execution can skip what it already stored.
	ExecutionID string `json:"executionId,omitempty"`
	// SkipExisting skips every item whose raw object exists, whoever wrote it (a redrive
	// manifest sets it: only the failed items are fetched again).
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

// ItemResult is one stored item.
type ItemResult struct {
	Device  string `json:"device"`
	Key     string `json:"key"`
	Skipped bool   `json:"skipped,omitempty"` // already stored by this execution (or SkipExisting)
	// Failed is an item that failed permanently and was written to Key under
	// FetchMetrics.FailedPrefix as a FailedObject, with its error.
	Failed bool `json:"failed,omitempty"`
}

// FetchOutput is fetch-metrics' result when every item of the batch is stored.
type FetchOutput struct {
	Succeeded int `json:"succeeded"`
	Skipped   int `json:"skipped"`
	// Failed counts the items captured under FetchMetrics.FailedPrefix.
	Failed int          `json:"failed,omitempty"`
	Items  []ItemResult `json:"items"`
}

// FailedObject is what fetch-metrics writes under FailedPrefix for an item that failed
// permanently: the item (the payload to fetch again) and its error. It holds nothing that varies
// between runs but the error text, so a re-run rewrites it in place.
type FailedObject struct {
	Item    Item   `json:"item"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

// RawObject is what fetch-metrics stores for an item: the vendor's answer with the item's
// identity. It holds nothing that varies between runs, so a re-run writes the same bytes.
type RawObject struct {
	Date    string            `json:"date"`
	Group   string            `json:"group"`
	Device  string            `json:"device"`
	Metrics vendorapi.Metrics `json:"metrics"`
}

// FetchMetrics is the fetch-metrics handler. For each item of the batch it fetches the device's
// metrics and writes a RawObject to RawKey(item). At most Concurrency vendor calls of a batch
// are in flight at once (an item's S3 write overlaps the next item's call); the workflow's
// MaxConcurrency times Concurrency is what the vendor sees at most.
//
// A batch either succeeds whole (FetchOutput) or fails with a typed error after every item was
// tried and every success stored: *RetryableBatchError when any failure may pass,
// *ItemsFailedError when all are permanent. Both list every failed item with its error name
// and message. On a retry ($$.State.RetryCount > 0) or redrive of the same execution, and with
// BatchInput.SkipExisting, items already stored are skipped (one HeadObject each; a first
// attempt makes none).
type FetchMetrics struct {
	Vendor MetricsFetcher
	Store  interface {
		ObjectPutter
		ObjectHeader
	}
	Bucket string
	// Concurrency is how many items of a batch run at once, 1..100. Zero means 1.
	Concurrency int
	// Reserve is the time kept before the Lambda deadline: no item starts later than that, so
	// the batch can still report which items it did not reach. Zero means 2s.
	Reserve time.Duration
	// FailedPrefix, when set (env FAILED_PREFIX, such as "failed/"), captures each item that
	// fails permanently (vendor 4xx, an answer that is not the documented JSON) as a
	// FailedObject at FailedKey(FailedPrefix, item), and the batch goes on: it then fails only
	// for failures that may pass, which its Retry retries, and for invalid items, which have no
	// safe key. So one device the vendor no
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
		errs = append(errs, errors.New("pipeline: FetchMetrics.Bucket is required (env DATA_BUCKET)"))
	}
	if h.Concurrency < 0 || h.Concurrency > MaxBatchConcurrency {
		errs = append(errs, fmt.Errorf("pipeline: FetchMetrics.Concurrency must be 0..%d (0 means 1), got %d", MaxBatchConcurrency, h.Concurrency))
	}
	if h.FailedPrefix != "" && (!strings.HasSuffix(h.FailedPrefix, "/") || h.FailedPrefix == PrefixRaw || h.FailedPrefix == PrefixProcessed) {
		errs = append(errs, fmt.Errorf("pipeline: FetchMetrics.FailedPrefix must end with / and differ from %s and %s (env FAILED_PREFIX), got %q", PrefixRaw, PrefixProcessed, h.FailedPrefix))
	}
	if h.Reserve < 0 || h.Reserve > time.Minute {
		errs = append(errs, fmt.Errorf("pipeline: FetchMetrics.Reserve must be 0..1m (0 means 2s), got %v", h.Reserve))
	}
	return errors.Join(errs...)
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
	ctx = logx.WithCorrelation(ctx, correlation(ctx, in.BatchInput.ExecutionID, "batch="+items[0].Device))
	conc := h.Concurrency
	if conc <= 0 {
		conc = 1
	}
	reserve := h.Reserve
	if reserve == 0 {
		reserve = 2 * time.Second
	}
	checkExisting := in.BatchInput.SkipExisting || ((in.RetryCount > 0 || in.BatchInput.RedriveCount > 0) && in.BatchInput.ExecutionID != "")

	results := make([]ItemResult, len(items))
	failures := make([]*ItemFailure, len(items))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, it := range items {
		if err := it.Validate("Items[" + strconv.Itoa(i) + "]."); err != nil {
			failures[i] = &ItemFailure{Item: it, Error: ErrNameInput, Message: err.Error()}
			continue
		}
		sem <- struct{}{}
		if dl, ok := ctx.Deadline(); (ok && time.Until(dl) < reserve) || ctx.Err() != nil {
			<-sem
			failures[i] = &ItemFailure{Item: it, Error: vendorapi.ErrNameTransport, Message: "not attempted: the invocation's deadline is near"}
			continue
		}
		wg.Go(func() {
			var once sync.Once
			release := func() { once.Do(func() { <-sem }) }
			defer release()
			ictx := logx.WithCorrelation(ctx, ItemCorrelation(in.BatchInput.ExecutionID, it))
			res, err := h.one(ictx, it, checkExisting, in.BatchInput, release)
			if err != nil {
				failures[i] = &ItemFailure{Item: it, Error: errorName(err), Message: err.Error()}
				log.WarnContext(ictx, "item failed", "device", it.Device, "group", it.Group, "date", it.Date,
					"errorName", errorName(err), "error", err)
				return
			}
			results[i] = res
			log.InfoContext(ictx, "item stored", "device", it.Device, "key", res.Key, "skipped", res.Skipped)
		})
	}
	wg.Wait()

	out := &FetchOutput{Items: []ItemResult{}}
	if h.FailedPrefix != "" {
		h.capture(ctx, in.BatchInput.ExecutionID, items, failures, results)
	}
	var failed []ItemFailure
	retryable := false
	for i := range items {
		if results[i].Failed {
			out.Items = append(out.Items, results[i])
			out.Failed++
			continue
		}
		if f := failures[i]; f != nil {
			failed = append(failed, *f)
			retryable = retryable || retryableName(f.Error)
			continue
		}
		out.Items = append(out.Items, results[i])
		if results[i].Skipped {
			out.Skipped++
		} else {
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
	log.InfoContext(ctx, "batch stored", "items", len(items), "succeeded", out.Succeeded, "skipped", out.Skipped, "retryCount", in.RetryCount)
	return out, nil
}

// capture writes every permanent failure as a FailedObject and turns it into a Failed result;
// a failure whose object cannot be written stays a failure, as a StorageError (retryable).
func (h *FetchMetrics) capture(ctx context.Context, executionID string, items []Item, failures []*ItemFailure, results []ItemResult) {
	log := logger(h.Log)
	for i, f := range failures {
		ctx := logx.WithCorrelation(ctx, ItemCorrelation(executionID, items[i]))
		if f == nil || retryableName(f.Error) || items[i].Validate("") != nil {
			continue // an invalid item has no safe key: it fails the batch, for the FAILED files
		}
		if f.Error == vendorapi.ErrNameAuth {
			// A refused token is not this device's failure: the batch fails, and with every
			// batch failing, so does the run (the Distributed Map's tolerance).
			continue
		}
		key := FailedKey(h.FailedPrefix, items[i])
		if _, err := putJSON(ctx, h.Store, h.Bucket, key, FailedObject{Item: items[i], Error: f.Error, Message: f.Message}, nil); err != nil {
			log.ErrorContext(ctx, "capturing a failed item failed", "device", items[i].Device, "key", key, "error", err)
			failures[i] = &ItemFailure{Item: items[i], Error: ErrNameStorage, Message: "capturing the failure (" + f.Error + ": " + f.Message + ") failed: " + err.Error()}
			continue
		}
		log.WarnContext(ctx, "item captured as failed", "device", items[i].Device, "group", items[i].Group, "date", items[i].Date, "errorName", f.Error, "key", key)
		failures[i] = nil
		results[i] = ItemResult{Device: items[i].Device, Key: key, Failed: true}
	}
}

func retryableName(name string) bool {
	switch name {
	case vendorapi.ErrNameThrottled, vendorapi.ErrNameServer, vendorapi.ErrNameTransport, ErrNameStorage:
		return true
	}
	return false
}

// one stores one item. release frees the item's vendor slot: it is called as soon as the
// vendor has answered, so the next item's call overlaps this item's S3 write and the vendor
// budget is spent on vendor calls only.
func (h *FetchMetrics) one(ctx context.Context, it Item, checkExisting bool, bi BatchInput, release func()) (ItemResult, error) {
	key := RawKey(it)
	if checkExisting {
		meta, ok, err := head(ctx, h.Store, h.Bucket, key)
		if err != nil {
			return ItemResult{}, err
		}
		if ok && (bi.SkipExisting || meta[MetaExecution] == bi.ExecutionID) {
			return ItemResult{Device: it.Device, Key: key, Skipped: true}, nil
		}
	}
	m, err := h.Vendor.Metrics(ctx, it.Device, it.Date)
	release()
	if err != nil {
		return ItemResult{}, err
	}
	meta := map[string]string{MetaCorrelation: ItemCorrelation(bi.ExecutionID, it)}
	if bi.ExecutionID != "" {
		meta[MetaExecution] = bi.ExecutionID
	}
	if _, err := putJSON(ctx, h.Store, h.Bucket, key, RawObject{Date: it.Date, Group: it.Group, Device: it.Device, Metrics: *m}, meta); err != nil {
		return ItemResult{}, err
	}
	return ItemResult{Device: it.Device, Key: key}, nil
}
