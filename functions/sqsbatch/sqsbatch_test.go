package sqsbatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

type job struct {
	ID     string `json:"id"`
	Action string `json:"action"`
}

func load(t testing.TB, name string) events.SQSEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Records) == 0 {
		t.Fatalf("%s has no records", name)
	}
	return ev
}

// act is the record handler every fixture test uses: the body says what to do.
func act(_ context.Context, _ *events.SQSMessage, j job) error {
	switch j.Action {
	case "fail":
		return fmt.Errorf("job %s failed", j.ID)
	case "panic":
		panic("job " + j.ID + " exploded")
	}
	return nil
}

// wantFailed derives, from the fixture bodies alone, which records must be reported: the ones
// whose action is fail or panic or whose body is not JSON; for FIFO, also every later record of a
// group after its first failure.
func wantFailed(ev events.SQSEvent, fifo bool) []string {
	var out []string
	broken := map[string]bool{}
	for _, r := range ev.Records {
		g := r.Attributes["MessageGroupId"]
		var j job
		bad := json.Unmarshal([]byte(r.Body), &j) != nil || j.Action == "fail" || j.Action == "panic"
		if fifo && broken[g] {
			bad = true
		}
		if bad {
			out = append(out, r.MessageId)
			broken[g] = true
		}
	}
	return out
}

func ids(resp events.SQSEventResponse) []string {
	out := make([]string, 0, len(resp.BatchItemFailures))
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)) }

func TestPartialFailures(t *testing.T) {
	ev := load(t, "partial.json")
	for _, conc := range []int{0, 1, 3} {
		t.Run(fmt.Sprint("concurrency ", conc), func(t *testing.T) {
			var calls atomic.Int32
			resp, err := Process(context.Background(), ev, func(ctx context.Context, m *events.SQSMessage, j job) error {
				calls.Add(1)
				return act(ctx, m, j)
			}, &Options{Concurrency: conc, Logger: quiet()})
			if err != nil {
				t.Fatalf("a partial failure must not fail the batch: %v", err)
			}
			want := wantFailed(ev, false)
			if len(want) != 2 {
				t.Fatalf("fixture changed: %d failing records, want 2", len(want))
			}
			if got := ids(resp); !slices.Equal(got, want) {
				t.Errorf("failures %v, want %v", got, want)
			}
			if int(calls.Load()) != len(ev.Records) {
				t.Errorf("handler called %d times for %d records", calls.Load(), len(ev.Records))
			}
		})
	}
}

func TestPanicAndDecodeFailOnlyTheirRecord(t *testing.T) {
	ev := load(t, "panic_decode.json")
	var logs bytes.Buffer
	resp, err := Process(context.Background(), ev, act, &Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("batch failed: %v", err)
	}
	want := wantFailed(ev, false)
	if len(want) != 2 {
		t.Fatalf("fixture changed: %d failing records, want 2", len(want))
	}
	if got := ids(resp); !slices.Equal(got, want) {
		t.Errorf("failures %v, want %v", got, want)
	}
	// One log line per failure, naming the message id and what happened.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines, got %d:\n%s", len(lines), logs.String())
	}
	seen := map[string]string{}
	for _, l := range lines {
		var rec struct {
			Level     string `json:"level"`
			MessageID string `json:"messageId"`
			Error     string `json:"error"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if rec.Level != "ERROR" {
			t.Errorf("level %s, want ERROR", rec.Level)
		}
		seen[rec.MessageID] = rec.Error
	}
	if e := seen[ev.Records[1].MessageId]; !strings.Contains(e, "panicked") || !strings.Contains(e, "exploded") {
		t.Errorf("panic log %q", e)
	}
	if e := seen[ev.Records[2].MessageId]; !strings.Contains(e, "decode body") {
		t.Errorf("decode log %q", e)
	}
}

func TestTypedErrorsNameTheMessage(t *testing.T) {
	full := load(t, "panic_decode.json")
	one := func(i int) events.SQSEvent { return events.SQSEvent{Records: full.Records[i : i+1]} }

	_, err := Process(context.Background(), one(2), act, &Options{Logger: quiet()})
	var de *DecodeError
	if !errors.As(err, &de) || de.MessageID != full.Records[2].MessageId {
		t.Fatalf("undecodable body: got %v, want a *DecodeError for %s", err, full.Records[2].MessageId)
	}
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		t.Errorf("DecodeError must unwrap to the json error, got %v", de.Err)
	}

	_, err = Process(context.Background(), one(1), act, &Options{Logger: quiet()})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.MessageID != full.Records[1].MessageId || len(pe.Stack) == 0 {
		t.Fatalf("panic: got %v, want a *PanicError with a stack for %s", err, full.Records[1].MessageId)
	}

	sentinel := errors.New("vendor said 429")
	_, err = ProcessMessages(context.Background(), one(0), func(context.Context, *events.SQSMessage) error { return sentinel }, &Options{Logger: quiet()})
	var re *RecordError
	if !errors.As(err, &re) || re.MessageID != full.Records[0].MessageId || !errors.Is(err, sentinel) {
		t.Fatalf("handler error: got %v, want a *RecordError wrapping the sentinel", err)
	}
}

func TestFIFOStopsTheFailedGroupOnly(t *testing.T) {
	ev := load(t, "fifo.json")
	if !IsFIFO(ev) {
		t.Fatal("fifo.json not detected as FIFO")
	}
	for _, conc := range []int{0, 1, 2} {
		t.Run(fmt.Sprint("concurrency ", conc), func(t *testing.T) {
			var mu sync.Mutex
			order := map[string][]string{}
			resp, err := Process(context.Background(), ev, func(ctx context.Context, m *events.SQSMessage, j job) error {
				mu.Lock()
				g := m.Attributes["MessageGroupId"]
				order[g] = append(order[g], m.MessageId)
				mu.Unlock()
				return act(ctx, m, j)
			}, &Options{Concurrency: conc, Logger: quiet()})
			if err != nil {
				t.Fatalf("batch failed: %v", err)
			}
			want := wantFailed(ev, true)
			if len(want) != 5 { // A3 A6 A8: A fails at 3; C9 C10: C panics at 9
				t.Fatalf("fixture changed: %d failing records, want 5", len(want))
			}
			if got := ids(resp); !slices.Equal(got, want) {
				t.Errorf("failures %v, want %v", got, want)
			}
			// Each group ran in batch order and stopped at its first failure.
			for g, got := range order {
				var exp []string
				for _, r := range ev.Records {
					if r.Attributes["MessageGroupId"] != g {
						continue
					}
					exp = append(exp, r.MessageId)
					var j job
					if json.Unmarshal([]byte(r.Body), &j) != nil || j.Action != "ok" {
						break
					}
				}
				if !slices.Equal(got, exp) {
					t.Errorf("group %s ran %v, want %v", g, got, exp)
				}
			}
		})
	}
}

func TestFIFOSkippedErrorNamesTheCause(t *testing.T) {
	ev := load(t, "fifo.json")
	var a []events.SQSMessage
	for _, r := range ev.Records {
		if r.Attributes["MessageGroupId"] == "A" {
			a = append(a, r)
		}
	}
	// Fail the first record of group A: every record of the group fails, so the batch error lists
	// the cause and a SkippedError for each later record.
	_, err := ProcessMessages(context.Background(), events.SQSEvent{Records: a}, func(_ context.Context, m *events.SQSMessage) error {
		return errors.New("boom")
	}, &Options{Logger: quiet()})
	var be *BatchError
	if !errors.As(err, &be) || len(be.Errors) != len(a) {
		t.Fatalf("got %v, want a *BatchError with %d errors", err, len(a))
	}
	for i, e := range be.Errors[1:] {
		var se *SkippedError
		if !errors.As(e, &se) || se.FailedMessageID != a[0].MessageId || se.MessageID != a[i+1].MessageId || se.MessageGroupID != "A" {
			t.Errorf("error %d: %v, want a SkippedError caused by %s", i+1, e, a[0].MessageId)
		}
	}
}

func TestAllFailedRetriesTheWholeBatch(t *testing.T) {
	ev := load(t, "all_fail.json")
	resp, err := Process(context.Background(), ev, act, &Options{Logger: quiet()})
	var be *BatchError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a *BatchError", err)
	}
	if len(be.Errors) != len(ev.Records) || len(resp.BatchItemFailures) != len(ev.Records) {
		t.Errorf("%d errors, %d failures for %d records", len(be.Errors), len(resp.BatchItemFailures), len(ev.Records))
	}
	// And a batch where all succeed reports nothing.
	resp, err = Process(context.Background(), load(t, "all_ok.json"), act, &Options{Logger: quiet()})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("all ok: %v, %v", resp, err)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	recs := make([]events.SQSMessage, 120)
	for i := range recs {
		recs[i] = events.SQSMessage{MessageId: fmt.Sprint("m", i), Body: "{}"}
	}
	for _, conc := range []int{1, 4, 16} {
		var cur, peak atomic.Int32
		_, err := ProcessMessages(context.Background(), events.SQSEvent{Records: recs}, func(context.Context, *events.SQSMessage) error {
			n := cur.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			cur.Add(-1)
			return nil
		}, &Options{Concurrency: conc})
		if err != nil {
			t.Fatal(err)
		}
		if p := int(peak.Load()); p > conc || (conc > 1 && p < 2) {
			t.Errorf("concurrency %d: peak %d in flight", conc, p)
		}
	}
}

func TestContextDoneReportsUnstartedRecords(t *testing.T) {
	ev := load(t, "all_ok.json")
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	resp, err := Process(ctx, ev, func(_ context.Context, _ *events.SQSMessage, _ job) error {
		if calls.Add(1) == 2 {
			cancel()
		}
		return nil
	}, &Options{Concurrency: 1, Logger: quiet()})
	if err != nil {
		t.Fatalf("two records succeeded, the batch must not fail: %v", err)
	}
	if calls.Load() != 2 || len(resp.BatchItemFailures) != len(ev.Records)-2 {
		t.Errorf("calls %d, failures %d, want 2 and %d", calls.Load(), len(resp.BatchItemFailures), len(ev.Records)-2)
	}
	_, err = Process(ctx, ev, act, &Options{Logger: quiet()})
	var np *NotProcessedError
	if !errors.As(err, &np) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before start: got %v", err)
	}
}

func TestInvalidInputsProcessNothing(t *testing.T) {
	ev := load(t, "all_ok.json")
	called := false
	fn := func(context.Context, *events.SQSMessage) error { called = true; return nil }
	for _, c := range []int{-1, MaxConcurrency + 1} {
		_, err := ProcessMessages(context.Background(), ev, fn, &Options{Concurrency: c})
		if err == nil || !strings.Contains(err.Error(), "Concurrency") || !strings.Contains(err.Error(), fmt.Sprint(c)) {
			t.Errorf("concurrency %d: got %v", c, err)
		}
	}
	if _, err := ProcessMessages(context.Background(), ev, nil, nil); err == nil {
		t.Error("nil handler accepted")
	}
	if called {
		t.Error("handler ran despite invalid options")
	}
	resp, err := ProcessMessages(context.Background(), events.SQSEvent{}, fn, nil)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("empty batch: %v %v", resp, err)
	}
}

// The response must have the shape Lambda reads:
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
func TestResponseShape(t *testing.T) {
	ev := load(t, "partial.json")
	resp, _ := Process(context.Background(), ev, act, &Options{Logger: quiet()})
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string][]map[string]string
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	items := generic["batchItemFailures"]
	if len(items) != 2 || items[0]["itemIdentifier"] != ev.Records[1].MessageId {
		t.Errorf("response JSON %s", b)
	}
}

func ExampleProcess() {
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: `{"id":"a","action":"ok"}`},
		{MessageId: "m2", Body: `{"id":"b","action":"fail"}`},
		{MessageId: "m3", Body: `not json`},
	}}
	resp, err := Process(context.Background(), ev, act, &Options{Logger: quiet()})
	fmt.Println(ids(resp), err)
	// Output: [m2 m3] <nil>
}

func bigEvent(n, groups int) events.SQSEvent {
	recs := make([]events.SQSMessage, n)
	for i := range recs {
		recs[i] = events.SQSMessage{
			MessageId:      fmt.Sprintf("%08d-0000-4000-8000-000000000000", i),
			Body:           `{"id":"x","action":"ok"}`,
			EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:jobs",
			Attributes:     map[string]string{"ApproximateReceiveCount": "1"},
		}
		if groups > 0 {
			recs[i].EventSourceARN += ".fifo"
			recs[i].Attributes["MessageGroupId"] = fmt.Sprint("g", i%groups)
		}
	}
	return events.SQSEvent{Records: recs}
}

// mallocs is the process's allocation count so far.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// report adds the per-record figures the issue's target is stated in: time and allocations per
// record of an n-record batch (before is mallocs() taken just before the loop).
func report(b *testing.B, n int, before uint64) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
	b.ReportMetric(float64(mallocs()-before)/float64(b.N)/float64(n), "allocs/record")
}

// BenchmarkProcess10k measures the helper's own overhead on 10,000 records with a no-op
// handler: ProcessMessages on a standard batch ("messages") and on a FIFO batch in 100 message
// groups ("messages-fifo"), and Process, which adds JSON decoding of each body ("decode").
func BenchmarkProcess10k(b *testing.B) {
	noop := func(context.Context, *events.SQSMessage) error { return nil }
	decodeNoop := func(context.Context, *events.SQSMessage, job) error { return nil }
	for _, c := range []struct {
		name   string
		groups int
		run    func(events.SQSEvent) error
	}{
		{"messages", 0, func(ev events.SQSEvent) error {
			_, err := ProcessMessages(context.Background(), ev, noop, nil)
			return err
		}},
		{"messages-fifo", 100, func(ev events.SQSEvent) error {
			_, err := ProcessMessages(context.Background(), ev, noop, nil)
			return err
		}},
		{"decode", 0, func(ev events.SQSEvent) error {
			_, err := Process(context.Background(), ev, decodeNoop, nil)
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ev := bigEvent(10000, c.groups)
			b.ReportAllocs()
			before := mallocs()
			for b.Loop() {
				if err := c.run(ev); err != nil {
					b.Fatal(err)
				}
			}
			report(b, 10000, before)
		})
	}
}

// BenchmarkJSONUnmarshalBaseline is encoding/json alone on the same body, so the decode
// benchmark can be split into json's cost and the helper's.
func BenchmarkJSONUnmarshalBaseline(b *testing.B) {
	body := `{"id":"x","action":"ok"}`
	b.ReportAllocs()
	for b.Loop() {
		var j job
		if err := json.Unmarshal([]byte(body), &j); err != nil {
			b.Fatal(err)
		}
	}
}
