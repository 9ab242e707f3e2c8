// Package workflow builds AWS Step Functions state machines from typed Go states (Task, Map inline
// and distributed, Parallel, Choice, Pass, Wait, Succeed, Fail), with the role derived from the
// definition, logging, X-Ray tracing and alarms: a workflow lists work, fans it out over a worker
// without overrunning it, retries what is transient, captures every item that still fails, and
// has exactly the permissions it needs.
//
//	wf, err := workflow.NewWorkflow(ctx, "pipeline", &workflow.WorkflowArgs{
//		Definition: workflow.Definition{
//			StartAt: "Fetch each",
//			States: workflow.States{
//				"Fetch each": &workflow.Map{
//					ItemsPath:  "$.accounts",
//					DeadLetter: failedItems, // a skein queue
//					Processor: workflow.Definition{StartAt: "Fetch", States: workflow.States{
//						"Fetch": &workflow.Task{Call: workflow.Invoke{Worker: fetch}, End: true},
//					}},
//					End: true,
//				},
//			},
//		},
//	})
//
// Tasks are typed by what they call: [Invoke] takes a [Function], [SendMessage] and
// Map.DeadLetter a [Queue], [StartWorkflow] a [StateMachine], so handing a queue to Invoke does
// not compile. [Definition.Validate] checks every limit Step Functions enforces before anything
// exists and reports every problem at once (*check.FieldError naming the field path, such as
// `States["Fetch each"].MaxConcurrency`, the allowed range and the value given).
// [Definition.Render] renders a definition whose targets are known ([ExistingFunction],
// [ExistingQueue], [ExistingStateMachine]) without Pulumi, for tests and local engines. An
// offline plan (components/plan) writes each definition and its Mermaid graph.
//
// # Defaults
//
//   - Type Standard; tasks invoke workers by function ARN; every worker task retries Lambda's
//     transient errors ([DefaultWorkerRetry]), throttles of a worker that reserves concurrency
//     for longer ([ThrottleRetry]).
//   - Map.MaxConcurrency zero: the smallest reserved concurrency of the workers the processor
//     invokes, divided by the enclosing Maps' iterations, else 40 inline and 1,000 distributed.
//   - Map.DeadLetter sends each item that still fails to the queue and lets the others go on.
//   - Logging to its own log group at level ALL without execution data; X-Ray on; alarms on
//     failed, timed out, aborted and throttled executions to the stage's alarm topic.
//   - The state machine is named <project>-<stage>-<name>, so its role can name it.
//
// # IAM
//
// The role trusts states.amazonaws.com for this account and this state machine only, and its
// policy is derived from the definition: lambda:InvokeFunction on exactly the workers it
// invokes, sqs:SendMessage on exactly its queues, states:StartExecution on nested workflows,
// S3 actions on the prefixes item readers and result writers use, and what a Distributed Map
// needs on its own executions. A Workflow is a policy.StateMachine and a policy.Grantee; its
// operator grants (GrantStart, GrantRead, GrantRedrive, GrantStop) return the policy.Grant
// they attach.
//
// # Escape hatches
//
// [Service] calls any other integration with the statements the role needs;
// WorkflowArgs.Statements adds statements; WorkflowArgs.Transform has one hook per child (Role,
// RolePolicy, LogGroup, StateMachine, Alarm); Workflow exposes its children and the rendered
// Definition.
//
// Limits enforced: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html.
// Every rule of validation, default and IAM statement in full:
// https://github.com/skeinhq/skein/blob/main/docs/design/workflow.md.
package workflow
