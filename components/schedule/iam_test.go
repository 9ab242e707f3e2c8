package schedule

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/queue"
)

func deliverPolicy(t *testing.T, p *plan.Plan, name string) []json.RawMessage {
	t.Helper()
	return []json.RawMessage{json.RawMessage(find(t, p, policyType, name+"-deliver").String("policy"))}
}

// TestTrustPolicyWithSimulator: only EventBridge Scheduler, acting for this account and this
// schedule group, may assume the execution role.
func TestTrustPolicyWithSimulator(t *testing.T) {
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		_, err := NewSchedule(ctx, "nightly", daily(tg))
		return err
	})
	role := find(t, p, roleType, "nightly-exec")
	trust := json.RawMessage(role.String("assumeRolePolicy"))
	group := find(t, p, groupType, "nightly-group").Arn()
	if !strings.HasPrefix(group, "arn:aws:scheduler:us-east-1:123456789012:schedule-group/nightly-group") {
		t.Fatalf("group arn %s", group)
	}
	other := "arn:aws:scheduler:us-east-1:123456789012:schedule-group/other"
	foreign := "arn:aws:scheduler:us-east-1:210987654321:schedule-group/" + strings.TrimPrefix(group, "arn:aws:scheduler:us-east-1:123456789012:schedule-group/")
	assume := func(principal, account, source string) judge.IAMRequest {
		c := map[string]any{}
		if account != "" {
			c["aws:SourceAccount"] = account
		}
		if source != "" {
			c["aws:SourceArn"] = source
		}
		return judge.IAMRequest{Principal: principal, Action: "sts:AssumeRole", Resource: role.Arn(), ResourcePolicy: trust, Context: c}
	}
	judge.Expect(t, []judge.Case{
		{What: "the scheduler for this group", Req: assume(ServicePrincipal, judge.Account, group), Want: judge.Allowed},
		{What: "the scheduler for another group", Req: assume(ServicePrincipal, judge.Account, other), Want: judge.ImplicitlyDenied},
		{What: "the scheduler for the same group name in another account", Req: assume(ServicePrincipal, "210987654321", foreign), Want: judge.ImplicitlyDenied},
		{What: "the scheduler with this group but another account", Req: assume(ServicePrincipal, "210987654321", group), Want: judge.ImplicitlyDenied},
		{What: "the scheduler without source", Req: assume(ServicePrincipal, "", ""), Want: judge.ImplicitlyDenied},
		{What: "EventBridge rules", Req: assume("events.amazonaws.com", judge.Account, group), Want: judge.ImplicitlyDenied},
		{What: "Lambda", Req: assume("lambda.amazonaws.com", judge.Account, group), Want: judge.ImplicitlyDenied},
	})
}

// TestDeliverPolicyWithSimulator: the role may start exactly its target and write to its
// dead-letter queue, nothing else, for each kind of target.
func TestDeliverPolicyWithSimulator(t *testing.T) {
	p, err := plan.Run(func(ctx *pulumi.Context) error {
		tg, err := world(t, ctx, true)
		if err != nil {
			return err
		}
		if _, err := NewSchedule(ctx, "to-flow", &ScheduleArgs{Expression: "rate(1 day)", Target: tg.flow}); err != nil {
			return err
		}
		if _, err := NewSchedule(ctx, "to-fn", &ScheduleArgs{Expression: "rate(1 day)", Target: tg.fn}); err != nil {
			return err
		}
		_, err = NewSchedule(ctx, "to-jobs", &ScheduleArgs{Expression: "rate(1 day)", Target: tg.jobs})
		return err
	}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	flow, other := find(t, p, machineType, "export").Arn(), find(t, p, machineType, "other").Arn()
	fn := find(t, p, functionType, "echo").Arn()
	jobs, ordered := find(t, p, queueType, "jobs").Arn(), find(t, p, queueType, "ordered").Arn()
	otherFn := "arn:aws:lambda:us-east-1:123456789012:function:other"
	var rows []judge.Case
	for _, c := range []struct {
		schedule string
		allowed  [][2]string // action, resource
	}{
		{"to-flow", [][2]string{{"states:StartExecution", flow}}},
		{"to-fn", [][2]string{{"lambda:InvokeFunction", fn}, {"lambda:InvokeFunction", fn + ":live"}}},
		{"to-jobs", [][2]string{{"sqs:SendMessage", jobs}}},
	} {
		role := find(t, p, roleType, c.schedule+"-exec").Arn()
		pols := deliverPolicy(t, p, c.schedule)
		dlq := find(t, p, queueType, c.schedule+"-schedule-dlq").Arn()
		req := func(action, resource string) judge.IAMRequest {
			return judge.IAMRequest{Principal: role, Action: action, Resource: resource, IdentityPolicies: pols}
		}
		allowed := map[[2]string]bool{}
		for _, a := range c.allowed {
			allowed[a] = true
			rows = append(rows, judge.Case{What: c.schedule + ": its target", Req: req(a[0], a[1]), Want: judge.Allowed})
		}
		rows = append(rows, judge.Case{What: c.schedule + ": its dead-letter queue", Req: req("sqs:SendMessage", dlq), Want: judge.Allowed})
		for _, a := range [][2]string{
			{"states:StartExecution", flow}, {"states:StartExecution", other}, {"states:StopExecution", strings.Replace(flow, ":stateMachine:", ":execution:", 1) + ":x"},
			{"lambda:InvokeFunction", fn}, {"lambda:InvokeFunction", otherFn}, {"lambda:UpdateFunctionCode", fn},
			{"sqs:SendMessage", jobs}, {"sqs:SendMessage", ordered}, {"sqs:ReceiveMessage", jobs}, {"sqs:ReceiveMessage", dlq}, {"sqs:PurgeQueue", dlq},
		} {
			if !allowed[a] {
				rows = append(rows, judge.Case{What: c.schedule + ": not its target", Req: req(a[0], a[1]), Want: judge.ImplicitlyDenied})
			}
		}
	}
	judge.Expect(t, rows)
}

// TestKMSDeadLetterQueue: a KMS-encrypted shared dead-letter queue brings its key's actions
// into the role, and only on that key.
func TestKMSDeadLetterQueue(t *testing.T) {
	key := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	p := run(t, nil, "", func(ctx *pulumi.Context, tg *targets) error {
		dlq, err := queue.NewQueue(ctx, "encrypted-dlq", &queue.QueueArgs{KmsKeyArn: pulumi.String(key)})
		if err != nil {
			return err
		}
		a := daily(tg)
		a.DeadLetter.Queue = dlq
		_, err = NewSchedule(ctx, "s", a)
		return err
	})
	role := find(t, p, roleType, "s-exec").Arn()
	pols := deliverPolicy(t, p, "s")
	req := func(action, resource string) judge.IAMRequest {
		return judge.IAMRequest{Principal: role, Action: action, Resource: resource, IdentityPolicies: pols}
	}
	// KMS honours identity policies only when the key policy delegates to the account (the
	// default key policy); without one the simulator denies everything, as KMS would.
	keyPolicy := json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`)
	onKey := func(action, resource string) judge.IAMRequest {
		r := req(action, resource)
		r.ResourcePolicy = keyPolicy
		return r
	}
	judge.Expect(t, []judge.Case{
		{What: "send to the encrypted queue", Req: req("sqs:SendMessage", find(t, p, queueType, "encrypted-dlq").Arn()), Want: judge.Allowed},
		{What: "its key", Req: onKey("kms:GenerateDataKey", key), Want: judge.Allowed},
		{What: "another key", Req: onKey("kms:GenerateDataKey", "arn:aws:kms:us-east-1:123456789012:key/ffffffff-12ab-34cd-56ef-1234567890ab"), Want: judge.ImplicitlyDenied},
		{What: "managing its key", Req: onKey("kms:ScheduleKeyDeletion", key), Want: judge.ImplicitlyDenied},
		{What: "the workflow", Req: req("states:StartExecution", find(t, p, machineType, "export").Arn()), Want: judge.Allowed},
	})
}
