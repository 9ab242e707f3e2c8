// Package budget keeps a fan-out from overrunning what it calls. A Budget is a downstream's
// limits (a vendor API, a database, another team's service): the calls it accepts in flight at
// once and the rate it publishes ("100/s", "3000/min"), divided between the workers that call it.
//
//	vendor, _ := budget.NewBudget(ctx, "vendor", &budget.BudgetArgs{
//		Concurrency: 20,
//		Rate:        budget.Rate{Requests: 100, Per: time.Second},
//		Shares:      []budget.Share{{Worker: "fetch", CallsPerInvocation: 10}},
//	})
//	fetch, _ := worker.NewWorker(ctx, "fetch", &worker.WorkerArgs{Package: "./functions/fetch", Budget: vendor})
//
// Each worker's share becomes its Lambda reserved concurrency, so the sum holds whatever starts
// the invocations: two overlapping executions, a redrive, a queue consumer, an operator's test.
// Each invocation paces its calls to its share of the rate: the worker sets the
// SKEIN_BUDGET_* variables (package budgetenv) and the handler paces every call with
// functions/pace, whose buckets start empty so that a new invocation cannot reuse the burst of
// the one before it in the same concurrency slot (package budgetenv gives the proof).
//
// Workflows and queues that drive a budgeted worker are checked against its reserved
// concurrency before anything is created (components/workflow, components/queue), and the
// plan's budgets.json lists every budget, share and user and the worst case when everything runs
// at once.
//
// # Defaults
//
//   - A share with zero Concurrency takes an equal part of what the explicit shares leave.
//   - Each share gets a part of every window's calls in proportion to its concurrency, divided
//     equally between its reserved invocations in whole calls; 5% of every window is held back
//     for jitter between the worker's clock and the downstream's (MarginPercent).
//   - Burst zero: every invocation spaces its calls evenly (a burst of one).
//
// Lambda keeps 100 of an account's concurrency unreserved: the sum of every function's reserved
// concurrency must leave that (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
// That quota is the account's, so the plan cannot check it.
//
// # IAM
//
// A budget creates no AWS resource and grants nothing.
//
// # Escape hatches
//
// [Allocate] divides a budget without Pulumi, for programs that size workers themselves; a
// worker's ReservedConcurrency may be set by hand (it must then equal its share); a Map's or a
// subscription's MaxConcurrency below the share is always accepted.
package budget
