package pace

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/skeinhq/skein/components/budget/budgetenv"
)

// clock is a fake clock: sleep records the wait and advances the clock only when advance is
// set (a single goroutine's simulation); otherwise time stands still and every wait is read as
// the call's start relative to the pacer's creation.
type clock struct {
	mu      sync.Mutex
	t       time.Time
	advance bool
	waits   []time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	if c.advance {
		c.t = c.t.Add(d)
	}
	return nil
}

// Under contention (100 goroutines at once, time standing still) every call waits for its own
// token: the first one too (the bucket starts empty although the burst is 5), and the starts
// are exactly 1/rate apart, as the limiter's reservations give them.
func TestStartsEmptyAndSpacesCallsUnderContention(t *testing.T) {
	const r, n = 20.0, 100
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	p := newPacer(Config{Rate: r, Burst: 5}, c.now, c.sleep)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			release, err := p.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			release()
		})
	}
	wg.Wait()
	if len(c.waits) != n {
		t.Fatalf("%d of %d calls waited: a call started at once, the bucket was not empty", len(c.waits), n)
	}
	slices.Sort(c.waits)
	for k, w := range c.waits {
		want := time.Duration(float64(k+1) / r * float64(time.Second))
		if d := w - want; d < -time.Microsecond || d > time.Microsecond {
			t.Fatalf("call %d starts %v after the pacer's creation, want %v (1/rate apart)", k+1, w, want)
		}
	}
}

// A slot runs invocations one after another, each with a fresh pacer, with random pauses
// inside and between them. In every window of W seconds the slot starts at most
// (burst-1) + ceil(rate x W) calls: the guarantee the budget's arithmetic rests on. A bucket
// that started full breaks it (the control), so the check can fail.
func TestAFreshPacerPerInvocationKeepsTheSlotWithinItsRate(t *testing.T) {
	const r, burst = 20.0, 3
	full := func(c Config, now func() time.Time, sleep func(context.Context, time.Duration) error) *Pacer {
		p := newPacer(c, now, sleep)
		p.lim = rate.NewLimiter(rate.Limit(c.Rate), c.Burst) // full, as rate.NewLimiter starts
		return p
	}
	for _, tc := range []struct {
		name    string
		newP    func(Config, func() time.Time, func(context.Context, time.Duration) error) *Pacer
		within  bool
		windows []time.Duration
	}{
		{"empty-start", newPacer, true, []time.Duration{time.Second / 2, time.Second, 3 * time.Second}},
		{"full-start-control", full, false, []time.Duration{time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			c := &clock{t: time.Unix(1_700_000_000, 0), advance: true}
			var starts []time.Time
			for range 400 { // invocations
				p := tc.newP(Config{Rate: r, Burst: burst}, c.now, c.sleep)
				for range 1 + rng.IntN(6) { // calls of one invocation
					if _, err := p.Acquire(context.Background()); err != nil {
						t.Fatal(err)
					}
					starts = append(starts, c.now())
					c.add(time.Duration(rng.IntN(3)) * 10 * time.Millisecond) // work between calls
				}
				if rng.IntN(3) == 0 {
					c.add(time.Duration(rng.IntN(400)) * time.Millisecond) // idle slot
				}
			}
			for _, w := range tc.windows {
				bound := burst - 1 + int(math.Ceil(r*w.Seconds()))
				peak := peakInWindow(starts, w)
				if tc.within && peak > bound {
					t.Errorf("%d calls started in a window of %v, bound (burst-1)+ceil(rate x W) = %d", peak, w, bound)
				}
				if !tc.within && peak <= bound {
					t.Errorf("the control stayed within %d (peak %d): the check cannot fail", bound, peak)
				}
			}
		})
	}
}

// peakInWindow is the most starts in any half-open window (x-w, x].
func peakInWindow(starts []time.Time, w time.Duration) int {
	peak, lo := 0, 0
	for hi, x := range starts {
		for !starts[lo].After(x.Add(-w)) {
			lo++
		}
		peak = max(peak, hi-lo+1)
	}
	return peak
}

func TestCallsInFlightAreBounded(t *testing.T) {
	p := Config{Calls: 3}.New()
	ctx := context.Background()
	var releases []func()
	for range 3 {
		rel, err := p.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, rel)
	}
	done := make(chan func())
	go func() {
		rel, err := p.Acquire(ctx)
		if err != nil {
			t.Error(err)
		}
		done <- rel
	}()
	select {
	case <-done:
		t.Fatal("a fourth call started while three were in flight")
	default:
	}
	releases[0]()
	releases[0]() // a second release frees nothing more
	(<-done)()
	// Two places are taken (releases 1 and 2): exactly one more may start.
	if _, err := p.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Acquire(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a full pacer with a cancelled context: %v, want context.Canceled", err)
	}
}

// A wait that would run past the deadline is refused at once and spends nothing: the next
// call's wait is the same as the refused one's. A cancelled wait gives its token back too, and
// its place among the calls in flight.
func TestWaitsHonourTheContext(t *testing.T) {
	c := &clock{t: time.Now()}
	p := newPacer(Config{Name: "vendor", Rate: 1, Calls: 1}, c.now, c.sleep)
	ctx, cancel := context.WithDeadline(context.Background(), c.now().Add(500*time.Millisecond))
	defer cancel()
	_, err := p.Acquire(ctx)
	var de *DeadlineError
	if !errors.As(err, &de) || de.Wait != time.Second || de.Budget != "vendor" || !strings.Contains(err.Error(), "vendor") {
		t.Fatalf("got %v, want a DeadlineError for a 1s wait", err)
	}
	if len(c.waits) != 0 {
		t.Errorf("the refused call slept %v", c.waits)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := p.Acquire(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	rel, err := p.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rel()
	if last := c.waits[len(c.waits)-1]; last != time.Second {
		t.Errorf("after a refused and a cancelled wait the next call waits %v, want 1s (nothing spent)", last)
	}
}

func TestNilAndUnlimitedPacersDoNotWait(t *testing.T) {
	var p *Pacer
	if rel, err := p.Acquire(context.Background()); err != nil || rel == nil {
		t.Fatalf("nil pacer: %v", err)
	}
	c := &clock{t: time.Now()}
	q := newPacer(Config{}, c.now, c.sleep)
	for range 1000 {
		rel, err := q.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rel()
	}
	if len(c.waits) != 0 || (Config{}).Limited() {
		t.Errorf("an unlimited pacer waited %d times", len(c.waits))
	}
}

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	got, err := FromEnv(env(map[string]string{budgetenv.Name: "vendor", budgetenv.Rate: "12.5", budgetenv.Burst: "2", budgetenv.Calls: "4"}))
	if err != nil || got != (Config{Name: "vendor", Rate: 12.5, Burst: 2, Calls: 4}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if got.String() != "vendor: 12.5/s burst 2, 4 calls at once" || got.Validate() != nil {
		t.Errorf("String %q, Validate %v", got.String(), got.Validate())
	}
	got, err = FromEnv(env(map[string]string{budgetenv.Rate: "", budgetenv.Calls: " "}))
	if err != nil || got.Limited() {
		t.Errorf("empty variables: %+v, %v (want not limited)", got, err)
	}
	_, err = FromEnv(env(map[string]string{budgetenv.Rate: "-1", budgetenv.Burst: "0", budgetenv.Calls: "many"}))
	if err == nil {
		t.Fatal("bad values accepted")
	}
	for _, want := range []string{
		`env SKEIN_BUDGET_RATE must be a decimal number of calls per second above 0 (unset means no rate limit), got "-1"`,
		`env SKEIN_BUDGET_BURST must be a whole number 1..1000000`, `got "0"`,
		`env SKEIN_BUDGET_CALLS must be a whole number 1..1000000`, `got "many"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, bad := range []string{"NaN", "+Inf", "0", "1/s"} {
		if _, err := FromEnv(env(map[string]string{budgetenv.Rate: bad})); err == nil {
			t.Errorf("rate %q accepted", bad)
		}
	}
	if err := (Config{Rate: math.Inf(1), Burst: -1, Calls: -1}).Validate(); err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("Validate does not report all three problems: %v", err)
	}
}
