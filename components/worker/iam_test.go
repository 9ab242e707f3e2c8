package worker

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

// The worker's dead-letter queue admits its own role over TLS only, and the role reaches X-Ray
// by default; judged by the IAM simulator with the queue policy the worker wrote.
func TestDeadLetterQueueAndTracingSimulated(t *testing.T) {
	p, _ := newPlan(t, &WorkerArgs{Package: echo, Root: root(t)})
	role := p.Find("aws:iam/role:Role", "echo-role").Arn()
	dlq := p.Find("aws:sqs/queue:Queue", "echo-async-dlq").Arn()
	base := []json.RawMessage{json.RawMessage(p.Find("aws:iam/rolePolicy:RolePolicy", "echo-base").String("policy"))}
	dlqPolicy := json.RawMessage(p.Find("aws:sqs/queuePolicy:QueuePolicy", "echo-async-dlq-policy").String("policy"))
	if len(dlqPolicy) == 0 {
		t.Fatal("the dead-letter queue has no policy")
	}
	anyone := []json.RawMessage{json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`)}
	req := func(principal, action, res string, ids []json.RawMessage, rp json.RawMessage, tls bool) judge.IAMRequest {
		return judge.IAMRequest{Principal: principal, Action: action, Resource: res, IdentityPolicies: ids, ResourcePolicy: rp, Context: judge.SecureTransport(tls)}
	}
	judge.Expect(t, []judge.Case{
		{What: "failed event to the DLQ", Req: req(role, "sqs:SendMessage", dlq, base, dlqPolicy, true), Want: judge.Allowed},
		{What: "failed event over plain HTTP", Req: req(role, "sqs:SendMessage", dlq, base, dlqPolicy, false), Want: judge.ExplicitlyDenied},
		{What: "an admin of the account over plain HTTP", Req: req("arn:aws:iam::123456789012:role/admin", "sqs:ReceiveMessage", dlq, anyone, dlqPolicy, false), Want: judge.ExplicitlyDenied},
		{What: "an admin of the account over TLS", Req: req("arn:aws:iam::123456789012:role/admin", "sqs:ReceiveMessage", dlq, anyone, dlqPolicy, true), Want: judge.Allowed},
		{What: "the worker purging its DLQ", Req: req(role, "sqs:PurgeQueue", dlq, base, dlqPolicy, true), Want: judge.ImplicitlyDenied},
		{What: "trace segments", Req: req(role, "xray:PutTraceSegments", "*", base, nil, true), Want: judge.Allowed},
		{What: "telemetry", Req: req(role, "xray:PutTelemetryRecords", "*", base, nil, true), Want: judge.Allowed},
		{What: "reading traces", Req: req(role, "xray:GetTraceSummaries", "*", base, nil, true), Want: judge.ImplicitlyDenied},
		{What: "creating log groups", Req: req(role, "logs:CreateLogGroup", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/x", base, nil, true), Want: judge.ImplicitlyDenied},
	})
}

// No AWS managed policy, no policy attachment: the role's only permissions are its inline
// policies, and the role trusts Lambda alone.
func TestRoleHasOnlyInlinePolicies(t *testing.T) {
	p, _ := newPlan(t, &WorkerArgs{Package: echo, Root: root(t)})
	for _, typ := range []string{"aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment", "aws:iam/policy:Policy"} {
		if n := len(p.OfType(typ)); n != 0 {
			t.Errorf("%d %s", n, typ)
		}
	}
	role := p.Find("aws:iam/role:Role", "echo-role")
	if v := role.Get("managedPolicyArns"); v != nil {
		t.Errorf("managedPolicyArns = %v", v)
	}
	if n := len(p.OfType("aws:iam/rolePolicy:RolePolicy")); n != 1 {
		t.Errorf("%d inline policies, want the base one only", n)
	}
	trust := json.RawMessage(role.String("assumeRolePolicy"))
	judge.Expect(t, []judge.Case{
		{What: "Lambda assumes the role", Req: judge.IAMRequest{Principal: "lambda.amazonaws.com", Action: "sts:AssumeRole", Resource: role.Arn(), ResourcePolicy: trust}, Want: judge.Allowed},
		{What: "EC2 assumes the role", Req: judge.IAMRequest{Principal: "ec2.amazonaws.com", Action: "sts:AssumeRole", Resource: role.Arn(), ResourcePolicy: trust}, Want: judge.ImplicitlyDenied},
	})
}

// GrantInvoke lets another role invoke this worker (and its versions and aliases), not another
// function, and nothing else on this one.
func TestGrantInvokeSimulated(t *testing.T) {
	r := root(t)
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		w, err := NewWorker(ctx, "echo", &WorkerArgs{Package: echo, Root: r})
		if err != nil {
			return err
		}
		if _, err := NewWorker(ctx, "other", &WorkerArgs{Package: echo, Root: r}); err != nil {
			return err
		}
		caller, err := iam.NewRole(ctx, "caller", &iam.RoleArgs{AssumeRolePolicy: pulumi.String(`{}`)})
		if err != nil {
			return err
		}
		g, err := w.GrantInvoke(policy.NewRoleGrantee(ctx, "caller", caller.Name, nil))
		if err == nil && (g == nil || g.Policy == nil || len(g.Document.Statements) != 1) {
			t.Errorf("GrantInvoke returned %+v, want the policy it attached and its one statement", g)
		}
		return err
	}, plan.Options{Config: map[string]string{"aws:region": "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	grant := p.Find("aws:iam/rolePolicy:RolePolicy", "caller-echo-invoke")
	if grant == nil {
		t.Fatal("no caller-echo-invoke policy")
	}
	caller := p.Find("aws:iam/role:Role", "caller").Arn()
	fn := p.Find("aws:lambda/function:Function", "echo").Arn()
	other := p.Find("aws:lambda/function:Function", "other").Arn()
	ids := []json.RawMessage{json.RawMessage(grant.String("policy"))}
	req := judge.As(caller, ids)
	judge.Expect(t, []judge.Case{
		{What: "invoke", Req: req("lambda:InvokeFunction", fn), Want: judge.Allowed},
		{What: "invoke an alias", Req: req("lambda:InvokeFunction", fn+":live"), Want: judge.Allowed},
		{What: "invoke a version", Req: req("lambda:InvokeFunction", fn+":3"), Want: judge.Allowed},
		{What: "invoke another worker", Req: req("lambda:InvokeFunction", other), Want: judge.ImplicitlyDenied},
		{What: "replace the code", Req: req("lambda:UpdateFunctionCode", fn), Want: judge.ImplicitlyDenied},
		{What: "read the configuration", Req: req("lambda:GetFunctionConfiguration", fn), Want: judge.ImplicitlyDenied},
	})
}
