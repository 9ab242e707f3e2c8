package local

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/skeinhq/skein/components/sfnlocal"
)

// A function at its reserved concurrency refuses the next invocation with the error a workflow
// sees from a throttled Lambda function: a Catch on Lambda.TooManyRequestsException takes it.
// Once an invocation ends, the next one runs.
func TestReservedConcurrencyThrottlesAsAWSDoes(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	inner, err := invoker(func(ctx context.Context, in map[string]any) (map[string]any, error) {
		if in["block"] == true {
			started <- struct{}{}
			<-release
		}
		return map[string]any{"ran": true}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &function{name: "vendor", inner: inner, reserved: 1}
	fns := &sfnlocal.Functions{}
	fns.Register("vendor", f)
	def, err := sfnlocal.Parse([]byte(`{"StartAt":"Call","States":{"Call":{"Type":"Task",
		"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"vendor","Payload.$":"$"},
		"OutputPath":"$.Payload","Catch":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"Next":"Throttled"}],"End":true},
		"Throttled":{"Type":"Pass","End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sfnlocal.New(def, &sfnlocal.Options{Functions: fns})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { _, err := eng.Execute(ctx, []byte(`{"block":true}`)); done <- err }()
	<-started // the one reserved invocation is running
	out, err := eng.Execute(ctx, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var caught struct{ Error, Cause string }
	if err := json.Unmarshal(out, &caught); err != nil || caught.Error != sfnlocal.ErrLambdaTooManyRequests || !strings.Contains(caught.Cause, "reserved concurrency (1)") {
		t.Fatalf("the second invocation gave %s (%v), want Lambda.TooManyRequestsException caught", out, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out, err = eng.Execute(ctx, []byte(`{}`))
	if err != nil || !strings.Contains(string(out), `"ran":true`) {
		t.Fatalf("after the first ended: %s %v", out, err)
	}
	if s := f.stats(); s.Throttles != 1 || s.Invocations != 2 || s.PeakInFlight != 1 || s.Reserved != 1 {
		t.Errorf("stats %+v", s)
	}

	// Reserved concurrency 0 refuses everything (AWS's "throttled" function); none (-1) nothing.
	if _, err := (&function{inner: inner, reserved: 0}).Invoke(ctx, []byte(`{}`)); err == nil {
		t.Error("reserved 0 ran an invocation")
	}
	if _, err := (&function{inner: inner, reserved: -1}).Invoke(ctx, []byte(`{}`)); err != nil {
		t.Errorf("unreserved: %v", err)
	}
}

func TestOverBudget(t *testing.T) {
	for _, tc := range []struct {
		s    Summary
		over bool
	}{
		{Summary{PeakConcurrency: 10, MaxConcurrency: 10, PeakRate: 200, RateLimit: 200}, false},
		{Summary{PeakConcurrency: 11, MaxConcurrency: 10, PeakRate: 200, RateLimit: 200}, true},
		{Summary{PeakConcurrency: 10, MaxConcurrency: 10, PeakRate: 201, RateLimit: 200}, true},
		{Summary{PeakConcurrency: 10, MaxConcurrency: 10, PeakRate: 5000, RateLimit: 0}, false}, // no rate limit
	} {
		if got := tc.s.OverBudget(); got != tc.over {
			t.Errorf("%+v: OverBudget() = %v", tc.s, got)
		}
	}
	// The ideal is the binding limit's: 1000 calls at 20 ms, 10 at once take 2 s; at 200 a
	// second, 5 s.
	if got := Ideal(1000, 20*time.Millisecond, 10, 200, time.Second); got != 5*time.Second {
		t.Errorf("Ideal at 200/s = %v", got)
	}
	if got := Ideal(1000, 20*time.Millisecond, 10, 10000, time.Second); got != 2*time.Second {
		t.Errorf("Ideal at 10,000/s = %v", got)
	}
	if got := Ideal(3000, 20*time.Millisecond, 10, 3000, time.Minute); got != time.Minute {
		t.Errorf("Ideal at 3000/min = %v", got)
	}
}

// An SQS event source whose function is at its reserved concurrency gets throttled: the batch
// comes back after the visibility timeout with a receive spent, and is processed once a place
// is free; with maxReceiveCount 1 the throttled message goes to the dead-letter queue, the risk
// AWS warns of for consumers that ask for more than the function's reserved concurrency.
func TestQueueConsumerThrottledByReservedConcurrency(t *testing.T) {
	for _, tc := range []struct {
		name                string
		maxReceive, deleted int
		deadLettered        int
	}{{"redelivered", 5, 2, 0}, {"dead-lettered", 1, 1, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			started, release := make(chan struct{}, 2), make(chan struct{})
			inner, err := invoker(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				started <- struct{}{}
				<-release
				return events.SQSEventResponse{}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			f := &function{name: "vendor", inner: inner, reserved: 1}
			q := newQueueSim(QueueConfig{Name: "refetch", BatchSize: 1, MaxConcurrency: 2, PartialFailures: true,
				MaxReceiveCount: tc.maxReceive, VisibilityTimeout: time.Second}, f, 0.01, 0, 0)
			q.start(context.Background())
			q.sendBody("a", `{}`)
			<-started // the one reserved invocation holds "a"
			q.sendBody("b", `{}`)
			for f.throttles.Load() == 0 { // the second consumer is refused while "a" runs
				time.Sleep(time.Millisecond)
			}
			close(release)
			dead := q.drain()
			if q.stats.Throttled < 1 || q.stats.Deleted != tc.deleted || len(dead) != tc.deadLettered || q.stats.Messages != 2 {
				t.Errorf("stats %+v, %d dead-lettered", q.stats, len(dead))
			}
			for _, m := range dead {
				if m.err != sfnlocal.ErrLambdaTooManyRequests {
					t.Errorf("dead-lettered with %q", m.err)
				}
			}
		})
	}
}

// A handler gets its function's own timeout as its deadline, and one that runs past it fails
// with Sandbox.Timedout, as Lambda stops it, even when the state would wait longer.
func TestFunctionTimeoutIsTheFunctionsOwn(t *testing.T) {
	inner, err := invoker(func(ctx context.Context, in map[string]any) (map[string]any, error) {
		dl, ok := ctx.Deadline()
		if !ok {
			return nil, nil
		}
		if in["slow"] == true {
			time.Sleep(300 * time.Millisecond)
		}
		return map[string]any{"left": time.Until(dl).Seconds()}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &function{name: "fetch", inner: inner, reserved: -1, timeout: 200 * time.Millisecond}
	out, err := f.Invoke(context.Background(), []byte(`{}`))
	if err != nil || !strings.Contains(string(out), `"left":0.`) {
		t.Errorf("a quick invocation: %s, %v (want a deadline under the timeout)", out, err)
	}
	_, err = f.Invoke(context.Background(), []byte(`{"slow":true}`))
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != ErrNameFunctionTimeout || !strings.Contains(ee.Cause, "Task timed out after 0.20 seconds") {
		t.Errorf("a slow invocation: %v", err)
	}
}
