// Package budgetenv is the contract between a worker that draws on a downstream's budget
// (components/budget) and the handler that paces its calls (functions/pace): the names of the
// environment variables the worker component sets and the handler reads. It imports nothing, so a
// handler that reads it links nothing of Pulumi's.
//
// The guarantee the values carry: a budget gives each invocation of a worker a rate r (calls per
// second) and a burst b. The handler's pacer starts every invocation with an empty bucket, so that
// consecutive call starts within one Lambda concurrency slot are at least 1/r apart even across
// invocations (a new invocation starts after the previous one's last call, and waits 1/r before
// its own first). In any window of W seconds one slot therefore starts at most (b-1) + ceil(r*W)
// calls, and the budget chooses r and b so that the sum over every reserved slot of every worker
// that draws on it stays within the downstream's rate (and burst), whatever starts the
// invocations.
package budgetenv

// Environment variable names. A variable that is unset or empty means "not limited".
const (
	// Name is the budget's (the downstream's) name, for logs and metrics.
	Name = "SKEIN_BUDGET"
	// Rate is the calls per second one invocation may start, a decimal number above 0 ("12.5").
	Rate = "SKEIN_BUDGET_RATE"
	// Burst is how many calls one invocation may start back to back, a whole number >= 1.
	Burst = "SKEIN_BUDGET_BURST"
	// Calls is the most calls one invocation may have in flight at once, a whole number >= 1.
	Calls = "SKEIN_BUDGET_CALLS"
)
