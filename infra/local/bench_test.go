package local_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/skeinhq/skein/infra/local"
)

// BenchmarkLocal runs the dev stage end to end with the vendor's concurrency at 10 and 20 ms
// per call, one execution and three of the same day at once, at a rate that binds (200 calls a
// second, where 10 calls at once at 20 ms could make 500) and at one that does not (10,000 a
// second), and at the talk's size (400 groups, about 25,000 calls) with the stage's own rate.
// It reports the wall time against the ideal (the larger of calls x latency / concurrency and
// calls / rate, over every run's calls), with make local's GOMAXPROCS (local.Procs). Run it
// with `make bench-local`.
func BenchmarkLocal(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(local.Procs())) // as make local runs
	for _, c := range []struct {
		name            string
		groups, devices int
		runs            int
		rate            string
	}{
		{"runs1-rate200", 20, 50, 1, "200/s"},
		{"runs3-rate200", 20, 50, 3, "200/s"},
		{"runs1-rate10000", 20, 50, 1, "10000/s"},
		{"runs3-rate10000", 20, 50, 3, "10000/s"},
		{"talk-400x62-runs1", 400, 62, 1, ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := map[string]string{local.KeyVendorConcurrency: "10"}
			if c.rate != "" {
				cfg[local.KeyVendorRate] = c.rate
			}
			for b.Loop() {
				env, err := local.Start(local.Options{Date: "2026-11-23", Groups: c.groups, DevicesPerGroup: c.devices,
					Latency: 20 * time.Millisecond, Runs: c.runs, Config: cfg})
				if err != nil {
					b.Fatal(err)
				}
				rep, err := env.Run(context.Background())
				env.Close()
				if err != nil {
					b.Fatal(err)
				}
				s := rep.Summary
				if s.Lost != 0 || s.OverBudget() || rep.ExecutionError != nil {
					b.Fatalf("summary %+v, execution error %v", s, rep.ExecutionError)
				}
				b.ReportMetric(s.IdealSeconds, "ideal-s")
				b.ReportMetric(rep.ExportSeconds, "export-s")
				b.ReportMetric(s.WallSeconds, "wall-s")
				b.ReportMetric(s.WallSeconds/s.IdealSeconds, "wall/ideal")
				b.ReportMetric(float64(s.PeakRate), "peak-rate")
				vf := rep.Functions["vendor"]
				b.ReportMetric(float64(vf.Throttles), "throttles")
				// how much of its reserved concurrency the vendor worker used while the runs ran
				b.ReportMetric(vf.BusySeconds/(float64(vf.Reserved)*rep.ExportSeconds), "vendor-busy")
				// a vendor worker invocation's time per vendor call: the 20 ms latency, the
				// pacer's waits, and what this machine adds
				b.ReportMetric(vf.BusySeconds*1000/float64(rep.Vendor.Total), "ms/call")
			}
		})
	}
}
