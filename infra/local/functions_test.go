package local

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

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
