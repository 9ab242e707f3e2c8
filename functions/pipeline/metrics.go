package pipeline

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/skeinhq/skein/functions/logx"
	"github.com/skeinhq/skein/functions/metrics"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// The handlers' metrics, in CloudWatch's embedded metric format (package metrics): one line per
// operation of an invocation, under the namespace the worker sets (metrics.EnvNamespace) and the
// dimensions DimFunction (FunctionVendor, FunctionTransform) and DimOperation (the Request's op,
// or OpTransform). Nothing per device: a dimension per device would be a metric per device.
const (
	DimFunction  = "function"
	DimOperation = "operation"

	FunctionVendor    = "vendor"
	FunctionTransform = "transform"
	// OpTransform is the transform's operation dimension.
	OpTransform = "transform"

	// MetricVendorCalls counts HTTP requests to the vendor (each page, each retry).
	MetricVendorCalls = "VendorCalls"
	// MetricVendorThrottled counts the vendor's 429 answers.
	MetricVendorThrottled = "VendorThrottled"
	// MetricVendorLatency is each request's latency, in milliseconds.
	MetricVendorLatency = "VendorLatency"
	// MetricFetched counts items fetched and stored, MetricSkipped items already stored,
	// MetricFailed items that failed their batch (retried by the workflow, then in the FAILED
	// files) and MetricCaptured items that failed permanently and were captured under
	// FetchMetrics.FailedPrefix: tolerated, so only this metric (and its alarm) shows them.
	MetricFetched  = "Fetched"
	MetricSkipped  = "Skipped"
	MetricFailed   = "Failed"
	MetricCaptured = "Captured"
	// MetricTransformed counts records transformed; MetricTransformFailed records that failed
	// (delivered again, then dead-lettered).
	MetricTransformed     = "Transformed"
	MetricTransformFailed = "TransformFailed"
)

// vendorObserver adds each vendor request to s.
func vendorObserver(s *metrics.Set) vendorapi.Observer {
	return func(c vendorapi.Call) {
		s.Add(MetricVendorCalls, metrics.Count, 1)
		if c.Status == http.StatusTooManyRequests {
			s.Add(MetricVendorThrottled, metrics.Count, 1)
		}
		s.Observe(MetricVendorLatency, metrics.Milliseconds, float64(c.Latency.Microseconds())/1000)
	}
}

// flush writes s with the context's correlation id, logging a failure (metrics never fail a
// handler).
func flush(ctx context.Context, log *slog.Logger, s *metrics.Set) {
	var extra map[string]any
	if id := logx.Correlation(ctx); id != "" {
		extra = map[string]any{"correlationId": id}
	}
	if err := s.Flush(extra); err != nil {
		log.ErrorContext(ctx, "writing metrics failed", "error", err)
	}
}
