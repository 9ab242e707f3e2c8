package lambdatest_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/skeinhq/skein/functions/internal/lambdatest"
	"github.com/skeinhq/skein/functions/pipeline"
)

// memoryRuns is how many processes each size is measured in; the figures are medians.
const memoryRuns = 5

// memoryCase is one reference handler and the inputs it is measured at: items for each size,
// the smallest first (the per-item figures are the difference to it).
type memoryCase struct {
	name string
	// function is the functions/ package built; env is added to the world's environment.
	function string
	env      []string
	sizes    []int
	// input builds the invocation for n items.
	input func(b *testing.B, w *world, n int) []byte
}

// memoryCases are the reference handlers at the sizes the stages run them: a fetch-metrics
// batch (prod: 500 devices, 10 at once), a raw part's S3 event to transform (one SQS record of
// 1, 10 and 100 devices: a device's CPU above the noise),
// and the day's merge of group manifests (1,000, 20,000 and 100,000 devices, to show how the
// merge grows with the day).
var memoryCases = []memoryCase{
	{name: "vendor-fetch", function: "vendor", env: []string{"BATCH_CONCURRENCY=10", "FAILED_PREFIX=failed/"}, sizes: []int{1, 100, 500},
		input: func(b *testing.B, _ *world, n int) []byte {
			return mustJSON(b, pipeline.Request{Op: pipeline.OpFetchMetrics, Input: mustJSON(b, fetchInput(n))})
		}},
	{name: "transform", function: "transform", sizes: []int{1, 10, 100},
		input: func(b *testing.B, w *world, n int) []byte { return mustJSON(b, w.transformInput(b, n)) }},
	{name: "merge-manifests", function: "merge-manifests", sizes: []int{devicesPerGroup, 20 * devicesPerGroup, 100 * devicesPerGroup},
		input: func(b *testing.B, w *world, n int) []byte { return mustJSON(b, w.mergeInput(b, n/devicesPerGroup)) }},
}

// devicesPerGroup is the local vendor's group size: the merge's sizes are whole groups (1, 20
// and 100 group manifests).
const devicesPerGroup = 1000

// BenchmarkHandlerMemory runs each reference handler as its built bootstrap binary (the worker
// component's flags, linux on this machine's architecture) against a local Runtime API
// ([lambdatest.Measure]), one invocation per process, in the local world of
// BenchmarkHandlerStartup (vendor without latency, SSM, S3). For every size it reports the
// medians over memoryRuns processes of the peak RSS (getrusage's ru_maxrss: what Lambda's Max
// Memory Used reports) and the user+system CPU time of the whole process, start included; and,
// against the smallest size, the CPU and RSS each further item adds; and the bytes and lines of
// log it wrote (at LOG_LEVEL INFO, the stages' level), whole and per item. `make bench-memory` prints
// them as a table. The vendor answers at once, so the CPU is the handler's own work; how long
// an invocation lasts in AWS is mostly waiting (the vendor, S3), which CPU does not shorten.
func BenchmarkHandlerMemory(b *testing.B) {
	root := repoRoot(b)
	dir := b.TempDir()
	w := startWorld(b, 100, devicesPerGroup)
	for _, c := range memoryCases {
		bin := buildBootstrap(b, root, c.function, filepath.Join(dir, c.function))
		env := append(append([]string(nil), w.env...), c.env...)
		var first lambdatest.Usage
		for i, n := range c.sizes {
			payload := c.input(b, w, n)
			b.Run(fmt.Sprintf("%s/items=%d", c.name, n), func(b *testing.B) {
				var u lambdatest.Usage
				for range b.N {
					u = measure(b, bin, env, payload)
				}
				if i == 0 {
					first = u
				}
				b.ReportMetric(float64(u.MaxRSS)/(1<<20), "peak-RSS-MB")
				b.ReportMetric(ms(u.CPU), "CPU-ms")
				b.ReportMetric(float64(u.LogBytes), "log-bytes")
				if i > 0 {
					more := float64(n - c.sizes[0])
					b.ReportMetric(ms(u.CPU-first.CPU)/more, "CPU-ms/item")
					b.ReportMetric(float64(u.MaxRSS-first.MaxRSS)/1024/more, "RSS-KB/item")
					b.ReportMetric(float64(u.LogBytes-first.LogBytes)/more, "log-bytes/item")
					b.ReportMetric(float64(u.LogLines-first.LogLines)/more, "log-lines/item")
				}
			})
		}
	}
}

// measure runs the binary memoryRuns times on payload and returns the median peak RSS and
// the median CPU time.
func measure(b *testing.B, bin string, env []string, payload []byte) lambdatest.Usage {
	var rss []int64
	var cpu []time.Duration
	var last lambdatest.Usage // the log is the same every run
	for range memoryRuns {
		r, u, err := lambdatest.Measure([]string{bin}, env, payload, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if r.ErrorType != "" {
			b.Fatalf("%s: %s", r.ErrorType, r.ErrorMessage)
		}
		rss, cpu = append(rss, u.MaxRSS), append(cpu, u.CPU)
		last = u
	}
	slices.Sort(rss)
	return lambdatest.Usage{MaxRSS: rss[len(rss)/2], CPU: median(cpu), LogBytes: last.LogBytes, LogLines: last.LogLines}
}
