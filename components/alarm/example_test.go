package alarm_test

import (
	"fmt"
	"log"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/plan"
)

// One alarm made the way every component makes its own: missing data never breaches, and the
// topic hears of the alarm and of the return to OK.
func ExampleNew() {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := alarm.New(ctx, "vendor-errors", alarm.Metric{
			Description: pulumi.String("The vendor worker failed: see its logs."),
			Namespace:   "AWS/Lambda",
			Name:        "Errors",
			Dimensions:  pulumi.StringMap{"FunctionName": pulumi.String("vendor")},
			Statistic:   "Sum",
			Threshold:   1,
			Comparison:  "GreaterThanOrEqualToThreshold",
		}, pulumi.String("arn:aws:sns:us-east-1:123456789012:oncall"), nil, nil)
		return err
	}, plan.Options{})
	if err != nil {
		log.Fatal(err)
	}
	a := p.Find("aws:cloudwatch/metricAlarm:MetricAlarm", "vendor-errors")
	for _, k := range []string{"metricName", "statistic", "period", "evaluationPeriods", "threshold", "comparisonOperator", "treatMissingData", "alarmActions", "okActions"} {
		fmt.Println(k, a.Get(k))
	}
	// Output:
	// metricName Errors
	// statistic Sum
	// period 60
	// evaluationPeriods 1
	// threshold 1
	// comparisonOperator GreaterThanOrEqualToThreshold
	// treatMissingData notBreaching
	// alarmActions [arn:aws:sns:us-east-1:123456789012:oncall]
	// okActions [arn:aws:sns:us-east-1:123456789012:oncall]
}
