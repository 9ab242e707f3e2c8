// Package schedule creates EventBridge Scheduler schedules that are right before deploy: the
// expression is checked by package cron exactly as Scheduler checks it, the time zone against
// the embedded IANA database, and every other setting against Scheduler's limits, all when the
// Pulumi program runs, every problem at once, before anything is registered.
//
//	g, _ := schedule.NewGroup(ctx, "pipeline", nil) // one per stage, shared
//	s, err := schedule.NewSchedule(ctx, "nightly-export", &schedule.ScheduleArgs{
//		Expression: "cron(0 2 ? * MON-FRI *)", // Monday to Friday, 02:00 in the stage's time zone
//		Target:     exportWorkflow,            // a *workflow.Workflow, *worker.Worker or *queue.Queue
//		Input:      map[string]any{"mode": "incremental"},
//		Group:      g,
//	})
//
// A schedule has four children besides its group: the aws:scheduler/schedule:Schedule, an
// execution role (name-exec) with one inline policy (name-deliver), and a dead-letter queue
// (name-schedule-dlq, a queue component with no dead-letter queue of its own).
//
// # Defaults
//
//   - Time zone: the stage's skein:timeZone (UTC unless configured). Daylight-saving changes
//     follow AWS: a wall-clock time skipped in spring does not fire that day, a repeated one in
//     autumn fires once; rate() counts elapsed time (see package cron).
//   - State: ENABLED in production stages (stage.Production: stacks named prod, production or
//     prd, or skein:production true) and DISABLED in every other stage, so that a developer's
//     stack does not run the nightly export against real vendors by surprise. Set State to
//     StateEnabled to try a schedule in dev; ScheduleArgs.State is the per-stage switch a
//     program drives from its own config.
//   - Flexible time window: off. Scheduler invokes at the scheduled time (within a minute).
//   - Group: the schedule creates its own (name-group) unless ScheduleArgs.Group is set.
//     Create one group per stage with NewGroup and pass it to every schedule of the stage.
//   - Input: ScheduleArgs.Input merged with Scheduler's context attributes under the key
//     "schedule": {"scheduleArn", "scheduledTime", "executionId", "attemptNumber"}, whose values
//     Scheduler replaces at each invocation (<aws.scheduler.scheduled-time> and so on). A
//     workflow reads $.schedule.scheduledTime; a worker gets the same document as its event; a
//     queue gets it as the message body. The JSON is written without HTML escaping, since
//     Scheduler replaces the literal text <aws.scheduler.…>.
//   - A FIFO queue target gets the schedule's name as its message group (Scheduler sends no
//     deduplication id, so the queue needs content-based deduplication).
//   - Retry policy: 185 attempts (Scheduler's maximum, so the limit that counts is the age) for
//     at most the shortest interval between two fire times of the schedule, clamped to
//     60 s..24 h: a daily schedule retries for a day, a 15-minute one for 15 minutes. Then the
//     invocation goes to the dead-letter queue.
//   - Dead-letter queue: on, owned by the schedule (14 days retention, SQS-managed encryption,
//     TLS-only policy), with the queue component's alarms, the backlog one set to fire when a
//     message has waited a minute, to the stage's alarm topic.
//
// Why these retries for data pipelines: Scheduler retries only the delivery (the Invoke,
// SendMessage or StartExecution call failing: throttling, a service error, a missing
// permission), not the job. It invokes Lambda asynchronously, so a failing worker is retried by
// the worker's own asynchronous configuration, and a failing execution by the workflow's Retry
// rules. A failed delivery is worth retrying for as long as it still makes sense, which for a
// periodic job is until the next run is due: beyond that, a late run would overlap the next
// one, so it belongs in the dead-letter queue, where the alarm calls a human and the message
// (the target's input, with the scheduled time, plus Scheduler's error attributes) says which
// run to start again. The price of retrying is the ambiguous
// failure: a call that timed out after the target accepted it is retried and starts a second
// run. Step Functions deduplicates StartExecution only by execution name, and Scheduler sets
// none, so skein cannot rely on that; instead every input carries the scheduled time, which is
// the same for every attempt of one invocation (the execution id is not): use it as the
// idempotency key of the run (for example as the name of the output object). For a job that
// must never run twice and has no such key, set RetryAttempts to Retries(0) and start a failed
// run again by hand from its dead-letter message.
//
// Warnings, not errors: an at() in the past, a cron() whose years are over, or an EndDate
// passed are legal for AWS and would block every later deployment of the stack once the
// moment has gone, so NewSchedule logs a warning (ctx.Log.Warn), keeps it in
// Schedule.Warnings (output "warnings"), and schedules.json marks such a schedule with a
// "warning". A cron() that can fire in no year at all (day 30 of February) is an error.
// ScheduleArgs.Clock makes "now" injectable. StartDate and EndDate with at() are errors: they
// apply to recurring schedules.
//
// # IAM
//
// The execution role trusts scheduler.amazonaws.com for sts:AssumeRole only with
// aws:SourceAccount equal to the stage's account and aws:SourceArn equal to the schedule
// group's ARN. AWS documents that aws:SourceArn must be the group's ARN, never a schedule's or
// a name prefix (Confused deputy prevention in EventBridge Scheduler), so the finest trust
// boundary AWS offers is the group: any schedule of the group whose creator may pass the role
// (iam:PassRole) can use it. That is why a schedule without a group gets its own.
//
// The role's one inline policy holds the target's DeliverStatements and nothing else:
// states:StartExecution on the state machine, lambda:InvokeFunction on the function (and its
// versions and aliases), or sqs:SendMessage on the queue (plus kms:GenerateDataKey and
// kms:Decrypt on its key when it has one); and sqs:SendMessage on the dead-letter queue (plus
// its key's actions), which Scheduler sends through the execution role. Tests check both
// documents with @cloud-copilot/iam-simulate.
//
// # Escape hatches
//
//   - ScheduleArgs.Transform changes the arguments of the schedule, the role, the role policy,
//     the owned group and the owned dead-letter queue just before each is created.
//   - SkipExpressionCheck sends an expression package cron rejects, as written (please report
//     the case with AWS's answer); schedules.json then shows no fire times and says why.
//   - A target implementing InputTarget writes its own input from the merged document;
//     ContextKey moves the context attributes, and NoContext leaves them out.
//   - DeadLetter.Queue shares one dead-letter queue between schedules; DeadLetter.Disabled
//     drops failed invocations.
//   - The children are exported (Schedule, Role, RolePolicy, Group, DeadLetterQueue), as is
//     the parsed expression.
//
// # Plan artifact
//
// A plan command (components/plan) writes out/<stage>/schedules.json:
// {"reference": "2026-01-01T00:00:00Z", "schedules": [{"name", "group", "expression",
// "timeZone", "state", "startDate", "endDate", "next": [five RFC 3339 times with the zone's
// offset]}]}, sorted by logical name. The fire times follow plan.Reference, a fixed instant, so
// the file is byte-identical on every run; a schedule with a StartDate fires no earlier than
// it, a rate() schedule without one is shown as if created at the reference, and EndDate is
// exclusive.
//
// # Limits enforced
//
//   - Expression 1..256 characters, syntax and rules of cron(), rate() and at(); time zone an
//     IANA name of at most 50 characters:
//     https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
//   - Flexible window 1..1440 minutes; retries 0..185; event age 60..86,400 s; description at
//     most 512 characters; FIFO message group id 1..128 characters; a standard (not FIFO)
//     dead-letter queue; input at most 256 KB (Step Functions' input limit, which skein applies
//     to every target so one input fits any of them):
//     https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
//     https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
//     https://docs.aws.amazon.com/scheduler/latest/APIReference/API_FlexibleTimeWindow.html
//   - Group names 1..64 characters of letters, digits, '.', '-' and '_':
//     https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateScheduleGroup.html
//   - Context attributes:
//     https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
//   - Execution role and confused deputy:
//     https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
//     https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
//   - Scheduler invokes Lambda asynchronously:
//     https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html
//   - Dead-letter queue (standard SQS, written through the execution role):
//     https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
package schedule
