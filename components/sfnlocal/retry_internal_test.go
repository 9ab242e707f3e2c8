package sfnlocal

import (
	mrand "math/rand/v2"
	"testing"
	"time"
)

// retrierOf parses a one-Task definition with the given Retry rule and returns the compiled rule.
func retrierOf(t *testing.T, rule string) retrier {
	t.Helper()
	d, err := Parse([]byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Retry":[` + rule + `],"End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	return d.m.states["T"].retry[0]
}

// The wait before retry n is IntervalSeconds x BackoffRate^n, capped at MaxDelaySeconds
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error).
func TestRetryDelayBackoffAndMaxDelay(t *testing.T) {
	r := &run{eng: &Engine{rng: mrand.New(mrand.NewPCG(1, 2))}}
	cases := []struct {
		rule string
		want []time.Duration // seconds
	}{
		{`{"ErrorEquals":["States.ALL"]}`, []time.Duration{1, 2, 4}}, // defaults: 1 s, x2
		{`{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":5,"MaxDelaySeconds":10}`, []time.Duration{2, 6, 10, 10, 10}},
		{`{"ErrorEquals":["States.ALL"],"IntervalSeconds":3,"BackoffRate":1,"MaxAttempts":3}`, []time.Duration{3, 3, 3}},
		{`{"ErrorEquals":["States.ALL"],"IntervalSeconds":5,"BackoffRate":2,"MaxAttempts":4,"MaxDelaySeconds":5,"JitterStrategy":"NONE"}`, []time.Duration{5, 5, 5, 5}},
	}
	for _, c := range cases {
		rt := retrierOf(t, c.rule)
		for n, w := range c.want {
			if got := r.retryDelay(rt, n); got != w*time.Second {
				t.Errorf("%s: retry %d waits %v, want %v", c.rule, n, got, w*time.Second)
			}
		}
	}
}

// JitterStrategy FULL draws each wait uniformly between 0 and the backed-off, capped interval
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
func TestRetryDelayFullJitter(t *testing.T) {
	r := &run{eng: &Engine{rng: mrand.New(mrand.NewPCG(3, 4))}}
	rt := retrierOf(t, `{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":2,"MaxAttempts":10,"MaxDelaySeconds":6,"JitterStrategy":"FULL"}`)
	caps := []time.Duration{2, 4, 6, 6} // seconds
	for n, cp := range caps {
		limit := cp * time.Second
		var lo, hi, sum time.Duration = limit, 0, 0
		const draws = 2000
		for i := 0; i < draws; i++ {
			d := r.retryDelay(rt, n)
			if d < 0 || d > limit {
				t.Fatalf("retry %d: jittered wait %v outside [0, %v]", n, d, limit)
			}
			lo, hi, sum = min(lo, d), max(hi, d), sum+d
		}
		// uniform on [0, limit]: the extremes come close to both ends, the mean is near half
		if lo > limit/20 || hi < limit*19/20 {
			t.Errorf("retry %d: waits span [%v, %v] of [0, %v]: not spread over the whole interval", n, lo, hi, limit)
		}
		if mean := sum / draws; mean < limit*2/5 || mean > limit*3/5 {
			t.Errorf("retry %d: mean wait %v, want about %v", n, mean, limit/2)
		}
	}
}
