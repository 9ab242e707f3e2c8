package bucket

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/judge"
	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/queue"
	"github.com/skeinhq/skein/components/worker"
	"github.com/skeinhq/skein/components/workflow"
)

const echoHandler = "./components/worker/testdata/echo"

// pipeline is the flow with the real components: a bucket whose "incoming/" objects go to
// a queue (rule first, then the queue admitting the rule, then SendTo), whose "*.json" objects in
// "manifests/" start a workflow, and whose removals invoke a worker; the worker writes back to the
// bucket, which is the cycle S3 → Lambda notifications would create.
func pipeline(t *testing.T) *plan.Plan {
	t.Helper()
	return mustRun(t, plan.Options{}, func(ctx *pulumi.Context) error {
		b, err := NewBucket(ctx, "raw", nil)
		if err != nil {
			return err
		}
		created, err := b.OnObjectCreated("incoming", &EventArgs{Prefix: "incoming/"})
		if err != nil {
			return err
		}
		dlq, err := queue.NewQueue(ctx, "undelivered", &queue.QueueArgs{Senders: []queue.Sender{{Service: "events.amazonaws.com", SourceArn: created.RuleArn}}})
		if err != nil {
			return err
		}
		q, err := queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Senders: []queue.Sender{{Service: "events.amazonaws.com", SourceArn: created.RuleArn}}})
		if err != nil {
			return err
		}
		if _, err := created.SendTo(q, &TargetArgs{DeadLetterQueueArn: dlq.Arn, MaxRetries: 10, MaxEventAge: time.Hour}); err != nil {
			return err
		}

		manifests, err := b.OnObjectCreated("manifests", &EventArgs{Prefix: "manifests/", Suffix: ".json"})
		if err != nil {
			return err
		}
		wf, err := workflow.NewWorkflow(ctx, "ingest", &workflow.WorkflowArgs{Definition: workflow.Definition{
			StartAt: "Done", States: workflow.States{"Done": &workflow.Succeed{}},
		}})
		if err != nil {
			return err
		}
		if _, err := manifests.SendTo(wf, nil); err != nil {
			return err
		}

		removed, err := b.OnObjectRemoved("removed", nil)
		if err != nil {
			return err
		}
		w, err := worker.NewWorker(ctx, "audit", &worker.WorkerArgs{Package: echoHandler, Root: judge.Root(t)})
		if err != nil {
			return err
		}
		if _, err := b.GrantWrite(w, "audit/"); err != nil {
			return err
		}
		_, err = removed.SendTo(w, &TargetArgs{NoRetries: true})
		return err
	})
}

type pattern struct {
	Source     []string `json:"source"`
	DetailType []string `json:"detail-type"`
	Detail     struct {
		Bucket struct {
			Name []string `json:"name"`
		} `json:"bucket"`
		Object *struct {
			Key []map[string]string `json:"key"`
		} `json:"object"`
	} `json:"detail"`
}

func TestEvents(t *testing.T) {
	p := pipeline(t)
	bucketName := p.Find(tBucketV2, "raw").Outputs["bucket"].(string)

	// Rules: one per event, on the default bus, matching this bucket only.
	wantKeys := map[string]map[string]string{
		"raw-incoming":  {"prefix": "incoming/"},
		"raw-manifests": {"wildcard": "manifests/*.json"},
		"raw-removed":   nil,
	}
	wantDetail := map[string]string{"raw-incoming": DetailObjectCreated, "raw-manifests": DetailObjectCreated, "raw-removed": DetailObjectDeleted}
	rules := p.OfType(tRule)
	if len(rules) != 3 {
		t.Fatalf("%d rules, want 3", len(rules))
	}
	for _, r := range rules {
		if r.Parent == nil || r.Parent.Type != Type || r.Get("eventBusName") != nil {
			t.Errorf("rule %s parent %v bus %v", r.Name, r.Parent, r.Get("eventBusName"))
		}
		var pt pattern
		if err := r.Json("eventPattern", &pt); err != nil {
			t.Fatal(err)
		}
		if len(pt.Source) != 1 || pt.Source[0] != "aws.s3" || len(pt.DetailType) != 1 || pt.DetailType[0] != wantDetail[r.Name] {
			t.Errorf("rule %s pattern %s", r.Name, r.String("eventPattern"))
		}
		if len(pt.Detail.Bucket.Name) != 1 || pt.Detail.Bucket.Name[0] != bucketName {
			t.Errorf("rule %s matches bucket %v, want %s", r.Name, pt.Detail.Bucket.Name, bucketName)
		}
		want := wantKeys[r.Name]
		switch {
		case want == nil && pt.Detail.Object != nil:
			t.Errorf("rule %s filters keys: %v", r.Name, pt.Detail.Object.Key)
		case want != nil && (pt.Detail.Object == nil || len(pt.Detail.Object.Key) != 1 || !equalMaps(pt.Detail.Object.Key[0], want)):
			t.Errorf("rule %s key filter %s, want %v", r.Name, r.String("eventPattern"), want)
		}
	}

	// Queue target: no role (SQS takes EventBridge through its policy), retries and DLQ set.
	jobs := p.Find("aws:sqs/queue:Queue", "jobs")
	tq := p.Find(tTarget, "raw-incoming-target")
	if tq.String("arn") != jobs.Arn() || tq.Get("roleArn") != nil {
		t.Errorf("queue target arn=%v roleArn=%v", tq.Get("arn"), tq.Get("roleArn"))
	}
	if tq.Get("retryPolicy.maximumRetryAttempts") != 10.0 || tq.Get("retryPolicy.maximumEventAgeInSeconds") != 3600.0 {
		t.Errorf("retry policy %v", tq.Get("retryPolicy"))
	}
	if tq.String("deadLetterConfig.arn") != p.Find("aws:sqs/queue:Queue", "undelivered").Arn() {
		t.Errorf("dead letter %v", tq.Get("deadLetterConfig"))
	}
	if tq.String("rule") != p.Find(tRule, "raw-incoming").Outputs["name"] {
		t.Errorf("target rule %q", tq.String("rule"))
	}

	// Workflow target: a role only EventBridge can assume, for this rule, allowed to start it.
	tw := p.Find(tTarget, "raw-manifests-target")
	role := p.Find(tRole, "raw-manifests-target-role")
	sm := p.Find("aws:sfn/stateMachine:StateMachine", "ingest")
	if role == nil || sm == nil {
		t.Fatal("no delivery role or state machine")
	}
	if tw.String("arn") != sm.Arn() || tw.String("roleArn") != role.Arn() {
		t.Errorf("workflow target arn=%v roleArn=%v", tw.Get("arn"), tw.Get("roleArn"))
	}
	if tw.Get("retryPolicy.maximumRetryAttempts") != 185.0 || tw.Get("retryPolicy.maximumEventAgeInSeconds") != 86400.0 || tw.Get("deadLetterConfig") != nil {
		t.Errorf("default retry policy %v, dead letter %v", tw.Get("retryPolicy"), tw.Get("deadLetterConfig"))
	}
	var trust testkit.Document
	if err := role.Json("assumeRolePolicy", &trust); err != nil {
		t.Fatal(err)
	}
	ruleArn := p.Find(tRule, "raw-manifests").Arn()
	if len(trust.Statement) != 1 || trust.Statement[0].Condition["ArnEquals"]["aws:SourceArn"] != ruleArn ||
		trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"] != plan.DefaultAccount {
		t.Errorf("trust policy %s", role.String("assumeRolePolicy"))
	}
	var deliver testkit.Document
	if err := p.Find(tRolePolicy, "raw-manifests-target-role-deliver").Json("policy", &deliver); err != nil {
		t.Fatal(err)
	}
	if len(deliver.Statement) != 1 || deliver.Statement[0].Action != "states:StartExecution" || deliver.Statement[0].Resource != sm.Arn() {
		t.Errorf("delivery policy %+v", deliver.Statement)
	}

	// Worker target: a lambda permission for EventBridge from this rule, no role, no retries.
	tl := p.Find(tTarget, "raw-removed-target")
	fn := p.Find("aws:lambda/function:Function", "audit")
	if tl.String("arn") != fn.Arn() || tl.Get("roleArn") != nil || tl.Get("retryPolicy.maximumRetryAttempts") != 0.0 {
		t.Errorf("worker target %v", tl.Inputs)
	}
	var perm *plan.Resource
	for _, r := range p.OfType("aws:lambda/permission:Permission") {
		if r.String("sourceArn") == p.Find(tRule, "raw-removed").Arn() {
			perm = r
		}
	}
	if perm == nil || perm.String("principal") != "events.amazonaws.com" || perm.String("function") != fn.Outputs["name"] {
		t.Errorf("lambda permission %+v", perm)
	}
	if n := len(p.OfType(tRole)); n != 3 { // the worker's, the workflow's, the delivery role
		t.Errorf("%d roles, want 3", n)
	}
	// No direct S3 → Lambda/SQS notification: the only notification is EventBridge.
	notes := p.OfType(tNotification)
	if len(notes) != 1 || notes[0].Get("lambdaFunctions") != nil || notes[0].Get("queues") != nil {
		t.Errorf("notifications %v", notes)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// rawIn creates the bucket "raw" and its object-created event "in".
func rawIn(ctx *pulumi.Context) (*Bucket, *Event, error) {
	b, err := NewBucket(ctx, "raw", nil)
	if err != nil {
		return nil, nil, err
	}
	ev, err := b.OnObjectCreated("in", nil)
	return b, ev, err
}

func TestFIFOQueueTarget(t *testing.T) {
	run := func(group string) (*plan.Plan, error) {
		return plan.Run(func(ctx *pulumi.Context) error {
			_, ev, err := rawIn(ctx)
			if err != nil {
				return err
			}
			q, err := queue.NewQueue(ctx, "ordered", &queue.QueueArgs{Fifo: true, ContentBasedDeduplication: true,
				Senders: []queue.Sender{{Service: "events.amazonaws.com", SourceArn: ev.RuleArn}}})
			if err != nil {
				return err
			}
			_, err = ev.SendTo(q, &TargetArgs{MessageGroupId: group})
			return err
		}, plan.Options{})
	}
	p, err := run("")
	if err == nil || !strings.Contains(err.Error(), "MessageGroupId is required for a FIFO queue") || p.Find(tTarget, "raw-in-target") != nil {
		t.Fatalf("a FIFO target without a group id: %v", err)
	}
	p, err = run("objects")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Find(tTarget, "raw-in-target").String("sqsTarget.messageGroupId"); got != "objects" {
		t.Errorf("messageGroupId = %q", got)
	}
}

// TestQueueAdmitsOnlyItsRule asks the judge whether the queue policy built from Event.RuleArn lets
// EventBridge deliver for this rule, and not for another.
func TestQueueAdmitsOnlyItsRule(t *testing.T) {
	p := pipeline(t)
	jobs := p.Find("aws:sqs/queue:Queue", "jobs").Arn()
	qp := p.Find("aws:sqs/queuePolicy:QueuePolicy", "jobs-policy")
	if qp == nil {
		t.Fatal("no queue policy for jobs")
	}
	send := func(rule string) judge.IAMRequest {
		return judge.IAMRequest{
			Principal: "events.amazonaws.com", Action: "sqs:SendMessage", Resource: jobs,
			Context:        map[string]any{"aws:SourceArn": rule, "aws:SourceAccount": plan.DefaultAccount, "aws:SecureTransport": "true"},
			ResourcePolicy: json.RawMessage(qp.String("policy")),
		}
	}
	judge.Expect(t, []judge.Case{
		{What: "its rule", Req: send(p.Find(tRule, "raw-incoming").Arn()), Want: judge.Allowed},
		{What: "another rule", Req: send(p.Find(tRule, "raw-manifests").Arn()), Want: judge.ImplicitlyDenied},
	})
}

// fakeTarget is a target of our own making, for the classification rules only.
type fakeTarget struct{ stmts []policy.Statement }

func (f fakeTarget) TargetArn() pulumi.StringOutput {
	return pulumi.String("arn:aws:sns:us-east-1:123456789012:t").ToStringOutput()
}
func (f fakeTarget) DeliverStatements() []policy.Statement { return f.stmts }

func TestDeliveryOf(t *testing.T) {
	tests := []struct {
		t    policy.Target
		want Delivery
	}{
		{act("sqs:SendMessage"), ByResourcePolicy},
		{act("sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt"), ByResourcePolicy},
		{act("sns:Publish"), ByResourcePolicy},
		{act("states:StartExecution"), ByRole},
		{act("kms:Decrypt"), ByRole},
		{act("sqs:SendMessage", "states:StartExecution"), ByRole},
		{fakeTarget{}, ByRole},
	}
	for _, tt := range tests {
		if got := DeliveryOf(tt.t); got != tt.want {
			t.Errorf("DeliveryOf(%v) = %s, want %s", tt.t.DeliverStatements(), got, tt.want)
		}
	}
}

func TestPattern(t *testing.T) {
	tests := []struct{ prefix, suffix, want string }{
		{"", "", `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["b"]}}}`},
		{"raw/", "", `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["b"]},"object":{"key":[{"prefix":"raw/"}]}}}`},
		{"", ".json", `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["b"]},"object":{"key":[{"suffix":".json"}]}}}`},
		{`a\b/`, ".json", `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["b"]},"object":{"key":[{"wildcard":"a\\\\b/*.json"}]}}}`},
	}
	for _, tt := range tests {
		got, err := Pattern("b", DetailObjectCreated, tt.prefix, tt.suffix)
		if err != nil || got != tt.want {
			t.Errorf("Pattern(%q, %q) = %s, %v\nwant %s", tt.prefix, tt.suffix, got, err, tt.want)
		}
	}
}

func TestEventValidation(t *testing.T) {
	tests := []struct {
		name  string
		run   func(b *Bucket) error
		field string
		value string
		// want is how many rules, targets, roles and role policies the calls before the failing
		// one registered: the failing call must add none.
		want int
	}{
		{"event name", func(b *Bucket) error { _, err := b.OnObjectCreated("In_Coming", nil); return err }, "OnObject(In_Coming).name", `"In_Coming"`, 0},
		{"empty event name", func(b *Bucket) error { _, err := b.OnObjectCreated("", nil); return err }, "OnObject().name", `""`, 0},
		{"duplicate event", func(b *Bucket) error {
			if _, err := b.OnObjectCreated("in", nil); err != nil {
				return err
			}
			_, err := b.OnObjectRemoved("in", nil)
			return err
		}, "OnObject(in).name", `"in"`, 1},
		{"rule name too long", func(b *Bucket) error { _, err := b.OnObjectCreated(strings.Repeat("e", 40)+"x", nil); return err }, ".name", "eeee", 0},
		{"prefix wildcard", func(b *Bucket) error { _, err := b.OnObjectCreated("in", &EventArgs{Prefix: "in/*"}); return err }, "OnObject(in).Prefix", `"in/*"`, 0},
		{"suffix slash", func(b *Bucket) error { _, err := b.OnObjectCreated("in", &EventArgs{Suffix: "/x"}); return err }, "OnObject(in).Suffix", `"/x"`, 0},
		{"retries", func(b *Bucket) error { return sendTo(b, &TargetArgs{MaxRetries: 186}) }, "SendTo(target).MaxRetries", "186", 1},
		{"negative retries", func(b *Bucket) error { return sendTo(b, &TargetArgs{MaxRetries: -1}) }, "SendTo(target).MaxRetries", "-1", 1},
		{"retries and none", func(b *Bucket) error { return sendTo(b, &TargetArgs{MaxRetries: 3, NoRetries: true}) }, "SendTo(target).MaxRetries", "3", 1},
		{"event age short", func(b *Bucket) error { return sendTo(b, &TargetArgs{MaxEventAge: 30 * time.Second}) }, "SendTo(target).MaxEventAge", "30s", 1},
		{"event age long", func(b *Bucket) error { return sendTo(b, &TargetArgs{MaxEventAge: 25 * time.Hour}) }, "SendTo(target).MaxEventAge", "25h0m0s", 1},
		{"event age fraction", func(b *Bucket) error { return sendTo(b, &TargetArgs{MaxEventAge: 90500 * time.Millisecond}) }, "SendTo(target).MaxEventAge", "1m30.5s", 1},
		{"target name", func(b *Bucket) error { return sendTo(b, &TargetArgs{Name: "Bad"}) }, "SendTo(Bad).Name", `"Bad"`, 1},
		{"group id for a role target", func(b *Bucket) error { return sendTo(b, &TargetArgs{MessageGroupId: "g"}) }, "SendTo(target).MessageGroupId", `"g"`, 1},
		{"duplicate target", func(b *Bucket) error {
			ev, err := b.OnObjectCreated("in", nil)
			if err != nil {
				return err
			}
			if _, err := ev.SendTo(act("states:StartExecution"), nil); err != nil {
				return err
			}
			_, err = ev.SendTo(act("states:StartExecution"), nil)
			return err
		}, "SendTo(target).Name", `"target"`, 4},
		{"six targets", func(b *Bucket) error {
			ev, err := b.OnObjectCreated("in", nil)
			if err != nil {
				return err
			}
			for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
				if _, err := ev.SendTo(act("sqs:SendMessage"), &TargetArgs{Name: n}); err != nil {
					return err
				}
			}
			return nil
		}, "OnObject(in).SendTo(f)", "6", 6},
		{"wildcard delivery", func(b *Bucket) error {
			ev, err := b.OnObjectCreated("in", nil)
			if err != nil {
				return err
			}
			_, err = ev.SendTo(act("states:*"), nil)
			return err
		}, "SendTo(target)", "wildcard", 1},
		{"typed nil target", func(b *Bucket) error {
			ev, err := b.OnObjectCreated("in", nil)
			if err != nil {
				return err
			}
			_, err = ev.SendTo((*worker.Worker)(nil), nil)
			return err
		}, "OnObject(in).SendTo(target) needs a target", "", 1},
		{"nil grantee", func(b *Bucket) error { return errOf(b.GrantRead(nil)) }, "GrantRead", "", 0},
		{"grant prefix", func(b *Bucket) error {
			return errOf(b.GrantRead(policy.NewRoleGrantee(b.ctx, "r", pulumi.String("r"), nil), "raw/*"))
		}, "Grant(read).prefixes[0]", `"raw/*"`, 0},
		{"grant duplicate prefix", func(b *Bucket) error {
			return errOf(b.GrantList(policy.NewRoleGrantee(b.ctx, "r", pulumi.String("r"), nil), "raw/", "raw/"))
		}, "Grant(list).prefixes[1]", `"raw/"`, 0},
		{"grant access", func(b *Bucket) error {
			return errOf(b.Grant(policy.NewRoleGrantee(b.ctx, "r", pulumi.String("r"), nil), "admin"))
		}, "Grant.access", `"admin"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := plan.Run(func(ctx *pulumi.Context) error {
				b, err := NewBucket(ctx, "raw", nil)
				if err != nil {
					return err
				}
				return tt.run(b)
			}, plan.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			var fe *check.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("not a *check.FieldError: %v", err)
			}
			if !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.value) {
				t.Errorf("error %q does not name %s and %s", err, tt.field, tt.value)
			}
			n := 0
			for _, r := range p.Resources() {
				if r.Type == tRule || r.Type == tTarget || r.Type == tRole || r.Type == tRolePolicy {
					n++
				}
			}
			if n != tt.want || p.Len() != 9+n {
				t.Errorf("%d event resources of %d, want %d of %d", n, p.Len(), tt.want, 9+tt.want)
			}
		})
	}
}

func act(actions ...string) fakeTarget {
	return fakeTarget{[]policy.Statement{{Actions: actions, Resources: policy.Strings("arn:aws:states:us-east-1:123456789012:stateMachine:x")}}}
}

func sendTo(b *Bucket, args *TargetArgs) error {
	ev, err := b.OnObjectCreated("in", nil)
	if err != nil {
		return err
	}
	_, err = ev.SendTo(act("states:StartExecution"), args)
	return err
}

// A skein queue that does not admit the rule is an error at SendTo, naming the fix; a queue
// admitting another rule is not enough; AdmittedElsewhere is the escape hatch.
func TestQueueMustAdmitTheRule(t *testing.T) {
	run := func(admit func(ev, other *Event) []queue.Sender, args *TargetArgs) (*plan.Plan, error) {
		return plan.Run(func(ctx *pulumi.Context) error {
			b, ev, err := rawIn(ctx)
			if err != nil {
				return err
			}
			other, err := b.OnObjectRemoved("gone", nil)
			if err != nil {
				return err
			}
			q, err := queue.NewQueue(ctx, "jobs", &queue.QueueArgs{Senders: admit(ev, other)})
			if err != nil {
				return err
			}
			_, err = ev.SendTo(q, args)
			return err
		}, plan.Options{})
	}
	none := func(ev, other *Event) []queue.Sender { return nil }
	wrong := func(ev, other *Event) []queue.Sender {
		return []queue.Sender{{Service: "events.amazonaws.com", SourceArn: other.RuleArn}}
	}
	right := func(ev, other *Event) []queue.Sender {
		return []queue.Sender{{Service: "events.amazonaws.com", SourceArn: ev.RuleArn}}
	}
	for name, admit := range map[string]func(ev, other *Event) []queue.Sender{"no sender": none, "another rule": wrong} {
		p, err := run(admit, nil)
		var fe *check.FieldError
		if !errors.As(err, &fe) || fe.Field != "OnObject(in).SendTo(target)" || !strings.Contains(fe.Rule, "QueueArgs.Senders") {
			t.Errorf("%s: %v", name, err)
		}
		if p.Find(tTarget, "raw-in-target") != nil {
			t.Errorf("%s: the target was created", name)
		}
	}
	if _, err := run(right, nil); err != nil {
		t.Errorf("an admitting queue: %v", err)
	}
	if _, err := run(none, &TargetArgs{AdmittedElsewhere: true}); err != nil {
		t.Errorf("AdmittedElsewhere: %v", err)
	}
}
