package worker

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/queue"
)

// Every child has a Transform hook, and each hook reaches its own child.
func TestEveryChildHasATransform(t *testing.T) {
	const rule = "arn:aws:events:eu-west-1:123456789012:rule/nightly"
	r := root(t)
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		w, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: r, Transform: Transform{
			Role:       func(a *iam.RoleArgs) { a.Description = pulumi.String("t-role") },
			RolePolicy: func(a *iam.RolePolicyArgs) { a.Name = pulumi.String("t-base") },
			LogGroup:   func(a *cloudwatch.LogGroupArgs) { a.RetentionInDays = pulumi.Int(90) },
			Function:   func(a *lambda.FunctionArgs) { a.Description = pulumi.String("t-function") },
			DeadLetterQueue: func(a *queue.QueueArgs) {
				a.Transform = queue.Transform{
					Queue:                 func(a *sqs.QueueArgs) { a.DelaySeconds = pulumi.Int(7) },
					QueuePolicy:           func(a *sqs.QueuePolicyArgs) { a.Policy = pulumi.String(`{"t":"dlq-policy"}`) },
					OldestMessageAgeAlarm: func(a *cloudwatch.MetricAlarmArgs) { a.Threshold = pulumi.Float64(9) },
				}
			},
			EventInvokeConfig: func(a *lambda.FunctionEventInvokeConfigArgs) { a.Qualifier = pulumi.String("t-live") },
			Alarm:             func(metric string, a *cloudwatch.MetricAlarmArgs) { a.Name = pulumi.String("t-" + metric) },
			Permission:        func(a *lambda.PermissionArgs) { a.SourceAccount = pulumi.String("123456789012") },
		}})
		if err != nil {
			return err
		}
		return w.AllowService("nightly", "events.amazonaws.com", pulumi.String(rule))
	}, plan.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ typ, name, path string }{
		{"aws:iam/role:Role", "echo-role", "description"},
		{"aws:iam/rolePolicy:RolePolicy", "echo-base", "name"},
		{"aws:cloudwatch/logGroup:LogGroup", "echo-logs", "retentionInDays"},
		{"aws:lambda/function:Function", "echo", "description"},
		{"aws:sqs/queue:Queue", "echo-async-dlq", "delaySeconds"},
		{"aws:sqs/queuePolicy:QueuePolicy", "echo-async-dlq-policy", "policy"},
		{"aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "echo-async", "qualifier"},
		{"aws:cloudwatch/metricAlarm:MetricAlarm", "echo-async-dlq-age-alarm", "threshold"},
		{"aws:lambda/permission:Permission", "echo-nightly", "sourceAccount"},
		{"aws:cloudwatch/metricAlarm:MetricAlarm", "echo-errors-alarm", "name"},
		{"aws:cloudwatch/metricAlarm:MetricAlarm", "echo-throttles-alarm", "name"},
		{"aws:cloudwatch/metricAlarm:MetricAlarm", "echo-duration-alarm", "name"},
	} {
		res := p.Find(c.typ, c.name)
		if res == nil {
			t.Errorf("no %s %s", c.typ, c.name)
			continue
		}
		want := map[string]any{
			"description": "t-role", "name": "t-base", "retentionInDays": 90.0, "delaySeconds": 7.0,
			"policy": `{"t":"dlq-policy"}`, "qualifier": "t-live", "threshold": 9.0, "sourceAccount": "123456789012",
		}[c.path]
		if c.typ == "aws:lambda/function:Function" {
			want = "t-function"
		}
		if c.path == "name" && c.typ == "aws:cloudwatch/metricAlarm:MetricAlarm" {
			want = "t-" + res.String("metricName")
		}
		if got := res.Get(c.path); got != want {
			t.Errorf("%s %s: %s = %v, want the transform's %v", c.typ, c.name, c.path, got, want)
		}
	}
}

// AllowService admits one service principal for one source, on this function only.
func TestAllowService(t *testing.T) {
	const rule = "arn:aws:events:eu-west-1:123456789012:rule/nightly"
	r := root(t)
	var bad error
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		w, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: r})
		if err != nil {
			return err
		}
		bad = w.AllowService("bad", "events", nil)
		return w.AllowService("nightly", "events.amazonaws.com", pulumi.String(rule))
	}, plan.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	perm := p.Find("aws:lambda/permission:Permission", "echo-nightly")
	fn := p.Find("aws:lambda/function:Function", "echo")
	if perm == nil || perm.Parent == nil || perm.Parent.Name != "echo" {
		t.Fatalf("permission %+v not parented to the worker", perm)
	}
	for path, want := range map[string]any{
		"action": "lambda:InvokeFunction", "principal": "events.amazonaws.com", "sourceArn": rule, "function": fn.Outputs["name"],
	} {
		if got := perm.Get(path); got != want {
			t.Errorf("permission %s = %v, want %v", path, got, want)
		}
	}
	var fe *check.FieldError
	if !errors.As(bad, &fe) || !strings.Contains(bad.Error(), "AllowService.service") || !strings.Contains(bad.Error(), "AllowService.sourceArn") {
		t.Errorf("a bad service and a missing source ARN: got %v", bad)
	}
	if p.Find("aws:lambda/permission:Permission", "echo-bad") != nil {
		t.Error("a permission was created despite the error")
	}
}

// Production stages protect the dead-letter queue (it holds failed events) and keep logs a year;
// other stages do neither. The decision is the stage's, in one place.
func TestProductionDefaults(t *testing.T) {
	r := root(t)
	for _, tc := range []struct {
		stack     string
		protect   bool
		retention float64
	}{{"dev", false, 14}, {"prod", true, 365}} {
		t.Run(tc.stack, func(t *testing.T) {
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				_, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: r})
				return err
			}, plan.Options{Stack: tc.stack, Config: map[string]string{"aws:region": "eu-west-1"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Find("aws:sqs/queue:Queue", "echo-async-dlq").Protect; got != tc.protect {
				t.Errorf("dead-letter queue protect = %v, want %v", got, tc.protect)
			}
			lg := p.Find("aws:cloudwatch/logGroup:LogGroup", "echo-logs")
			if lg.Get("retentionInDays") != tc.retention || lg.String("name") != "/skein/skein/"+tc.stack+"/echo" {
				t.Errorf("log group %v", lg.Inputs)
			}
			if got := p.Find("aws:lambda/function:Function", "echo").String("tags.skein:stage"); got != tc.stack {
				t.Errorf("skein:stage tag = %q", got)
			}
		})
	}
}

// A bad stage setting and bad worker arguments come back in one error, and nothing is created.
func TestStageAndArgumentErrorsTogether(t *testing.T) {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		_, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, MemoryMB: 64})
		return err
	}, plan.Options{Config: map[string]string{"skein:colour": "blue"}})
	if err == nil || !strings.Contains(err.Error(), "skein:colour") || !strings.Contains(err.Error(), "MemoryMB") {
		t.Fatalf("want both the stage key and MemoryMB in the error, got %v", err)
	}
	if p.Len() != 0 {
		t.Errorf("%d resources registered", p.Len())
	}
}

// The plan of several workers, their grants and permissions is byte-identical from run to run,
// whatever order the SDK resolves outputs in.
func TestPlanIsDeterministic(t *testing.T) {
	r := root(t)
	program := func(ctx *pulumi.Context) error {
		var prev *Worker
		for _, name := range []string{"fetch", "parse", "merge"} {
			w, err := NewWorker(ctx, name, &WorkerArgs{Package: echo, Root: r, Environment: map[string]string{"STEP": name}})
			if err != nil {
				return err
			}
			if prev != nil {
				if _, err := prev.GrantInvoke(w); err != nil {
					return err
				}
			}
			if err := w.AllowService("nightly", "events.amazonaws.com", pulumi.String("arn:aws:events:eu-west-1:123456789012:rule/nightly")); err != nil {
				return err
			}
			prev = w
		}
		return nil
	}
	var first []byte
	for i := range 3 {
		p, err := plan.Run(program, plan.Options{Stack: "dev", Config: map[string]string{"aws:region": "eu-west-1"}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.MarshalResources()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
			continue
		}
		if !bytes.Equal(first, b) {
			t.Fatalf("run %d differs from run 0", i)
		}
	}
	if !bytes.Contains(first, []byte(`"archive": "`)) || bytes.Contains(first, []byte(r)) {
		t.Error("resources.json must name the zip by a path relative to the working directory, never the machine's absolute path")
	}
}

// A worker's name becomes part of physical names AWS restricts: it is checked before anything
// is built or created.
func TestNameRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"fetch-metrics_2", true},
		{strings.Repeat("a", MaxNameLength), true},
		{strings.Repeat("a", MaxNameLength+1), false},
		{"fetch metrics", false},
		{"fetch.metrics", false},
		{"", false},
	} {
		p, err := plan.Run(func(ctx *pulumi.Context) error {
			_, err := NewWorker(ctx, tc.name, &WorkerArgs{Package: echo, Root: root(t)})
			return err
		}, plan.Options{})
		if tc.ok != (err == nil) {
			t.Errorf("name %q: error %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if !tc.ok && (!strings.Contains(err.Error(), "name must be 1..51") || p.Len() != 0) {
			t.Errorf("name %q: error %q, %d resources", tc.name, err, p.Len())
		}
	}
}
