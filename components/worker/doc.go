// Package worker deploys a Go Lambda function built from a package of this module, with
// everything production needs around it: its own role, its own log group, an asynchronous
// failure destination, tracing, and the validation of every Lambda limit before anything exists.
//
//	w, err := worker.NewWorker(ctx, "transform", &worker.WorkerArgs{
//		Package: "./functions/transform",
//		Timeout: 60 * time.Second,
//	})
//
// The handler is compiled during `pulumi preview`, `pulumi up` and `make plan`, no Makefile
// needed: GOOS=linux, GOARCH=arm64 (or amd64 for x86_64), CGO_ENABLED=0,
// `-tags lambda.norpc -trimpath -buildvcs=false -ldflags "-s -w -buildid="`, binary `bootstrap`
// for the provided.al2023 runtime, zipped with a fixed timestamp and mode. The same sources give
// the same zip bytes, hence the same source code hash and no diff in a preview. Builds are cached
// by a hash of their inputs (the sources of every package it imports that no version pins: the
// main module's, a workspace module's, a module replaced by a local directory's; every other
// dependency's module version; go.mod, go.sum, the toolchain, the target and the flags) in the
// process and under out/.build/. A compiler error is the component's error, as a *BuildError;
// a Package that is not package main, or a directory that does not exist, is a
// *check.FieldError before anything is built. Package is "./dir" relative to the module root
// ("dir" alone is read the same way) or an import path.
//
// # Defaults
//
//   - arm64, 128 MB, 30 s timeout, 512 MB /tmp, X-Ray active tracing;
//   - a log group of its own, /skein/<project>/<stage>/<worker>, with the stage's retention, JSON
//     log format, application level INFO and system level WARN;
//   - asynchronous invocations: 2 retries, events up to 6 h old, then the on-failure
//     destination: a dead-letter queue owned by the worker, "<worker>-async-dlq", a skein queue
//     (components/queue: SQS-managed encryption, 14 days retention, a policy denying non-TLS
//     access, an age alarm when a message has waited a minute, with the worker's Alarms). Nothing a caller sends
//     asynchronously is lost. A worker nothing invokes asynchronously (a workflow Task and an
//     SQS event source mapping invoke synchronously) may set DisableDeadLetterQueue: no queue,
//     no alarm, no destination.
//   - unreserved concurrency.
//   - three alarms on the function (AWS/Lambda, dimension FunctionName, one-minute period, one
//     evaluation period, missing data not breaching): "<worker>-errors-alarm" (Errors Sum >= 1),
//     "<worker>-throttles-alarm" (Throttles Sum >= 1) and "<worker>-duration-alarm" (Duration
//     Maximum above DurationAlarmFraction, 90%, of the timeout), notifying Alarms.TopicArn,
//     else the stage's alarm topic, else nobody (alarm and OK). Alarms.Disabled turns them off,
//     the dead-letter queue's alarm with them: the same settings (alarm.Args) as every component.
//
// # IAM
//
// The role trusts lambda.amazonaws.com and has one inline policy with exactly:
// logs:CreateLogStream and logs:PutLogEvents on its own log group; xray:PutTraceSegments and
// xray:PutTelemetryRecords on "*" when tracing (X-Ray accepts no narrower resource);
// sqs:SendMessage on its dead-letter queue (or the OnFailure target's own delivery statements).
// No AWS managed policies. Grants from other components add inline policies through
// AttachPolicy ("<worker>-<grant>"), which returns the [policy.Grant] it created, so that an SQS
// event source mapping depends on exactly the permission Lambda checks when the mapping is
// created. A Worker is a [policy.Function]: its timeout, reserved concurrency and budget draw are
// what queues and workflows check their fan-out against. [Worker.DeliverStatements] and
// [Worker.GrantInvoke] give callers lambda:InvokeFunction on the function and its versions and
// aliases (GrantInvoke returns its [policy.Grant] and refuses a nil grantee);
// [Worker.AllowService] admits one service principal for one source ARN through the function's
// resource policy.
//
// # Escape hatches
//
// WorkerArgs.Transform changes the arguments of each child (role, base role policy, log group,
// function, the dead-letter queue component's arguments, event invoke config, the function's
// alarms (with their metric name, as the workflow's Transform.Alarm), AllowService permissions)
// just before it is created; WorkerArgs.Statements adds identity statements; the children are
// exported (Function, Role, LogGroup, DeadLetterQueue, Alarms).
//
// Limits enforced: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
// (memory 128..10240 MB, timeout 1..900 s, /tmp 512..10240 MB, 4 KB of environment variables),
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html (retries 0..2,
// event age 60..21600 s), names (1..51 letters, digits, - or _: the function and the role are
// auto-named from the worker's name, and Lambda function and IAM role names hold 64 characters),
// reserved variables:
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html.
package worker
