// Package pace paces one Lambda invocation's calls to a downstream with the invocation's share
// of the downstream's budget (components/budget): a rate (calls started per second, with a
// burst) and a bound on calls in flight. The worker component sets the share in the
// environment ([budgetenv]); the handler reads it once at start-up with [FromEnv] and makes a
// fresh [Pacer] for every invocation with [Config.New].
//
//	cfg, err := pace.FromEnv(os.LookupEnv)       // at start-up
//	p := cfg.New()                               // per invocation
//	release, err := p.Acquire(ctx)               // before every call (every attempt)
//	defer release()
//
// The token bucket is golang.org/x/time/rate's. A new Pacer starts with an EMPTY bucket: its
// first call waits 1/rate, like every later one. That is what makes the budget's arithmetic
// hold across invocations: within one Lambda concurrency slot a new invocation starts only
// after the previous one's last call started, so consecutive call starts in a slot are at
// least 1/rate apart whatever the invocations, and a slot starts at most (burst-1) +
// ceil(rate x W) calls in any window of W seconds. A bucket that started full would let every
// invocation begin with a burst, and a slot running short invocations back to back would
// exceed its rate by the burst each time.
//
// # Defaults
//
// A Config field at zero means "not limited": no Rate, no pacing; no Calls, no bound on calls
// in flight; Burst 0 means 1. A nil *Pacer paces nothing, so code that calls Acquire works
// unpaced too.
//
// Waits honour the context: a wait that would end after the context's deadline is refused at
// once (a [*DeadlineError], nothing is spent, the tokens are given back), and a cancelled
// context ends a wait with its error.
//
// Reference: the token bucket, https://pkg.go.dev/golang.org/x/time/rate.
package pace
