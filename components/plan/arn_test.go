package plan

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
)

// arnProgram registers one resource of every type the plan mocks.
func arnProgram(ctx *pulumi.Context) error {
	var errs []error
	must := func(_ any, err error) { errs = append(errs, err) }
	role, err := iam.NewRole(ctx, "role", &iam.RoleArgs{AssumeRolePolicy: pulumi.String(`{}`)})
	if err != nil {
		return err
	}
	fn, err := lambda.NewFunction(ctx, "fn", &lambda.FunctionArgs{Role: role.Arn, Runtime: pulumi.String("provided.al2023")})
	if err != nil {
		return err
	}
	q, err := sqs.NewQueue(ctx, "q", nil)
	if err != nil {
		return err
	}
	must(iam.NewPolicy(ctx, "policy", &iam.PolicyArgs{Policy: pulumi.String(`{}`)}))
	must(lambda.NewAlias(ctx, "live", &lambda.AliasArgs{FunctionName: fn.Name, FunctionVersion: pulumi.String("1")}))
	must(lambda.NewEventSourceMapping(ctx, "esm", &lambda.EventSourceMappingArgs{FunctionName: fn.Arn, EventSourceArn: q.Arn}))
	must(sqs.NewQueue(ctx, "fq", &sqs.QueueArgs{FifoQueue: pulumi.Bool(true)}))
	must(s3.NewBucketV2(ctx, "data", nil))
	must(sfn.NewStateMachine(ctx, "flow", &sfn.StateMachineArgs{RoleArn: role.Arn, Definition: pulumi.String(`{}`)}))
	must(cloudwatch.NewLogGroup(ctx, "logs", &cloudwatch.LogGroupArgs{Name: pulumi.String("/skein/skein/test/fn")}))
	must(cloudwatch.NewMetricAlarm(ctx, "alarm", &cloudwatch.MetricAlarmArgs{ComparisonOperator: pulumi.String("GreaterThanThreshold"), EvaluationPeriods: pulumi.Int(1)}))
	must(cloudwatch.NewEventRule(ctx, "rule", nil))
	must(cloudwatch.NewEventRule(ctx, "busrule", &cloudwatch.EventRuleArgs{EventBusName: pulumi.String("orders")}))
	must(scheduler.NewScheduleGroup(ctx, "group", nil))
	must(scheduler.NewSchedule(ctx, "nightly", &scheduler.ScheduleArgs{GroupName: pulumi.String("jobs"), ScheduleExpression: pulumi.String("rate(1 day)"), FlexibleTimeWindow: &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")}, Target: &scheduler.ScheduleTargetArgs{Arn: q.Arn, RoleArn: role.Arn}}))
	must(sns.NewTopic(ctx, "topic", nil))
	must(kms.NewKey(ctx, "key", nil))
	must(kms.NewAlias(ctx, "alias", &kms.AliasArgs{Name: pulumi.String("alias/skein-data"), TargetKeyId: pulumi.String("k")}))
	must(ssm.NewParameter(ctx, "param", &ssm.ParameterArgs{Name: pulumi.String("/skein/test/token"), Type: pulumi.String("SecureString"), Value: pulumi.String("x")}))
	return errors.Join(errs...)
}

// The mock ARNs have the shapes AWS gives them, judged by the IAM simulator: it rejects a request
// whose resource does not match any resource type of the action (the IAM service reference's ARN
// formats), so every row below fails if a mock ARN is malformed for its service.
func TestMockArnsAreRealistic(t *testing.T) {
	for _, region := range []string{"eu-west-1", "us-gov-west-1"} {
		t.Run(region, func(t *testing.T) {
			p, err := Run(func(ctx *pulumi.Context) error { return arnProgram(ctx) }, Options{Config: map[string]string{"aws:region": region}})
			if err != nil {
				t.Fatal(err)
			}
			arn := func(typ, name string) string {
				r := p.Find(typ, name)
				if r == nil || r.Arn() == "" {
					t.Fatalf("no ARN for %s %s", typ, name)
				}
				a := r.Arn()
				part := "aws"
				if strings.HasPrefix(region, "us-gov-") {
					part = "aws-us-gov"
				}
				if !strings.HasPrefix(a, "arn:"+part+":") {
					t.Errorf("%s %s: ARN %s is not in partition %s", typ, name, a, part)
				}
				if !strings.HasPrefix(typ, "aws:iam/") && !strings.HasPrefix(typ, "aws:s3/") && !strings.Contains(a, ":"+region+":"+DefaultAccount+":") {
					t.Errorf("%s %s: ARN %s lacks region %s and account %s", typ, name, a, region, DefaultAccount)
				}
				return a
			}
			role := arn("aws:iam/role:Role", "role")
			bucket := arn("aws:s3/bucketV2:BucketV2", "data")
			logs := arn("aws:cloudwatch/logGroup:LogGroup", "logs")
			checks := []struct{ action, resource string }{
				{"iam:PassRole", role},
				{"iam:GetPolicy", arn("aws:iam/policy:Policy", "policy")},
				{"lambda:InvokeFunction", arn("aws:lambda/function:Function", "fn")},
				{"lambda:InvokeFunction", arn("aws:lambda/alias:Alias", "live")},
				{"lambda:GetEventSourceMapping", arn("aws:lambda/eventSourceMapping:EventSourceMapping", "esm")},
				{"sqs:SendMessage", arn("aws:sqs/queue:Queue", "q")},
				{"sqs:SendMessage", arn("aws:sqs/queue:Queue", "fq")},
				{"s3:ListBucket", bucket},
				{"s3:GetObject", bucket + "/raw/a.json"},
				{"states:StartExecution", arn("aws:sfn/stateMachine:StateMachine", "flow")},
				{"logs:DeleteLogGroup", logs},
				{"logs:PutLogEvents", logs + ":log-stream:2026/11/23/abc"},
				{"cloudwatch:DescribeAlarmHistory", arn("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm")},
				{"events:DescribeRule", arn("aws:cloudwatch/eventRule:EventRule", "rule")},
				{"events:DescribeRule", arn("aws:cloudwatch/eventRule:EventRule", "busrule")},
				{"scheduler:GetScheduleGroup", arn("aws:scheduler/scheduleGroup:ScheduleGroup", "group")},
				{"scheduler:GetSchedule", arn("aws:scheduler/schedule:Schedule", "nightly")},
				{"sns:Publish", arn("aws:sns/topic:Topic", "topic")},
				{"kms:Decrypt", arn("aws:kms/key:Key", "key")},
				{"kms:DeleteAlias", arn("aws:kms/alias:Alias", "alias")},
				{"ssm:GetParameter", arn("aws:ssm/parameter:Parameter", "param")},
			}
			allow := []json.RawMessage{json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}
			reqs := make([]judge.IAMRequest, len(checks))
			for i, c := range checks {
				reqs[i] = judge.IAMRequest{Principal: role, Action: c.action, Resource: c.resource, IdentityPolicies: allow}
				if c.action == "kms:Decrypt" {
					// KMS reads identity policies only when the key policy delegates to the
					// account, as the default key policy does.
					reqs[i].ResourcePolicy = json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` +
						role[:strings.Index(role, ":role/")] + ":root" + `"},"Action":"kms:*","Resource":"*"}]}`)
				}
			}
			// judge.Simulate fails the test, with the simulator's reason, on any ARN it cannot
			// match to the action.
			for i, got := range judge.Simulate(t, reqs...) {
				if got != judge.Allowed {
					t.Errorf("%s on %s: %s", checks[i].action, checks[i].resource, got)
				}
			}
		})
	}
}
