package queue

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/budget"
	"github.com/skeinhq/skein/components/internal/testkit"
	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/policy"
)

const (
	queueType  = "aws:sqs/queue:Queue"
	policyType = "aws:sqs/queuePolicy:QueuePolicy"
	allowType  = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	alarmType  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	esmType    = "aws:lambda/eventSourceMapping:EventSourceMapping"
	rpType     = "aws:iam/rolePolicy:RolePolicy"
	keyArn     = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	fnArn      = "arn:aws:lambda:us-east-1:123456789012:function:consumer"
)

// consumer is a Lambda function known by its ARN whose role is a real aws:iam/role:Role, so
// grants land as recorded RolePolicy resources ("consumer-<name>").
type consumer struct {
	*policy.RoleGrantee
	arn      string
	timeout  time.Duration
	reserved int
}

func (c *consumer) TargetArn() pulumi.StringOutput   { return pulumi.String(c.arn).ToStringOutput() }
func (c *consumer) FunctionArn() pulumi.StringOutput { return c.TargetArn() }
func (c *consumer) FunctionName() string             { return c.arn }
func (c *consumer) FunctionTimeout() time.Duration   { return c.timeout }
func (c *consumer) ReservedConcurrency() int         { return c.reserved }
func (c *consumer) BudgetDraw() *budget.Draw         { return nil }
func (c *consumer) DeliverStatements() []policy.Statement {
	return []policy.Statement{{Actions: []string{"lambda:InvokeFunction"}, Resources: policy.Strings(c.arn)}}
}
func newConsumer(ctx *pulumi.Context, timeout time.Duration, reserved int) (*consumer, error) {
	role, err := iam.NewRole(ctx, "consumer-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		return nil, err
	}
	return &consumer{RoleGrantee: policy.NewRoleGrantee(ctx, "consumer", role.Name, nil), arn: fnArn, timeout: timeout, reserved: reserved}, nil
}

// consumerAndQueue builds a consumer (see newConsumer) and a queue named jobs with args.
func consumerAndQueue(ctx *pulumi.Context, timeout time.Duration, reserved int, args *QueueArgs) (*consumer, *Queue, error) {
	c, err := newConsumer(ctx, timeout, reserved)
	if err != nil {
		return nil, nil, err
	}
	q, err := NewQueue(ctx, "jobs", args)
	return c, q, err
}

func run(t *testing.T, config map[string]string, program pulumi.RunFunc) (*plan.Plan, error) {
	t.Helper()
	return plan.Run(program, plan.Options{Config: config})
}

func mustRun(t *testing.T, program pulumi.RunFunc) *plan.Plan {
	t.Helper()
	p, err := run(t, nil, program)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func num(r *plan.Resource, path string) float64 {
	f, _ := r.Get(path).(float64)
	return f
}

func decode(t *testing.T, r *plan.Resource) testkit.Document {
	t.Helper()
	var d testkit.Document
	if err := r.Json("policy", &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDefaults(t *testing.T) {
	var q *Queue
	p := mustRun(t, func(ctx *pulumi.Context) error {
		var err error
		q, err = NewQueue(ctx, "jobs", nil)
		return err
	})
	comp := p.Find(Type, "jobs")
	if comp == nil {
		t.Fatal("no component")
	}
	main, dlq := p.Find(queueType, "jobs"), p.Find(queueType, "jobs-dlq")
	if main == nil || dlq == nil {
		t.Fatalf("queues missing: %v %v", main, dlq)
	}
	kids := p.ChildrenOf(Type, "jobs")
	if len(kids) != 7 {
		var names []string
		for _, k := range kids {
			names = append(names, k.Type+" "+k.Name)
		}
		t.Errorf("children %v, want 2 queues, 2 policies, 1 redrive-allow policy, 2 alarms", names)
	}
	for path, want := range map[string]float64{
		"visibilityTimeoutSeconds": 180, // 6 x 30 s
		"messageRetentionSeconds":  4 * 86400,
		"receiveWaitTimeSeconds":   20,
		"maxMessageSize":           262144,
		"delaySeconds":             0,
	} {
		if got := num(main, path); got != want {
			t.Errorf("queue %s = %v, want %v", path, got, want)
		}
	}
	if num(dlq, "messageRetentionSeconds") != 14*86400 {
		t.Errorf("dlq retention %v", dlq.Get("messageRetentionSeconds"))
	}
	for _, r := range []*plan.Resource{main, dlq} {
		if r.Get("sqsManagedSseEnabled") != true || r.Get("kmsMasterKeyId") != nil {
			t.Errorf("%s: want SSE-SQS, got %v / %v", r.Name, r.Get("sqsManagedSseEnabled"), r.Get("kmsMasterKeyId"))
		}
		if r.Get("fifoQueue") != nil {
			t.Errorf("%s: fifoQueue set on a standard queue", r.Name)
		}
		if r.String("tags.skein:component") != "jobs" || r.String("tags.skein:stage") != "test" {
			t.Errorf("%s tags %v", r.Name, r.Get("tags"))
		}
		if r.Parent == nil || r.Parent.Type != Type || r.Parent.Name != "jobs" {
			t.Errorf("%s parent %v", r.Name, r.Parent)
		}
		if r.Protect {
			t.Errorf("%s protected outside production", r.Name)
		}
	}
	var rp struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     any    `json:"maxReceiveCount"`
	}
	if err := main.Json("redrivePolicy", &rp); err != nil {
		t.Fatal(err)
	}
	if rp.DeadLetterTargetArn != dlq.Arn() || rp.MaxReceiveCount != 5.0 {
		t.Errorf("redrive policy %+v (dlq %s); maxReceiveCount must be the number 5", rp, dlq.Arn())
	}
	allow := p.Find(allowType, "jobs-dlq-redrive-allow")
	var ra struct {
		RedrivePermission string   `json:"redrivePermission"`
		SourceQueueArns   []string `json:"sourceQueueArns"`
	}
	if err := allow.Json("redriveAllowPolicy", &ra); err != nil {
		t.Fatal(err)
	}
	if ra.RedrivePermission != "byQueue" || !slices.Equal(ra.SourceQueueArns, []string{main.Arn()}) || allow.String("queueUrl") != dlq.Outputs["url"] {
		t.Errorf("redrive allow policy %+v on %s", ra, allow.String("queueUrl"))
	}
	for name, r := range map[string]*plan.Resource{"jobs-policy": main, "jobs-dlq-policy": dlq} {
		pol := p.Find(policyType, name)
		if pol.String("queueUrl") != r.Outputs["url"] {
			t.Errorf("%s attached to %s", name, pol.String("queueUrl"))
		}
		d := decode(t, pol)
		if len(d.Statement) != 1 {
			t.Fatalf("%s: %d statements", name, len(d.Statement))
		}
		s := d.Statement[0]
		if s.Effect != "Deny" || s.Principal != "*" || testkit.Strings(s.Resource)[0] != r.Arn() || s.Condition["Bool"]["aws:SecureTransport"] != "false" {
			t.Errorf("%s: %+v", name, s)
		}
	}
	dla, age := p.Find(alarmType, "jobs-dlq-alarm"), p.Find(alarmType, "jobs-age-alarm")
	if dla.String("dimensions.QueueName") != dlq.Outputs["name"] || dla.String("metricName") != "ApproximateNumberOfMessagesVisible" ||
		num(dla, "threshold") != 0 || dla.String("comparisonOperator") != "GreaterThanThreshold" {
		t.Errorf("dlq alarm %v", dla.Inputs)
	}
	if age.String("dimensions.QueueName") != main.Outputs["name"] || age.String("metricName") != "ApproximateAgeOfOldestMessage" || num(age, "threshold") != 900 {
		t.Errorf("age alarm %v", age.Inputs)
	}
	if a := dla.Get("alarmActions"); a != nil && len(a.([]any)) != 0 {
		t.Errorf("no topic configured, yet alarm actions %v", a)
	}
	wantCmd := fmt.Sprintf("aws sqs start-message-move-task --source-arn %s --destination-arn %s --region us-east-1", dlq.Arn(), main.Arn())
	if comp.Outputs["redriveCommand"] != wantCmd {
		t.Errorf("redriveCommand %v, want %s", comp.Outputs["redriveCommand"], wantCmd)
	}
	if !strings.Contains(dla.String("alarmDescription"), wantCmd) {
		t.Errorf("dlq alarm description lacks the redrive command: %s", dla.String("alarmDescription"))
	}
	for k, want := range map[string]any{"arn": main.Arn(), "url": main.Outputs["url"], "name": main.Outputs["name"],
		"deadLetterArn": dlq.Arn(), "deadLetterUrl": dlq.Outputs["url"], "deadLetterName": dlq.Outputs["name"]} {
		if comp.Outputs[k] != want {
			t.Errorf("output %s = %v, want %v", k, comp.Outputs[k], want)
		}
	}
	if q.VisibilityTimeout() != 3*time.Minute || q.Fifo() {
		t.Errorf("visibility %v fifo %v", q.VisibilityTimeout(), q.Fifo())
	}
}

func TestTwoQueuesDoNotCollide(t *testing.T) {
	p := mustRun(t, func(ctx *pulumi.Context) error {
		if _, err := NewQueue(ctx, "a", nil); err != nil {
			return err
		}
		_, err := NewQueue(ctx, "b", nil)
		return err
	})
	if n := len(p.OfType(queueType)); n != 4 {
		t.Errorf("%d queues, want 4", n)
	}
	for _, r := range p.OfType(queueType) {
		if r.Get("name") != nil {
			t.Errorf("%s has a hard-coded physical name %v", r.Name, r.Get("name"))
		}
	}
}

func TestProductionProtectsBothQueues(t *testing.T) {
	p, err := run(t, map[string]string{"skein:production": "true", "skein:alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:ops"}, func(ctx *pulumi.Context) error {
		_, err := NewQueue(ctx, "jobs", nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.OfType(queueType) {
		if !r.Protect {
			t.Errorf("%s not protected in production", r.Name)
		}
	}
	for _, r := range p.OfType(alarmType) {
		for _, k := range []string{"alarmActions", "okActions"} {
			if got := testkit.Strings(r.Get(k)); !slices.Equal(got, []string{"arn:aws:sns:us-east-1:123456789012:ops"}) {
				t.Errorf("%s %s = %v, want the stage topic", r.Name, k, got)
			}
		}
	}
}

func TestAlarmOptions(t *testing.T) {
	p := mustRun(t, func(ctx *pulumi.Context) error {
		if _, err := NewQueue(ctx, "quiet", &QueueArgs{Alarms: alarm.Args{Disabled: true}}); err != nil {
			return err
		}
		_, err := NewQueue(ctx, "loud", &QueueArgs{OldestMessageAgeThreshold: time.Hour, Alarms: alarm.Args{TopicArn: pulumi.String("arn:aws:sns:us-east-1:123456789012:team")}})
		return err
	})
	for _, r := range p.OfType(alarmType) {
		if strings.HasPrefix(r.Name, "quiet") {
			t.Errorf("alarm %s created although disabled", r.Name)
		}
	}
	age := p.Find(alarmType, "loud-age-alarm")
	if num(age, "threshold") != 3600 || !slices.Equal(testkit.Strings(age.Get("alarmActions")), []string{"arn:aws:sns:us-east-1:123456789012:team"}) {
		t.Errorf("age alarm %v", age.Inputs)
	}
}

func TestFIFO(t *testing.T) {
	p := mustRun(t, func(ctx *pulumi.Context) error {
		_, err := NewQueue(ctx, "orders", &QueueArgs{Fifo: true, ContentBasedDeduplication: true,
			DeduplicationScope: DedupMessageGroup, ThroughputLimit: PerMessageGroupId})
		return err
	})
	main, dlq := p.Find(queueType, "orders"), p.Find(queueType, "orders-dlq")
	for _, r := range []*plan.Resource{main, dlq} {
		if r.Get("fifoQueue") != true || !strings.HasSuffix(r.Arn(), ".fifo") {
			t.Errorf("%s: fifoQueue %v arn %s", r.Name, r.Get("fifoQueue"), r.Arn())
		}
	}
	if main.Get("contentBasedDeduplication") != true || main.String("deduplicationScope") != "messageGroup" || main.String("fifoThroughputLimit") != "perMessageGroupId" {
		t.Errorf("fifo options %v", main.Inputs)
	}
	// Defaults of a plain FIFO queue.
	p = mustRun(t, func(ctx *pulumi.Context) error {
		_, err := NewQueue(ctx, "orders", &QueueArgs{Fifo: true})
		return err
	})
	main = p.Find(queueType, "orders")
	if main.Get("contentBasedDeduplication") != false || main.String("deduplicationScope") != "queue" || main.String("fifoThroughputLimit") != "perQueue" {
		t.Errorf("fifo defaults %v", main.Inputs)
	}
}

func TestKMS(t *testing.T) {
	p := mustRun(t, func(ctx *pulumi.Context) error {
		_, err := NewQueue(ctx, "secret", &QueueArgs{KmsKeyArn: pulumi.String(keyArn)})
		return err
	})
	for _, r := range p.OfType(queueType) {
		if r.String("kmsMasterKeyId") != keyArn || num(r, "kmsDataKeyReusePeriodSeconds") != 300 || r.Get("sqsManagedSseEnabled") != nil {
			t.Errorf("%s encryption %v", r.Name, r.Inputs)
		}
	}
}

func TestSenders(t *testing.T) {
	rule := "arn:aws:events:us-east-1:123456789012:rule/objects-created"
	p := mustRun(t, func(ctx *pulumi.Context) error {
		_, err := NewQueue(ctx, "jobs", &QueueArgs{Senders: []Sender{{Service: "events.amazonaws.com", SourceArn: pulumi.String(rule)}}})
		return err
	})
	d := decode(t, p.Find(policyType, "jobs-policy"))
	if len(d.Statement) != 2 {
		t.Fatalf("%d statements", len(d.Statement))
	}
	s := d.Statement[1]
	pr, _ := s.Principal.(map[string]any)
	if s.Effect != "Allow" || pr["Service"] != "events.amazonaws.com" || !slices.Equal(testkit.Strings(s.Action), []string{"sqs:SendMessage"}) ||
		s.Condition["ArnEquals"]["aws:SourceArn"] != rule || s.Condition["StringEquals"]["aws:SourceAccount"] != "123456789012" {
		t.Errorf("sender statement %+v", s)
	}
	// The dead-letter queue accepts no sender.
	if d := decode(t, p.Find(policyType, "jobs-dlq-policy")); len(d.Statement) != 1 {
		t.Errorf("dlq policy has %d statements", len(d.Statement))
	}
}

func TestTransforms(t *testing.T) {
	p := mustRun(t, func(ctx *pulumi.Context) error {
		_, err := NewQueue(ctx, "jobs", &QueueArgs{Transform: Transform{
			Queue:           func(a *sqs.QueueArgs) { a.DelaySeconds = pulumi.Int(7) },
			DeadLetterQueue: func(a *sqs.QueueArgs) { a.MaxMessageSize = pulumi.Int(2048) },
		}})
		return err
	})
	if num(p.Find(queueType, "jobs"), "delaySeconds") != 7 || num(p.Find(queueType, "jobs-dlq"), "maxMessageSize") != 2048 {
		t.Error("transforms not applied")
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name  string
		qname string
		args  QueueArgs
		field string
		value string
	}{
		{"name chars", "jobs.v2", QueueArgs{}, "name", `"jobs.v2"`},
		{"name length", strings.Repeat("q", 64), QueueArgs{}, "name", strings.Repeat("q", 64)},
		{"dedup on standard", "", QueueArgs{ContentBasedDeduplication: true}, "ContentBasedDeduplication", "true"},
		{"scope on standard", "", QueueArgs{DeduplicationScope: DedupMessageGroup}, "DeduplicationScope", `"messageGroup"`},
		{"limit on standard", "", QueueArgs{ThroughputLimit: PerQueue}, "ThroughputLimit", `"perQueue"`},
		{"bad scope", "", QueueArgs{Fifo: true, DeduplicationScope: "group"}, "DeduplicationScope", `"group"`},
		{"bad limit", "", QueueArgs{Fifo: true, ThroughputLimit: "fast"}, "ThroughputLimit", `"fast"`},
		{"high throughput needs group scope", "", QueueArgs{Fifo: true, ThroughputLimit: PerMessageGroupId}, "ThroughputLimit", `"perMessageGroupId"`},
		{"consumer timeout", "", QueueArgs{ConsumerTimeout: 16 * time.Minute}, "ConsumerTimeout", "16m0s"},
		{"consumer timeout fraction", "", QueueArgs{ConsumerTimeout: 1500 * time.Millisecond}, "ConsumerTimeout", "1.5s"},
		{"visibility", "", QueueArgs{VisibilityTimeout: 13 * time.Hour}, "VisibilityTimeout", "13h0m0s"},
		{"retention low", "", QueueArgs{MessageRetention: 30 * time.Second}, "MessageRetention", "30s"},
		{"retention high", "", QueueArgs{MessageRetention: 15 * 24 * time.Hour, DeadLetterRetention: MaxRetention}, "MessageRetention", "360h0m0s"},
		{"delay", "", QueueArgs{Delay: 16 * time.Minute}, "Delay", "16m0s"},
		{"message size low", "", QueueArgs{MaxMessageSize: 1000}, "MaxMessageSize", "1000"},
		{"message size high", "", QueueArgs{MaxMessageSize: 262145}, "MaxMessageSize", "262145"},
		{"receive wait", "", QueueArgs{ReceiveWaitTime: 21 * time.Second}, "ReceiveWaitTime", "21s"},
		{"max receive count", "", QueueArgs{MaxReceiveCount: 1001}, "MaxReceiveCount", "1001"},
		{"dlq retention range", "", QueueArgs{DeadLetterRetention: 20 * 24 * time.Hour}, "DeadLetterRetention", "480h0m0s"},
		{"dlq shorter than source", "", QueueArgs{MessageRetention: 7 * 24 * time.Hour, DeadLetterRetention: 24 * time.Hour}, "DeadLetterRetention", "24h0m0s"},
		{"key reuse without key", "", QueueArgs{KmsDataKeyReuse: time.Hour}, "KmsDataKeyReuse", "1h0m0s"},
		{"key reuse range", "", QueueArgs{KmsKeyArn: pulumi.String(keyArn), KmsDataKeyReuse: 25 * time.Hour}, "KmsDataKeyReuse", "25h0m0s"},
		{"key alias", "", QueueArgs{KmsKeyArn: pulumi.String("alias/aws/sqs")}, "KmsKeyArn", `"alias/aws/sqs"`},
		{"sender service", "", QueueArgs{Senders: []Sender{{Service: "events", SourceArn: pulumi.String("arn:x")}}}, "Senders[0].Service", `"events"`},
		{"sender arn", "", QueueArgs{Senders: []Sender{{Service: "events.amazonaws.com"}}}, "Senders[0].SourceArn", ""},
		{"alarm age low", "", QueueArgs{OldestMessageAgeThreshold: 30 * time.Second}, "OldestMessageAgeThreshold", "30s"},
		{"alarm age beyond retention", "", QueueArgs{MessageRetention: time.Hour, OldestMessageAgeThreshold: 2 * time.Hour}, "OldestMessageAgeThreshold", "2h0m0s"},
		{"subscription without consumer", "", QueueArgs{Subscription: &SubscribeArgs{}}, "Subscription", ""},
		{"typed nil consumer", "", QueueArgs{Consumer: (*consumer)(nil)}, "Consumer", ""},
		{"consumer timeout beyond Lambda's", "", QueueArgs{Consumer: &consumer{timeout: 2 * time.Hour}}, "Subscription.consumer", "2h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.qname
			if name == "" {
				name = "jobs"
			}
			args := tt.args
			p, err := run(t, nil, func(ctx *pulumi.Context) error {
				_, err := NewQueue(ctx, name, &args)
				return err
			})
			testkit.FieldError(t, err, `queue "`+name+`"`, tt.field, tt.value)
			if p.Len() != 0 {
				t.Errorf("%d resources registered despite the error", p.Len())
			}
		})
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	_, err := run(t, nil, func(ctx *pulumi.Context) error {
		_, err := NewQueue(ctx, "jobs", &QueueArgs{MaxReceiveCount: -1, Delay: time.Hour, MaxMessageSize: 1})
		return err
	})
	for _, f := range []string{"MaxReceiveCount", "Delay", "MaxMessageSize"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error lacks %s: %v", f, err)
		}
	}
}

func TestDeliverStatements(t *testing.T) {
	var plain, kms []policy.Statement
	mustRun(t, func(ctx *pulumi.Context) error {
		a, err := NewQueue(ctx, "a", nil)
		if err != nil {
			return err
		}
		b, err := NewQueue(ctx, "b", &QueueArgs{KmsKeyArn: pulumi.String(keyArn)})
		if err != nil {
			return err
		}
		plain, kms = a.DeliverStatements(), b.DeliverStatements()
		return nil
	})
	if len(plain) != 1 || !slices.Equal(plain[0].Actions, []string{"sqs:SendMessage"}) {
		t.Errorf("plain %+v", plain)
	}
	if len(kms) != 2 || !slices.Equal(kms[1].Actions, []string{"kms:GenerateDataKey", "kms:Decrypt"}) {
		t.Errorf("kms %+v", kms)
	}
}

func policyOf(t *testing.T, p *plan.Plan, name string) json.RawMessage {
	t.Helper()
	r := p.Find(rpType, name)
	if r == nil {
		var names []string
		for _, x := range p.OfType(rpType) {
			names = append(names, x.Name)
		}
		t.Fatalf("no role policy %s (have %v)", name, names)
	}
	return json.RawMessage(r.String("policy"))
}
