// Package alarm holds what every skein component's CloudWatch alarms share: the settings each
// component takes in its Alarms field (Args), and New, which creates one metric alarm the way
// every component does (missing data never breaches; the topic hears of alarm and of OK).
//
// A component documents which alarms it creates and when; Args only turns them off or
// chooses where they notify. To change one alarm's arguments, use the component's Transform
// hook for it.
package alarm

import (
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/transform"
)

// Args configure a component's alarms. The zero value means every alarm the component
// documents, notifying the stage's alarm topic when it has one.
type Args struct {
	// Disabled creates none of the component's alarms; zero means alarms on.
	Disabled bool
	// TopicArn is the SNS topic the alarms notify, on alarm and on OK; nil means the stage's
	// skein:alarmTopicArn, and no notification when the stage has none.
	TopicArn pulumi.StringInput
}

// Topic is where the alarms notify: TopicArn, else stageTopic (the stage's AlarmTopicArn), else
// nowhere (nil).
func (a Args) Topic(stageTopic string) pulumi.StringInput {
	if a.TopicArn != nil {
		return a.TopicArn
	}
	if stageTopic != "" {
		return pulumi.String(stageTopic)
	}
	return nil
}

// Metric is one alarm on one CloudWatch metric. The zero value of each optional field is the
// default its comment names.
type Metric struct {
	// Description tells whoever is paged what happened and what to do.
	Description pulumi.StringInput
	// Namespace ("AWS/SQS") and Name ("ApproximateAgeOfOldestMessage") name the metric; required.
	Namespace, Name string
	// Dimensions select the metric's series (QueueName, FunctionName...).
	Dimensions pulumi.StringMap
	// Statistic: "Sum", "Maximum"...; required.
	Statistic string
	// Period of each evaluation; zero means one minute. Whole seconds.
	Period time.Duration
	// EvaluationPeriods: zero means 1.
	EvaluationPeriods int
	// DatapointsToAlarm: zero leaves it unset (CloudWatch then wants all EvaluationPeriods).
	DatapointsToAlarm int
	// Threshold and Comparison ("GreaterThanThreshold", "GreaterThanOrEqualToThreshold") say
	// when the metric is in alarm; Comparison is required.
	Threshold  float64
	Comparison string
}

// New creates the alarm name: the metric's alarm, missing data not breaching, notifying topic
// (nil: no one) on alarm and on OK, tagged with tags. hook, when not nil, changes the
// arguments right before the alarm is created (a component's Transform hook).
func New(ctx *pulumi.Context, name string, m Metric, topic pulumi.StringInput, tags pulumi.StringMap,
	hook func(*cloudwatch.MetricAlarmArgs), opts ...pulumi.ResourceOption) (*cloudwatch.MetricAlarm, error) {
	period, periods := m.Period, m.EvaluationPeriods
	if period == 0 {
		period = time.Minute
	}
	if periods == 0 {
		periods = 1
	}
	args := &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   m.Description,
		Namespace:          pulumi.String(m.Namespace),
		MetricName:         pulumi.String(m.Name),
		Dimensions:         m.Dimensions,
		Statistic:          pulumi.String(m.Statistic),
		Period:             pulumi.Int(int(period / time.Second)),
		EvaluationPeriods:  pulumi.Int(periods),
		Threshold:          pulumi.Float64(m.Threshold),
		ComparisonOperator: pulumi.String(m.Comparison),
		TreatMissingData:   pulumi.String("notBreaching"),
		Tags:               tags,
	}
	if m.DatapointsToAlarm > 0 {
		args.DatapointsToAlarm = pulumi.Int(m.DatapointsToAlarm)
	}
	if topic != nil {
		args.AlarmActions = pulumi.Array{topic}
		args.OkActions = pulumi.Array{topic}
	}
	return cloudwatch.NewMetricAlarm(ctx, name, transform.Apply(hook, args), opts...)
}
