// Package sfnlocal runs Step Functions state machines locally, in process, in Go: the very
// definition skein deploys (Amazon States Language, JSONPath), Distributed Map included, against
// the real Lambda handlers (aws-lambda-go lambda.Handler values) or executables, and against
// local stores for S3 and SQS. The CLI is in cmd/sfnlocal.
//
//	def, err := sfnlocal.Parse(definitionJSON) // every problem at once, as *DefinitionError
//	fns := &sfnlocal.Functions{}
//	_ = fns.RegisterFunc("resize", handler.Handle) // wrapped by lambda.NewHandler, as in production
//	eng, err := sfnlocal.New(def, &sfnlocal.Options{Functions: fns, TimeScale: 0.001})
//	out, err := eng.Execute(ctx, inputJSON)    // *ExecutionError{Name, Cause} when it fails
//
// # What runs
//
// Every state type (Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map); InputPath,
// Parameters, ItemSelector (and the older Map Parameters), ResultSelector, ResultPath,
// OutputPath, null paths; JSONPath as Jayway JsonPath (which Step Functions uses) evaluates it,
// parsed by github.com/ohler55/ojg (definite paths give one value; paths with wildcards,
// descents, filters or slices give an array, in document order: an object's members in the
// order they were read, a descent's matches parents first); the context object
// ($$.Execution.Id/Input/StartTime/Name/RoleArn/RedriveCount and, after a redrive, RedriveTime;
// $$.StateMachine.Id/Name,
// $$.State.Name/EnteredTime and, in Task, Parallel and Map states, RetryCount,
// $$.Map.Item.Index/Value in ItemSelector); every intrinsic function
// (States.Format, StringToJson, JsonToString, Array, ArrayPartition, ArrayContains, ArrayRange,
// ArrayGetItem, ArrayLength, ArrayUnique, Base64Encode, Base64Decode, Hash, JsonMerge, MathRandom,
// MathAdd, StringSplit, UUID); every Choice operator with its Path form (StringMatches and the
// Is* tests have none), And/Or/Not; state names unique in the whole definition, as AWS requires; Task TimeoutSeconds/TimeoutSecondsPath and the definition's TimeoutSeconds; Retry
// (ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy FULL)
// and Catch (ResultPath of {"Error","Cause"}; States.ALL only alone and in the last rule); Fail
// ErrorPath and CausePath as paths or intrinsic functions.
// https://states-language.net/spec.html, https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html
//
// Errors carry the names AWS uses: States.Runtime (paths that select nothing, bad intrinsic
// arguments; never retried or caught, not even when a Retry or Catch names it), States.ALL
// (matches every other error, States.DataLimitExceeded included), States.TaskFailed (matches
// any error but States.Timeout in ErrorEquals), States.Timeout, States.NoChoiceMatched,
// States.ResultPathMatchFailure, States.ExceedToleratedFailureThreshold,
// States.ItemReaderFailed, States.ResultWriterFailed, States.DataLimitExceeded (256 KiB task
// payloads), Lambda.ResourceNotFoundException, and a Lambda function's own errorType.
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
//
// Tasks: a Lambda function ARN (qualified or not) or arn:aws:states:::lambda:invoke (Parameters
// FunctionName and Payload; the result is AWS's {"ExecutedVersion","Payload","SdkHttpMetadata",
// "SdkResponseMetadata","StatusCode"}), resolved through [Functions]; a Go handler's errors are
// named as AWS names them (aws-lambda-go's rule: the Go type name without package and pointer, so
// errors.New gives "errorString"; messages.InvokeResponse_Error sets the type), with the JSON
// error payload as the cause; arn:aws:states:::sqs:sendMessage into a [MessageSender];
// arn:aws:states:::aws-sdk:s3:getObject/putObject and arn:aws:states:::s3:getObject/putObject
// against an [ObjectStore]; arn:aws:states:::states:startExecution (fire and forget; Execute
// waits for such children before returning), .sync (Output as JSON text) and .sync:2 (Output as
// JSON) with nested state machines from Options.StateMachines; a failed synchronous child fails
// the task with States.TaskFailed and the child's description as the cause.
// https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
//
// Distributed Map (ItemProcessor.ProcessorConfig.Mode DISTRIBUTED): ItemReader from the
// ObjectStore (s3:listObjectsV2 listing with Etag/Key/LastModified/Size/StorageClass items;
// s3:getObject with ReaderConfig.InputType JSON, JSONL, CSV with CSVHeaderLocation FIRST_ROW or
// GIVEN and CSVDelimiter, MANIFEST for S3 Inventory manifests with gzipped CSV files; MaxItems),
// ItemSelector with $$.Map.Item, ItemBatcher ({"BatchInput":...,"Items":[...]}, MaxItemsPerBatch,
// MaxInputBytesPerBatch up to 256 KiB counted on the serialised child input), child executions
// (EXPRESS unless ProcessorConfig.ExecutionType says STANDARD; their own ARNs and history
// events), MaxConcurrency (up to 10,000), ToleratedFailurePercentage/Count and their Path forms
// (exceeding either fails the Map with States.ExceedToleratedFailureThreshold; with neither set,
// one failure does), and ResultWriter: <Prefix>/<map run id>/manifest.json plus SUCCEEDED_0.json,
// FAILED_0.json and PENDING_0.json (children not run because the threshold stopped the run), the
// Map's result then being {"MapRunArn":...,"ResultWriterDetails":{"Bucket","Key"}};
// WriterConfig OutputType JSON/JSONL and Transformation NONE/COMPACT/FLATTEN.
// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html,
// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html,
// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html,
// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html,
// https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
//
// # Redrive
//
// Engine.Redrive is RedriveExecution
// (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html): an execution
// that FAILED, was ABORTED or TIMED_OUT continues, under the same execution ARN and with the same
// input, from the state that did not succeed, with that state's input; the states that succeeded
// are not run again and their outputs are kept. In a Parallel or inline Map state only the
// branches and iterations that failed, were aborted or never started run again, each from the
// state where it stopped. A Distributed Map's Map Run is redriven with the parent
// (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html): it keeps its Map
// Run ARN and items (the ItemReader is not read again), emits MapRunRedriven, runs again only
// the child executions that did not succeed (failed, aborted, or PENDING because the threshold
// stopped the run) — STANDARD children from the state that failed in them, with their own
// RedriveCount, EXPRESS children anew — and judges ToleratedFailureCount/Percentage over the
// whole run (the children that succeeded before count as succeeded). ResultWriter writes the
// run's files again under the same <map run id>, every child with its latest outcome; a file an
// earlier attempt wrote that has no entries now (FAILED_0.json, PENDING_0.json) is overwritten
// empty and left out of the manifest. Retry counts start from 0 in the redriven state
// ($$.State.RetryCount included). $$.Execution.RedriveCount is 1 in the first redrive, 2 in the
// second...; $$.Execution.RedriveTime is the redrive's time; $$.Execution.StartTime stays the
// first attempt's. The history goes on: ExecutionRedriven {redriveCount}, then the redrive's
// events, ids continuing the earlier attempt's, and the 25,000-event cap counts every attempt.
// Engine.Describe is DescribeExecution (status, redriveCount, redriveDate, redriveStatus,
// redriveStatusReason); Engine.DescribeMapRun is DescribeMapRun (itemCounts and
// executionCounts over the whole run, redriveCount, redriveDate) and Engine.MapRunsOf
// ListMapRuns. Redrive refuses with *RequestError: ExecutionNotRedrivable for a
// RUNNING or SUCCEEDED execution, one of an EXPRESS state machine (Options.Type), one stopped
// more than 14 days ago, one that failed on the history cap or whose history has no room left
// (24,999 events); ExecutionDoesNotExist for an ARN the engine did not run; InvalidArn.
// The engine keeps every execution it ran, for as long as it lives: its description and, while it
// is unsuccessful, what a redrive needs (for a Distributed Map, every child's input and output).
//
// [Server] (the CLI's `sfnlocal serve`) speaks the Step Functions JSON protocol over engines:
// CreateStateMachine, DescribeStateMachine, StartExecution, DescribeExecution,
// RedriveExecution, ListExecutions, ListMapRuns, DescribeMapRun, with AWS's error names, so the AWS SDK and CLI drive it.
//
// Watching: history events named as GetExecutionHistory names them (ExecutionStarted,
// TaskStateEntered, LambdaFunctionScheduled/Started/Succeeded/Failed/TimedOut for a function ARN,
// TaskScheduled/Started/Succeeded/Failed/TimedOut for lambda:invoke and sqs, MapStateStarted,
// MapIterationStarted/Succeeded/Failed, MapRunStarted/Succeeded/Failed,
// ParallelStateStarted/Succeeded/Failed,
// ExecutionSucceeded/Failed/TimedOut, ExecutionRedriven, MapRunRedriven...) go to Options.OnEvent and, as JSON Lines, to
// Options.EventLog; Options.Progress draws a one-line display (items done of total, in flight,
// failed, transitions, items/s).
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
//
// Objects keep their members in document order throughout: the input's order, a payload
// template's order (Parameters, ItemSelector, ResultSelector), ResultPath replacing a member in
// place and appending a new one, JsonMerge's first object then the second's new members; the
// JSON written (outputs, events, ResultWriter files) follows it. The same definition and input
// give byte-identical output run after run, Map results in item order, and the same history
// events (timestamps and generated ids aside; concurrent Map iterations and Parallel branches
// interleave theirs).
//
// # Agreement with AWS
//
// testdata/conformance holds executions recorded against AWS (LocalStack's snapshot tests,
// each case citing its test): intrinsic functions, every Choice operator, Retry, Catch,
// States.Runtime, States.TaskFailed, States.DataLimitExceeded, ResultPath on errors, paths,
// Pass, Fail and the context object; TestConformanceWithAWS replays them and lists what still
// differs, with the reason. What the recordings decided: MathAdd and MathRandom round
// non-integer arguments half up (1.5 to 2, -1.5 to -1); StringToJson of a blank string is null;
// Format prints an object or array argument as Java prints a Map or List ({Arg1=1, Arg2=[]},
// strings unquoted, doubles as Java's Double.toString); a Catch or Retry naming States.Runtime
// does not catch it; States.ALL catches States.DataLimitExceeded of a task's result.
// Where no recording or documentation decides, the engine keeps its behaviour:
//   - ArrayGetItem with an index outside the array fails with States.Runtime;
//   - Base64Decode needs padded input (unpadded fails with States.Runtime; Java's decoder,
//     which AWS may use, accepts it);
//   - string comparisons order by Unicode code point (UTF-8 bytes); Java compares UTF-16 code
//     units, which orders characters above U+FFFF before U+E000..U+FFFF;
//   - timestamps compare at full precision, below the millisecond included;
//   - the number -0.0 is written -0 by JsonToString and Format (an integer -0 reads as 0);
//   - MathAdd fails with States.Runtime when the sum leaves the 64-bit integer range.
//
// # Defaults
//
// Options' zero value: real-time sleeps (TimeScale 1), no Lambda functions (every Lambda task
// fails with Lambda.ResourceNotFoundException), a fresh in-memory ObjectStore and queues per
// Engine, a STANDARD state machine named "local" in region us-east-1 and account 123456789012, no events, no
// progress display, and 1000 child executions in flight for a Distributed Map whose MaxConcurrency
// is 0 (AWS allows up to 10,000); AWS's quotas enforced (Options.Limits): 256 KiB for the
// execution input and every state's output (States.DataLimitExceeded), 25,000 history events
// per Standard execution (States.Runtime, AWS naming no error for it). An inline Map's
// MaxConcurrency 0 means every item at once. Retry
// fields default as the specification says: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0, no
// MaxDelaySeconds, no jitter. TimeScale scales Wait and Retry sleeps only: timeouts bound real
// handler time.
//
// # IAM
//
// Nothing here calls AWS, so no IAM policy is evaluated: a task the deployed role could not
// perform (States.Permissions in AWS) succeeds locally. The workflow component derives the role's
// policy from the same definition; check it there.
//
// # Escape hatches
//
// Plug your own [ObjectStore] (for example one backed by aws-sdk-go-v2 against a local S3 server
// or a real bucket) and [MessageSender]; register any [Invoker] (lambda.Handler is one) or an
// [Executable] per function; Options.TaskOverrides replaces any Task's resource by state name
// (the CLI's -t); Options.OnEvent sees every event. [Definition] values can be shared by many
// engines and executions.
//
// # Known limitations
//
//   - A payload template's output follows the template's order; AWS's recorded outputs show
//     another (hash) order for Parameters, so comparisons with AWS should not depend on member
//     order. Objects the engine builds (the lambda:invoke result, S3 responses) have sorted keys.
//   - Not supported: JSONata (Parse rejects QueryLanguage JSONata), Variables (Parse rejects
//     Assign as an unknown field), callback tasks (.waitForTaskToken) and activities, service
//     integrations other than those above (Parse rejects their resources), ItemReader's
//     ItemsPointer for JSON objects (ignored), ResultWriter file splitting (one file per status,
//     whatever its size), redriving a Map Run on its own (AWS redrives it with its parent only,
//     as here) and StopExecution.
//   - HeartbeatSeconds is validated but not enforced (no heartbeats locally).
//   - Not checked against a real account: how ResultWriter's files look after a redrive (AWS
//     documents that a redriven Map Run writes its results, not whether earlier files are
//     replaced; here they are, and stale ones emptied); a redriven EXPRESS child keeps its
//     name and ARN (AWS starts a new Express execution).
//   - Not checked against a real account: children still running when a tolerated failure
//     threshold stops a Map Run are recorded as PENDING; without ResultWriter a failed child's
//     place in the Map's output holds {"Error","Cause"}.
//   - A Task's handler that ignores its context keeps running after its TimeoutSeconds; the state
//     fails with States.Timeout on time.
package sfnlocal
