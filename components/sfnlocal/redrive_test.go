package sfnlocal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/skeinhq/skein/components/sfnlocal"
)

// counter is a Lambda handler that counts its calls per item id and fails the items fail says.
type counter struct {
	mu    sync.Mutex
	calls map[int]int
	fail  func(id, call int) bool
	seen  []json.RawMessage
}

func (c *counter) handle(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
	var v struct{ ID int }
	if err := json.Unmarshal(in, &v); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[int]int{}
	}
	c.calls[v.ID]++
	n := c.calls[v.ID]
	c.seen = append(c.seen, append(json.RawMessage(nil), in...))
	fail := c.fail
	c.mu.Unlock()
	if fail != nil && fail(v.ID, n) {
		return nil, fmt.Errorf("item %d: downstream unavailable", v.ID)
	}
	return in, nil
}

func (c *counter) snapshot() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[int]int, len(c.calls))
	for k, v := range c.calls {
		m[k] = v
	}
	return m
}

func functionsFor(t *testing.T, handlers map[string]*counter) *sfnlocal.Functions {
	t.Helper()
	fs := &sfnlocal.Functions{}
	for name, c := range handlers {
		if err := fs.RegisterFunc(name, c.handle); err != nil {
			t.Fatal(err)
		}
	}
	return fs
}

type eventLog struct {
	mu     sync.Mutex
	events []sfnlocal.Event
}

func (l *eventLog) add(e sfnlocal.Event) { l.mu.Lock(); l.events = append(l.events, e); l.mu.Unlock() }

func (l *eventLog) ofType(typ string) []sfnlocal.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []sfnlocal.Event
	for _, e := range l.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// A Distributed Map run that exceeds its tolerated failure count fails; once the downstream
// mostly recovers, a redrive of the parent runs again only the children that did not succeed
// (failed, or never started because the threshold stopped the run), judges the threshold over
// the whole run (two failures now, within ToleratedFailureCount 2, although five failed in all),
// keeps the Map Run's ARN, writes every result again and clears the stale FAILED file.
func TestRedriveDistributedMapRun(t *testing.T) {
	const n = 20
	work := &counter{}
	broken := true
	work.fail = func(id, call int) bool {
		if id == 0 || id == 5 {
			return true // still failing after the redrive
		}
		return broken && id%5 == 0
	}
	store := sfnlocal.NewMemStore()
	log := &eventLog{}
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailureCount":2,`+
		`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"results","Prefix":"runs"}},`, "")
	e := mustEngine(t, def, &sfnlocal.Options{Functions: functionsFor(t, map[string]*counter{"work": work}), Store: store, OnEvent: log.add})
	_, arn, err := e.ExecuteNamed(context.Background(), "night", itemsInput(n))
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrExceedToleratedFailure {
		t.Fatalf("first attempt: %v, want %s", err, sfnlocal.ErrExceedToleratedFailure)
	}
	first := work.snapshot()
	// MaxConcurrency 1: items 0..10 ran (0, 5 and 10 failed: the third failure is over 2),
	// 11..19 never started
	for id := 0; id < n; id++ {
		want := 0
		if id <= 10 {
			want = 1
		}
		if first[id] != want {
			t.Fatalf("first attempt: item %d called %d times, want %d (calls %v)", id, first[id], want, first)
		}
	}
	d, err := e.Describe(arn)
	if err != nil || d.Status != sfnlocal.StatusFailed || d.RedriveStatus != sfnlocal.RedriveRedrivable || d.RedriveCount != 0 {
		t.Fatalf("Describe after the failure = %+v, %v", d, err)
	}
	started := log.ofType("MapRunStarted")
	if len(started) != 1 {
		t.Fatalf("MapRunStarted events: %d", len(started))
	}
	mapRunArn := started[0].Details["mapRunArn"].(string)
	mr, err := e.DescribeMapRun(mapRunArn)
	if err != nil {
		t.Fatal(err)
	}
	if want := (sfnlocal.MapRunCounts{Succeeded: 8, Failed: 3, Pending: 9, Total: n, ResultsWritten: n, PendingRedrive: 12}); mr.Status != sfnlocal.StatusFailed ||
		mr.ItemCounts != want || mr.ExecutionCounts != want || mr.ToleratedFailureCount != 2 || mr.ExecutionArn != arn {
		t.Errorf("DescribeMapRun after the first attempt: %+v, want FAILED with counts %+v", mr, want)
	}

	broken = false
	out, err := e.Redrive(context.Background(), arn)
	if err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	all := work.snapshot()
	for id := 0; id < n; id++ {
		again := all[id] - first[id]
		succeededFirst := first[id] == 1 && id%5 != 0
		switch {
		case succeededFirst && again != 0:
			t.Errorf("item %d succeeded in the first attempt but ran %d more times in the redrive", id, again)
		case !succeededFirst && again != 1:
			t.Errorf("item %d did not succeed in the first attempt; the redrive ran it %d times, want 1", id, again)
		}
	}
	var o struct {
		MapRunArn           string
		ResultWriterDetails struct{ Bucket, Key string }
	}
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatal(err)
	}
	if o.MapRunArn != mapRunArn {
		t.Errorf("the redriven Map Run is %s, want the same %s", o.MapRunArn, mapRunArn)
	}
	mr, err = e.DescribeMapRun(mapRunArn)
	if err != nil {
		t.Fatal(err)
	}
	if want := (sfnlocal.MapRunCounts{Succeeded: n - 2, Failed: 2, Total: n, ResultsWritten: n}); mr.Status != sfnlocal.StatusSucceeded ||
		mr.ItemCounts != want || mr.RedriveCount != 1 || mr.RedriveDate.IsZero() {
		t.Errorf("DescribeMapRun after the redrive: %+v, want SUCCEEDED, redriveCount 1, counts over the whole run %+v", mr, want)
	}
	if got := log.ofType("MapRunRedriven"); len(got) != 1 || got[0].Details["mapRunArn"] != mapRunArn || got[0].Details["redriveCount"] != int64(1) {
		t.Errorf("MapRunRedriven events: %+v", got)
	}
	if got := log.ofType("ExecutionRedriven"); len(got) != 1 || got[0].ExecutionArn != arn || got[0].Details["redriveCount"] != int64(1) {
		t.Errorf("ExecutionRedriven events: %+v", got)
	}
	starts := 0
	for _, ev := range log.ofType("ExecutionStarted") {
		if ev.ExecutionArn == arn {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("the execution has %d ExecutionStarted events, want 1 (a redrive does not start it again)", starts)
	}
	// event ids go on from the first attempt's
	seen := map[int64]bool{}
	for _, ev := range log.events {
		if ev.ExecutionArn == arn {
			if seen[ev.Id] {
				t.Fatalf("event id %d used twice in the execution's history", ev.Id)
			}
			seen[ev.Id] = true
		}
	}
	manifest, err := store.GetObject(context.Background(), "results", o.ResultWriterDetails.Key)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ResultFiles map[string][]struct{ Key string }
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	records := func(key string) []map[string]any {
		b, err := store.GetObject(context.Background(), "results", key)
		if err != nil {
			t.Fatal(err)
		}
		var rs []map[string]any
		if err := json.Unmarshal(b, &rs); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		return rs
	}
	if len(m.ResultFiles["SUCCEEDED"]) != 1 || len(m.ResultFiles["FAILED"]) != 1 || len(m.ResultFiles["PENDING"]) != 0 {
		t.Fatalf("manifest files: %+v", m.ResultFiles)
	}
	if got := records(m.ResultFiles["SUCCEEDED"][0].Key); len(got) != n-2 {
		t.Errorf("SUCCEEDED file: %d records, want %d (every success of both attempts)", len(got), n-2)
	}
	if got := records(m.ResultFiles["FAILED"][0].Key); len(got) != 2 {
		t.Errorf("FAILED file: %d records, want 2", len(got))
	}
	pending := strings.Replace(m.ResultFiles["FAILED"][0].Key, "FAILED_0", "PENDING_0", 1)
	if got := records(pending); len(got) != 0 {
		t.Errorf("the first attempt's PENDING file still holds %d records after the redrive", len(got))
	}
	d, err = e.Describe(arn)
	if err != nil || d.Status != sfnlocal.StatusSucceeded || d.RedriveCount != 1 || d.RedriveDate.IsZero() ||
		d.RedriveStatus != sfnlocal.RedriveNotRedrivable || d.ExecutionArn != arn {
		t.Fatalf("Describe after the redrive = %+v, %v", d, err)
	}
}

// When more children fail again in the redrive than the threshold allows, the Map Run fails
// again, and a second redrive runs only those children.
func TestRedriveMapRunTwice(t *testing.T) {
	const n = 10
	work := &counter{}
	stillBroken := 3
	work.fail = func(id, call int) bool { return id < stillBroken }
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailureCount":1,`, "")
	e := mustEngine(t, def, &sfnlocal.Options{Functions: functionsFor(t, map[string]*counter{"work": work})})
	_, arn, err := e.ExecuteNamed(context.Background(), "", itemsInput(n))
	if err == nil {
		t.Fatal("first attempt succeeded")
	}
	if _, err := e.Redrive(context.Background(), arn); err == nil {
		t.Fatal("first redrive succeeded with 3 children still failing and 1 tolerated")
	}
	stillBroken = 0
	out, err := e.Redrive(context.Background(), arn)
	if err != nil {
		t.Fatalf("second redrive: %v", err)
	}
	var results []struct{ ID int }
	if err := json.Unmarshal(out, &results); err != nil || len(results) != n {
		t.Fatalf("output %s: %v", out, err)
	}
	for i, r := range results {
		if r.ID != i {
			t.Errorf("result %d is item %d: results must stay in item order", i, r.ID)
		}
	}
	// MaxConcurrency 1: the first attempt stops at item 1 (two failures), so does the first
	// redrive; the second runs 0 and 1 again and 2..9 for the first time
	after := work.snapshot()
	for id := 0; id < n; id++ {
		want := 1
		if id < 2 {
			want = 3
		}
		if after[id] != want {
			t.Errorf("item %d ran %d times, want %d (calls %v)", id, after[id], want, after)
		}
	}
	if d, _ := e.Describe(arn); d == nil || d.RedriveCount != 2 {
		t.Errorf("Describe: %+v, want redriveCount 2", d)
	}
}

// A Task failure is redriven from the failed state: the states before it are not run again
// (their outputs are reused), $$.Execution.RedriveCount and RedriveTime are visible to the
// states, and the redriven state's Retry counts start again from 0.
func TestRedriveTaskFromFailedState(t *testing.T) {
	prep, work := &counter{}, &counter{}
	work.fail = func(id, call int) bool {
		// first attempt: both tries fail; redrive: the first try fails, its retry succeeds
		return call <= 3
	}
	def := `{"StartAt":"Prep","States":{
		"Prep":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:prep","Parameters":{"id":7,"count.$":"$$.Execution.RedriveCount"},"ResultPath":"$.prep","Next":"Work"},
		"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work",
			"Parameters":{"id":7,"retry.$":"$$.State.RetryCount","count.$":"$$.Execution.RedriveCount"},
			"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":1,"IntervalSeconds":1}],"ResultPath":"$.work","Next":"After"},
		"After":{"Type":"Pass","Parameters":{"prep.$":"$.prep","work.$":"$.work","count.$":"$$.Execution.RedriveCount","time.$":"$$.Execution.RedriveTime","id.$":"$$.Execution.Id"},"End":true}}}`
	e := mustEngine(t, def, &sfnlocal.Options{Functions: functionsFor(t, map[string]*counter{"prep": prep, "work": work}), TimeScale: 0.001})
	_, arn, err := e.ExecuteNamed(context.Background(), "task", []byte(`{}`))
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != "errorString" {
		t.Fatalf("first attempt: %v", err)
	}
	out, err := e.Redrive(context.Background(), arn)
	if err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	if got := prep.snapshot()[7]; got != 1 {
		t.Errorf("Prep ran %d times, want 1: it succeeded before the redrive", got)
	}
	var o struct {
		Prep  struct{ Count int }
		Work  struct{ Count, Retry int }
		Count int
		Time  string
		ID    string
	}
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatal(err)
	}
	if o.Prep.Count != 0 || o.Work.Count != 1 || o.Count != 1 || o.Time == "" || o.ID != arn {
		t.Errorf("output %s: want prep.count 0 (first attempt), work.count 1, count 1, a RedriveTime, id %s", out, arn)
	}
	var retries []int
	for _, raw := range work.seen {
		var v struct{ Retry int }
		_ = json.Unmarshal(raw, &v)
		retries = append(retries, v.Retry)
	}
	if fmt.Sprint(retries) != "[0 1 0 1]" {
		t.Errorf("Work's $$.State.RetryCount per call = %v, want [0 1 0 1] (retries start again after the redrive)", retries)
	}
}

// An inline Map's redrive runs only the iterations that failed or never started; a Parallel
// state's only the branches that did not succeed.
func TestRedriveInlineMapAndParallel(t *testing.T) {
	work, side := &counter{}, &counter{}
	broken := true
	work.fail = func(id, call int) bool { return broken && id == 3 }
	side.fail = func(id, call int) bool { return broken && id == 100 }
	def := `{"StartAt":"Both","States":{"Both":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
			"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}},"End":true}}},
		{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:side","Parameters":{"id":100},"End":true}}},
		{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:side","Parameters":{"id":200},"End":true}}}]}}}`
	log := &eventLog{}
	e := mustEngine(t, def, &sfnlocal.Options{Functions: functionsFor(t, map[string]*counter{"work": work, "side": side}), OnEvent: log.add})
	_, arn, err := e.ExecuteNamed(context.Background(), "", itemsInput(6))
	if err == nil {
		t.Fatal("first attempt succeeded")
	}
	first, firstSide := work.snapshot(), side.snapshot()
	// the branches run concurrently and the first failure aborts the others, so what
	// succeeded before the redrive is read from the history
	okIter := map[int]bool{}
	for _, ev := range log.ofType("MapIterationSucceeded") {
		okIter[int(ev.Details["index"].(int64))] = true
	}
	okT := false
	for _, ev := range log.ofType("TaskStateExited") {
		okT = okT || ev.Details["name"] == "T"
	}
	broken = false
	out, err := e.Redrive(context.Background(), arn)
	if err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	all, allSide := work.snapshot(), side.snapshot()
	for id := 0; id < 6; id++ {
		succeededFirst := okIter[id]
		if again := all[id] - first[id]; (succeededFirst && again != 0) || (!succeededFirst && again != 1) {
			t.Errorf("iteration %d: %d calls before the redrive, %d during it", id, first[id], again)
		}
	}
	if allSide[100]-firstSide[100] != 1 {
		t.Errorf("the failed branch ran %d times in the redrive, want 1", allSide[100]-firstSide[100])
	}
	if again := allSide[200] - firstSide[200]; (okT && again != 0) || (!okT && again != 1) {
		t.Errorf("branch T (succeeded before the redrive: %v) ran %d times in the redrive", okT, again)
	}
	var o []json.RawMessage
	if err := json.Unmarshal(out, &o); err != nil || len(o) != 3 {
		t.Fatalf("output %s: %v", out, err)
	}
	var items []struct{ ID int }
	if err := json.Unmarshal(o[0], &items); err != nil || len(items) != 6 {
		t.Fatalf("Map output %s: %v", o[0], err)
	}
	for i, it := range items {
		if it.ID != i {
			t.Errorf("Map result %d is item %d", i, it.ID)
		}
	}
}

// STANDARD child executions of a Distributed Map are redriven from the state that failed in
// them (their first state, which succeeded, does not run again), with their own RedriveCount.
func TestRedriveStandardChildren(t *testing.T) {
	prep, work := &counter{}, &counter{}
	broken := true
	work.fail = func(id, call int) bool { return broken && id%2 == 1 }
	def := `{"StartAt":"Map","States":{"Map":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailurePercentage":10,"End":true,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Prep","States":{
			"Prep":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:prep","ResultPath":null,"Next":"Work"},
			"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","Parameters":{"id.$":"$.id","count.$":"$$.Execution.RedriveCount"},"End":true}}}}}}`
	e := mustEngine(t, def, &sfnlocal.Options{Functions: functionsFor(t, map[string]*counter{"prep": prep, "work": work})})
	_, arn, err := e.ExecuteNamed(context.Background(), "", itemsInput(8))
	if err == nil {
		t.Fatal("first attempt succeeded")
	}
	prepFirst := prep.snapshot()
	broken = false
	out, err := e.Redrive(context.Background(), arn)
	if err != nil {
		t.Fatalf("Redrive: %v", err)
	}
	// MaxConcurrency 1: child 0 succeeded, child 1 failed in Work (12.5% > 10%), 2..7 never
	// started; the redrive continues child 1 at Work and starts 2..7
	prepAll := prep.snapshot()
	if prepFirst[0] != 1 || prepFirst[1] != 1 || prepFirst[2] != 0 {
		t.Fatalf("first attempt: Prep calls %v", prepFirst)
	}
	for id := 0; id < 8; id++ {
		if prepAll[id] != 1 {
			t.Errorf("child %d: Prep ran %d times, want 1", id, prepAll[id])
		}
	}
	var results []struct{ ID, Count int }
	if err := json.Unmarshal(out, &results); err != nil || len(results) != 8 {
		t.Fatalf("output %s: %v", out, err)
	}
	for _, r := range results {
		want := 0
		if r.ID == 1 {
			want = 1 // redriven; the others ran once, never redriven
		}
		if r.Count != want {
			t.Errorf("child %d saw $$.Execution.RedriveCount %d, want %d", r.ID, r.Count, want)
		}
	}
}

// What cannot be redriven, with AWS's error names: a succeeded execution, an unknown one, an
// Express state machine's.
func TestRedriveRefused(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	e := mustEngine(t, def, nil)
	_, arn, err := e.ExecuteNamed(context.Background(), "ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	var re *sfnlocal.RequestError
	if _, err := e.Redrive(context.Background(), arn); !errors.As(err, &re) || re.Code != sfnlocal.CodeExecutionNotRedrivable || !strings.Contains(re.Message, "SUCCEEDED") {
		t.Errorf("redriving a succeeded execution: %v, want ExecutionNotRedrivable naming SUCCEEDED", err)
	}
	if d, err := e.Describe(arn); err != nil || d.RedriveStatus != sfnlocal.RedriveNotRedrivable || d.RedriveStatusReason == "" {
		t.Errorf("Describe: %+v, %v", d, err)
	}
	missing := strings.Replace(arn, ":ok", ":nope", 1)
	if _, err := e.Redrive(context.Background(), missing); !errors.As(err, &re) || re.Code != sfnlocal.CodeExecutionDoesNotExist {
		t.Errorf("redriving an unknown execution: %v, want ExecutionDoesNotExist", err)
	}
	if _, err := e.Redrive(context.Background(), "not an arn"); !errors.As(err, &re) || re.Code != sfnlocal.CodeInvalidArn {
		t.Errorf("redriving a malformed ARN: %v, want InvalidArn", err)
	}

	failing := `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}`
	x := mustEngine(t, failing, &sfnlocal.Options{Type: "EXPRESS"})
	_, arn, err = x.ExecuteNamed(context.Background(), "", nil)
	if err == nil {
		t.Fatal("the Fail state succeeded")
	}
	if _, err := x.Redrive(context.Background(), arn); !errors.As(err, &re) || re.Code != sfnlocal.CodeExecutionNotRedrivable || !strings.Contains(re.Message, "Express") {
		t.Errorf("redriving an Express execution: %v, want ExecutionNotRedrivable naming Express", err)
	}
	if _, err := sfnlocal.New(mustParse(t, failing), &sfnlocal.Options{Type: "standard"}); err == nil || !strings.Contains(err.Error(), "Options.Type") {
		t.Errorf("Options.Type standard: %v, want an error naming Options.Type", err)
	}

	// a Fail state fails again when redriven: the redrive is counted and can be repeated
	s := mustEngine(t, failing, nil)
	_, arn, _ = s.ExecuteNamed(context.Background(), "", nil)
	for i := 1; i <= 2; i++ {
		var ee *sfnlocal.ExecutionError
		if _, err := s.Redrive(context.Background(), arn); !errors.As(err, &ee) || ee.Name != "Boom" {
			t.Fatalf("redrive %d: %v, want the Fail state's Boom", i, err)
		}
		if d, _ := s.Describe(arn); d.RedriveCount != i || d.Status != sfnlocal.StatusFailed || d.RedriveStatus != sfnlocal.RedriveRedrivable {
			t.Errorf("after redrive %d: %+v", i, d)
		}
	}
}

func mustParse(t *testing.T, def string) *sfnlocal.Definition {
	t.Helper()
	d, err := sfnlocal.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// An execution that ran longer than its TimeoutSeconds is TIMED_OUT and can be redriven: the
// redrive continues at the state that was running, with the timeout counted again.
func TestRedriveTimedOut(t *testing.T) {
	calls := 0
	fs := &sfnlocal.Functions{}
	if err := fs.RegisterFunc("slow", func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		calls++
		if calls == 1 {
			<-ctx.Done() // the first call outlives the execution's timeout
			return nil, ctx.Err()
		}
		return json.RawMessage(`"done"`), nil
	}); err != nil {
		t.Fatal(err)
	}
	def := `{"TimeoutSeconds":1,"StartAt":"Slow","States":{"Slow":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","End":true}}}`
	e := mustEngine(t, def, &sfnlocal.Options{Functions: fs})
	_, arn, err := e.ExecuteNamed(context.Background(), "", nil)
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrTimeout {
		t.Fatalf("first attempt: %v, want States.Timeout", err)
	}
	if d, _ := e.Describe(arn); d.Status != sfnlocal.StatusTimedOut || d.RedriveStatus != sfnlocal.RedriveRedrivable {
		t.Fatalf("Describe: %+v, want TIMED_OUT and REDRIVABLE", d)
	}
	out, err := e.Redrive(context.Background(), arn)
	if err != nil || string(out) != `"done"` {
		t.Fatalf("Redrive: %s, %v", out, err)
	}
	if d, _ := e.Describe(arn); d.Status != sfnlocal.StatusSucceeded || d.Output != `"done"` || d.RedriveCount != 1 {
		t.Errorf("Describe after the redrive: %+v", d)
	}
}
