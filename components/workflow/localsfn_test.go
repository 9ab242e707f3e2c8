package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skeinhq/skein/components/internal/sfnjudge"
)

// throttle is a function error named as Step Functions names a Lambda throttle. (An HTTP 429
// from the Invoke API would be retried by the JavaScript SDK inside aws-local-stepfunctions before
// the state machine sees it; the state machine's retrier is what we want to judge.)
var throttle = sfnjudge.FunctionError{Type: "Lambda.TooManyRequestsException", Message: "Rate Exceeded."}

// gone is the error of an account that no longer exists.
func gone(account string) error {
	return sfnjudge.FunctionError{Type: "AccountGone", Message: "account " + account + " no longer exists"}
}

// lambdaInvokeIntegration answers arn:aws:states:::lambda:invoke as AWS does: it invokes the
// function named in FunctionName with Payload and wraps the result in {"Payload", "StatusCode"}.
// aws-local-stepfunctions calls the Resource of every Task as a Lambda function, whatever it is,
// with the Parameters as payload, and returns the raw result for lambda:invoke; so these tests
// answer the SQS and lambda:invoke integrations with local functions that behave as AWS
// documents them.
func lambdaInvokeIntegration(funcs map[string]sfnjudge.Func) sfnjudge.Func {
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		var req struct {
			FunctionName string          `json:"FunctionName"`
			Payload      json.RawMessage `json:"Payload"`
		}
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, err
		}
		fn := sfnjudge.Lookup(funcs, req.FunctionName)
		if fn == nil {
			return nil, fmt.Errorf("no function %s", req.FunctionName)
		}
		out, err := fn(ctx, req.Payload)
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]any{"Payload": json.RawMessage(out), "StatusCode": 200, "ExecutedVersion": "$LATEST"})
	}
}

// TestInlineFanOutUnderLocalStepFunctions runs the inline fan-out definition, exactly as Render
// produces it, under aws-local-stepfunctions: 30 accounts, MaxConcurrency 5, three throttled once,
// two gone for good.
func TestInlineFanOutUnderLocalStepFunctions(t *testing.T) {
	const items, max = 30, 5
	def := inlineFanOut(fetch, max)
	b, err := def.Render()
	if err != nil {
		t.Fatal(err)
	}

	var accounts []string
	for i := 0; i < items; i++ {
		accounts = append(accounts, fmt.Sprintf("acct-%02d", i))
	}
	throttled := map[string]bool{"acct-03": true, "acct-11": true, "acct-27": true}
	broken := map[string]bool{"acct-07": true, "acct-19": true}

	var (
		inflight, peak atomic.Int64
		mu             sync.Mutex
		calls          = map[string]int{}
		dead           []map[string]any
		reported       json.RawMessage
	)
	funcs := map[string]sfnjudge.Func{
		listArn: func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
			return json.Marshal(accounts)
		},
		fetchArn: func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
			n := inflight.Add(1)
			defer inflight.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			var acct string
			if err := json.Unmarshal(payload, &acct); err != nil {
				return nil, fmt.Errorf("payload %s: %w", payload, err)
			}
			mu.Lock()
			calls[acct]++
			attempt := calls[acct]
			mu.Unlock()
			time.Sleep(40 * time.Millisecond)
			switch {
			case broken[acct]:
				return nil, gone(acct)
			case throttled[acct] && attempt == 1:
				return nil, throttle
			}
			return json.Marshal(map[string]any{"account": acct, "metrics": len(acct)})
		},
		reportArn: func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
			mu.Lock()
			reported = payload
			mu.Unlock()
			return json.RawMessage(`{"reported":true}`), nil
		},
		sqsSendResource: func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
			var msg struct {
				QueueUrl    string         `json:"QueueUrl"`
				MessageBody map[string]any `json:"MessageBody"`
			}
			if err := json.Unmarshal(payload, &msg); err != nil {
				return nil, err
			}
			if msg.QueueUrl != queueURL(dlqArn) {
				return nil, fmt.Errorf("message sent to %s", msg.QueueUrl)
			}
			mu.Lock()
			dead = append(dead, msg.MessageBody)
			mu.Unlock()
			return json.RawMessage(`{"MessageId":"m"}`), nil
		},
	}
	funcs[lambdaInvokeResource] = lambdaInvokeIntegration(funcs)

	res := sfnjudge.Run(t, b, []byte(`{}`), funcs)
	if res.Failed() || res.Invalid != "" {
		t.Fatalf("execution: %s", res)
	}
	if string(res.Output) != `{"reported":true}` {
		t.Errorf("output = %s, want the report's result unwrapped from Payload", res.Output)
	}

	t.Logf("peak concurrency %d (MaxConcurrency %d), dead letters %d", peak.Load(), max, len(dead))
	if p := peak.Load(); p > max {
		t.Errorf("peak concurrency %d exceeds MaxConcurrency %d", p, max)
	} else if p < 2 {
		t.Errorf("peak concurrency %d: the Map did not run items concurrently", p)
	}
	for _, a := range accounts {
		want := 1
		if throttled[a] {
			want = 2
		}
		if broken[a] {
			want = 1 // AccountGone is not a transient error: no retry
		}
		if calls[a] != want {
			t.Errorf("%s invoked %d times, want %d", a, calls[a], want)
		}
	}

	if len(dead) != len(broken) {
		t.Fatalf("dead-letter messages: %v, want one per broken account", dead)
	}
	for _, m := range dead {
		acct, _ := m["input"].(string)
		if !broken[acct] || m["error"] != "AccountGone" || !strings.Contains(fmt.Sprint(m["cause"]), acct) {
			t.Errorf("dead-letter message %v", m)
		}
	}

	var in struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(reported, &in); err != nil {
		t.Fatalf("report payload %s: %v", reported, err)
	}
	if len(in.Results) != items {
		t.Fatalf("report got %d results, want %d", len(in.Results), items)
	}
	for i, r := range in.Results {
		acct := accounts[i]
		if broken[acct] {
			if r["error"] != "AccountGone" {
				t.Errorf("result %d = %v, want the captured error", i, r)
			}
			continue
		}
		if r["account"] != acct {
			t.Errorf("result %d = %v, want account %s", i, r, acct)
		}
	}
}

// TestWithoutRetryThrottlesFail shows the retrier is what saves throttled items: with Retry
// replaced by none, the same throttle reaches the dead-letter queue.
func TestWithoutRetryThrottlesFail(t *testing.T) {
	def := noRetryMap()
	b, err := def.Render()
	if err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	res := sfnjudge.Run(t, b, []byte(`["a","b"]`), map[string]sfnjudge.Func{
		fetchArn: func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, throttle },
		sqsSendResource: func(context.Context, json.RawMessage) (json.RawMessage, error) {
			sent.Add(1)
			return json.RawMessage(`{}`), nil
		},
	})
	if res.Failed() || res.Invalid != "" {
		t.Fatalf("execution: %s", res)
	}
	if sent.Load() != 2 {
		t.Errorf("%d items captured, want 2", sent.Load())
	}
	if !strings.Contains(string(res.Output), "Lambda.TooManyRequestsException") {
		t.Errorf("output %s lacks the captured error", res.Output)
	}
}

// TestNestedFanOutUnderLocalStepFunctions runs the nested fan-out golden definition: regions x
// accounts, with a per-account Catch that records a skip instead of failing the region.
func TestNestedFanOutUnderLocalStepFunctions(t *testing.T) {
	b, err := nestedFanOut().Render()
	if err != nil {
		t.Fatal(err)
	}
	var inflight, peak atomic.Int64
	res := sfnjudge.Run(t, b, []byte(`{"regions":["eu-west-1","us-east-1"],"accounts":["a","b","c","d","e","f","g","h","i","j","k","l"]}`), map[string]sfnjudge.Func{
		fetchArn: func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
			n := inflight.Add(1)
			defer inflight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(20 * time.Millisecond)
			var in struct{ Region, Account string }
			if err := json.Unmarshal(payload, &in); err != nil {
				return nil, err
			}
			if in.Account == "c" && in.Region == "us-east-1" {
				return nil, gone(in.Account)
			}
			return json.Marshal(map[string]string{"fetched": in.Region + "/" + in.Account})
		},
	})
	if res.Failed() || res.Invalid != "" {
		t.Fatalf("execution: %s", res)
	}
	var out [][]map[string]any
	if err := json.Unmarshal(res.Output, &out); err != nil {
		t.Fatalf("output %s: %v", res.Output, err)
	}
	if len(out) != 2 || len(out[0]) != 12 || len(out[1]) != 12 {
		t.Fatalf("output shape: %s", res.Output)
	}
	if out[0][2]["fetched"] != "eu-west-1/c" || out[1][2]["skipped"] != true || out[1][2]["error"] != "AccountGone" {
		t.Errorf("results: %v / %v", out[0][2], out[1][2])
	}
	// 4 regions at a time x 10 accounts at a time, with 2 regions: at most 20.
	if p := peak.Load(); p > 20 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..20", p)
	}
	t.Logf("nested fan-out peak concurrency %d (bound 2 x 10)", peak.Load())
}
