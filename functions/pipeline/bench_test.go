package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/components/sfnlocal"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

func BenchmarkSummarize(b *testing.B) {
	m := vendortest.MetricsFor(0, "g0001-d0001", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	raw := pipeline.RawRecord{Date: m.Date, Group: "g0001", Device: m.Device, Status: pipeline.StatusOK, Metrics: &m}
	b.ReportAllocs()
	for b.Loop() {
		_ = pipeline.Summarize(raw, "raw/x")
	}
}

// BenchmarkFetchBatch is the handler's own overhead per item: vendor with no latency, local S3.
func BenchmarkFetchBatch(b *testing.B) {
	v, _ := vendortest.Start(vendortest.Options{Latency: -1})
	defer func() { _ = v.Close() }()
	s, _ := s3local.Start(bucket)
	defer func() { _ = s.Close() }()
	c, _ := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: "t"})
	h := &pipeline.FetchMetrics{Vendor: c, Store: s.Client(), Bucket: bucket}
	in := batchOf(v.Devices()[:25]...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Handle(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*25), "ns/item")
}

// BenchmarkExportWorkflow runs testdata/export.asl.json on sfnlocal with the real handlers
// against the fake vendor (latency, concurrency limit = budget) and reports wall time against
// the ideal: metric calls x latency / budget. The Map's MaxConcurrency is set to the budget.
func BenchmarkExportWorkflow(b *testing.B) {
	for _, sz := range []struct {
		groups, devices, budget, batch int
	}{{20, 50, 10, 5}, {400, 63, 50, 10}} { // default size; the talk's (400 groups, ~25,000 calls)
		b.Run(fmt.Sprintf("%dx%d_budget%d", sz.groups, sz.devices, sz.budget), func(b *testing.B) {
			latency := 20 * time.Millisecond
			v, err := vendortest.Start(vendortest.Options{Groups: sz.groups, DevicesPerGroup: sz.devices, Latency: latency, ConcurrencyLimit: sz.budget})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = v.Close() }()
			s, _ := s3local.Start(bucket)
			defer func() { _ = s.Close() }()
			c, _ := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: "t", PageSize: 100})
			st := s.Client()
			fns := &sfnlocal.Functions{}
			_ = fns.RegisterFunc("list-groups", (&pipeline.ListGroups{Vendor: c}).Handle)
			_ = fns.RegisterFunc("list-devices", (&pipeline.ListDevices{Vendor: c, Store: st, Bucket: bucket}).Handle)
			_ = fns.RegisterFunc("merge-manifests", (&pipeline.MergeManifests{Store: st, Bucket: bucket}).Handle)
			_ = fns.RegisterFunc("fetch-metrics", (&pipeline.FetchMetrics{Vendor: c, Store: st, Bucket: bucket}).Handle)
			var def map[string]any
			fixture(b, "export.asl.json", &def)
			// The listing calls share the vendor budget too: the inline Map may use all of it,
			// since it finishes before the Distributed Map starts.
			def["States"].(map[string]any)["ListDevices"].(map[string]any)["MaxConcurrency"] = min(sz.budget, 40)
			fetch := def["States"].(map[string]any)["FetchAll"].(map[string]any)
			fetch["MaxConcurrency"] = sz.budget
			fetch["ItemBatcher"].(map[string]any)["MaxItemsPerBatch"] = sz.batch
			raw, _ := json.Marshal(def)
			d, err := sfnlocal.Parse(raw)
			if err != nil {
				b.Fatal(err)
			}
			eng, err := sfnlocal.New(d, &sfnlocal.Options{Functions: fns, Store: &s3local.Store{Client: st}, TimeScale: 0.001})
			if err != nil {
				b.Fatal(err)
			}
			items := sz.groups * sz.devices
			ideal := time.Duration(items) * latency / time.Duration(sz.budget)
			for b.Loop() {
				if _, err := eng.Execute(context.Background(), []byte(`{"date":"2026-11-23"}`)); err != nil {
					b.Fatal(err)
				}
			}
			wall := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(wall.Seconds(), "wall-s")
			b.ReportMetric(ideal.Seconds(), "ideal-s")
			b.ReportMetric(wall.Seconds()/ideal.Seconds(), "x-ideal")
			st2 := v.Stats()
			b.ReportMetric(float64(st2.PeakInFlight), "peak-calls")
			b.ReportMetric(float64(st2.Throttled), "throttled")
		})
	}
}
