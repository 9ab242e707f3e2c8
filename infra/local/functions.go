package local

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/sfnlocal"
)

// FunctionStats count what one local Lambda function did.
type FunctionStats struct {
	// Reserved is the function's reserved concurrency from the plan; -1 means none.
	Reserved int `json:"reserved"`
	// Invocations counts the invocations that ran; Throttles those refused because Reserved
	// were running (Lambda.TooManyRequestsException).
	Invocations int64 `json:"invocations"`
	Throttles   int64 `json:"throttles"`
	// PeakInFlight is the most invocations that ran at once.
	PeakInFlight int64 `json:"peakInFlight"`
	// BusySeconds is the invocations' time added up: with Reserved, BusySeconds / (Reserved x
	// the wall time) is how much of its reserved concurrency the function used.
	BusySeconds float64 `json:"busySeconds"`
}

// function is a local Lambda function with its reserved concurrency enforced as AWS does: an
// invocation that arrives while Reserved invocations run is refused at once with
// Lambda.TooManyRequestsException, the error name Step Functions (and an event source mapping)
// sees for a throttled function.
type function struct {
	name     string
	inner    sfnlocal.Invoker
	reserved int64 // -1: none
	// timeout is the function's own timeout from the plan (zero: none): an invocation gets it as
	// its context's deadline and, as Lambda stops a function at its timeout, fails with
	// Sandbox.Timedout when it runs longer, whatever the state's own TimeoutSeconds.
	timeout time.Duration

	inFlight, peak, invocations, throttles, busy atomic.Int64
}

// ThrottleCause is the cause of a local throttle, in the words Lambda's Invoke API uses.
const ThrottleCause = "Rate Exceeded. (Service: Lambda, Status Code: 429, Error Code: TooManyRequestsException): the function's reserved concurrency (%d) is in use"

func (f *function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var n int64
	for {
		cur := f.inFlight.Load()
		if f.reserved >= 0 && cur >= f.reserved {
			f.throttles.Add(1)
			return nil, &sfnlocal.ExecutionError{Name: sfnlocal.ErrLambdaTooManyRequests, Cause: fmt.Sprintf(ThrottleCause, f.reserved)}
		}
		if f.inFlight.CompareAndSwap(cur, cur+1) {
			n = cur + 1
			break
		}
	}
	defer f.inFlight.Add(-1)
	storeMax(&f.peak, n)
	f.invocations.Add(1)
	start := time.Now()
	defer func() { f.busy.Add(int64(time.Since(start))) }()
	if f.timeout <= 0 {
		return f.inner.Invoke(ctx, payload)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	type answer struct {
		out []byte
		err error
	}
	done := make(chan answer, 1)
	go func() {
		out, err := f.inner.Invoke(ctx, payload)
		done <- answer{out, err}
	}()
	select {
	case a := <-done:
		if ctx.Err() == nil || time.Since(start) < f.timeout {
			return a.out, a.err
		}
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
	}
	return nil, &sfnlocal.ExecutionError{Name: ErrNameFunctionTimeout, Cause: fmt.Sprintf("Task timed out after %.2f seconds", f.timeout.Seconds())}
}

// ErrNameFunctionTimeout is the error a Task sees when its Lambda function runs past its own
// timeout: the errorType Lambda reports for it.
const ErrNameFunctionTimeout = "Sandbox.Timedout"

// functionTimeout is a planned function's timeout; zero when it has none.
func functionTimeout(fn *plan.Resource) time.Duration {
	if fn == nil {
		return 0
	}
	switch v := fn.Get("timeout").(type) {
	case float64:
		return time.Duration(v) * time.Second
	case int:
		return time.Duration(v) * time.Second
	}
	return 0
}

func (f *function) stats() FunctionStats {
	return FunctionStats{Reserved: int(f.reserved), Invocations: f.invocations.Load(), Throttles: f.throttles.Load(), PeakInFlight: f.peak.Load(),
		BusySeconds: time.Duration(f.busy.Load()).Seconds()}
}

// reservedConcurrency is a planned function's ReservedConcurrentExecutions; -1 when it has none
// (AWS's "unreserved"). Zero is kept: AWS then refuses every invocation.
func reservedConcurrency(fn *plan.Resource) int64 {
	switch v := fn.Get("reservedConcurrentExecutions").(type) {
	case float64:
		return int64(v)
	case int:
		return int64(v)
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return int64(n)
		}
	}
	return -1
}

// invoker turns a Go handler function into an Invoker with the JSON handling of the Lambda Go
// runtime (sfnlocal's RegisterFunc).
func invoker(handlerFunc any) (sfnlocal.Invoker, error) {
	var scratch sfnlocal.Functions
	if err := scratch.RegisterFunc("f", handlerFunc); err != nil {
		return nil, err
	}
	h, _ := scratch.Lookup("f")
	return h, nil
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}
