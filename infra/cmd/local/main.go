// Command local runs the reference pipeline end to end on this machine (make local): the stage's
// own program planned offline, its export workflow on components/sfnlocal with the real
// handlers in-process, a fake vendor API at the stage's budget, a local S3 server, and the
// transform path fed in SQS-shaped batches. With -runs N it starts N executions of the day at
// once; with -refetch N the vendor worker also consumes N devices from the refetch queue beside
// them. It ends with one line of JSON (ARCHITECTURE.md) and exits 1 when any item is lost or
// the vendor saw more calls at once than its concurrency, or more in a window than its rate.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
	"github.com/skeinhq/skein/infra/local"
)

func main() {
	runtime.GOMAXPROCS(local.Procs())
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) (code int) {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o local.Options
	fs.StringVar(&o.Stack, "stack", "dev", "the stage whose program runs (Pulumi.<stage>.yaml)")
	fs.StringVar(&o.Date, "date", "", "run date yyyy-mm-dd; zero means yesterday in the stage's time zone")
	fs.IntVar(&o.Groups, "groups", 20, "the fake vendor's groups")
	fs.IntVar(&o.DevicesPerGroup, "devices", 50, "devices per group")
	fs.DurationVar(&o.Latency, "latency", 20*time.Millisecond, "latency of every vendor call")
	fs.Float64Var(&o.FailFraction, "fail", 0.01, "fraction of devices whose metrics always fail (404); 0 for none")
	fs.Float64Var(&o.DuplicateFraction, "duplicates", 0, "fraction of transform messages delivered twice")
	fs.Float64Var(&o.PoisonFraction, "poison", 0, "fraction of devices whose raw record the transform can never use")
	fs.Float64Var(&o.TimeScale, "timescale", 0, "multiplies the workflow's Retry waits; 0 means the default (0.05, or 0.25 with -runs above 1)")
	fs.IntVar(&o.Runs, "runs", 1, "executions of the same day started at once")
	fs.IntVar(&o.Refetch, "refetch", 0, "devices sent to the refetch queue beside the runs (consumed by the vendor worker)")
	rate := fs.String("rate", "", `the vendor's rate for this run, as pipeline:vendorRate ("200/s", "3000/min"); empty means the stage's`)
	concurrency := fs.Int("concurrency", 0, "the vendor's concurrency for this run, as pipeline:vendorConcurrency; 0 means the stage's")
	sets := map[string]string{}
	fs.Func("set", `overrides a stage setting for this run, key=value ("pipeline:batchSize=25"); repeatable`, func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return fmt.Errorf("want key=value, got %q", v)
		}
		sets[k] = val
		return nil
	})
	logs := fs.String("logs", "", "write the handlers' JSON logs to this file")
	trace := fs.String("trace", "", "print this device's log lines across the export and the transform (those carrying its correlation id); empty means the first failed device, one the transform saw when there is one")
	quiet := fs.Bool("quiet", false, "no live progress")
	redrive := fs.Bool("redrive", false, "the documented redrive: the failing devices answer 503 (an outage), the Map tolerates none and the run fails; then the outage ends and the same execution is redriven (RedriveExecution), which must complete it with nothing lost")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(stderr, "local: unexpected arguments %q (every setting is a flag; -h lists them)\n", fs.Args())
		return 2
	}
	if err := validate(o, *concurrency, *trace); err != nil {
		_, _ = fmt.Fprintln(stderr, "local:", err)
		return 2
	}
	if o.FailFraction == 0 {
		o.FailFraction = -1 // the flag's 0 means none
	}
	if *redrive {
		o.FailStatus = 503 // transient: retried, then the batch fails and the Map with it
		sets["pipeline:toleratedFailurePercent"] = "0"
	}
	if o.Latency == 0 {
		o.Latency = -1 // the flag's 0 means none (Options' zero is the 20 ms default)
	}
	o.Config = sets
	if *rate != "" {
		o.Config[local.KeyVendorRate] = *rate
	}
	if *concurrency != 0 {
		o.Config[local.KeyVendorConcurrency] = fmt.Sprint(*concurrency)
	}
	if !*quiet {
		o.Progress = stderr
	}
	var logw io.Writer
	if *logs != "" {
		f, err := os.Create(*logs)
		if err != nil {
			_, _ = fmt.Fprintln(stderr, "local:", err)
			return 1
		}
		defer func() {
			if err := f.Close(); err != nil {
				_, _ = fmt.Fprintln(stderr, "local:", err)
				if code == 0 {
					code = 1
				}
			}
		}()
		logw = f
	}
	// The logs are kept for the trace (and written to -logs too).
	logBuf := &syncBuffer{}
	o.Log = logBuf
	if logw != nil {
		o.Log = io.MultiWriter(logw, logBuf)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	_, _ = fmt.Fprintf(stderr, "local: planning stage %s offline...\n", o.Stack)
	env, err := local.Start(o)
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "local:", err)
		return 1
	}
	defer env.Close()
	_, _ = fmt.Fprintf(stderr, "local: exporting %s %d time(s) at once: %d groups x %d devices, vendor budget %s (%d batches of %d at once x %d calls each per run), latency %v\n",
		env.RunDate(), o.Runs, o.Groups, o.DevicesPerGroup, env.BudgetString(), env.Config.MapConcurrency(), env.Config.BatchSize, env.Config.BatchConcurrency, o.Latency)
	rep, err := env.Run(ctx)
	if err == nil && ctx.Err() == nil && *redrive {
		if rep.ExecutionError == nil {
			_, _ = fmt.Fprintln(stderr, "\nlocal: -redrive: the run did not fail (no failing device?); nothing to redrive")
			return 1
		}
		_, _ = fmt.Fprintf(stderr, "\nlocal: the run failed as the outage made it: %v\nlocal: the outage is over; redriving %s\n", rep.ExecutionError, strings.Join(rep.Executions, ", "))
		env.Vendor.Heal()
		rep, err = env.RedriveExecution(ctx, rep)
	}
	if ctx.Err() != nil {
		// Whatever was in flight is neither lost nor done: say so, not "N devices lost".
		_, _ = fmt.Fprintln(stderr, "\nlocal: interrupted: the run was stopped before it ended; nothing is reported as lost")
		return 130
	}
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "local:", err)
		return 1
	}
	_, _ = fmt.Fprintln(stderr)
	if rep.ExecutionError != nil {
		_, _ = fmt.Fprintf(stderr, "local: the export execution failed: %v\n", rep.ExecutionError)
	}
	_, _ = fmt.Fprintf(stderr, "local: states entered after (s): %v\n", rep.Phases)
	_, _ = fmt.Fprintf(stderr, "local: export done after %.2fs, transform queue drained after %.2fs\n", rep.ExportSeconds, rep.TransformSeconds)
	_, _ = fmt.Fprintf(stderr, "local: vendor calls %d (429s: %d over its concurrency, %d over its rate, %d in storms; failed %d), peak %d at once, %d in a window of %v; transform: %d messages, %d deliveries (%d duplicates, %d redeliveries), %d dead-lettered\n",
		rep.Vendor.Total, rep.Vendor.OverLimit, rep.Vendor.OverRate, rep.Vendor.Stormed, rep.Vendor.Failed, rep.Vendor.PeakInFlight, rep.Vendor.PeakRate, rep.RatePer,
		rep.Transform.Messages, rep.Transform.Deliveries, rep.Transform.Duplicates, rep.Transform.Redeliveries, rep.Transform.DeadLettered)
	_, _ = fmt.Fprintf(stderr, "local: data: %d raw parts (%d records: %d ok, %d failed), %d processed parts (%d records, %d failed at the transform); S3 requests by the handlers: %d PUT, %d GET, %d LIST\n",
		len(rep.Raw), rep.Records["raw"], rep.Records["ok"], rep.Records["failed"], len(rep.Processed), rep.Records["processed"], rep.Records["transformFailed"], rep.S3.Puts, rep.S3.Gets, rep.S3.Lists)
	for _, n := range slices.Sorted(maps.Keys(rep.Functions)) {
		f := rep.Functions[n]
		_, _ = fmt.Fprintf(stderr, "local: function %s: reserved concurrency %d, %d invocations (peak %d at once, %.2f s busy), %d throttled\n", n, f.Reserved, f.Invocations, f.PeakInFlight, f.BusySeconds, f.Throttles)
	}
	if o.Refetch > 0 {
		_, _ = fmt.Fprintf(stderr, "local: refetch queue: %d messages, %d processed, %d deliveries, %d throttled invocations, %d dead-lettered\n",
			rep.Refetch.Messages, rep.Refetch.Deleted, rep.Refetch.Deliveries, rep.Refetch.Throttled, rep.Refetch.DeadLettered)
	}
	for _, d := range slices.Sorted(maps.Keys(rep.Captured)) {
		c := rep.Captured[d]
		_, _ = fmt.Fprintf(stderr, "local: failed %s: %s in %s (%s)\n", d, c.Error, c.Location, c.Cause)
	}
	for _, d := range rep.Lost {
		_, _ = fmt.Fprintf(stderr, "local: LOST %s: neither processed nor captured\n", d)
	}
	printTrace(stderr, logBuf.Bytes(), rep, *trace)
	line, _ := json.Marshal(rep.Summary)
	_, _ = fmt.Fprintln(stdout, string(line))
	switch {
	case rep.Summary.Lost > 0 || rep.Summary.OverBudget():
		return 1
	case rep.ExecutionError != nil:
		return 1 // the run failed (too many failures, a group that could not be listed...)
	case rep.Summary.Items > 0 && rep.Summary.Succeeded == 0:
		_, _ = fmt.Fprintln(stderr, "local: no device succeeded")
		return 1
	}
	return 0
}

// validate checks every flag at once, naming the flag, the allowed range and the value given.
func validate(o local.Options, concurrency int, trace string) error {
	c := check.New("local", "flags")
	if trace != "" && pipeline.ValidID("-trace", trace) != nil {
		c.Add("-trace", "must be a device id: 1..128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit", trace)
	}
	c.Int("-groups", o.Groups, 1, vendortest.MaxGroups)
	c.Int("-devices", o.DevicesPerGroup, 1, vendortest.MaxDevicesPerGroup)
	if o.Latency < 0 || o.Latency > vendortest.MaxLatency {
		c.Add("-latency", fmt.Sprintf("must be 0 (none)..%v", vendortest.MaxLatency), o.Latency)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"-fail", o.FailFraction}, {"-duplicates", o.DuplicateFraction}, {"-poison", o.PoisonFraction}} {
		if !(f.v >= 0 && f.v <= 1) {
			c.Add(f.name, "must be a fraction 0..1", f.v)
		}
	}
	if !(o.TimeScale >= 0 && o.TimeScale <= 1000) {
		c.Add("-timescale", "must be 0 (the default)..1000", o.TimeScale)
	}
	c.Int("-runs", o.Runs, 1, 100)
	c.Int("-refetch", o.Refetch, 0, 1000000)
	c.Int("-concurrency", concurrency, 0, 10000)
	if o.Date != "" {
		if _, err := time.Parse(time.DateOnly, o.Date); err != nil {
			c.Add("-date", "must be a date yyyy-mm-dd", o.Date)
		}
	}
	return c.Err()
}

// maxTraceLines bounds the lines a trace prints (a poisoned record fails on every delivery).
const maxTraceLines = 40

// printTrace prints one device's log lines: device, or else the first device the transform
// failed (its raw record unusable, or its part dead-lettered), or else the first failed device.
func printTrace(w io.Writer, logs []byte, rep *local.Report, device string) {
	if device == "" {
		devs := slices.Sorted(maps.Keys(rep.Captured))
		for _, d := range devs {
			if w := rep.Captured[d].Where; w == "transform" || w == "dlq" {
				device = d
				break
			}
		}
		if device == "" && len(devs) > 0 {
			device = devs[0]
		}
	}
	if device == "" {
		return
	}
	tr := local.TraceDevice(logs, device)
	if len(tr.IDs) == 0 {
		_, _ = fmt.Fprintf(w, "local: trace %s: no log line carries its correlation id (not a device of this run?)\n", device)
		return
	}
	_, _ = fmt.Fprintf(w, "local: trace %s (correlation id %s): %d lines, %d from the export (vendor), %d from the transform\n",
		device, strings.Join(tr.IDs, ", "), len(tr.Lines), tr.Functions[pipeline.FunctionVendor], tr.Functions[pipeline.FunctionTransform])
	if c, ok := rep.Captured[device]; ok && c.Where == "failed" && tr.Functions[pipeline.FunctionTransform] == 0 {
		_, _ = fmt.Fprintln(w, "  (refused by the vendor: its raw record is a failed one, which the transform carries on without a line; -poison 0.01 makes devices that fail in the transform)")
	}
	for i, l := range tr.Lines {
		if i == maxTraceLines {
			_, _ = fmt.Fprintf(w, "  ... %d more\n", len(tr.Lines)-maxTraceLines)
			break
		}
		_, _ = fmt.Fprintf(w, "  %s\n", l)
	}
}

// syncBuffer keeps the handlers' log lines for the trace; safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Bytes returns a copy of what was written.
func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...)
}
