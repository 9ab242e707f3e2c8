package queue

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

const ruleArn = "arn:aws:events:us-east-1:123456789012:rule/objects-created"

// world is a queue "jobs" consumed by a worker, fed by an EventBridge rule, written by a
// producer role and redriven by an ops role, next to an unrelated queue "other".
func world(t *testing.T, qa QueueArgs) *plan.Plan {
	t.Helper()
	return mustRun(t, func(ctx *pulumi.Context) error {
		qa.Senders = []Sender{{Service: "events.amazonaws.com", SourceArn: pulumi.String(ruleArn)}}
		c, q, err := consumerAndQueue(ctx, 20*time.Second, 0, &qa)
		if err != nil {
			return err
		}
		if _, err := q.Subscribe(c, nil); err != nil {
			return err
		}
		if _, err := NewQueue(ctx, "other", nil); err != nil {
			return err
		}
		for _, role := range []string{"producer", "ops"} {
			r, err := iam.NewRole(ctx, role+"-role", &iam.RoleArgs{AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
			if err != nil {
				return err
			}
			g := policy.NewRoleGrantee(ctx, role, r.Name, nil)
			if role == "producer" {
				_, err = q.GrantSend(g)
			} else {
				_, err = q.GrantRedrive(g)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func arnOf(t *testing.T, p *plan.Plan, typ, name string) string {
	t.Helper()
	r := p.Find(typ, name)
	if r == nil || r.Arn() == "" {
		t.Fatalf("no %s %s", typ, name)
	}
	return r.Arn()
}

func resourcePolicy(t *testing.T, p *plan.Plan, name string) json.RawMessage {
	t.Helper()
	return json.RawMessage(p.Find(policyType, name).String("policy"))
}

// grantees are the roles world grants to (consumer, producer, ops) and the identity policies
// the grants gave them (consume, send, redrive).
func grantees(t *testing.T, p *plan.Plan) (consumerRole, producerRole, opsRole string, consume, send, redrive []json.RawMessage) {
	t.Helper()
	role := func(name string) string { return arnOf(t, p, "aws:iam/role:Role", name) }
	pol := func(name string) []json.RawMessage { return []json.RawMessage{policyOf(t, p, name)} }
	return role("consumer-role"), role("producer-role"), role("ops-role"),
		pol("consumer-jobs-subscription"), pol("producer-jobs-send"), pol("ops-jobs-redrive")
}

func TestIAMWithSimulator(t *testing.T) {
	p := world(t, QueueArgs{})
	jobs, dlq, other := arnOf(t, p, queueType, "jobs"), arnOf(t, p, queueType, "jobs-dlq"), arnOf(t, p, queueType, "other")
	jobsPol, dlqPol, otherPol := resourcePolicy(t, p, "jobs-policy"), resourcePolicy(t, p, "jobs-dlq-policy"), resourcePolicy(t, p, "other-policy")
	consumerRole, producerRole, opsRole, consume, send, redrive := grantees(t, p)

	req := func(principal, action, resource string, ids []json.RawMessage, rp json.RawMessage, secure bool) judge.IAMRequest {
		return judge.IAMRequest{Principal: principal, Action: action, Resource: resource, IdentityPolicies: ids, ResourcePolicy: rp, Context: judge.SecureTransport(secure)}
	}
	var rows []judge.Case
	for _, a := range ConsumeActions() {
		rows = append(rows, judge.Case{What: "consumer on its queue", Req: req(consumerRole, a, jobs, consume, jobsPol, true), Want: judge.Allowed})
	}
	rows = append(rows,
		judge.Case{What: "consumer without TLS", Req: req(consumerRole, "sqs:ReceiveMessage", jobs, consume, jobsPol, false), Want: judge.ExplicitlyDenied},
		judge.Case{What: "consumer on the dead-letter queue", Req: req(consumerRole, "sqs:ReceiveMessage", dlq, consume, dlqPol, true), Want: judge.ImplicitlyDenied},
		judge.Case{What: "consumer on another queue", Req: req(consumerRole, "sqs:ReceiveMessage", other, consume, otherPol, true), Want: judge.ImplicitlyDenied},
		judge.Case{What: "consumer on another queue", Req: req(consumerRole, "sqs:DeleteMessage", other, consume, otherPol, true), Want: judge.ImplicitlyDenied},
		judge.Case{What: "consumer sending", Req: req(consumerRole, "sqs:SendMessage", jobs, consume, jobsPol, true), Want: judge.ImplicitlyDenied},
		judge.Case{What: "consumer purging", Req: req(consumerRole, "sqs:PurgeQueue", jobs, consume, jobsPol, true), Want: judge.ImplicitlyDenied},
		judge.Case{What: "consumer reconfiguring", Req: req(consumerRole, "sqs:SetQueueAttributes", jobs, consume, jobsPol, true), Want: judge.ImplicitlyDenied},
		judge.Case{What: "consumer deleting the queue", Req: req(consumerRole, "sqs:DeleteQueue", jobs, consume, jobsPol, true), Want: judge.ImplicitlyDenied},

		judge.Case{What: "producer", Req: req(producerRole, "sqs:SendMessage", jobs, send, jobsPol, true), Want: judge.Allowed},
		judge.Case{What: "producer without TLS", Req: req(producerRole, "sqs:SendMessage", jobs, send, jobsPol, false), Want: judge.ExplicitlyDenied},
		judge.Case{What: "producer receiving", Req: req(producerRole, "sqs:ReceiveMessage", jobs, send, jobsPol, true), Want: judge.ImplicitlyDenied},
		judge.Case{What: "producer on the dead-letter queue", Req: req(producerRole, "sqs:SendMessage", dlq, send, dlqPol, true), Want: judge.ImplicitlyDenied},

		judge.Case{What: "ops starts a redrive", Req: req(opsRole, "sqs:StartMessageMoveTask", dlq, redrive, dlqPol, true), Want: judge.Allowed},
		judge.Case{What: "ops lists redrives", Req: req(opsRole, "sqs:ListMessageMoveTasks", dlq, redrive, dlqPol, true), Want: judge.Allowed},
		judge.Case{What: "ops cancels a redrive", Req: req(opsRole, "sqs:CancelMessageMoveTask", dlq, redrive, dlqPol, true), Want: judge.Allowed},
		judge.Case{What: "ops reads dead letters", Req: req(opsRole, "sqs:ReceiveMessage", dlq, redrive, dlqPol, true), Want: judge.Allowed},
		judge.Case{What: "redrive writes the source", Req: req(opsRole, "sqs:SendMessage", jobs, redrive, jobsPol, true), Want: judge.Allowed},
		judge.Case{What: "ops without TLS", Req: req(opsRole, "sqs:StartMessageMoveTask", dlq, redrive, dlqPol, false), Want: judge.ExplicitlyDenied},
		judge.Case{What: "ops cannot redrive the source", Req: req(opsRole, "sqs:StartMessageMoveTask", jobs, redrive, jobsPol, true), Want: judge.ImplicitlyDenied},
		judge.Case{What: "ops cannot read the source", Req: req(opsRole, "sqs:ReceiveMessage", jobs, redrive, jobsPol, true), Want: judge.ImplicitlyDenied},

		// Another account's role, even with an identity policy of its own, gets nothing: the
		// queue policy grants no cross-account access.
		judge.Case{What: "another account", Req: req("arn:aws:iam::210987654321:role/intruder", "sqs:SendMessage", jobs,
			[]json.RawMessage{json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)}, jobsPol, true), Want: judge.ImplicitlyDenied},
	)
	judge.Expect(t, rows)
}

func TestSenderWithSimulator(t *testing.T) {
	p := world(t, QueueArgs{})
	jobs, dlq := arnOf(t, p, queueType, "jobs"), arnOf(t, p, queueType, "jobs-dlq")
	jobsPol, dlqPol := resourcePolicy(t, p, "jobs-policy"), resourcePolicy(t, p, "jobs-dlq-policy")
	ctx := func(rule, account string, secure bool) map[string]any {
		m := judge.SecureTransport(secure)
		m["aws:SourceArn"] = rule
		m["aws:SourceAccount"] = account
		return m
	}
	svc := func(action, resource string, rp json.RawMessage, c map[string]any) judge.IAMRequest {
		return judge.IAMRequest{Principal: "events.amazonaws.com", Action: action, Resource: resource, ResourcePolicy: rp, Context: c}
	}
	judge.Expect(t, []judge.Case{
		{What: "the rule", Req: svc("sqs:SendMessage", jobs, jobsPol, ctx(ruleArn, judge.Account, true)), Want: judge.Allowed},
		{What: "the rule without TLS", Req: svc("sqs:SendMessage", jobs, jobsPol, ctx(ruleArn, judge.Account, false)), Want: judge.ExplicitlyDenied},
		{What: "another rule", Req: svc("sqs:SendMessage", jobs, jobsPol, ctx("arn:aws:events:us-east-1:123456789012:rule/other", judge.Account, true)), Want: judge.ImplicitlyDenied},
		{What: "the rule's name in another account", Req: svc("sqs:SendMessage", jobs, jobsPol, ctx("arn:aws:events:us-east-1:210987654321:rule/objects-created", "210987654321", true)), Want: judge.ImplicitlyDenied},
		{What: "the rule receiving", Req: svc("sqs:ReceiveMessage", jobs, jobsPol, ctx(ruleArn, judge.Account, true)), Want: judge.ImplicitlyDenied},
		{What: "the rule on the dead-letter queue", Req: svc("sqs:SendMessage", dlq, dlqPol, ctx(ruleArn, judge.Account, true)), Want: judge.ImplicitlyDenied},
	})
}

func TestKMSGrantsWithSimulator(t *testing.T) {
	p := world(t, QueueArgs{KmsKeyArn: pulumi.String(keyArn)})
	otherKey := "arn:aws:kms:us-east-1:123456789012:key/ffffffff-12ab-34cd-56ef-1234567890ab"
	consumerRole, producerRole, opsRole, consume, send, redrive := grantees(t, p)
	// KMS honours identity policies only when the key policy delegates to the account: this is
	// the default key policy AWS gives a key created without one. (Without it the simulator
	// denies every request here, as KMS would.)
	keyPolicy := json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`)
	r := func(principal, action, key string, ids []json.RawMessage) judge.IAMRequest {
		return judge.IAMRequest{Principal: principal, Action: action, Resource: key, IdentityPolicies: ids, ResourcePolicy: keyPolicy}
	}
	judge.Expect(t, []judge.Case{
		{What: "consumer decrypts", Req: r(consumerRole, "kms:Decrypt", keyArn, consume), Want: judge.Allowed},
		{What: "consumer cannot encrypt", Req: r(consumerRole, "kms:GenerateDataKey", keyArn, consume), Want: judge.ImplicitlyDenied},
		{What: "consumer and another key", Req: r(consumerRole, "kms:Decrypt", otherKey, consume), Want: judge.ImplicitlyDenied},
		{What: "producer encrypts", Req: r(producerRole, "kms:GenerateDataKey", keyArn, send), Want: judge.Allowed},
		{What: "producer decrypts", Req: r(producerRole, "kms:Decrypt", keyArn, send), Want: judge.Allowed},
		{What: "producer cannot manage the key", Req: r(producerRole, "kms:ScheduleKeyDeletion", keyArn, send), Want: judge.ImplicitlyDenied},
		{What: "redrive decrypts", Req: r(opsRole, "kms:Decrypt", keyArn, redrive), Want: judge.Allowed},
		{What: "redrive encrypts", Req: r(opsRole, "kms:GenerateDataKey", keyArn, redrive), Want: judge.Allowed},
	})
}

func TestGrantActions(t *testing.T) {
	p := world(t, QueueArgs{})
	jobs, dlq := arnOf(t, p, queueType, "jobs"), arnOf(t, p, queueType, "jobs-dlq")
	check := func(name string, want map[string][]string) {
		var d testkit.Document
		if err := json.Unmarshal(policyOf(t, p, name), &d); err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, s := range d.Statement {
			for _, r := range testkit.Strings(s.Resource) {
				got[r] = append(got[r], testkit.Strings(s.Action)...)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: resources %v, want %v", name, got, want)
		}
		for r, acts := range want {
			if !slices.Equal(got[r], acts) {
				t.Errorf("%s on %s: %v, want %v", name, r, got[r], acts)
			}
		}
	}
	check("producer-jobs-send", map[string][]string{jobs: SendActions()})
	check("consumer-jobs-subscription", map[string][]string{jobs: ConsumeActions()})
	check("ops-jobs-redrive", map[string][]string{dlq: RedriveActions(), jobs: {"sqs:SendMessage", "sqs:GetQueueAttributes"}})
}
