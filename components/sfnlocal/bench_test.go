package sfnlocal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/internal/sfnjudge"
	"github.com/skeinhq/skein/components/sfnlocal"
)

// BenchmarkTransition measures the engine's overhead per state transition: a chain of 100 Pass
// states, each with Parameters and a ResultPath, so paths and templates are evaluated.
func BenchmarkTransition(b *testing.B) {
	const n = 100
	states := map[string]any{}
	for i := 0; i < n; i++ {
		s := map[string]any{"Type": "Pass", "Parameters": map[string]any{"i": i, "prev.$": "$.v"}, "ResultPath": "$.v"}
		if i == n-1 {
			s["End"] = true
		} else {
			s["Next"] = fmt.Sprintf("S%d", i+1)
		}
		states[fmt.Sprintf("S%d", i)] = s
	}
	def, _ := json.Marshal(map[string]any{"StartAt": "S0", "States": states})
	e := mustEngineB(b, string(def), nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Execute(context.Background(), []byte(`{"v":0}`)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/transition")
}

// aboveAWS raises the AWS quotas the engine enforces far above what the item benchmarks need (a
// 50,000-item input is 700 KB and its inline Map writes 200,000 history events, both beyond
// AWS's 256 KiB and 25,000): every guard still measures what it guards, none trips.
var aboveAWS = &sfnlocal.Options{Limits: sfnlocal.Limits{PayloadBytes: 1 << 30, HistoryEvents: 1 << 30}}

// BenchmarkInlineMapItem measures the overhead per inline Map item (ItemSelector with the
// context object, one Pass state per item).
func BenchmarkInlineMapItem(b *testing.B) {
	const items = 10000
	e := mustEngineB(b, inlineMapDef, aboveAWS)
	in := itemsInput(items)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Execute(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*items), "ns/item")
}

const inlineMapDef = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},
	"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`

// itemsInput is {"items":[{"id":0},...]} with n items.
func itemsInput(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":%d}`, i)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

func mustEngineB(b *testing.B, def string, opts *sfnlocal.Options) *sfnlocal.Engine {
	b.Helper()
	d, err := sfnlocal.Parse([]byte(def))
	if err != nil {
		b.Fatal(err)
	}
	e, err := sfnlocal.New(d, opts)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// heapPeak samples the live heap every 5 ms until stopped and returns the peak in bytes.
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-t.C:
			case <-done:
				return
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// BenchmarkDistributedMap100k runs a 100,000-item Distributed Map whose child executions call a
// no-op Go Lambda handler (through lambda.NewHandler, as in production), reading the items from
// the in-memory S3 store as JSON Lines and writing the results with ResultWriter. Reports items/s
// and the peak live heap. Targets: under 5 s and 500 MB on a 2-core machine.
func BenchmarkDistributedMap100k(b *testing.B) {
	const n = 100000
	var lines strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&lines, "{\"id\":%d,\"key\":\"objects/%06d.json\"}\n", i, i)
	}
	items := []byte(lines.String())
	lines = strings.Builder{}
	fs := &sfnlocal.Functions{}
	_ = fs.RegisterFunc("noop", func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) { return in, nil })
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},"Parameters":{"Bucket":"in","Key":"items.jsonl"}},
		"MaxConcurrency":1000,"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"results"}},`,
		`{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:noop","End":true}}}`)
	b.ReportAllocs()
	var peak uint64
	var cpu float64
	for i := 0; i < b.N; i++ {
		// A fresh store per run: the previous run's 60 MB of results must not count.
		b.StopTimer()
		store := sfnlocal.NewMemStore()
		_, _ = store.PutObject(context.Background(), "in", "items.jsonl", items)
		e := mustEngineB(b, def, &sfnlocal.Options{Functions: fs, Store: store})
		runtime.GC()
		cpu0 := cpuSeconds()
		stop := heapPeak()
		b.StartTimer()
		out, err := e.Execute(context.Background(), nil)
		b.StopTimer()
		if p := stop(); p > peak {
			peak = p
		}
		cpu += cpuSeconds() - cpu0
		if err != nil || !strings.Contains(string(out), "ResultWriterDetails") {
			b.Fatal(string(out), err)
		}
		b.StartTimer()
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(cpu/float64(b.N), "cpu-s/run")
	b.ReportMetric(maxRSSMB(), "MB-max-RSS")
	b.ReportMetric(sec, "s/run")
	b.ReportMetric(float64(n)/sec, "items/s")
	b.ReportMetric(float64(peak)/(1<<20), "MB-peak-heap")
}

// BenchmarkInlineMap50kVsLocalSFN runs the same 50,000-item inline Map (ItemSelector with the
// context object, a Pass state per item) under our engine (b.N times) and once under
// aws-local-stepfunctions (through its library API, timing only its run()), and reports both
// throughputs and their ratio. It is a benchmark, not a test: run it with
// go test -run '^$' -bench InlineMap50kVsLocalSFN ./components/sfnlocal/
func BenchmarkInlineMap50kVsLocalSFN(b *testing.B) {
	const n = 50000
	in := itemsInput(n)
	e := mustEngineB(b, inlineMapDef, aboveAWS)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := e.Execute(context.Background(), in)
		if err != nil || string(out) != fmt.Sprintf(`{"n":%d}`, n) {
			b.Fatalf("ours: %s %v", out, err)
		}
	}
	ours := float64(n) / (b.Elapsed().Seconds() / float64(b.N))
	b.StopTimer()
	r := sfnjudge.Run(b, []byte(inlineMapDef), in, nil)
	if string(r.Output) != fmt.Sprintf(`{"n":%d}`, n) {
		b.Fatalf("aws-local-stepfunctions: %v", r)
	}
	theirs := float64(n) / r.Duration.Seconds()
	b.ReportMetric(ours, "ours-items/s")
	b.ReportMetric(theirs, "localsfn-items/s")
	b.ReportMetric(ours/theirs, "speedup-x")
}

// cpuSeconds is the process's user plus system CPU time: on a shared machine it shows the work
// done, whatever the wall clock says.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// maxRSSMB is the process's peak resident set size so far (Linux reports kilobytes), benchmark
// set-up included.
func maxRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
