package cost_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/cost"
	"github.com/skeinhq/skein/components/plan"
)

var update = flag.Bool("update", false, "rewrite testdata/cost.golden.json")

// planned registers raw resources: two functions, a Standard machine fanning out over them
// (started by a DISABLED nightly schedule) and an unscheduled Express machine.
func planned(t *testing.T) *plan.Plan {
	t.Helper()
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		fetch, err := lambda.NewFunction(ctx, "fetch-metrics", &lambda.FunctionArgs{
			Role: pulumi.String("arn:aws:iam::123456789012:role/r"), Runtime: pulumi.String("provided.al2023"),
			Handler: pulumi.String("bootstrap"), MemorySize: pulumi.Int(1024),
			Architectures: pulumi.StringArray{pulumi.String("arm64")}, Timeout: pulumi.Int(300),
		})
		if err != nil {
			return err
		}
		list, err := lambda.NewFunction(ctx, "list-groups", &lambda.FunctionArgs{
			Role: pulumi.String("arn:aws:iam::123456789012:role/r"), Runtime: pulumi.String("provided.al2023"),
			Handler: pulumi.String("bootstrap"), MemorySize: pulumi.Int(256),
		})
		if err != nil {
			return err
		}
		def := pulumi.All(fetch.Arn, list.Arn).ApplyT(func(a []any) string {
			return strings.NewReplacer(cost.ArnFetch, a[0].(string), cost.ArnList, a[1].(string), cost.ArnPrepare, a[1].(string)).Replace(string(cost.Small(10)))
		}).(pulumi.StringOutput)
		export, err := sfn.NewStateMachine(ctx, "export", &sfn.StateMachineArgs{
			RoleArn: pulumi.String("arn:aws:iam::123456789012:role/sfn"), Definition: def, Type: pulumi.String("STANDARD"),
		})
		if err != nil {
			return err
		}
		if _, err := scheduler.NewSchedule(ctx, "nightly-export", &scheduler.ScheduleArgs{
			ScheduleExpression:         pulumi.String("cron(0 2 * * ? *)"),
			ScheduleExpressionTimezone: pulumi.String("Europe/Berlin"),
			State:                      pulumi.String("DISABLED"),
			FlexibleTimeWindow:         scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
			Target:                     scheduler.ScheduleTargetArgs{Arn: export.Arn, RoleArn: pulumi.String("arn:aws:iam::123456789012:role/s")},
		}); err != nil {
			return err
		}
		quick := fetch.Arn.ApplyT(func(a string) string {
			return `{"StartAt":"Go","States":{"Go":{"Type":"Task","Resource":"` + a + `","End":true}}}`
		}).(pulumi.StringOutput)
		if _, err = sfn.NewStateMachine(ctx, "quick", &sfn.StateMachineArgs{
			RoleArn: pulumi.String("arn:aws:iam::123456789012:role/sfn"), Definition: quick, Type: pulumi.String("EXPRESS"),
		}); err != nil {
			return err
		}
		// Alarms: one on one metric at the top level; under a component, one more and a
		// high-resolution metric-math alarm reading two metrics.
		one := func(name string, opts ...pulumi.ResourceOption) error {
			_, err := cloudwatch.NewMetricAlarm(ctx, name, &cloudwatch.MetricAlarmArgs{
				Namespace: pulumi.String("AWS/Lambda"), MetricName: pulumi.String("Errors"), Statistic: pulumi.String("Sum"),
				Period: pulumi.Int(60), EvaluationPeriods: pulumi.Int(1), Threshold: pulumi.Float64(1),
				ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
			}, opts...)
			return err
		}
		if err := one("top-errors"); err != nil {
			return err
		}
		owner := &struct{ pulumi.ResourceState }{}
		if err := ctx.RegisterComponentResource("test:index:Owner", "owner", owner); err != nil {
			return err
		}
		if err := one("owner-errors", pulumi.Parent(owner)); err != nil {
			return err
		}
		metric := func(id, name string) cloudwatch.MetricAlarmMetricQueryArgs {
			return cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace: pulumi.String("AWS/Lambda"), MetricName: pulumi.String(name), Period: pulumi.Int(10), Stat: pulumi.String("Sum"),
			}}
		}
		_, err = cloudwatch.NewMetricAlarm(ctx, "owner-error-rate", &cloudwatch.MetricAlarmArgs{
			EvaluationPeriods: pulumi.Int(1), Threshold: pulumi.Float64(0.1), ComparisonOperator: pulumi.String("GreaterThanThreshold"),
			MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
				metric("e", "Errors"), metric("i", "Invocations"),
				cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("rate"), Expression: pulumi.String("e / i"), ReturnData: pulumi.Bool(true)},
			},
		}, pulumi.Parent(owner))
		return err
	}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func marshalOpts() cost.Options {
	w := cost.SmallWorkload()
	w.PerItem = cost.PerItem{S3Puts: 2, S3Gets: 1, SqsRequests: 3}
	return cost.Options{Workloads: map[string]cost.Workload{"export": w}}
}

func TestMarshalCost(t *testing.T) {
	p := planned(t)
	b, err := p.MarshalCost(marshalOpts())
	if err != nil {
		t.Fatal(err)
	}
	var f cost.File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.StateMachines) != 2 || f.StateMachines[0].Name != "export" || f.StateMachines[1].Name != "quick" {
		t.Fatalf("state machines %+v", f.StateMachines)
	}
	export, quick := f.StateMachines[0], f.StateMachines[1]
	// 02:00 in Berlin is 01:00Z in January: Jan 1 to Jan 30 fall within the 30 days after
	// 2026-01-01T00:00Z; Jan 31 01:00Z does not.
	if len(export.Schedules) != 1 || export.Schedules[0].ScheduleState != "DISABLED" || export.RunsPerMonth != 30 {
		t.Fatalf("schedules %+v, runs %d", export.Schedules, export.RunsPerMonth)
	}
	if export.Month == nil || export.Naive.Month == nil {
		t.Fatal("scheduled machine has no month")
	}
	// The month is 30 runs; the plan's functions have the memory and architecture the
	// resources say (fetch-metrics 1 GB arm64, list-groups 256 MB x86_64, also as prepare).
	cost.Near(t, "month transitions", export.Month.Usage.StateTransitions, 30*16)
	for _, l := range export.Run.Usage.Lambda {
		switch l.Function {
		case "fetch-metrics":
			if l.MemoryMB != 1024 || l.Architecture != "arm64" {
				t.Errorf("fetch-metrics %+v", l)
			}
		case "list-groups":
			if l.MemoryMB != 256 || l.Architecture != "x86_64" || l.Invocations != 4 {
				t.Errorf("list-groups %+v", l)
			}
		default:
			t.Errorf("unexpected function %+v (the mock ARN was not matched)", l)
		}
	}
	// Per-item data: 100 items x (2 PUT + 1 GET + 3 SQS), plus ItemReader and ResultWriter.
	cost.Near(t, "run S3 PUTs", export.Run.Usage.S3PutRequests, 200+cost.DefaultResultWriterPuts)
	cost.Near(t, "run S3 GETs", export.Run.Usage.S3GetRequests, 100+1)
	cost.Near(t, "run SQS", export.Run.Usage.SqsRequests, 300)
	if export.Assumptions.DurationsMs["fetch-metrics"] != 50 || export.Assumptions.PerItemDurationsMs["fetch-metrics"] != 20 || export.Assumptions.Items != 100 {
		t.Errorf("assumptions %+v", export.Assumptions)
	}
	if quick.Month != nil || len(quick.Schedules) != 0 || quick.Type != "EXPRESS" || quick.Assumptions.Items != cost.DefaultItems {
		t.Errorf("quick %+v", quick)
	}
	if f.Prices != cost.DefaultPrices() {
		t.Errorf("prices %+v", f.Prices)
	}
	// Alarms: two on one metric at $0.10, one high-resolution alarm reading two metrics at
	// $0.30 each.
	a := f.Alarms
	if a.Count != 3 || a.Metrics != 2 || a.HighResolutionMetrics != 2 {
		t.Errorf("alarms %+v", a)
	}
	cost.Near(t, "alarms month", a.Month, 2*0.10+2*0.30)
	if len(a.ByOwner) != 2 || a.ByOwner[0].Owner != "" || a.ByOwner[0].Count != 1 || a.ByOwner[1].Owner != "test:index:Owner owner" || a.ByOwner[1].Count != 2 {
		t.Errorf("alarms by owner %+v", a.ByOwner)
	}
	cost.Near(t, "owner's alarms month", a.ByOwner[1].Month, 0.10+0.60)
	if len(a.Alarms) != 3 || a.Alarms[0].Name != "owner-error-rate" || !a.Alarms[0].HighResolution || a.Alarms[0].Metrics != 2 || a.Alarms[2].HighResolution {
		t.Errorf("alarms %+v", a.Alarms)
	}

	// Byte-identical on a second plan, and equal to the reviewed golden file.
	again, err := planned(t).MarshalCost(marshalOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again) {
		t.Error("two plans of the same program render different cost.json")
	}
	golden := filepath.Join("testdata", "cost.golden.json")
	if *update {
		if err := plan.WriteFile(golden, b); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./components/cost/ -run TestMarshalCost -update)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("cost.json differs from %s (rerun with -update and review the diff)", golden)
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.Contains(b, []byte("\n  \"prices\"")) {
		t.Error("cost.json is not 2-space indented with a trailing newline")
	}

	dir := t.TempDir()
	if err := p.WriteCost(dir, marshalOpts()); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "cost.json")); err != nil || !bytes.Equal(got, b) {
		t.Errorf("WriteCost wrote %d bytes, err %v", len(got), err)
	}
}

func TestMarshalCostNamesTheBrokenMachine(t *testing.T) {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := sfn.NewStateMachine(ctx, "broken", &sfn.StateMachineArgs{
			RoleArn:    pulumi.String("arn:aws:iam::123456789012:role/sfn"),
			Definition: pulumi.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`),
		})
		return err
	}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.MarshalCost(cost.Options{Reference: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err == nil || !strings.Contains(err.Error(), "state machine broken") || !strings.Contains(err.Error(), `state "A"`) {
		t.Errorf("error %v", err)
	}
}
