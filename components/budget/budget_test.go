package budget_test

import (
	"errors"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/budget/budgetenv"
	"github.com/skeinhq/skein/components/check"
)

func TestParseRate(t *testing.T) {
	good := map[string]budget.Rate{
		"100/s":      {Requests: 100, Per: time.Second},
		" 3000/min ": {Requests: 3000, Per: time.Minute},
		"20/10s":     {Requests: 20, Per: 10 * time.Second},
		"5000/hour":  {Requests: 5000, Per: time.Hour},
		"1/second":   {Requests: 1, Per: time.Second},
	}
	for in, want := range good {
		got, err := budget.ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, err := budget.ParseRate(got.String()); err != nil || back != got {
			t.Errorf("ParseRate(%q.String() = %q) = %+v, %v", in, got.String(), back, err)
		}
	}
	for _, in := range []string{"", "100", "100 per second", "0/s", "-5/s", "10/500ms", "10/1.5s", "10/2h", "x/s", "10/fortnight", "100000001/s"} {
		if r, err := budget.ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %+v, want an error", in, r)
		}
	}
}

func fields(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		var fe *check.FieldError
		if errors.As(e, &fe) {
			out = append(out, fe.Field)
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
		}
	}
	walk(err)
	return out
}

func TestAllocateRejects(t *testing.T) {
	one := []budget.Share{{Worker: "fetch"}}
	tests := []struct {
		name   string
		args   *budget.BudgetArgs
		fields []string
		says   []string
	}{
		{"nil args", nil, []string{"Concurrency", "Shares"}, nil},
		{"concurrency zero", &budget.BudgetArgs{Shares: one}, []string{"Concurrency"}, []string{"must be 1..10000, got 0"}},
		{"concurrency too high", &budget.BudgetArgs{Concurrency: 10001, Shares: one}, []string{"Concurrency"}, nil},
		{"rate window below a second", &budget.BudgetArgs{Concurrency: 5, Rate: budget.Rate{Requests: 10, Per: time.Millisecond}, Shares: one}, []string{"Rate"}, nil},
		{"burst without rate", &budget.BudgetArgs{Concurrency: 5, Burst: 3, Shares: one}, []string{"Burst"}, nil},
		{"margin too high", &budget.BudgetArgs{Concurrency: 5, MarginPercent: 60, Shares: one}, []string{"MarginPercent"}, nil},
		{"no shares", &budget.BudgetArgs{Concurrency: 5}, []string{"Shares"}, nil},
		{"share without worker", &budget.BudgetArgs{Concurrency: 5, Shares: []budget.Share{{}}}, []string{"Shares[0].Worker"}, nil},
		{"duplicate worker", &budget.BudgetArgs{Concurrency: 5, Shares: []budget.Share{{Worker: "a"}, {Worker: "a"}}}, []string{"Shares[1].Worker"}, nil},
		{"negative share", &budget.BudgetArgs{Concurrency: 5, Shares: []budget.Share{{Worker: "a", Concurrency: -1}}}, []string{"Shares[0].Concurrency"}, nil},
		{"share not a multiple of its calls", &budget.BudgetArgs{Concurrency: 20, Shares: []budget.Share{{Worker: "a", Concurrency: 15, CallsPerInvocation: 2}}}, []string{"Shares[0].Concurrency"}, []string{"multiple of CallsPerInvocation (2)"}},
		{"calls per invocation too high", &budget.BudgetArgs{Concurrency: 5, Shares: []budget.Share{{Worker: "a", CallsPerInvocation: 1001}}}, []string{"Shares[0].CallsPerInvocation"}, nil},
		{"shares above the limit name every share", &budget.BudgetArgs{Concurrency: 10, Shares: []budget.Share{{Worker: "export", Concurrency: 8}, {Worker: "consumer", Concurrency: 4}}},
			[]string{"Shares"}, []string{"draw 12 calls in flight, above the downstream's Concurrency of 10", `worker "export" 8 calls (8 invocations x 1)`, `worker "consumer" 4 calls (4 invocations x 1)`}},
		{"derived share below one invocation", &budget.BudgetArgs{Concurrency: 10, Shares: []budget.Share{{Worker: "export", Concurrency: 9}, {Worker: "consumer", CallsPerInvocation: 2}}},
			[]string{"Shares[1].Concurrency"}, []string{`leaves worker "consumer" less than one invocation of 2 calls`}},
		{"rate below one call per invocation", &budget.BudgetArgs{Concurrency: 10, Rate: budget.Rate{Requests: 5, Per: time.Second}, Shares: one},
			[]string{"Shares[0]"}, []string{"allows 5 calls per window for 10 reserved invocations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := budget.Allocate("vendor", tt.args)
			if err == nil {
				t.Fatalf("no error; allocation %+v", a)
			}
			got := fields(err)
			for _, f := range tt.fields {
				found := false
				for _, g := range got {
					found = found || g == f
				}
				if !found {
					t.Errorf("no error for field %s in: %v", f, err)
				}
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

func TestAllocateDivides(t *testing.T) {
	tests := []struct {
		name string
		args budget.BudgetArgs
		// want per share: reserved, calls per window, burst
		want [][3]int
	}{
		{"one worker, concurrency only", budget.BudgetArgs{Concurrency: 10, Shares: []budget.Share{{Worker: "a"}}}, [][3]int{{10, 0, 0}}},
		{"batches of calls", budget.BudgetArgs{Concurrency: 20, Rate: budget.Rate{Requests: 100, Per: time.Second}, Shares: []budget.Share{{Worker: "a", CallsPerInvocation: 10}}}, [][3]int{{2, 50, 1}}},
		{"an explicit share and the rest", budget.BudgetArgs{Concurrency: 12, Rate: budget.Rate{Requests: 120}, Shares: []budget.Share{{Worker: "consumer", Concurrency: 2}, {Worker: "export"}}}, [][3]int{{2, 10, 1}, {10, 10, 1}}},
		{"equal parts rounded down", budget.BudgetArgs{Concurrency: 7, Shares: []budget.Share{{Worker: "a"}, {Worker: "b", CallsPerInvocation: 2}}}, [][3]int{{3, 0, 0}, {1, 0, 0}}},
		{"left-over calls per window go to whole invocations", budget.BudgetArgs{Concurrency: 3, Rate: budget.Rate{Requests: 10}, Shares: []budget.Share{{Worker: "a"}}}, [][3]int{{3, 3, 1}}},
		{"burst divided", budget.BudgetArgs{Concurrency: 4, Rate: budget.Rate{Requests: 40}, Burst: 8, Shares: []budget.Share{{Worker: "a"}}}, [][3]int{{4, 10, 3}}},
		{"per minute", budget.BudgetArgs{Concurrency: 10, Rate: budget.Rate{Requests: 3000, Per: time.Minute}, Shares: []budget.Share{{Worker: "a", Concurrency: 4}, {Worker: "b", Concurrency: 6}}}, [][3]int{{4, 300, 1}, {6, 300, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := budget.Allocate("vendor", &tt.args)
			if err != nil {
				t.Fatal(err)
			}
			conc, window := 0, 0
			for i, d := range a.Shares {
				if got := [3]int{d.ReservedConcurrency, d.CallsPerWindow, d.Burst}; got != tt.want[i] {
					t.Errorf("share %s: reserved, calls per window, burst = %v, want %v", d.Worker, got, tt.want[i])
				}
				conc += d.ReservedConcurrency * d.CallsPerInvocation
				window += d.ReservedConcurrency * (d.CallsPerWindow + max(d.Burst, 1) - 1)
			}
			if conc > tt.args.Concurrency || conc != a.WorstCase.Concurrency {
				t.Errorf("worst concurrency %d (allocation says %d) against %d", conc, a.WorstCase.Concurrency, tt.args.Concurrency)
			}
			if tt.args.Rate.Requests > 0 && (window > tt.args.Rate.Requests+tt.args.Burst || window != a.WorstCase.CallsPerWindow) {
				t.Errorf("worst calls per window %d (allocation says %d) against %d + %d", window, a.WorstCase.CallsPerWindow, tt.args.Rate.Requests, tt.args.Burst)
			}
		})
	}
}

func TestDrawEnvironment(t *testing.T) {
	a, err := budget.Allocate("vendor", &budget.BudgetArgs{Concurrency: 20, Rate: budget.Rate{Requests: 100}, Shares: []budget.Share{{Worker: "fetch", CallsPerInvocation: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Draw("fetch")
	if err != nil {
		t.Fatal(err)
	}
	env := d.Environment()
	want := map[string]string{budgetenv.Name: "vendor", budgetenv.Calls: "10", budgetenv.Rate: "47.61904761904762", budgetenv.Burst: "1"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%q, want %q", k, env[k], v)
		}
	}
	if len(env) != len(want) {
		t.Errorf("environment %v", env)
	}
	if _, err := a.Draw("other"); err == nil || !strings.Contains(err.Error(), `no share for worker "other"`) || !strings.Contains(err.Error(), `worker "fetch" 20 calls (2 invocations x 10)`) {
		t.Errorf("Draw(other): %v", err)
	}
	unpaced, err := budget.Allocate("db", &budget.BudgetArgs{Concurrency: 5, Shares: []budget.Share{{Worker: "w"}}})
	if err != nil {
		t.Fatal(err)
	}
	if env := unpaced.Shares[0].Environment(); env[budgetenv.Rate] != "" || env[budgetenv.Burst] != "" {
		t.Errorf("a budget without a rate sets a pace: %v", env)
	}
}

// simulate runs every reserved invocation slot of an allocation for horizon, with invocations
// that end after a random number of calls and are replaced at once (the worst churn), each
// pacing its calls with its own golang.org/x/time/rate limiter as the handlers do, and calling
// as fast as the limiter allows. emptyStart says whether each invocation's bucket starts empty
// (the contract of budgetenv). It returns every call's start.
func simulate(a *budget.Allocation, horizon time.Duration, emptyStart bool, rnd *rand.Rand) []time.Time {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var calls []time.Time
	for _, d := range a.Shares {
		for slot := 0; slot < d.ReservedConcurrency; slot++ {
			now := t0.Add(time.Duration(rnd.IntN(1000)) * time.Millisecond)
			for now.Before(t0.Add(horizon)) {
				lim := rate.NewLimiter(rate.Limit(d.RatePerSecond), d.Burst)
				if emptyStart {
					lim.AllowN(now, d.Burst)
				}
				n := rnd.IntN(4)
				for range n {
					r := lim.ReserveN(now, 1)
					now = now.Add(r.DelayFrom(now))
					calls = append(calls, now)
				}
				// The next invocation starts when this one's last call has started (or a little
				// later), the earliest it could.
				now = now.Add(time.Duration(rnd.IntN(3)) * time.Millisecond)
			}
		}
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].Before(calls[j]) })
	return calls
}

// peak is the most calls started in any half-open window (t-w, t].
func peak(calls []time.Time, w time.Duration) int {
	best, lo := 0, 0
	for hi := range calls {
		for !calls[lo].After(calls[hi].Add(-w)) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// The promise, judged by golang.org/x/time/rate's own limiters rather than our arithmetic: every
// reserved invocation of every share pacing with its Draw, under the worst churn of invocations,
// never starts more calls in any window than the rate (plus burst) allows; and the pace is not
// needlessly slow (the peak comes within the margin of the limit). Starting a bucket full
// instead of empty breaks the promise, which shows the simulation can fail.
func TestPaceHoldsUnderInvocationChurn(t *testing.T) {
	cases := []budget.BudgetArgs{
		{Concurrency: 10, Rate: budget.Rate{Requests: 200}, Shares: []budget.Share{{Worker: "a"}}},
		{Concurrency: 20, Rate: budget.Rate{Requests: 100}, Shares: []budget.Share{{Worker: "a", CallsPerInvocation: 10}}},
		{Concurrency: 12, Rate: budget.Rate{Requests: 50}, Burst: 12, Shares: []budget.Share{{Worker: "a", Concurrency: 2}, {Worker: "b"}}},
		{Concurrency: 7, Rate: budget.Rate{Requests: 30, Per: 2 * time.Second}, Shares: []budget.Share{{Worker: "a"}, {Worker: "b"}}},
	}
	for i, args := range cases {
		a, err := budget.Allocate("vendor", &args)
		if err != nil {
			t.Fatal(err)
		}
		w := args.Rate.Per
		if w == 0 {
			w = time.Second
		}
		limit := args.Rate.Requests + args.Burst
		rnd := rand.New(rand.NewPCG(uint64(i), 7))
		got := peak(simulate(a, 20*w, true, rnd), w)
		if got > limit {
			t.Errorf("case %d: %d calls in one %v window, above %d", i, got, w, limit)
		}
		if float64(got) < 0.9*float64(args.Rate.Requests) {
			t.Errorf("case %d: at most %d calls in a %v window: the pace wastes more than the margin of %d", i, got, w, args.Rate.Requests)
		}
		if full := peak(simulate(a, 20*w, false, rand.New(rand.NewPCG(uint64(i), 7))), w); full <= limit {
			t.Errorf("case %d: buckets that start full stay within the limit too (%d <= %d): the simulation cannot tell", i, full, limit)
		}
	}
}
