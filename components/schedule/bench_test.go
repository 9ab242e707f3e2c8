package schedule

import (
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/schedule/cron"
)

// BenchmarkDefaultEventAge measures the shortest-interval search behind the default
// MaxEventAge: the worst case is a schedule whose gaps never reach 60 s, so every one of the
// 1,000 sampled fire times is computed.
func BenchmarkDefaultEventAge(b *testing.B) {
	paris, err := cron.LoadLocation("Europe/Paris")
	if err != nil {
		b.Fatal(err)
	}
	for _, expr := range []string{"cron(0 9 ? * MON,TUE *)", "cron(0/15 9-17 ? * MON-FRI *)", "cron(30 1,3 * * ? *)", "rate(5 minutes)"} {
		e, err := cron.Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if defaultEventAge(e, paris, time.Time{}) <= 0 {
					b.Fatal("no age")
				}
			}
		})
	}
}

// BenchmarkNewSchedule measures a whole plan: a workflow target and one schedule with its
// group, role, policy and dead-letter queue, under the mock monitor.
func BenchmarkNewSchedule(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_, err := plan.Run(func(ctx *pulumi.Context) error {
			w, err := newWorkflow(ctx, "export")
			if err != nil {
				return err
			}
			_, err = NewSchedule(ctx, "nightly", &ScheduleArgs{Expression: "cron(0 2 ? * MON-FRI *)", Target: w})
			return err
		}, plan.Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalSchedules measures schedules.json for a plan of twelve schedules.
func BenchmarkMarshalSchedules(b *testing.B) {
	p := planned(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.MarshalSchedules(plan.Reference()); err != nil {
			b.Fatal(err)
		}
	}
}
