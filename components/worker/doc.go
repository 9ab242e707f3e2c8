// Package worker deploys a Go Lambda function built from a package of this module, with
// everything production needs around it: its own role, its own log group, an asynchronous
// failure destination, tracing, alarms, and the validation of every Lambda limit before
// anything exists.
//
//	w, err := worker.NewWorker(ctx, "transform", &worker.WorkerArgs{
//		Package: "./functions/transform",
//		Timeout: 60 * time.Second,
//	})
//
// The handler is compiled while the program runs (`pulumi preview`, `pulumi up`, `make plan`),
// no Makefile needed: a static `bootstrap` for provided.al2023, built with `-tags lambda.norpc
// -trimpath` and zipped with fixed timestamps, so the same sources give the same zip bytes and
// no diff in a preview. Builds are cached by a hash of their inputs under out/.build/. A
// compiler error is a *BuildError; a Package that is not package main, or does not exist, is a
// *check.FieldError before anything is built. Package is "./dir" relative to the module root,
// or an import path.
//
// # Defaults
//
//   - arm64, 128 MB, 30 s timeout, 512 MB /tmp, X-Ray tracing, unreserved concurrency.
//   - Its own log group, /skein/<project>/<stage>/<worker>, JSON logs, the stage's retention.
//   - Asynchronous invocations: 2 retries, events up to 6 h old, then a dead-letter queue of its
//     own ("<worker>-async-dlq", a components/queue Queue) with an alarm, so nothing sent
//     asynchronously is lost. A worker nothing invokes asynchronously may set
//     DisableDeadLetterQueue.
//   - Alarms on errors, throttles and a duration above 90% of the timeout, to Alarms.TopicArn or
//     the stage's alarm topic (Alarms.Disabled turns them off).
//
// # IAM
//
// The role trusts lambda.amazonaws.com and has one inline policy: writing to its own log group,
// X-Ray, and sending to its dead-letter queue. No AWS managed policies. Grants from other
// components attach inline policies through AttachPolicy, which returns the [policy.Grant] it
// created. A Worker is a [policy.Function]: its timeout, reserved concurrency and budget draw
// are what queues and workflows check their fan-out against. [Worker.GrantInvoke] lets a
// grantee invoke it; [Worker.AllowService] admits one service principal for one source ARN.
//
// # Escape hatches
//
// WorkerArgs.Transform changes each child's arguments just before it is created;
// WorkerArgs.Statements adds statements to the role; the children are exported (Function,
// Role, LogGroup, DeadLetterQueue (a components/queue Queue), Alarms).
//
// Limits enforced: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html. The
// build's inputs, every default and every limit in full:
// https://github.com/skeinhq/skein/blob/main/docs/design/worker.md.
package worker
