// Package stack is the reference pipeline's Pulumi program, one stack per stage: a scheduled,
// rate-limited export from a monitoring vendor's API (groups, then each group's devices, then
// each device's metrics, one JSON Lines part per batch) into S3, then a transform of every raw
// part at a capped concurrency.
// infra/main.go runs [Program] with pulumi.Run; `make plan` and `make local` run it offline
// under the plan harness (components/plan).
//
// # Defaults
//
// Settings live under `pipeline:` in Pulumi.<stage>.yaml (see [Config]; an unknown key is an
// error). Every vendor call goes through one worker, "vendor", which draws on the vendor's
// budget (components/budget: VendorConcurrency, default 10 calls at once, and VendorRate): it
// reserves VendorConcurrency/BatchConcurrency invocations, and each invocation paces its calls to
// its share of the rate. So the vendor never sees more than its limits, whatever starts the
// invocations: overlapping runs, a redrive, the refetch queue's consumer. The inline Map over the
// groups runs ListConcurrency listings at once (at most 40, at most the reserved invocations),
// and the Distributed Map runs as many batches as the worker reserves, each fetching
// BatchConcurrency devices at a time; an overlapping run's invocations are throttled by Lambda
// and retried (workflow.ThrottleRetry). The schedule is on in production stages only.
//
// # Nothing is lost
//
//   - A device the vendor answers with a 4xx (or an answer that is not the documented JSON) is
//     written with its error as a failed record of its batch's parts (raw/ and
//     failed/date=<d>/part=<id>.jsonl), and its batch goes
//     on: so the Distributed Map's tolerance, which counts every item of a failed batch, measures
//     transient trouble, not a few devices the vendor no longer knows. Starting the workflow
//     with {"date":"<d>","skipExisting":true} re-runs the day and fetches only the devices
//     without an ok record in the day's raw parts.
//   - A batch that still fails after its retries is written by the ResultWriter to
//     results/export/.../FAILED_n.json with its input (every device) and the error of every
//     failed device; feeding {"date","failed":[<FAILED/PENDING files>]} to the same workflow
//     fetches only those devices again.
//   - A group whose listing still fails fails the execution (ExecutionsFailed alarm); its
//     redrive (aws stepfunctions redrive-execution) resumes from the failed state.
//   - A raw record the transform cannot use is captured as a failed record of its processed
//     part; a raw part that cannot be read is redelivered up to the queue's maxReceiveCount,
//     then kept in the dead-letter queue (alarm; redriveCommand output).
//
// # IAM
//
// Each worker can read only what it reads and write only what it writes: vendor writes
// manifests/ (a group's devices), reads and writes raw/ (a retried batch reads its own part)
// and writes failed/, and may read the token parameter; merge-manifests reads and writes
// manifests/, reads results/, and lists and reads raw/ (for skipExisting manifests); transform
// reads raw/ and writes processed/. The workflow's role
// is derived from its definition by components/workflow.
//
// # Escape hatches
//
// [New] takes a *stage.Stage and a *Config built by hand, for programs that compose the
// pipeline into a larger stack; [ExportDefinition] is the definition alone.
package stack
