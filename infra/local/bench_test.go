package local_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/skeinhq/skein/infra/local"
)

// BenchmarkLocal runs the dev stage end to end at make local's default size and at the talk's
// size (400 groups, about 25,000 metric calls), 20 ms per vendor call, with make local's
// GOMAXPROCS (local.Procs), and reports the export's and the whole run's wall time against the
// ideal (vendor calls x latency / budget). Run it with `make bench-local`.
func BenchmarkLocal(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(local.Procs())) // as make local runs
	for _, size := range []struct {
		name            string
		groups, devices int
	}{{"default-20x50", 20, 50}, {"talk-400x62", 400, 62}} {
		b.Run(size.name, func(b *testing.B) {
			for b.Loop() {
				env, err := local.Start(local.Options{Date: "2026-11-23", Groups: size.groups, DevicesPerGroup: size.devices, Latency: 20 * time.Millisecond})
				if err != nil {
					b.Fatal(err)
				}
				rep, err := env.Run(context.Background())
				env.Close()
				if err != nil {
					b.Fatal(err)
				}
				s := rep.Summary
				if s.Lost != 0 || s.PeakConcurrency > int64(s.MaxConcurrency) {
					b.Fatalf("summary %+v", s)
				}
				b.ReportMetric(s.IdealSeconds, "ideal-s")
				b.ReportMetric(rep.ExportSeconds, "export-s")
				b.ReportMetric(s.WallSeconds, "wall-s")
				b.ReportMetric(rep.ExportSeconds/s.IdealSeconds, "export/ideal")
				b.ReportMetric(s.WallSeconds/s.IdealSeconds, "wall/ideal")
			}
		})
	}
}
