package budget

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/skeinhq/skein/components/budget/budgetenv"
	"github.com/skeinhq/skein/components/check"
)

// Limits of a budget.
const (
	// MaxConcurrency is the most calls in flight a budget may share: Lambda's default account
	// concurrency quota is 1,000 and a Distributed Map runs at most 10,000 child executions.
	MaxConcurrency = 10000
	// MaxCallsPerInvocation bounds how many calls one invocation may have in flight.
	MaxCallsPerInvocation = 1000
	// DefaultMarginPercent is the share of every rate window held back for clock and scheduling
	// jitter between a worker and the downstream: two calls paced 1/r apart may arrive closer,
	// when the first one's timer fired late or its request left late (measured locally: a
	// loaded 2-core machine went 3% over a 200/s limit with a 2% margin, never with 5%).
	DefaultMarginPercent = 5.0
	// MaxMarginPercent bounds the margin.
	MaxMarginPercent = 50.0
)

// BudgetArgs describe a downstream (a vendor API, a database, another team's service) and the
// workers that call it. The zero value of every field but Concurrency and Shares is a default.
type BudgetArgs struct {
	// Concurrency is the most calls the downstream accepts in flight at once, over every caller;
	// required, 1..10,000.
	Concurrency int
	// Rate is the downstream's published rate; zero means it publishes none (concurrency only).
	Rate Rate
	// Burst is how many calls above Rate.Requests the downstream tolerates within one window
	// (a token bucket's depth above its rate); zero means none, so every invocation spaces its
	// calls evenly. Allowed 0..Rate.Requests.
	Burst int
	// MarginPercent of every rate window is held back for jitter between a worker's clock and
	// the downstream's; zero means 5; a negative value means none; allowed up to 50.
	MarginPercent float64
	// Shares are the workers that call the downstream, each with what it draws; at least one.
	// Concurrency is shared by reserved concurrency, so the sum holds whatever starts the
	// invocations: overlapping executions, redrives, queue consumers, an operator's test.
	Shares []Share
}

// Share is what one worker draws on a budget.
type Share struct {
	// Worker is the worker's name, as given to worker.NewWorker; required, unique in a budget.
	Worker string
	// Concurrency is the calls in flight this worker may make over all its invocations, a
	// multiple of CallsPerInvocation. Zero means an equal part of what the shares that set one
	// leave (rounded down to a multiple of CallsPerInvocation).
	Concurrency int
	// CallsPerInvocation is how many calls one invocation makes at once (a batch's
	// concurrency); zero means 1; allowed 1..1,000. The worker's reserved concurrency is
	// Concurrency / CallsPerInvocation.
	CallsPerInvocation int
}

// Draw is what a worker gets from its budget: the reserved concurrency that bounds it and the
// rate each of its invocations may call at. worker.WorkerArgs.Budget applies it.
type Draw struct {
	// Budget is the budget's name.
	Budget string `json:"budget"`
	// Worker is the worker's name.
	Worker string `json:"worker"`
	// Concurrency is the calls in flight the worker may make: ReservedConcurrency x
	// CallsPerInvocation.
	Concurrency int `json:"concurrency"`
	// CallsPerInvocation is how many calls one invocation makes at once.
	CallsPerInvocation int `json:"callsPerInvocation"`
	// ReservedConcurrency is the function's reserved concurrency: at most this many invocations
	// run at once, whatever starts them.
	ReservedConcurrency int `json:"reservedConcurrency"`
	// CallsPerWindow is how many calls one invocation may start in one rate window (0 when the
	// budget has no rate).
	CallsPerWindow int `json:"callsPerWindow,omitempty"`
	// RatePerSecond is one invocation's pace: CallsPerWindow per window, less the margin (0 when
	// the budget has no rate).
	RatePerSecond float64 `json:"ratePerSecond,omitempty"`
	// Burst is how many calls one invocation may start back to back (1 when the budget has no
	// burst; 0 when it has no rate).
	Burst int `json:"burst,omitempty"`

	alloc *Allocation
}

// Allocation is a budget divided between its workers.
type Allocation struct {
	// Name is the budget's name.
	Name string `json:"name"`
	// Concurrency, Rate and Burst are the downstream's limits.
	Concurrency int     `json:"concurrency"`
	Rate        string  `json:"rate,omitempty"`
	RatePerSec  float64 `json:"ratePerSecond,omitempty"`
	Window      string  `json:"window,omitempty"`
	Burst       int     `json:"burst,omitempty"`
	Margin      float64 `json:"marginPercent,omitempty"`
	// Shares are the workers' draws, in the order given.
	Shares []*Draw `json:"shares"`
	// WorstCase is what the downstream sees when every reserved invocation of every worker
	// runs at once and calls as fast as its pace allows.
	WorstCase WorstCase `json:"worstCase"`

	rate Rate
}

// WorstCase is the most a budget's workers can do together.
type WorstCase struct {
	// Concurrency is the most calls in flight: the sum of every share's reserved concurrency x
	// calls per invocation. It never exceeds the budget's Concurrency.
	Concurrency int `json:"concurrency"`
	// CallsPerWindow is the most calls started in one rate window: the sum over every reserved
	// invocation of its calls per window plus its burst above one. It never exceeds the rate's
	// Requests plus Burst. Zero when the budget has no rate.
	CallsPerWindow int `json:"callsPerWindow,omitempty"`
}

// Allocate divides a budget between its shares and checks every rule, reporting every problem
// at once: the name, the limits, every share's worker, concurrency and calls per invocation, and
// that the shares fit the limits. Errors about the shares name every share.
func Allocate(name string, args *BudgetArgs) (*Allocation, error) {
	if args == nil {
		args = &BudgetArgs{}
	}
	c := check.New("budget", name)
	if strings.TrimSpace(name) == "" {
		c.Add("name", "is required", name)
	}
	c.Int("Concurrency", args.Concurrency, 1, MaxConcurrency)
	if err := args.Rate.validate(); err != nil {
		c.Add("Rate", err.Error(), args.Rate)
	}
	if args.Burst < 0 || (args.Burst > 0 && args.Burst > args.Rate.Requests) {
		c.Add("Burst", fmt.Sprintf("must be 0..Rate.Requests (%d); a burst needs a rate", args.Rate.Requests), args.Burst)
	}
	margin := args.MarginPercent
	switch {
	case margin == 0:
		margin = DefaultMarginPercent
	case margin < 0:
		margin = 0
	case margin > MaxMarginPercent || math.IsNaN(margin):
		c.Add("MarginPercent", fmt.Sprintf("must be at most %v (zero means %v, negative none)", MaxMarginPercent, DefaultMarginPercent), args.MarginPercent)
	}
	if len(args.Shares) == 0 {
		c.Add("Shares", "must name at least one worker that calls the downstream", nil)
	}
	seen := map[string]bool{}
	explicit, derived := 0, 0
	for i, s := range args.Shares {
		f := fmt.Sprintf("Shares[%d]", i)
		if strings.TrimSpace(s.Worker) == "" {
			c.Add(f+".Worker", "is required (the worker's name)", s.Worker)
		} else if seen[s.Worker] {
			c.Add(f+".Worker", "names a worker that already has a share", s.Worker)
		}
		seen[s.Worker] = true
		calls := max(s.CallsPerInvocation, 1)
		c.Int(f+".CallsPerInvocation", max(s.CallsPerInvocation, 0), 0, MaxCallsPerInvocation)
		switch {
		case s.Concurrency < 0:
			c.Add(f+".Concurrency", "must be 0 (an equal part of the rest) or more", s.Concurrency)
		case s.Concurrency == 0:
			derived++
		case s.Concurrency%calls != 0:
			c.Add(f+".Concurrency", fmt.Sprintf("must be a multiple of CallsPerInvocation (%d): each invocation makes that many calls at once", calls), s.Concurrency)
		default:
			explicit += s.Concurrency
		}
	}
	if c.Len() > 0 {
		return nil, c.Err()
	}

	a := &Allocation{Name: name, Concurrency: args.Concurrency, Burst: args.Burst, rate: args.Rate}
	if !args.Rate.IsZero() {
		a.Rate, a.RatePerSec, a.Window, a.Margin = args.Rate.String(), args.Rate.PerSecond(), args.Rate.window().String(), margin
	}
	left := args.Concurrency - explicit
	for _, s := range args.Shares {
		calls := max(s.CallsPerInvocation, 1)
		conc := s.Concurrency
		if conc == 0 && derived > 0 {
			conc = max(left, 0) / derived
		}
		reserved := conc / calls
		a.Shares = append(a.Shares, &Draw{Budget: name, Worker: s.Worker, CallsPerInvocation: calls, ReservedConcurrency: reserved, Concurrency: reserved * calls, alloc: a})
	}
	for i, d := range a.Shares {
		if d.ReservedConcurrency < 1 {
			c.Add(fmt.Sprintf("Shares[%d].Concurrency", i), fmt.Sprintf("leaves worker %q less than one invocation of %d calls (%s)", d.Worker, d.CallsPerInvocation, a.sharesText()), d.Concurrency)
		}
	}
	if explicit > args.Concurrency {
		c.Add("Shares", fmt.Sprintf("draw %d calls in flight, above the downstream's Concurrency of %d (%s)", explicit, args.Concurrency, a.sharesText()), explicit)
	}
	if c.Len() > 0 {
		return nil, c.Err()
	}
	for _, d := range a.Shares {
		a.WorstCase.Concurrency += d.Concurrency
	}
	if !args.Rate.IsZero() {
		a.divideRate(c, args)
	}
	if c.Len() > 0 {
		return nil, c.Err()
	}
	return a, nil
}

// divideRate gives every share a part of each window's calls in proportion to its concurrency,
// then every invocation of it an equal part of that, in whole calls: the sum over every reserved
// invocation never exceeds the rate's Requests. Whole calls left over go, one per invocation, to
// the first shares that can take them.
func (a *Allocation) divideRate(c *check.Errors, args *BudgetArgs) {
	total := a.WorstCase.Concurrency
	req := args.Rate.Requests
	left := req
	for _, d := range a.Shares {
		part := req * d.Concurrency / total
		d.CallsPerWindow = part / d.ReservedConcurrency
		left -= d.CallsPerWindow * d.ReservedConcurrency
	}
	for _, d := range a.Shares {
		for left >= d.ReservedConcurrency && d.ReservedConcurrency > 0 && d.CallsPerWindow == 0 {
			d.CallsPerWindow++
			left -= d.ReservedConcurrency
		}
	}
	for _, d := range a.Shares {
		for left >= d.ReservedConcurrency {
			d.CallsPerWindow++
			left -= d.ReservedConcurrency
		}
	}
	for i, d := range a.Shares {
		if d.CallsPerWindow < 1 {
			c.Add(fmt.Sprintf("Shares[%d]", i), fmt.Sprintf("gives worker %q's %d invocations no call per %v window: the rate %s allows %d calls per window for %d reserved invocations in all (%s); lower the shares' concurrency to at most the rate's requests, or state the rate over a longer window", d.Worker, d.ReservedConcurrency, args.Rate.window(), args.Rate, req, a.reservedTotal(), a.sharesText()), d.Concurrency)
		}
	}
	window := args.Rate.window().Seconds() * (1 + a.Margin/100)
	burstLeft := args.Burst
	for _, d := range a.Shares {
		d.RatePerSecond = float64(d.CallsPerWindow) / window
		extra := args.Burst * d.Concurrency / total / d.ReservedConcurrency
		burstLeft -= extra * d.ReservedConcurrency
		d.Burst = 1 + extra
	}
	a.WorstCase.CallsPerWindow = 0
	for _, d := range a.Shares {
		a.WorstCase.CallsPerWindow += d.ReservedConcurrency * (d.CallsPerWindow + d.Burst - 1)
	}
	if burstLeft < 0 || a.WorstCase.CallsPerWindow > req+args.Burst {
		// Unreachable by construction; kept so that a change to the arithmetic cannot break the
		// promise silently.
		c.Add("Rate", fmt.Sprintf("worst case %d calls per window above the rate's %d plus burst %d", a.WorstCase.CallsPerWindow, req, args.Burst), args.Rate)
	}
}

func (a *Allocation) reservedTotal() int {
	n := 0
	for _, d := range a.Shares {
		n += d.ReservedConcurrency
	}
	return n
}

// sharesText names every share: `worker "fetch" 8 calls (4 invocations x 2 calls)`.
func (a *Allocation) sharesText() string {
	parts := make([]string, len(a.Shares))
	for i, d := range a.Shares {
		parts[i] = fmt.Sprintf("worker %q %d calls (%d invocations x %d)", d.Worker, d.Concurrency, d.ReservedConcurrency, d.CallsPerInvocation)
	}
	return "shares: " + strings.Join(parts, ", ")
}

// Describe names the budget, its limits and every share, for errors of the components that
// check their users against it.
func (a *Allocation) Describe() string {
	lim := fmt.Sprintf("concurrency %d", a.Concurrency)
	if a.Rate != "" {
		lim += ", rate " + a.Rate
	}
	if a.Burst > 0 {
		lim += fmt.Sprintf(", burst %d", a.Burst)
	}
	return fmt.Sprintf("budget %q (%s; %s)", a.Name, lim, a.sharesText())
}

// Draw returns the named worker's draw, or an error naming every share.
func (a *Allocation) Draw(worker string) (*Draw, error) {
	for _, d := range a.Shares {
		if d.Worker == worker {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%s has no share for worker %q: add one to its Shares", a.Describe(), worker)
}

// Describe names the draw's budget, its limits and every share of it.
func (d *Draw) Describe() string {
	if d == nil || d.alloc == nil {
		return ""
	}
	return d.alloc.Describe()
}

// Environment is what the worker component sets on the function so that its handler paces
// every call (functions/pace): the budget's name, calls in flight per invocation, and, when the
// budget has a rate, the rate and burst of one invocation.
func (d *Draw) Environment() map[string]string {
	env := map[string]string{
		budgetenv.Name:  d.Budget,
		budgetenv.Calls: strconv.Itoa(d.CallsPerInvocation),
	}
	if d.RatePerSecond > 0 {
		env[budgetenv.Rate] = strconv.FormatFloat(d.RatePerSecond, 'f', -1, 64)
		env[budgetenv.Burst] = strconv.Itoa(d.Burst)
	}
	return env
}

// RateLimit is the downstream's rate (zero when it publishes none).
func (a *Allocation) RateLimit() Rate { return a.rate }
