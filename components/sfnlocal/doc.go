// Package sfnlocal runs Step Functions state machines in process: the very definition skein
// deploys (Amazon States Language with JSONPath, Distributed Map included), against the real Go
// Lambda handlers or executables, and against local stores for S3 and SQS. The CLI is
// cmd/sfnlocal; [Server] speaks the Step Functions API to the AWS SDK and CLI.
//
//	def, err := sfnlocal.Parse(definitionJSON) // every problem at once, as *DefinitionError
//	fns := &sfnlocal.Functions{}
//	_ = fns.RegisterFunc("resize", handler.Handle) // wrapped by lambda.NewHandler, as in production
//	eng, err := sfnlocal.New(def, &sfnlocal.Options{Functions: fns, TimeScale: 0.001})
//	out, err := eng.Execute(ctx, inputJSON) // *ExecutionError{Name, Cause} when it fails
//
// # What runs
//
// Every state type, every path and payload template field, the context object, every intrinsic
// function, Retry and Catch with the error names AWS uses (States.Runtime, States.TaskFailed,
// States.Timeout, States.DataLimitExceeded...). Tasks call Lambda functions (by ARN or
// lambda:invoke, resolved through [Functions]; a Go handler's errors are named as AWS names
// them), sqs:sendMessage into a [MessageSender], S3 getObject/putObject against an
// [ObjectStore], and nested state machines (startExecution, .sync, .sync:2). A Distributed Map
// reads items with ItemReader, batches them, runs child executions, tolerates failures and
// writes ResultWriter files as AWS does. [Engine.Redrive] is RedriveExecution: only what did not
// succeed runs again, under the same execution ARN. History events (Options.OnEvent,
// Options.EventLog) are named as GetExecutionHistory names them. The same definition and input
// give byte-identical output run after run.
//
// Not supported: JSONata, Variables (Assign), callback tasks and activities, other service
// integrations (Parse rejects them) and StopExecution; HeartbeatSeconds is not enforced.
//
// # Defaults
//
// Options' zero value: real-time sleeps (TimeScale 1: it scales Wait and Retry sleeps only,
// timeouts bound real handler time), no Lambda functions (a Lambda task fails with
// Lambda.ResourceNotFoundException), a fresh in-memory ObjectStore and queues per Engine, a
// STANDARD state machine named "local" in us-east-1 and account 123456789012, no events, no
// progress display; a Distributed Map with MaxConcurrency 0 runs 1000 children at once, an
// inline Map every item; AWS's quotas (Options.Limits): 256 KiB inputs and outputs, 25,000
// history events per Standard execution. Retry fields default as the specification says.
//
// # IAM
//
// Nothing here calls AWS, so no policy is evaluated: a task the deployed role could not perform
// succeeds locally. The workflow component derives the role from the same definition; check
// it there.
//
// # Escape hatches
//
// Plug your own [ObjectStore] and [MessageSender]; register any [Invoker] (a lambda.Handler is
// one) or an [Executable] per function; Options.TaskOverrides replaces any Task's resource by
// state name (the CLI's -t); Options.OnEvent sees every event. A [Definition] can be shared by
// many engines and executions.
//
// The design notes list every construct supported, where the engine's behaviour was decided by
// executions recorded against AWS, and what is not checked against a real account:
// https://github.com/skeinhq/skein/blob/main/docs/design/sfnlocal.md.
package sfnlocal
