// Package cost is the cost model of Step Functions workflows. `make plan STACK=<stage>`
// calls Write to put out/<stage>/cost.json beside resources.json: for every state machine of the
// offline plan, what one run costs, what a month at its schedules costs, and what a million
// items cost, read from the generated definition; beside it the same fan-out built the naive
// way (an inline Map of a Standard workflow, one item and one Lambda invocation per iteration),
// and the ratio of the two designs' orchestration cost per million items.
//
//	b, err := cost.Estimate(definition, fns, cost.Workload{Items: 5000}, cost.Prices{})
//	fmt.Println(b.PerMillionItems.Total, b.Naive.PerMillionItems.Total, b.Ratio)
//
// Estimate is the pure core: ASL JSON in, a Breakdown out. Marshal and Write read the plan:
// aws:sfn/stateMachine:StateMachine (definition, type), aws:lambda/function:Function
// (memorySize, architectures, by output arn) and aws:scheduler/schedule:Schedule (expression,
// time zone, state, target.arn; runs per month are the fire times package schedule/cron computes in
// the MonthDays after plan.Reference).
//
// Every scope (run, month, perMillionItems, and the same three under naive) has three sections,
// each with its total, plus the usage it was priced from:
//
//   - orchestration: Standard state transitions, Express requests and duration, Lambda requests;
//   - compute: Lambda GB-seconds at each function's memory and architecture;
//   - data: S3 and SQS requests (ItemReader and ResultWriter, S3 and SQS Task integrations,
//     and the workload's per-item requests).
//
// Beside the state machines, "alarms" is what the plan's CloudWatch metric alarms
// (aws:cloudwatch/metricAlarm:MetricAlarm) cost a month in the stage: every alarm with its owner
// (its parent component), the number of alarm metrics it is billed for (one, or each metric a
// metric-math alarm reads) and its resolution (high when its period is under 60 s), summed by
// owner and in total, at Prices.AlarmMetricMonth ($0.10) and HighResolutionAlarmMetricMonth
// ($0.30). Anomaly-detection bands and composite alarms are not priced.
//
// Dollars and usage are rounded to 1e-6 (totals are summed before rounding); prices are listed
// unrounded. The output is indented by two spaces, in fixed struct order with sorted map keys,
// and ends with a newline: the same plan gives the same bytes.
//
// # What is counted
//
// One path through the definition, for one execution: every state entered is one transition
// (a retried Task one more per retry, Workload.Retries); a Choice follows its Default (or its
// first rule), Catch paths are not taken. An inline Map is its own transition plus its
// iterations' states; a Parallel its own plus every branch's. Step Functions does not charge a
// transition per inline iteration as such ("When you use the Map state in Inline mode, you're
// not charged a state transition for each iteration"), only for the states an iteration enters.
//
// A Distributed Map is billed, per https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html
// ("When you use the Map state in Distributed mode, you're charged one state transition for each
// child workflow execution that the Distributed Map state starts"), as: its own transition, plus
// one parent transition per child started, plus the children themselves: an EXPRESS child is one
// Express request and its duration (https://aws.amazon.com/step-functions/pricing/: "Express
// Workflows counts a request each time it starts executing a workflow"), a STANDARD child its
// own transitions. The documentation does not say whether the per-child transition replaces the
// child's Express request or comes on top of it; this package takes the conservative reading
// and charges both. Children are items / MaxItemsPerBatch rounded up; the last, smaller batch is
// costed at its own size. No transition is charged for the Map Run itself beyond the Map state's.
//
// Express duration is the sum of the durations of the Tasks (and literal Wait seconds) on the
// path, as if nothing ran in parallel (conservative), rounded up to 100 ms, at least 100 ms, at
// ExpressMemoryMB rounded up to 64 MB. Lambda duration is rounded up to 1 ms per invocation.
//
// An ItemReader reading one object (s3:getObject) is one GET per Map Run (two for an S3
// inventory MANIFEST); one listing objects (s3:listObjectsV2) one LIST per 1,000 items. A
// ResultWriter is ResultWriterPuts PUTs per Map Run.
//
// Not counted: free tiers and volume discounts (every price is the first tier); CloudWatch
// Logs, X-Ray, KMS, data transfer, S3 storage; Scheduler invocations (free up to 14 million a
// month); failures, redrives and the FAILED path; Lambda cold starts (durations are what the
// workload says); SQS long-polling empty receives and 64 KB chunking (count them in
// PerItem.SQSRequests); ReaderConfig.MaxItems (the workload says how many items there are);
// the 256 KiB payload limit that makes the naive design impossible above a few thousand items
// (the naive figures show what it would cost, not that it would run).
//
// # Defaults
//
//   - Workload: DefaultItems (1,000) items; each Map iterates over the items that reach it; an
//     inline iteration of a Map with n iterations carries 1/n of its items; STANDARD type.
//   - Lambda: DefaultDuration (100 ms) per invocation; 128 MB and x86_64 for a function the
//     plan does not describe (Lambda's own defaults).
//   - Express: DefaultExpressMemoryMB (64 MB); ResultWriter: DefaultResultWriterPuts (4).
//   - Prices: DefaultPrices, us-east-1 list prices, each field naming its source page.
//   - Per million items: the workload with Items 1,000,000 and MapItems scaled in proportion,
//     except the Map states Workload.FixedMapItems names (a listing over a fixed set of groups).
//   - Month: the fire times of every schedule targeting the machine in the 30 days after
//     plan.Reference, DISABLED schedules included and marked "scheduleState":"DISABLED"
//     (the month shows what enabling them costs); "month" is null when no schedule starts it.
//
// # Escape hatches
//
//   - Options.Workloads: per state machine, the items, Map iteration counts (MapItems), batch
//     sizes (BatchSizes, required when the definition gives only MaxItemsPerBatchPath), the
//     Choice branches taken (Choices, also the way out of a loop, which is rejected otherwise),
//     retries, durations fixed and per item, and per-item S3/SQS requests.
//   - Options.Prices: any price (another region, a negotiated rate); zero fields keep the default.
//   - Estimate: cost any ASL definition without a plan, with your own Function table.
//   - Every figure is also in Breakdown's Usage, to price with a model of your own.
//
// Errors: a definition that cannot be costed (malformed ASL, a dangling Next, a loop, a batch
// size given only by a path) is a *DefinitionError naming the state and its enclosing states;
// every problem is reported at once. Marshal names the state machine.
//
// Pricing pages: https://aws.amazon.com/step-functions/pricing/, https://aws.amazon.com/lambda/pricing/,
// https://aws.amazon.com/s3/pricing/, https://aws.amazon.com/sqs/pricing/,
// https://aws.amazon.com/cloudwatch/pricing/.
package cost
