package schedule_test

import (
	"fmt"
	"log"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/schedule"
	"github.com/skeinhq/skein/components/workflow"
)

// A weekday export in Paris, in a production stage: the plan shows what Scheduler receives.
func ExampleNewSchedule() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		export, err := workflow.NewWorkflow(ctx, "export", &workflow.WorkflowArgs{Definition: workflow.Definition{
			StartAt: "Done", States: workflow.States{"Done": &workflow.Succeed{}}}})
		if err != nil {
			return err
		}
		group, err := schedule.NewGroup(ctx, "pipeline", nil)
		if err != nil {
			return err
		}
		_, err = schedule.NewSchedule(ctx, "weekday-export", &schedule.ScheduleArgs{
			Expression: "cron(0 2 ? * mon-fri *)",
			Target:     export,
			Input:      map[string]any{"mode": "incremental"},
			Group:      group,
		})
		return err
	}, plan.Options{Stack: "prod", Config: map[string]string{"skein:timeZone": "Europe/Paris"}})
	if err != nil {
		log.Fatal(err)
	}
	s := p.Find("aws:scheduler/schedule:Schedule", "weekday-export")
	fmt.Println(s.String("scheduleExpression"), s.String("scheduleExpressionTimezone"), s.String("state"))
	fmt.Println("retries:", s.Get("target.retryPolicy.maximumRetryAttempts"), "for", s.Get("target.retryPolicy.maximumEventAgeInSeconds"), "s")
	fmt.Println(s.String("target.input"))
	b, _ := p.MarshalSchedules(plan.Reference())
	fmt.Print(string(b))
	// Output:
	// cron(0 2 ? * MON-FRI *) Europe/Paris ENABLED
	// retries: 185 for 86400 s
	// {"mode":"incremental","schedule":{"attemptNumber":"<aws.scheduler.attempt-number>","executionId":"<aws.scheduler.execution-id>","scheduleArn":"<aws.scheduler.schedule-arn>","scheduledTime":"<aws.scheduler.scheduled-time>"}}
	// {
	//   "reference": "2026-01-01T00:00:00Z",
	//   "schedules": [
	//     {
	//       "name": "weekday-export",
	//       "group": "pipeline-831b803",
	//       "expression": "cron(0 2 ? * MON-FRI *)",
	//       "timeZone": "Europe/Paris",
	//       "state": "ENABLED",
	//       "next": [
	//         "2026-01-01T02:00:00+01:00",
	//         "2026-01-02T02:00:00+01:00",
	//         "2026-01-05T02:00:00+01:00",
	//         "2026-01-06T02:00:00+01:00",
	//         "2026-01-07T02:00:00+01:00"
	//       ]
	//     }
	//   ]
	// }
}
