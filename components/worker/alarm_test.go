package worker

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/plan"
)

const alarmType = "aws:cloudwatch/metricAlarm:MetricAlarm"

func alarmNames(p *plan.Plan) []string {
	var names []string
	for _, r := range p.OfType(alarmType) {
		names = append(names, r.Name)
	}
	sort.Strings(names)
	return names
}

// Every worker alarms on its function's errors, throttles and a duration near its timeout, named
// after it, parented to it, tagged, on the function's own metrics.
func TestFunctionAlarms(t *testing.T) {
	p, w := newPlan(t, &WorkerArgs{Package: echo, Root: root(t), Timeout: 40 * time.Second})
	fn := p.Find("aws:lambda/function:Function", "echo")
	want := map[string]struct {
		metric, stat, cmp string
		threshold         float64
	}{
		"echo-errors-alarm":    {"Errors", "Sum", "GreaterThanOrEqualToThreshold", 1},
		"echo-throttles-alarm": {"Throttles", "Sum", "GreaterThanOrEqualToThreshold", 1},
		"echo-duration-alarm":  {"Duration", "Maximum", "GreaterThanThreshold", 36000}, // 90% of 40 s, in ms
	}
	if len(w.Alarms) != len(want) {
		t.Errorf("Worker.Alarms holds %d alarms, want %d", len(w.Alarms), len(want))
	}
	for name, x := range want {
		a := p.Find(alarmType, name)
		if a == nil {
			t.Errorf("no alarm %s; alarms: %v", name, alarmNames(p))
			continue
		}
		got := fmt.Sprint(a.Get("namespace"), " ", a.Get("metricName"), " ", a.Get("statistic"), " ", a.Get("comparisonOperator"), " ", a.Get("threshold"),
			" ", a.Get("period"), " ", a.Get("evaluationPeriods"), " ", a.Get("treatMissingData"))
		exp := fmt.Sprint("AWS/Lambda ", x.metric, " ", x.stat, " ", x.cmp, " ", x.threshold, " 60 1 notBreaching")
		if got != exp {
			t.Errorf("%s = %s, want %s", name, got, exp)
		}
		if d := a.String("dimensions.FunctionName"); d == "" || d != fn.Outputs["name"] {
			t.Errorf("%s watches function %q, want %v", name, d, fn.Outputs["name"])
		}
		if a.Parent == nil || a.Parent.Type != Type || a.Parent.Name != "echo" {
			t.Errorf("%s parent = %+v", name, a.Parent)
		}
		if a.String("tags.skein:stage") == "" {
			t.Errorf("%s is not tagged: %v", name, a.Get("tags"))
		}
		if a.Get("alarmActions") != nil || a.Get("okActions") != nil {
			t.Errorf("%s notifies %v without a topic", name, a.Get("alarmActions"))
		}
	}
}

// The alarms go to Alarms.TopicArn, else the stage's topic, the dead-letter queue's alarm too,
// on alarm and on OK.
func TestAlarmTopic(t *testing.T) {
	const stageTopic = "arn:aws:sns:eu-west-1:123456789012:stage"
	const own = "arn:aws:sns:eu-west-1:123456789012:own"
	for _, c := range []struct {
		name  string
		topic pulumi.StringInput
		want  string
	}{{"stage", nil, stageTopic}, {"own", pulumi.String(own), own}} {
		t.Run(c.name, func(t *testing.T) {
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				_, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: root(t), Alarms: alarm.Args{TopicArn: c.topic}})
				return err
			}, plan.Options{Config: map[string]string{"aws:region": "eu-west-1", "skein:alarmTopicArn": stageTopic}})
			if err != nil {
				t.Fatal(err)
			}
			alarms := p.OfType(alarmType)
			if len(alarms) != 4 {
				t.Fatalf("alarms %v, want errors, throttles, duration and the dead-letter queue's", alarmNames(p))
			}
			for _, a := range alarms {
				for _, k := range []string{"alarmActions", "okActions"} {
					if acts, _ := a.Get(k).([]any); len(acts) != 1 || acts[0] != c.want {
						t.Errorf("%s %s = %v, want [%s]", a.Name, k, a.Get(k), c.want)
					}
				}
			}
		})
	}
}

// Alarms.Disabled removes every alarm of the worker, the dead-letter queue's too, and a transform
// of an alarm that will not exist is an error.
func TestAlarmsDisabled(t *testing.T) {
	p, w := newPlan(t, &WorkerArgs{Package: echo, Root: root(t), Alarms: alarm.Args{Disabled: true}})
	if names := alarmNames(p); len(names) != 0 || w.Alarms != nil || w.DeadLetterQueue.OldestMessageAgeAlarm != nil {
		t.Errorf("alarms %v with Alarms.Disabled", names)
	}
	if p.Find("aws:sqs/queue:Queue", "echo-async-dlq") == nil {
		t.Error("Alarms.Disabled must keep the dead-letter queue")
	}
	_, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: root(t), Alarms: alarm.Args{Disabled: true},
			Transform: Transform{Alarm: func(string, *cloudwatch.MetricAlarmArgs) {}}})
		return err
	}, plan.Options{})
	var fe *check.FieldError
	if !errors.As(err, &fe) || fe.Field != "Transform" || !strings.Contains(err.Error(), "Alarms.Disabled creates none") {
		t.Errorf("Transform.Alarm with Alarms.Disabled: %v", err)
	}
}
