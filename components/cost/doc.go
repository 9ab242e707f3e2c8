// Package cost is the cost model of Step Functions workflows: an Amazon States Language
// definition and a workload in, what one run, a month at its schedules and a million items
// cost out, beside the same fan-out built the naive way (an inline Map of a Standard workflow,
// one item and one Lambda invocation per iteration) and the ratio of the two.
//
//	b, err := cost.Estimate(definition, fns, cost.Workload{Items: 5000}, cost.Prices{})
//	fmt.Println(b.PerMillionItems.Total, b.Naive.PerMillionItems.Total, b.Ratio)
//
// [Estimate] is the pure core. components/plan writes cost.json ([File]) beside resources.json
// with it (Plan.MarshalCost, and plan.CostWriter for a program's own [Options]): every state
// machine of the offline plan ([NewStateMachine]), its runs per month from the schedules that
// target it, and what the stage's CloudWatch alarms and dashboards cost a month ([PriceAlarms],
// [PriceDashboards]). Each scope (run, month, perMillionItems) has its sections with their
// totals and the usage they were priced from: orchestration (state transitions, Express requests and duration), compute
// (Lambda GB-seconds), data (S3 and SQS requests) and observability (log bytes and traces),
// and its cost itemised by request type, largest first. The same plan gives the same bytes.
//
// # What is counted
//
// One path through the definition per execution, every state entered one transition; a
// Distributed Map's child executions as AWS bills them; Express and Lambda duration rounded up
// as AWS rounds them; the workload's per-item requests, log bytes and traces, and its queue
// consumers (Workload.Consumers). Not counted: free tiers and volume discounts, KMS, data
// transfer, storage, failures and redrives. The design notes give every rule and the pricing
// page it follows.
//
// # Defaults
//
//   - Workload: DefaultItems (1,000) items; DefaultDuration (100 ms) per Lambda invocation; 128
//     MB and x86_64 for a function the plan does not describe (Lambda's own defaults).
//   - Express memory DefaultExpressMemoryMB (64 MB); DefaultResultWriterPuts (4) per Map Run.
//   - Prices: DefaultPrices, us-east-1 list prices, each field naming its source page.
//   - Month: the fire times of every schedule targeting the state machine in the 30 days after
//     plan.Reference(), disabled schedules included and marked so.
//
// # Escape hatches
//
// Options.Workloads sets, per state machine, the items, Map iterations, batch sizes, Choice
// branches, retries, durations and per-item requests; Options.Prices any price (zero fields
// keep the default); Estimate costs any definition without a plan; every figure is also in
// the Breakdown's Usage, to price with a model of your own. A definition that cannot be costed
// is a *DefinitionError naming the state; every problem is reported at once.
//
// The full model, with the AWS pricing pages and the readings it takes where they are silent:
// https://github.com/skeinhq/skein/blob/main/docs/design/cost.md.
package cost
