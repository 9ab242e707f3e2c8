package sfnjudge_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/internal/sfnjudge"
)

func TestRunAll(t *testing.T) {
	add := func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		var in struct{ A, B int }
		if err := json.Unmarshal(p, &in); err != nil {
			return nil, err
		}
		return json.Marshal(in.A + in.B)
	}
	var inFlight, peak atomic.Int64
	slow := func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		n := inFlight.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		inFlight.Add(-1)
		return p, nil
	}
	fail := func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return nil, errors.New("boom")
	}
	typed := func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return nil, sfnjudge.FunctionError{Type: "Custom.Error", Message: "custom failure"}
	}
	var throttles atomic.Int64
	throttled := func(context.Context, json.RawMessage) (json.RawMessage, error) {
		throttles.Add(1)
		return nil, &sfnjudge.Throttled{Message: "slow down"}
	}

	task := func(resource string) string {
		return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resource + `","End":true}}}`
	}
	cases := []sfnjudge.Case{
		{Definition: []byte(task("arn:aws:lambda:us-east-1:123456789012:function:add")), Input: []byte(`{"A":2,"B":3}`),
			Funcs: map[string]sfnjudge.Func{"add": add}},
		{Definition: []byte(task("arn:aws:lambda:us-east-1:123456789012:function:fail")),
			Funcs: map[string]sfnjudge.Func{"arn:aws:lambda:us-east-1:123456789012:function:fail": fail}},
		{Definition: []byte(task("arn:aws:lambda:us-east-1:123456789012:function:typed")),
			Funcs: map[string]sfnjudge.Func{"typed": typed}},
		{Definition: []byte(`{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":3,"ItemsPath":"$.items",
			"ItemProcessor":{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","End":true}}},"End":true}}}`),
			Input: []byte(`{"items":[1,2,3,4,5,6,7,8,9]}`), Funcs: map[string]sfnjudge.Func{"slow": slow}},
		{Definition: []byte(task("arn:aws:lambda:us-east-1:123456789012:function:missing"))},
		{Definition: []byte(`{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"My.Error","Cause":"because"}}}`)},
		{Definition: []byte(`{"StartAt":"X","States":{"X":{"Type":"Bogus"}}}`)},
		{Definition: []byte(task("arn:aws:lambda:us-east-1:123456789012:function:throttled")),
			Funcs: map[string]sfnjudge.Func{"throttled": throttled}},
	}
	got := sfnjudge.RunAll(t, cases)

	if string(got[0].Output) != "5" {
		t.Errorf("add: %v, want output 5", got[0])
	}
	if got[1].Error != "errorString" || !strings.Contains(got[1].Cause, "boom") {
		t.Errorf("fail: %v, want errorString with cause boom", got[1])
	}
	if got[2].Error != "Custom.Error" {
		t.Errorf("typed: %v, want Custom.Error", got[2])
	}
	if string(got[3].Output) != "[1,2,3,4,5,6,7,8,9]" {
		t.Errorf("map: %v", got[3])
	}
	if p := peak.Load(); p != 3 {
		t.Errorf("map peak concurrency %d, want 3 (MaxConcurrency)", p)
	}
	if !got[4].Failed() || !strings.Contains(got[4].Error+got[4].Cause, "ResourceNotFound") {
		t.Errorf("missing function: %v, want ResourceNotFoundException", got[4])
	}
	if got[5].Error != "My.Error" || got[5].Cause != "because" {
		t.Errorf("fail state: %v", got[5])
	}
	if got[6].Invalid == "" {
		t.Errorf("bogus definition: %v, want invalid", got[6])
	}
	if !got[7].Failed() || !strings.Contains(got[7].Error, "TooManyRequests") || throttles.Load() < 2 {
		t.Errorf("throttled: %v after %d calls, want TooManyRequestsException after SDK retries", got[7], throttles.Load())
	}
}

func TestRun(t *testing.T) {
	r := sfnjudge.Run(t, []byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"States.MathAdd($.a, 1)"},"End":true}}}`),
		[]byte(`{"a":41}`), nil)
	if string(r.Output) != `{"x":42}` {
		t.Errorf("got %v", r)
	}
}

func TestFunctionName(t *testing.T) {
	for in, want := range map[string]string{
		"f": "f", "f:prod": "f", "arn:aws:lambda:us-east-1:1:function:f": "f",
		"arn:aws:lambda:us-east-1:1:function:f:3": "f", "123456789012:function:f": "f",
	} {
		if got := sfnjudge.FunctionName(in); got != want {
			t.Errorf("FunctionName(%q) = %q, want %q", in, got, want)
		}
	}
}
