package stage_test

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/stage"
)

// A production stage's settings, read from its config as `pulumi up` would read
// Pulumi.prod.yaml, and the defaults that follow from them.
func ExampleLoad() {
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		s, err := stage.Load(ctx)
		if err != nil {
			return err
		}
		fmt.Println(s.Project, s.Name, s.Region, s.Partition, "production:", s.Production)
		fmt.Println("logs kept", s.LogRetentionDays, "days, schedules in", s.TimeZone)
		fmt.Println(s.PhysicalName("export", 80), s.LogGroupName("vendor"))
		return nil
	}, plan.Options{Project: "nightly", Stack: "prod", Config: map[string]string{
		"aws:region":     "eu-west-1",
		"skein:timeZone": "Europe/Paris",
	}})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// nightly prod eu-west-1 aws production: true
	// logs kept 365 days, schedules in Europe/Paris
	// nightly-prod-export /skein/nightly/prod/vendor
}

// Every problem of a stage's config is reported at once, before any resource exists.
func ExampleLoad_errors() {
	_, _ = plan.Run(func(ctx *pulumi.Context) error {
		_, err := stage.Load(ctx)
		fmt.Println(err)
		return nil
	}, plan.Options{Stack: "dev", Config: map[string]string{
		"skein:logRetentionDays": "10",
		"skein:timezone":         "UTC",
	}})
	// Output:
	// stage "dev": skein:timezone is not a stage setting; known keys are skein:production, skein:logRetentionDays, skein:timeZone, skein:alarmTopicArn, skein:tags, skein:accountId, skein:namePrefix, skein:logGroupPrefix, skein:tagNamespace
	// stage "dev": skein:logRetentionDays must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 10
}
