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
// A schedule has four children besides its group: the schedule, an execution role (name-exec)
// with one inline policy (name-deliver), and a dead-letter queue (name-schedule-dlq).
//
// # Defaults
//
//   - Time zone: the stage's skein:timeZone (UTC unless configured).
//   - State: ENABLED in production stages, DISABLED in every other, so a developer's stack does
//     not run the nightly export against real vendors by surprise (ScheduleArgs.State).
//   - Input: ScheduleArgs.Input plus Scheduler's context attributes under "schedule"
//     (scheduleArn, scheduledTime, executionId, attemptNumber). The scheduled time is the same
//     for every attempt of one invocation: use it as the run's idempotency key.
//   - Retries: 185 attempts for at most the shortest interval between two fire times (60 s..24
//     h), then the dead-letter queue, whose alarm goes to the stage's alarm topic.
//   - Group: its own (name-group) unless ScheduleArgs.Group is set.
//   - An at() in the past, a cron() whose years are over or a passed EndDate is a warning
//     (Schedule.Warnings), not an error; a cron() that can never fire is an error.
//
// # IAM
//
// The execution role trusts scheduler.amazonaws.com only for the stage's account and the
// schedule group's ARN, the finest boundary AWS offers, which is why a schedule without a group
// gets its own. Its one inline policy holds the target's DeliverStatements and sqs:SendMessage
// on the dead-letter queue (plus a KMS key's actions), nothing else.
//
// # Escape hatches
//
// ScheduleArgs.Transform changes each child's arguments just before it is created;
// SkipExpressionCheck sends an expression package cron rejects, as written; a target
// implementing [InputTarget] writes its own input; ContextKey and NoContext move or drop the
// context attributes; ScheduleArgs.DeadLetter shares one dead-letter queue or turns it off; the
// children and the parsed expression are exported. An offline plan (components/plan) writes
// schedules.json with each schedule's next five fire times.
//
// Limits enforced: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html.
// Why these retries, every default and limit in full:
// https://github.com/skeinhq/skein/blob/main/docs/design/schedule.md.
package schedule
