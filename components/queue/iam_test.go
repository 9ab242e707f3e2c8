package queue

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

const ruleArn = "arn:aws:events:us-east-1:123456789012:rule/objects-created"

// world is a queue "jobs" consumed by a worker, fed by an EventBridge rule, written by a
// producer role and redriven by an ops role, next to an unrelated queue "other".
func world(t *testing.T, qa QueueArgs) *plan.Plan {
	t.Helper()
	return mustRun(t, func(ctx *pulumi.Context) error {
		c, err := newConsumer(ctx, 20*time.Second, 0)
		if err != nil {
			return err
		}
		qa.Senders = []Sender{{Service: "events.amazonaws.com", SourceArn: pulumi.String(ruleArn)}}
		q, err := NewQueue(ctx, "jobs", &qa)
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
				err = q.GrantSend(g)
			} else {
				err = q.GrantRedrive(g)
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

type row struct {
	what string
	req  judge.IAMRequest
	want string
}

func simulate(t *testing.T, rows []row) {
	t.Helper()
	reqs := make([]judge.IAMRequest, len(rows))
	for i, r := range rows {
		reqs[i] = r.req
	}
	got := judge.Simulate(t, reqs...)
	for i, r := range rows {
		if got[i] != r.want {
			t.Errorf("%s: %s on %s: simulator says %s, want %s", r.what, r.req.Action, r.req.Resource, got[i], r.want)
		}
	}
}

func tls(on bool) map[string]any {
	if on {
		return map[string]any{"aws:SecureTransport": "true"}
	}
	return map[string]any{"aws:SecureTransport": "false"}
}

func TestIAMWithSimulator(t *testing.T) {
	p := world(t, QueueArgs{})
	jobs, dlq, other := arnOf(t, p, queueType, "jobs"), arnOf(t, p, queueType, "jobs-dlq"), arnOf(t, p, queueType, "other")
	jobsPol, dlqPol, otherPol := resourcePolicy(t, p, "jobs-policy"), resourcePolicy(t, p, "jobs-dlq-policy"), resourcePolicy(t, p, "other-policy")
	consumerRole := arnOf(t, p, "aws:iam/role:Role", "consumer-role")
	producerRole := arnOf(t, p, "aws:iam/role:Role", "producer-role")
	opsRole := arnOf(t, p, "aws:iam/role:Role", "ops-role")
	consume := []json.RawMessage{policyOf(t, p, "consumer-jobs-subscription")}
	send := []json.RawMessage{policyOf(t, p, "producer-jobs-send")}
	redrive := []json.RawMessage{policyOf(t, p, "ops-jobs-redrive")}

	req := func(principal, action, resource string, ids []json.RawMessage, rp json.RawMessage, secure bool) judge.IAMRequest {
		return judge.IAMRequest{Principal: principal, Action: action, Resource: resource, IdentityPolicies: ids, ResourcePolicy: rp, Context: tls(secure)}
	}
	var rows []row
	for _, a := range ConsumeActions {
		rows = append(rows, row{"consumer on its queue", req(consumerRole, a, jobs, consume, jobsPol, true), judge.Allowed})
	}
	rows = append(rows,
		row{"consumer without TLS", req(consumerRole, "sqs:ReceiveMessage", jobs, consume, jobsPol, false), judge.ExplicitlyDenied},
		row{"consumer on the dead-letter queue", req(consumerRole, "sqs:ReceiveMessage", dlq, consume, dlqPol, true), judge.ImplicitlyDenied},
		row{"consumer on another queue", req(consumerRole, "sqs:ReceiveMessage", other, consume, otherPol, true), judge.ImplicitlyDenied},
		row{"consumer on another queue", req(consumerRole, "sqs:DeleteMessage", other, consume, otherPol, true), judge.ImplicitlyDenied},
		row{"consumer sending", req(consumerRole, "sqs:SendMessage", jobs, consume, jobsPol, true), judge.ImplicitlyDenied},
		row{"consumer purging", req(consumerRole, "sqs:PurgeQueue", jobs, consume, jobsPol, true), judge.ImplicitlyDenied},
		row{"consumer reconfiguring", req(consumerRole, "sqs:SetQueueAttributes", jobs, consume, jobsPol, true), judge.ImplicitlyDenied},
		row{"consumer deleting the queue", req(consumerRole, "sqs:DeleteQueue", jobs, consume, jobsPol, true), judge.ImplicitlyDenied},

		row{"producer", req(producerRole, "sqs:SendMessage", jobs, send, jobsPol, true), judge.Allowed},
		row{"producer without TLS", req(producerRole, "sqs:SendMessage", jobs, send, jobsPol, false), judge.ExplicitlyDenied},
		row{"producer receiving", req(producerRole, "sqs:ReceiveMessage", jobs, send, jobsPol, true), judge.ImplicitlyDenied},
		row{"producer on the dead-letter queue", req(producerRole, "sqs:SendMessage", dlq, send, dlqPol, true), judge.ImplicitlyDenied},

		row{"ops starts a redrive", req(opsRole, "sqs:StartMessageMoveTask", dlq, redrive, dlqPol, true), judge.Allowed},
		row{"ops lists redrives", req(opsRole, "sqs:ListMessageMoveTasks", dlq, redrive, dlqPol, true), judge.Allowed},
		row{"ops cancels a redrive", req(opsRole, "sqs:CancelMessageMoveTask", dlq, redrive, dlqPol, true), judge.Allowed},
		row{"ops reads dead letters", req(opsRole, "sqs:ReceiveMessage", dlq, redrive, dlqPol, true), judge.Allowed},
		row{"redrive writes the source", req(opsRole, "sqs:SendMessage", jobs, redrive, jobsPol, true), judge.Allowed},
		row{"ops without TLS", req(opsRole, "sqs:StartMessageMoveTask", dlq, redrive, dlqPol, false), judge.ExplicitlyDenied},
		row{"ops cannot redrive the source", req(opsRole, "sqs:StartMessageMoveTask", jobs, redrive, jobsPol, true), judge.ImplicitlyDenied},
		row{"ops cannot read the source", req(opsRole, "sqs:ReceiveMessage", jobs, redrive, jobsPol, true), judge.ImplicitlyDenied},

		// Another account's role, even with an identity policy of its own, gets nothing: the
		// queue policy grants no cross-account access.
		row{"another account", req("arn:aws:iam::210987654321:role/intruder", "sqs:SendMessage", jobs,
			[]json.RawMessage{json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)}, jobsPol, true), judge.ImplicitlyDenied},
	)
	simulate(t, rows)
}

func TestSenderWithSimulator(t *testing.T) {
	p := world(t, QueueArgs{})
	jobs, dlq := arnOf(t, p, queueType, "jobs"), arnOf(t, p, queueType, "jobs-dlq")
	jobsPol, dlqPol := resourcePolicy(t, p, "jobs-policy"), resourcePolicy(t, p, "jobs-dlq-policy")
	ctx := func(rule, account string, secure bool) map[string]any {
		m := tls(secure)
		m["aws:SourceArn"] = rule
		m["aws:SourceAccount"] = account
		return m
	}
	svc := func(action, resource string, rp json.RawMessage, c map[string]any) judge.IAMRequest {
		return judge.IAMRequest{Principal: "events.amazonaws.com", Action: action, Resource: resource, ResourcePolicy: rp, Context: c}
	}
	simulate(t, []row{
		{"the rule", svc("sqs:SendMessage", jobs, jobsPol, ctx(ruleArn, judge.Account, true)), judge.Allowed},
		{"the rule without TLS", svc("sqs:SendMessage", jobs, jobsPol, ctx(ruleArn, judge.Account, false)), judge.ExplicitlyDenied},
		{"another rule", svc("sqs:SendMessage", jobs, jobsPol, ctx("arn:aws:events:us-east-1:123456789012:rule/other", judge.Account, true)), judge.ImplicitlyDenied},
		{"the rule's name in another account", svc("sqs:SendMessage", jobs, jobsPol, ctx("arn:aws:events:us-east-1:210987654321:rule/objects-created", "210987654321", true)), judge.ImplicitlyDenied},
		{"the rule receiving", svc("sqs:ReceiveMessage", jobs, jobsPol, ctx(ruleArn, judge.Account, true)), judge.ImplicitlyDenied},
		{"the rule on the dead-letter queue", svc("sqs:SendMessage", dlq, dlqPol, ctx(ruleArn, judge.Account, true)), judge.ImplicitlyDenied},
	})
}

func TestKMSGrantsWithSimulator(t *testing.T) {
	p := world(t, QueueArgs{KmsKeyArn: pulumi.String(keyArn)})
	otherKey := "arn:aws:kms:us-east-1:123456789012:key/ffffffff-12ab-34cd-56ef-1234567890ab"
	consumerRole := arnOf(t, p, "aws:iam/role:Role", "consumer-role")
	producerRole := arnOf(t, p, "aws:iam/role:Role", "producer-role")
	opsRole := arnOf(t, p, "aws:iam/role:Role", "ops-role")
	consume := []json.RawMessage{policyOf(t, p, "consumer-jobs-subscription")}
	send := []json.RawMessage{policyOf(t, p, "producer-jobs-send")}
	redrive := []json.RawMessage{policyOf(t, p, "ops-jobs-redrive")}
	// KMS honours identity policies only when the key policy delegates to the account: this is
	// the default key policy AWS gives a key created without one. (Without it the simulator
	// denies every request here, as KMS would.)
	keyPolicy := json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`)
	r := func(principal, action, key string, ids []json.RawMessage) judge.IAMRequest {
		return judge.IAMRequest{Principal: principal, Action: action, Resource: key, IdentityPolicies: ids, ResourcePolicy: keyPolicy}
	}
	simulate(t, []row{
		{"consumer decrypts", r(consumerRole, "kms:Decrypt", keyArn, consume), judge.Allowed},
		{"consumer cannot encrypt", r(consumerRole, "kms:GenerateDataKey", keyArn, consume), judge.ImplicitlyDenied},
		{"consumer and another key", r(consumerRole, "kms:Decrypt", otherKey, consume), judge.ImplicitlyDenied},
		{"producer encrypts", r(producerRole, "kms:GenerateDataKey", keyArn, send), judge.Allowed},
		{"producer decrypts", r(producerRole, "kms:Decrypt", keyArn, send), judge.Allowed},
		{"producer cannot manage the key", r(producerRole, "kms:ScheduleKeyDeletion", keyArn, send), judge.ImplicitlyDenied},
		{"redrive decrypts", r(opsRole, "kms:Decrypt", keyArn, redrive), judge.Allowed},
		{"redrive encrypts", r(opsRole, "kms:GenerateDataKey", keyArn, redrive), judge.Allowed},
	})
}

func TestGrantActions(t *testing.T) {
	p := world(t, QueueArgs{})
	jobs, dlq := arnOf(t, p, queueType, "jobs"), arnOf(t, p, queueType, "jobs-dlq")
	check := func(name string, want map[string][]string) {
		var d doc
		if err := json.Unmarshal(policyOf(t, p, name), &d); err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, s := range d.Statement {
			for _, r := range list(s.Resource) {
				got[r] = append(got[r], list(s.Action)...)
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
	check("producer-jobs-send", map[string][]string{jobs: SendActions})
	check("consumer-jobs-subscription", map[string][]string{jobs: ConsumeActions})
	check("ops-jobs-redrive", map[string][]string{dlq: RedriveActions, jobs: {"sqs:SendMessage", "sqs:GetQueueAttributes"}})
}
