package pace

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/skeinhq/skein/components/budget/budgetenv"
)

// Limits a Config is checked against.
const (
	// MaxBurst bounds Burst: a burst above this is no pacing at all.
	MaxBurst = 1_000_000
	// MaxCalls bounds Calls.
	MaxCalls = 1_000_000
)

// Config is one invocation's share of a downstream's budget. The zero value paces nothing.
type Config struct {
	// Name is the budget's (the downstream's) name, for logs. Empty means unnamed.
	Name string
	// Rate is how many calls per second one invocation may start, finite and above 0.
	// Zero means no rate limit.
	Rate float64
	// Burst is how many calls one invocation may start back to back once its bucket has
	// filled, 1..MaxBurst. Zero means 1. Ignored without a Rate.
	Burst int
	// Calls is how many calls one invocation may have in flight at once, 1..MaxCalls.
	// Zero means no bound.
	Calls int
}

// Limited reports whether the config limits anything.
func (c Config) Limited() bool { return c.Rate > 0 || c.Calls > 0 }

// String is the config for logs: "vendor: 20/s burst 1, 2 calls at once".
func (c Config) String() string {
	if !c.Limited() {
		return "not limited"
	}
	var parts []string
	if c.Rate > 0 {
		parts = append(parts, fmt.Sprintf("%s/s burst %d", strconv.FormatFloat(c.Rate, 'g', -1, 64), max(c.Burst, 1)))
	}
	if c.Calls > 0 {
		parts = append(parts, fmt.Sprintf("%d calls at once", c.Calls))
	}
	s := strings.Join(parts, ", ")
	if c.Name != "" {
		s = c.Name + ": " + s
	}
	return s
}

// Validate reports every problem at once, naming the field, the rule and the value.
func (c Config) Validate() error {
	var errs []error
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		errs = append(errs, fmt.Errorf("pace: Rate must be a finite number of calls per second above 0 (0 means no rate limit), got %v", c.Rate))
	}
	if c.Burst < 0 || c.Burst > MaxBurst {
		errs = append(errs, fmt.Errorf("pace: Burst must be 1..%d (0 means 1), got %d", MaxBurst, c.Burst))
	}
	if c.Calls < 0 || c.Calls > MaxCalls {
		errs = append(errs, fmt.Errorf("pace: Calls must be 1..%d (0 means no bound), got %d", MaxCalls, c.Calls))
	}
	return errors.Join(errs...)
}

// FromEnv reads the budget's share from the environment variables of package budgetenv
// (lookup is os.LookupEnv in a handler's main). An unset or empty variable means "not
// limited". Every problem is reported at once, naming the variable, the rule and the value.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	var c Config
	var errs []error
	c.Name = get(budgetenv.Name)
	if s := get(budgetenv.Rate); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || !(r > 0) || math.IsInf(r, 0) {
			errs = append(errs, fmt.Errorf("env %s must be a decimal number of calls per second above 0 (unset means no rate limit), got %q", budgetenv.Rate, s))
		} else {
			c.Rate = r
		}
	}
	whole := func(name, what string, hi int) int {
		s := get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > hi {
			errs = append(errs, fmt.Errorf("env %s must be a whole number 1..%d (%s), got %q", name, hi, what, s))
			return 0
		}
		return n
	}
	c.Burst = whole(budgetenv.Burst, "calls one invocation may start back to back; unset means 1", MaxBurst)
	c.Calls = whole(budgetenv.Calls, "calls one invocation may have in flight; unset means no bound", MaxCalls)
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// New returns a pacer with an empty bucket (see the package doc for why). It paces nothing
// when the config limits nothing; an invalid config (see Validate) is treated as its nearest
// valid one: a negative or non-finite Rate as none, Burst and Calls clamped to their range.
func (c Config) New() *Pacer {
	return newPacer(c, time.Now, sleep)
}

func newPacer(c Config, now func() time.Time, sleep func(context.Context, time.Duration) error) *Pacer {
	p := &Pacer{cfg: c, now: now, sleep: sleep}
	if c.Rate > 0 && !math.IsInf(c.Rate, 0) {
		b := min(max(c.Burst, 1), MaxBurst)
		p.lim = rate.NewLimiter(rate.Limit(c.Rate), b)
		p.lim.AllowN(now(), b) // start empty: take the whole bucket
	}
	if c.Calls > 0 {
		p.slots = make(chan struct{}, min(c.Calls, MaxCalls))
	}
	return p
}

// Pacer paces the calls of one invocation. Safe for concurrent use. A nil *Pacer paces nothing.
type Pacer struct {
	cfg   Config
	lim   *rate.Limiter
	slots chan struct{}
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// Config returns the pacer's config.
func (p *Pacer) Config() Config {
	if p == nil {
		return Config{}
	}
	return p.cfg
}

// DeadlineError is a wait refused because it would end after the context's deadline.
type DeadlineError struct {
	// Budget is the budget's name.
	Budget string
	// Wait is how long the call would have had to wait; Left how long was left.
	Wait, Left time.Duration
}

func (e *DeadlineError) Error() string {
	name := e.Budget
	if name == "" {
		name = "the downstream"
	}
	return fmt.Sprintf("pace: the next call to %s may start in %v, after the deadline (%v left)", name, e.Wait, e.Left)
}

// Acquire waits until a call may start: first for a free place among the calls in flight,
// then for the rate's next token. The call then starts at once; release (never nil on
// success, safe to call more than once) frees its place when it has ended. Call Acquire before
// every attempt, retries included, and release when the answer is in.
//
// Errors: a *DeadlineError when the rate's wait would end after the context's deadline (the
// token is given back), or the context's error when it ends during the wait.
func (p *Pacer) Acquire(ctx context.Context) (release func(), err error) {
	if p == nil {
		return func() {}, ctx.Err()
	}
	release = func() {}
	if p.slots != nil {
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		var once sync.Once
		release = func() { once.Do(func() { <-p.slots }) }
	}
	if p.lim == nil {
		return release, nil
	}
	now := p.now()
	r := p.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait <= 0 {
		return release, nil
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
		r.CancelAt(now)
		release()
		return nil, &DeadlineError{Budget: p.cfg.Name, Wait: wait, Left: dl.Sub(now)}
	}
	if err := p.sleep(ctx, wait); err != nil {
		r.CancelAt(p.now())
		release()
		return nil, err
	}
	return release, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
