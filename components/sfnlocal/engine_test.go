package sfnlocal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/skeinhq/skein/components/sfnlocal"
)

type quotaError struct{ Left int }

func (e *quotaError) Error() string { return fmt.Sprintf("quota exhausted, %d left", e.Left) }

// Go handler errors surface with the error names AWS reports for Go functions: the error's type
// name without package (aws-lambda-go's rule), or a messages.InvokeResponse_Error's Type.
func TestLambdaErrorNames(t *testing.T) {
	cases := []struct {
		name    string
		handler any
		want    string
	}{
		{"errors.New", func(context.Context, json.RawMessage) (string, error) { return "", errors.New("boom") }, "errorString"},
		{"fmt.Errorf-wrap", func(context.Context) (string, error) { return "", fmt.Errorf("wrap: %w", errors.New("x")) }, "wrapError"},
		{"custom-pointer", func() (string, error) { return "", &quotaError{Left: 0} }, "quotaError"},
		{"invoke-response-error", func() (string, error) {
			return "", messages.InvokeResponse_Error{Type: "Validation.Failed", Message: "bad"}
		}, "Validation.Failed"},
		{"panic-string", func() (string, error) { panic("kaboom") }, "string"},
		{"bad-input-type", func(in struct{ N int }) (int, error) { return in.N, nil }, "UnmarshalTypeError"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := &sfnlocal.Functions{}
			if err := fs.RegisterFunc("arn:aws:lambda:us-east-1:123456789012:function:f", c.handler); err != nil {
				t.Fatal(err)
			}
			e := mustEngine(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f:live","End":true}}}`,
				&sfnlocal.Options{Functions: fs})
			_, err := e.Execute(context.Background(), []byte(`{"N":"not a number"}`))
			var ee *sfnlocal.ExecutionError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v, want an ExecutionError", err)
			}
			if ee.Name != c.want {
				t.Errorf("error name %q, want %q (cause %s)", ee.Name, c.want, ee.Cause)
			}
			var payload struct{ ErrorType, ErrorMessage string }
			if err := json.Unmarshal([]byte(ee.Cause), &payload); err != nil || payload.ErrorType != c.want {
				t.Errorf("cause %q is not the Lambda error payload {errorMessage, errorType}", ee.Cause)
			}
		})
	}
	if err := (&sfnlocal.Functions{}).RegisterFunc("x", 42); err == nil {
		t.Error("RegisterFunc accepted a non-function")
	}
}

// arn:aws:states:::lambda:invoke returns AWS's shape
// (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html).
func TestLambdaInvokeShape(t *testing.T) {
	fs := &sfnlocal.Functions{}
	_ = fs.RegisterFunc("adder", func(in struct{ A, B int }) (int, error) { return in.A + in.B, nil })
	e := mustEngine(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:adder:$LATEST","Payload":{"A.$":"$.x","B":2}},"End":true}}}`,
		&sfnlocal.Options{Functions: fs})
	out, err := e.Execute(context.Background(), []byte(`{"x":40}`))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Payload         int
		StatusCode      int
		ExecutedVersion string
		SdkHttpMetadata struct{ HttpStatusCode int }
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if r.Payload != 42 || r.StatusCode != 200 || r.ExecutedVersion != "$LATEST" || r.SdkHttpMetadata.HttpStatusCode != 200 {
		t.Errorf("lambda:invoke result %s", out)
	}
}

func TestUnknownFunction(t *testing.T) {
	e := mustEngine(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:ghost","End":true}}}`, nil)
	_, err := e.Execute(context.Background(), nil)
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrLambdaResourceNotFound {
		t.Fatalf("got %v, want %s", err, sfnlocal.ErrLambdaResourceNotFound)
	}
}

func TestServiceIntegrations(t *testing.T) {
	store := sfnlocal.NewMemStore()
	queues := &sfnlocal.MemQueues{}
	child, err := sfnlocal.Parse([]byte(`{"StartAt":"C","States":{"C":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	failing, _ := sfnlocal.Parse([]byte(`{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Child.Failed","Cause":"no"}}}`))
	def := `{"StartAt":"Put","States":{
	"Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"b","Key":"k.json","Body.$":"$.doc"},"ResultPath":"$.put","Next":"Get"},
	"Get":{"Type":"Task","Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k.json"},"ResultSelector":{"doc.$":"States.StringToJson($.Body)"},"ResultPath":"$.got","Next":"Send"},
	"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody.$":"$.got.doc","MessageGroupId":"g"},"ResultPath":"$.sent","Next":"Child"},
	"Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"n.$":"$.got.doc.n"}},"ResultSelector":{"out.$":"$.Output","status.$":"$.Status"},"ResultPath":"$.child","Next":"Bad"},
	"Bad":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"failing"},"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.bad","Next":"Done"}],"End":true},
	"Done":{"Type":"Pass","End":true}}}`
	e := mustEngine(t, def, &sfnlocal.Options{Store: store, Queues: queues, StateMachines: map[string]*sfnlocal.Definition{"child": child, "failing": failing}})
	out, err := e.Execute(context.Background(), []byte(`{"doc":{"n":21}}`))
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Put   struct{ ETag string }
		Got   struct{ Doc struct{ N int } }
		Sent  struct{ MessageId, MD5OfMessageBody string }
		Child struct {
			Out    struct{ Doubled int }
			Status string
		}
		Bad struct{ Error, Cause string }
	}
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatal(err)
	}
	if o.Put.ETag == "" || o.Got.Doc.N != 21 || o.Sent.MessageId == "" || o.Child.Out.Doubled != 42 || o.Child.Status != "SUCCEEDED" {
		t.Errorf("output %s", out)
	}
	if o.Bad.Error != sfnlocal.ErrTaskFailed || !strings.Contains(o.Bad.Cause, "Child.Failed") {
		t.Errorf("failed child: %+v", o.Bad)
	}
	msgs := queues.Messages("https://sqs.us-east-1.amazonaws.com/123456789012/q")
	if len(msgs) != 1 || msgs[0].Body != `{"n":21}` || msgs[0].MessageGroupId != "g" {
		t.Errorf("messages %+v", msgs)
	}
	// The queue's ARN, as components and stack outputs give it, names the same queue.
	if byArn := queues.Messages("arn:aws:sqs:us-east-1:123456789012:q"); len(byArn) != 1 || byArn[0].Body != `{"n":21}` {
		t.Errorf("messages by ARN %+v", byArn)
	}
	if other := queues.Messages("arn:aws:sqs:eu-west-1:123456789012:q"); len(other) != 0 {
		t.Errorf("a queue of the same name in another region got %+v", other)
	}
}

// Retry waits IntervalSeconds x BackoffRate^n capped by MaxDelaySeconds, scaled by TimeScale.
func TestRetryBackoffScaled(t *testing.T) {
	var mu sync.Mutex
	var calls []time.Time
	fs := &sfnlocal.Functions{}
	_ = fs.RegisterFunc("f", func() (string, error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, time.Now())
		if len(calls) < 5 {
			return "", errors.New("again")
		}
		return "ok", nil
	})
	e := mustEngine(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
		"Retry":[{"ErrorEquals":["errorString"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":4,"MaxDelaySeconds":10}],"End":true}}}`,
		&sfnlocal.Options{Functions: fs, TimeScale: 0.005})
	start := time.Now()
	out, err := e.Execute(context.Background(), nil)
	if err != nil || string(out) != `"ok"` {
		t.Fatalf("got %s %v", out, err)
	}
	// delays 2, 6, 10 (18 capped), 10 (54 capped) seconds -> 10, 30, 50, 50 ms at 0.005
	want := []time.Duration{10, 30, 50, 50}
	for i := 1; i < len(calls); i++ {
		gap := calls[i].Sub(calls[i-1])
		if gap < want[i-1]*time.Millisecond {
			t.Errorf("retry %d came after %v, want at least %v ms", i, gap, want[i-1])
		}
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v: TimeScale not applied", el)
	}
}

func TestTimeouts(t *testing.T) {
	fs := &sfnlocal.Functions{}
	_ = fs.RegisterFunc("slow", func() (string, error) { time.Sleep(1500 * time.Millisecond); return "late", nil })
	e := mustEngine(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","TimeoutSeconds":1,"End":true}}}`,
		&sfnlocal.Options{Functions: fs})
	_, err := e.Execute(context.Background(), nil)
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrTimeout {
		t.Fatalf("task: got %v, want States.Timeout", err)
	}
	e = mustEngine(t, `{"StartAt":"W","TimeoutSeconds":1,"States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}`, nil)
	_, err = e.Execute(context.Background(), nil)
	if !errors.As(err, &ee) || ee.Name != sfnlocal.ErrTimeout {
		t.Fatalf("execution: got %v, want States.Timeout", err)
	}
}

// Every problem in a definition is reported at once, naming where it is and what was given.
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := sfnlocal.Parse([]byte(`{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":-1,"BackoffRate":0.5,"JitterStrategy":"SOME"}],"Next":"Nowhere"},
		"B":{"Type":"Map","MaxConcurrency":-2,"ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true},
		"C":{"Type":"Wait","End":true},
		"D":{"Type":"Pass","Parameters":{"x.$":"States.Nope()"},"ResultPath":"$..x","End":true}}}`))
	var de *sfnlocal.DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a DefinitionError", err)
	}
	for _, want := range []string{
		"States.A.Retry[0]: MaxAttempts must be a whole number in 0..99999999, got -1",
		"BackoffRate must be at least 1.0, got 0.5",
		`JitterStrategy must be FULL or NONE, got "SOME"`,
		`Next names "Nowhere"`,
		"MaxConcurrency must be a whole number in 0..1e+09 (0 means no limit), got -2",
		"ToleratedFailureCount is only allowed in a Distributed Map",
		"States.C: exactly one of Seconds, Timestamp, SecondsPath or TimestampPath is required, got 0",
		`unknown function "States.Nope"`,
		"ResultPath must be a reference path",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %q:\n%v", want, err)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	d, _ := sfnlocal.Parse([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`))
	_, err := sfnlocal.New(d, &sfnlocal.Options{TimeScale: -1, MaxDistributedConcurrency: 20000, Name: "bad name"})
	if err == nil {
		t.Fatal("bad options accepted")
	}
	for _, want := range []string{"TimeScale must be a finite number >= 0", "got -1", "MaxDistributedConcurrency must be in 0..10000", "got 20000", "Options.Name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
}

// Events carry GetExecutionHistory's names and reach both the callback and the JSON Lines log.
func TestEvents(t *testing.T) {
	fs := &sfnlocal.Functions{}
	_ = fs.RegisterFunc("f", func(n int) (int, error) {
		if n == 2 {
			return 0, errors.New("two")
		}
		return n, nil
	})
	var log bytes.Buffer
	var mu sync.Mutex
	var types []string
	e := mustEngine(t, `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Catch":[{"ErrorEquals":["States.ALL"],"Next":"P"}],"End":true},"P":{"Type":"Pass","End":true}}},"End":true}}}`,
		&sfnlocal.Options{Functions: fs, EventLog: &log, OnEvent: func(ev sfnlocal.Event) {
			mu.Lock()
			types = append(types, ev.Type)
			mu.Unlock()
		}})
	if _, err := e.Execute(context.Background(), []byte(`[1,2]`)); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(types, ",")
	for _, want := range []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted", "TaskStateEntered",
		"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "LambdaFunctionFailed", "PassStateEntered",
		"MapIterationSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s event in %s", want, joined)
		}
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != len(types) {
		t.Fatalf("%d JSON lines for %d events", len(lines), len(types))
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["type"] != "ExecutionStarted" || first["id"] != 1.0 || first["executionStartedEventDetails"] == nil {
		t.Errorf("first line %s", lines[0])
	}
}

func TestProgressDisplay(t *testing.T) {
	var buf syncBuffer
	e := mustEngine(t, distMap(`"ItemsPath":"$",`, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), &sfnlocal.Options{Progress: &buf})
	if _, err := e.Execute(context.Background(), []byte(`[1,2,3,4,5]`)); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if !strings.Contains(s, "items 5/5 done, 0 in flight, 0 failed") || !strings.HasSuffix(s, "\n") {
		t.Errorf("progress output %q", s)
	}
	// failures are counted apart from the items done, and items still running show in flight
	var buf2 syncBuffer
	started := make(chan struct{})
	release := make(chan struct{})
	fs := &sfnlocal.Functions{}
	_ = fs.RegisterFunc("work", func(n int) (int, error) {
		switch n {
		case 0:
			return 0, errors.New("zero")
		case 9:
			close(started)
			<-release
		}
		return n, nil
	})
	e = mustEngine(t, distMap(`"ItemsPath":"$","ToleratedFailureCount":1,"MaxConcurrency":1,`, ""), &sfnlocal.Options{Functions: fs, Progress: &buf2})
	done := make(chan error, 1)
	go func() {
		_, err := e.Execute(context.Background(), []byte(`[0,1,2,3,4,5,6,7,8,9]`))
		done <- err
	}()
	<-started
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf2.String(), "items 8/10 done, 1 in flight, 1 failed") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s = buf2.String()
	if !strings.Contains(s, "items 8/10 done, 1 in flight, 1 failed") || !strings.Contains(s, "items 9/10 done, 0 in flight, 1 failed") || !strings.HasSuffix(s, "\n") {
		t.Errorf("progress output %q: want a redraw with 8/10 done, 1 in flight, 1 failed, then 9/10 done, 1 failed", s)
	}
	if strings.Count(s, "\n") != 1 {
		t.Errorf("progress output %q: one line redrawn with carriage returns, ended by one newline", s)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestContextObject(t *testing.T) {
	e := mustEngine(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"$$.Execution.Id","name.$":"$$.Execution.Name","sm.$":"$$.StateMachine.Name","state.$":"$$.State.Name","start.$":"$$.Execution.StartTime"},"End":true}}}`,
		&sfnlocal.Options{Name: "orders"})
	out, arn, err := e.ExecuteNamed(context.Background(), "run-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	_ = json.Unmarshal(out, &o)
	if o["id"] != arn || arn != "arn:aws:states:us-east-1:123456789012:execution:orders:run-1" || o["name"] != "run-1" ||
		o["sm"] != "orders" || o["state"] != "P" {
		t.Errorf("context object %s (arn %s)", out, arn)
	}
	if _, err := time.Parse(time.RFC3339, o["start"].(string)); err != nil {
		t.Errorf("StartTime %v: %v", o["start"], err)
	}
}

// A Fail state's ErrorPath and CausePath may be intrinsic functions that return strings
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html).
func TestFailErrorPathIntrinsic(t *testing.T) {
	e := mustEngine(t, `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"States.Format('Order.{}', $.kind)","CausePath":"$$.Execution.Input.why"}}}`, nil)
	_, err := e.Execute(context.Background(), []byte(`{"kind":"Refused","why":"out of stock"}`))
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) || ee.Name != "Order.Refused" || ee.Cause != "out of stock" {
		t.Fatalf("got %v, want Order.Refused: out of stock", err)
	}
	e = mustEngine(t, `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"States.ArrayLength($.list)"}}}`, nil)
	if _, err := e.Execute(context.Background(), []byte(`{"list":[1]}`)); !errors.As(err, &ee) || ee.Name != sfnlocal.ErrRuntime {
		t.Fatalf("got %v, want States.Runtime for an ErrorPath that is not a string", err)
	}
}
