package queue

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/alarm"
	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/transform"
	"github.com/skeinhq/skein/components/policy"
	"github.com/skeinhq/skein/components/stage"
)

// Type is the queue component's type token.
const Type = "skein:aws:Queue"

// Limits SQS and Lambda enforce, checked before anything is created.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
const (
	MinRetention          = time.Minute
	MaxRetention          = 14 * 24 * time.Hour
	MaxVisibilityTimeout  = 12 * time.Hour
	MaxDelay              = 15 * time.Minute
	MinMessageSize        = 1024
	MaxMessageSize        = 262144
	MaxReceiveWait        = 20 * time.Second
	MinKeyReuse           = time.Minute
	MaxKeyReuse           = 24 * time.Hour
	MaxMaxReceiveCount    = 1000
	MinLambdaReceiveCount = 5
	// VisibilityFactor is Lambda's rule: a queue's visibility timeout is at least six times its
	// consumer's timeout (plus the batching window), so a batch that Lambda retries after a
	// throttle is not handed to a second invocation while the first may still run.
	// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
	VisibilityFactor = 6
	// MaxNameLength keeps the longest physical name (the FIFO dead-letter queue's auto-name,
	// name + "-dlq-" + 7 characters + ".fifo") within SQS's 80 characters.
	MaxNameLength = 63
)

// Defaults.
const (
	DefaultConsumerTimeout     = 30 * time.Second
	DefaultMaxReceiveCount     = 5
	DefaultRetention           = 4 * 24 * time.Hour
	DefaultDeadLetterRetention = MaxRetention
	DefaultReceiveWait         = MaxReceiveWait
	DefaultKeyReuse            = 5 * time.Minute
	DefaultOldestMessageAge    = 15 * time.Minute
)

// DeduplicationScope says whether FIFO deduplication applies per queue or per message group.
type DeduplicationScope string

// Deduplication scopes.
const (
	DedupQueue        DeduplicationScope = "queue"
	DedupMessageGroup DeduplicationScope = "messageGroup"
)

// ThroughputLimit says whether a FIFO queue's throughput quota applies per queue or per group.
type ThroughputLimit string

// Throughput limits. PerMessageGroupId with DedupMessageGroup is SQS's high throughput mode.
const (
	PerQueue          ThroughputLimit = "perQueue"
	PerMessageGroupId ThroughputLimit = "perMessageGroupId"
)

// Sender is an AWS service allowed to send to the queue on behalf of one resource: for example
// EventBridge ("events.amazonaws.com") for one rule. It becomes an Allow statement of the queue
// policy for that service principal, conditioned on aws:SourceArn and aws:SourceAccount, so no
// other rule or account can use the service to write to the queue (confused deputy).
type Sender struct {
	// Service is the service principal, such as "events.amazonaws.com" or "sns.amazonaws.com".
	Service string
	// SourceArn is the ARN of the resource that sends (the rule, the topic). Required.
	SourceArn pulumi.StringInput
}

// Transform holds one optional hook per child resource, applied right before it is created,
// after skein's choices; skein does not re-validate what they set. A nil hook leaves the child as
// skein built it. Subscriptions have their own (SubscribeArgs.Transform).
// For a child without a hook, or to change resource options rather than arguments, pass
// pulumi.Transforms (or pulumi.Transformations) in the component's options: they reach every
// child.
type Transform struct {
	// Queue is the SQS queue ("<queue>").
	Queue func(*sqs.QueueArgs)
	// DeadLetterQueue is the dead-letter SQS queue ("<queue>-dlq").
	DeadLetterQueue func(*sqs.QueueArgs)
	// QueuePolicy is the queue's policy ("<queue>-policy": TLS only, Senders).
	QueuePolicy func(*sqs.QueuePolicyArgs)
	// DeadLetterQueuePolicy is the dead-letter queue's TLS-only policy ("<queue>-dlq-policy").
	DeadLetterQueuePolicy func(*sqs.QueuePolicyArgs)
	// RedriveAllowPolicy lets only the queue use the dead-letter queue
	// ("<queue>-dlq-redrive-allow").
	RedriveAllowPolicy func(*sqs.RedriveAllowPolicyArgs)
	// DeadLetterAlarm is the alarm on the dead-letter queue's first message
	// ("<queue>-dlq-alarm").
	DeadLetterAlarm func(*cloudwatch.MetricAlarmArgs)
	// OldestMessageAgeAlarm is the backlog alarm ("<queue>-age-alarm").
	OldestMessageAgeAlarm func(*cloudwatch.MetricAlarmArgs)
}

// QueueArgs configure a queue. The zero value of every field is the default its comment names.
type QueueArgs struct {
	// Stage supplies tags, protection, region and the alarm topic; nil means stage.Load.
	Stage *stage.Stage

	// Fifo makes the queue and its dead-letter queue FIFO queues; zero means standard queues.
	Fifo bool
	// ContentBasedDeduplication (FIFO only) deduplicates on a SHA-256 of the body when the
	// sender gives no deduplication id; zero means senders must give one.
	ContentBasedDeduplication bool
	// DeduplicationScope (FIFO only): zero means DedupQueue.
	DeduplicationScope DeduplicationScope
	// ThroughputLimit (FIFO only): zero means PerQueue. PerMessageGroupId requires
	// DedupMessageGroup (high throughput mode).
	ThroughputLimit ThroughputLimit

	// Consumer, when set, is subscribed by NewQueue with Subscription, and the visibility
	// timeout derives from its FunctionTimeout and Subscription.BatchingWindow.
	Consumer Consumer
	// Subscription configures Consumer's subscription; nil means every SubscribeArgs default.
	Subscription *SubscribeArgs
	// ConsumerTimeout is the timeout of the function that will consume the queue through a later
	// Subscribe call (or outside skein), used to derive the visibility timeout when Consumer is
	// nil. Zero means 30 s (skein's worker default). Ignored when Consumer is set.
	ConsumerTimeout time.Duration
	// VisibilityTimeout: zero means derived, 6 x the consumer's timeout + its batching window.
	// An explicit value must be at least that when a consumer subscribes (the error says what is
	// required). Allowed 0..12 h, whole seconds.
	VisibilityTimeout time.Duration

	// MessageRetention: zero means 4 days; allowed 1 minute..14 days, whole seconds.
	MessageRetention time.Duration
	// Delay postpones the delivery of every message; zero means none; allowed 0..15 minutes.
	Delay time.Duration
	// MaxMessageSize in bytes: zero means 262144 (256 KiB); allowed 1024..262144.
	MaxMessageSize int
	// ReceiveWaitTime is the long-polling wait of ReceiveMessage calls that do not set one; zero
	// means 20 s (fewer empty receives); allowed 1..20 s. Lambda long-polls on its own.
	ReceiveWaitTime time.Duration

	// MaxReceiveCount is how many receives a message gets before it moves to the dead-letter
	// queue; zero means 5; allowed 1..1000, and at least 5 with a Lambda consumer.
	MaxReceiveCount int
	// DeadLetterRetention: zero means 14 days; allowed 1 minute..14 days, and for standard
	// queues at least MessageRetention (a standard message's age counts from its first enqueue,
	// so a shorter dead-letter retention would delete messages as they arrive).
	DeadLetterRetention time.Duration
	// DisableDeadLetterQueue is for a queue that is itself a dead-letter queue (a schedule's, a
	// pipe's): it gets no dead-letter queue of its own, no redrive policy, no dead-letter alarm
	// (the oldest-message alarm watches it: set OldestMessageAgeThreshold low to hear of the first
	// message), and its DeadLetter outputs and RedriveCommand are empty. Zero means a
	// dead-letter queue, "<name>-dlq". Conflicts with Consumer, Subscription, MaxReceiveCount,
	// DeadLetterRetention and the dead-letter Transform hooks; Subscribe and GrantRedrive refuse
	// such a queue.
	DisableDeadLetterQueue bool

	// KmsKeyArn, when set, encrypts both queues with that customer managed KMS key (its ARN, not
	// an alias, so grants can name it); nil means SQS-managed encryption (SSE-SQS). The key
	// policy must let the senders' service principals use it (see DeliverStatements).
	KmsKeyArn pulumi.StringInput
	// KmsDataKeyReuse: zero means 5 minutes; allowed 1 minute..24 hours. Only with KmsKeyArn.
	KmsDataKeyReuse time.Duration

	// Senders are the services allowed to send to the queue through its resource policy.
	Senders []Sender
	// Alarms turns the queue's alarms off or chooses their topic; zero means two alarms, on
	// the stage's topic: "<name>-dlq-alarm" when a message reaches the dead-letter queue
	// (ApproximateNumberOfMessagesVisible Maximum > 0 over one minute) and "<name>-age-alarm"
	// when the oldest message is older than OldestMessageAgeThreshold (three minutes in a row).
	Alarms alarm.Args
	// OldestMessageAgeThreshold is the age of the oldest message above which the backlog alarm
	// fires; zero means 15 minutes. Allowed 1 minute..the queue's retention (exclusive), whole
	// seconds.
	OldestMessageAgeThreshold time.Duration
	// Transform changes child resources' arguments just before they are created.
	Transform Transform
}

// Queue is an SQS queue with its dead-letter queue, TLS-only policies and alarms.
type Queue struct {
	pulumi.ResourceState

	// Arn, Url and Name identify the queue.
	Arn  pulumi.StringOutput `pulumi:"arn"`
	Url  pulumi.StringOutput `pulumi:"url"`
	Name pulumi.StringOutput `pulumi:"name"`
	// DeadLetterArn, DeadLetterUrl and DeadLetterName identify the dead-letter queue.
	DeadLetterArn  pulumi.StringOutput `pulumi:"deadLetterArn"`
	DeadLetterUrl  pulumi.StringOutput `pulumi:"deadLetterUrl"`
	DeadLetterName pulumi.StringOutput `pulumi:"deadLetterName"`
	// RedriveCommand is the AWS CLI command that moves the dead-letter queue's messages back
	// into the queue.
	RedriveCommand pulumi.StringOutput `pulumi:"redriveCommand"`

	Queue                 *sqs.Queue
	DeadLetterQueue       *sqs.Queue
	Policy                *sqs.QueuePolicy
	DeadLetterPolicy      *sqs.QueuePolicy
	RedriveAllowPolicy    *sqs.RedriveAllowPolicy
	DeadLetterAlarm       *cloudwatch.MetricAlarm // nil when alarms are disabled
	OldestMessageAgeAlarm *cloudwatch.MetricAlarm // nil when alarms are disabled

	ctx             *pulumi.Context
	name            string
	fifo            bool
	visibility      time.Duration
	visibilityGiven bool
	maxReceive      int
	noDeadLetter    bool
	kmsKey          pulumi.StringInput
	subscriptions   map[string]bool
	senders         []Sender
	tags            pulumi.StringMap
}

var (
	_ pulumi.ComponentResource = (*Queue)(nil)
	_ policy.Queue             = (*Queue)(nil)
)

var (
	nameRe    = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	serviceRe = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$`)
	kmsArnRe  = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$`)
)

// withDefaults returns a copy of the arguments with every default applied: the one place
// defaults live.
func (a QueueArgs) withDefaults() QueueArgs {
	if a.Fifo && a.DeduplicationScope == "" {
		a.DeduplicationScope = DedupQueue
	}
	if a.Fifo && a.ThroughputLimit == "" {
		a.ThroughputLimit = PerQueue
	}
	a.ConsumerTimeout = cmp.Or(a.ConsumerTimeout, DefaultConsumerTimeout)
	a.MessageRetention = cmp.Or(a.MessageRetention, DefaultRetention)
	a.MaxMessageSize = cmp.Or(a.MaxMessageSize, MaxMessageSize)
	a.ReceiveWaitTime = cmp.Or(a.ReceiveWaitTime, DefaultReceiveWait)
	a.MaxReceiveCount = cmp.Or(a.MaxReceiveCount, DefaultMaxReceiveCount)
	a.DeadLetterRetention = cmp.Or(a.DeadLetterRetention, DefaultDeadLetterRetention)
	if a.KmsKeyArn != nil && a.KmsDataKeyReuse == 0 {
		a.KmsDataKeyReuse = DefaultKeyReuse
	}
	a.OldestMessageAgeThreshold = cmp.Or(a.OldestMessageAgeThreshold, DefaultOldestMessageAge)
	return a
}

// visibilityFor is the visibility timeout a consumer with that timeout and batching window needs.
func visibilityFor(timeout, window time.Duration) time.Duration {
	return VisibilityFactor*timeout + window
}

func validate(c *check.Errors, name string, a QueueArgs) {
	if len(name) > MaxNameLength || !nameRe.MatchString(name) {
		c.Add("name", fmt.Sprintf("must be 1..%d letters, digits, - or _ (SQS queue names are at most 80 characters, and the dead-letter queue adds -dlq, a 7-character suffix and .fifo)", MaxNameLength), name)
	}
	if !a.Fifo {
		if a.ContentBasedDeduplication {
			c.Add("ContentBasedDeduplication", "applies only to FIFO queues (set FIFO)", true)
		}
		if a.DeduplicationScope != "" {
			c.Add("DeduplicationScope", "applies only to FIFO queues (set FIFO)", string(a.DeduplicationScope))
		}
		if a.ThroughputLimit != "" {
			c.Add("ThroughputLimit", "applies only to FIFO queues (set FIFO)", string(a.ThroughputLimit))
		}
	} else {
		c.OneOf("DeduplicationScope", string(a.DeduplicationScope), string(DedupQueue), string(DedupMessageGroup))
		c.OneOf("ThroughputLimit", string(a.ThroughputLimit), string(PerQueue), string(PerMessageGroupId))
		if a.ThroughputLimit == PerMessageGroupId && a.DeduplicationScope != DedupMessageGroup {
			c.Add("ThroughputLimit", "perMessageGroupId requires DeduplicationScope messageGroup (high throughput FIFO)", string(a.ThroughputLimit))
		}
	}
	c.Duration("ConsumerTimeout", a.ConsumerTimeout, time.Second, maxFunctionTimeout, time.Second)
	c.Duration("VisibilityTimeout", a.VisibilityTimeout, 0, MaxVisibilityTimeout, time.Second)
	c.Duration("MessageRetention", a.MessageRetention, MinRetention, MaxRetention, time.Second)
	c.Duration("Delay", a.Delay, 0, MaxDelay, time.Second)
	c.Int("MaxMessageSize", a.MaxMessageSize, MinMessageSize, MaxMessageSize)
	c.Duration("ReceiveWaitTime", a.ReceiveWaitTime, time.Second, MaxReceiveWait, time.Second)
	c.Int("MaxReceiveCount", a.MaxReceiveCount, 1, MaxMaxReceiveCount)
	c.Duration("DeadLetterRetention", a.DeadLetterRetention, MinRetention, MaxRetention, time.Second)
	if !a.Fifo && a.DeadLetterRetention < a.MessageRetention {
		c.Add("DeadLetterRetention", fmt.Sprintf("must be at least MessageRetention (%v): a standard queue's message keeps its first enqueue time in the dead-letter queue, so it would expire on arrival", a.MessageRetention), a.DeadLetterRetention)
	}
	if a.KmsKeyArn == nil {
		if a.KmsDataKeyReuse != 0 {
			c.Add("KmsDataKeyReuse", "applies only with KmsKeyArn", a.KmsDataKeyReuse)
		}
	} else {
		c.Duration("KmsDataKeyReuse", a.KmsDataKeyReuse, MinKeyReuse, MaxKeyReuse, time.Second)
		if s, ok := a.KmsKeyArn.(pulumi.String); ok && !kmsArnRe.MatchString(string(s)) {
			c.Add("KmsKeyArn", "must be a KMS key ARN (arn:aws:kms:region:account:key/id), not an alias or key id, so that grants can name it", string(s))
		}
	}
	for i, s := range a.Senders {
		f := fmt.Sprintf("Senders[%d]", i)
		if !serviceRe.MatchString(s.Service) {
			c.Add(f+".Service", "must be a service principal such as events.amazonaws.com", s.Service)
		}
		if s.SourceArn == nil {
			c.Add(f+".SourceArn", "is required: the resource the service sends for (confused-deputy protection)", nil)
		}
	}
	if !a.Alarms.Disabled {
		c.Duration("OldestMessageAgeThreshold", a.OldestMessageAgeThreshold, time.Minute, MaxRetention, time.Second)
		if a.OldestMessageAgeThreshold >= a.MessageRetention {
			c.Add("OldestMessageAgeThreshold", fmt.Sprintf("must be below MessageRetention (%v), or messages expire before the alarm fires", a.MessageRetention), a.OldestMessageAgeThreshold)
		}
	}
	if a.Alarms.Disabled && (a.Transform.DeadLetterAlarm != nil || a.Transform.OldestMessageAgeAlarm != nil) {
		c.Add("Transform", "changes an alarm (DeadLetterAlarm or OldestMessageAgeAlarm), but Alarms.Disabled creates none", nil)
	}
	if a.Consumer != nil && policy.IsNil(a.Consumer) {
		c.Add("Consumer", "must be a consumer, not a nil pointer (a worker never built)", nil)
	}
	if a.Subscription != nil && policy.IsNil(a.Consumer) {
		c.Add("Subscription", "needs Consumer (or call Subscribe later)", nil)
	}
}

// NewQueue creates a queue and its dead-letter queue, their TLS-only policies, the redrive-allow
// policy, alarms and, when args.Consumer is set, the consumer's subscription.
func NewQueue(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	if args == nil {
		args = &QueueArgs{}
	}
	st, err := stage.FromContext(ctx, args.Stage)
	if err != nil {
		return nil, err
	}
	a := args.withDefaults()
	c := check.New("queue", name)
	validate(c, name, a)
	if args.DisableDeadLetterQueue {
		conflict := func(field string, set bool, v any) {
			if set {
				c.Add(field, "conflicts with DisableDeadLetterQueue (a queue without a dead-letter queue)", v)
			}
		}
		conflict("Consumer", args.Consumer != nil, nil)
		conflict("Subscription", args.Subscription != nil, nil)
		conflict("MaxReceiveCount", args.MaxReceiveCount != 0, args.MaxReceiveCount)
		conflict("DeadLetterRetention", args.DeadLetterRetention != 0, args.DeadLetterRetention)
		tr := args.Transform
		conflict("Transform", tr.DeadLetterQueue != nil || tr.DeadLetterQueuePolicy != nil || tr.RedriveAllowPolicy != nil || tr.DeadLetterAlarm != nil, nil)
	}

	visibility := a.VisibilityTimeout
	visibilityGiven := visibility != 0
	var sub SubscribeArgs
	if !policy.IsNil(a.Consumer) {
		if a.Subscription != nil {
			sub = *a.Subscription
		}
		sub = sub.withDefaults(a.Consumer)
		if !visibilityGiven {
			visibility = visibilityFor(a.Consumer.FunctionTimeout(), sub.BatchingWindow)
		}
		validateSubscribe(c, "Subscription.", sub, a.Consumer, a.Fifo, visibility, visibilityGiven, a.MaxReceiveCount)
	} else if !visibilityGiven {
		visibility = visibilityFor(a.ConsumerTimeout, 0)
	}
	var account string
	if len(a.Senders) > 0 && c.Len() == 0 {
		if account, err = st.Account(ctx); err != nil {
			c.Join(err)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}

	q := &Queue{ctx: ctx, name: name, fifo: a.Fifo, visibility: visibility, visibilityGiven: visibilityGiven,
		maxReceive: a.MaxReceiveCount, noDeadLetter: a.DisableDeadLetterQueue, kmsKey: a.KmsKeyArn, subscriptions: map[string]bool{}, senders: append([]Sender(nil), a.Senders...)}
	if err := ctx.RegisterComponentResource(Type, name, q, opts...); err != nil {
		return nil, err
	}
	tags := st.TagsFor(name)
	q.tags = tags
	child := append([]pulumi.ResourceOption{pulumi.Parent(q)}, st.Protect()...)

	encrypt := func(qa *sqs.QueueArgs) {
		if a.KmsKeyArn != nil {
			qa.KmsMasterKeyId = a.KmsKeyArn
			qa.KmsDataKeyReusePeriodSeconds = pulumi.Int(seconds(a.KmsDataKeyReuse))
		} else {
			qa.SqsManagedSseEnabled = pulumi.Bool(true)
		}
		if a.Fifo {
			qa.FifoQueue = pulumi.Bool(true)
		}
	}

	if a.DisableDeadLetterQueue {
		return q, q.withoutDeadLetterQueue(ctx, st, a, tags, child, encrypt)
	}

	dlqArgs := &sqs.QueueArgs{
		MessageRetentionSeconds:  pulumi.Int(seconds(a.DeadLetterRetention)),
		MaxMessageSize:           pulumi.Int(a.MaxMessageSize),
		ReceiveWaitTimeSeconds:   pulumi.Int(seconds(a.ReceiveWaitTime)),
		VisibilityTimeoutSeconds: pulumi.Int(seconds(visibility)),
		Tags:                     tags,
	}
	encrypt(dlqArgs)
	transform.Apply(a.Transform.DeadLetterQueue, dlqArgs)
	q.DeadLetterQueue, err = sqs.NewQueue(ctx, name+"-dlq", dlqArgs, child...)
	if err != nil {
		return nil, err
	}

	redrive := q.DeadLetterQueue.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(redrivePolicy{DeadLetterTargetArn: arn, MaxReceiveCount: a.MaxReceiveCount})
		return string(b), err
	}).(pulumi.StringOutput)
	q.Queue, err = sqs.NewQueue(ctx, name, q.queueArgs(a, tags, redrive, encrypt), child...)
	if err != nil {
		return nil, err
	}
	q.Arn, q.Url, q.Name = q.Queue.Arn, q.Queue.Url, q.Queue.Name
	q.DeadLetterArn, q.DeadLetterUrl, q.DeadLetterName = q.DeadLetterQueue.Arn, q.DeadLetterQueue.Url, q.DeadLetterQueue.Name
	q.RedriveCommand = pulumi.Sprintf("aws sqs start-message-move-task --source-arn %s --destination-arn %s --region %s", q.DeadLetterArn, q.Arn, st.Region)

	rap := &sqs.RedriveAllowPolicyArgs{
		QueueUrl: q.DeadLetterQueue.Url,
		RedriveAllowPolicy: q.Queue.Arn.ApplyT(func(arn string) (string, error) {
			b, err := json.Marshal(redriveAllowPolicy{RedrivePermission: "byQueue", SourceQueueArns: []string{arn}})
			return string(b), err
		}).(pulumi.StringOutput),
	}
	transform.Apply(a.Transform.RedriveAllowPolicy, rap)
	q.RedriveAllowPolicy, err = sqs.NewRedriveAllowPolicy(ctx, name+"-dlq-redrive-allow", rap, pulumi.Parent(q))
	if err != nil {
		return nil, err
	}

	pa := &sqs.QueuePolicyArgs{QueueUrl: q.Queue.Url, Policy: q.mainPolicy(a.Senders, account).Json()}
	transform.Apply(a.Transform.QueuePolicy, pa)
	if q.Policy, err = sqs.NewQueuePolicy(ctx, name+"-policy", pa, pulumi.Parent(q)); err != nil {
		return nil, err
	}
	dpa := &sqs.QueuePolicyArgs{QueueUrl: q.DeadLetterQueue.Url, Policy: policy.Document{Statements: []policy.Statement{policy.DenyInsecureTransport("sqs", q.DeadLetterQueue.Arn)}}.Json()}
	transform.Apply(a.Transform.DeadLetterQueuePolicy, dpa)
	if q.DeadLetterPolicy, err = sqs.NewQueuePolicy(ctx, name+"-dlq-policy", dpa, pulumi.Parent(q)); err != nil {
		return nil, err
	}

	if !a.Alarms.Disabled {
		if err := q.alarms(st, a, tags); err != nil {
			return nil, err
		}
	}

	if !policy.IsNil(a.Consumer) {
		if _, err := q.subscribe(a.Consumer, sub); err != nil {
			return nil, err
		}
	}

	return q, q.registerOutputs()
}

// queueArgs are the arguments of the queue itself; redrive is nil for a queue without a
// dead-letter queue.
func (q *Queue) queueArgs(a QueueArgs, tags pulumi.StringMap, redrive pulumi.StringPtrInput, encrypt func(*sqs.QueueArgs)) *sqs.QueueArgs {
	qArgs := &sqs.QueueArgs{
		MessageRetentionSeconds:  pulumi.Int(seconds(a.MessageRetention)),
		DelaySeconds:             pulumi.Int(seconds(a.Delay)),
		MaxMessageSize:           pulumi.Int(a.MaxMessageSize),
		ReceiveWaitTimeSeconds:   pulumi.Int(seconds(a.ReceiveWaitTime)),
		VisibilityTimeoutSeconds: pulumi.Int(seconds(q.visibility)),
		RedrivePolicy:            redrive,
		Tags:                     tags,
	}
	encrypt(qArgs)
	if a.Fifo {
		qArgs.ContentBasedDeduplication = pulumi.Bool(a.ContentBasedDeduplication)
		qArgs.DeduplicationScope = pulumi.String(string(a.DeduplicationScope))
		qArgs.FifoThroughputLimit = pulumi.String(string(a.ThroughputLimit))
	}
	return transform.Apply(a.Transform.Queue, qArgs)
}

func (q *Queue) registerOutputs() error {
	return stage.RegisterOutputs(q.ctx, q, pulumi.Map{
		"arn":            q.Arn,
		"url":            q.Url,
		"name":           q.Name,
		"deadLetterArn":  q.DeadLetterArn,
		"deadLetterUrl":  q.DeadLetterUrl,
		"deadLetterName": q.DeadLetterName,
		"redriveCommand": q.RedriveCommand,
	})
}

// withoutDeadLetterQueue creates the rest of a queue that is itself a dead-letter queue: the
// queue, its TLS-only policy (and senders), its oldest-message alarm.
func (q *Queue) withoutDeadLetterQueue(ctx *pulumi.Context, st *stage.Stage, a QueueArgs, tags pulumi.StringMap, child []pulumi.ResourceOption, encrypt func(*sqs.QueueArgs)) error {
	var err error
	if q.Queue, err = sqs.NewQueue(ctx, q.name, q.queueArgs(a, tags, nil, encrypt), child...); err != nil {
		return err
	}
	empty := pulumi.String("").ToStringOutput()
	q.Arn, q.Url, q.Name = q.Queue.Arn, q.Queue.Url, q.Queue.Name
	q.DeadLetterArn, q.DeadLetterUrl, q.DeadLetterName, q.RedriveCommand = empty, empty, empty, empty
	account := ""
	if len(a.Senders) > 0 {
		if account, err = st.Account(ctx); err != nil {
			return err
		}
	}
	pa := &sqs.QueuePolicyArgs{QueueUrl: q.Queue.Url, Policy: q.mainPolicy(a.Senders, account).Json()}
	transform.Apply(a.Transform.QueuePolicy, pa)
	if q.Policy, err = sqs.NewQueuePolicy(ctx, q.name+"-policy", pa, pulumi.Parent(q)); err != nil {
		return err
	}
	if !a.Alarms.Disabled {
		if err := q.ageAlarm(st, a, tags); err != nil {
			return err
		}
	}
	return q.registerOutputs()
}

type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

type redriveAllowPolicy struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns"`
}

// mainPolicy is the queue's resource policy: TLS only, and each sender for its source only.
func (q *Queue) mainPolicy(senders []Sender, account string) policy.Document {
	doc := policy.Document{Statements: []policy.Statement{policy.DenyInsecureTransport("sqs", q.Queue.Arn)}}
	for i, s := range senders {
		doc.Statements = append(doc.Statements, policy.Statement{
			Sid:        fmt.Sprintf("AllowSender%d", i),
			Principals: []policy.Principal{policy.Service(s.Service)},
			Actions:    []string{"sqs:SendMessage"},
			Resources:  []pulumi.StringInput{q.Queue.Arn},
			Conditions: []policy.Condition{
				{Test: "ArnEquals", Variable: "aws:SourceArn", Values: []pulumi.StringInput{s.SourceArn}},
				{Test: "StringEquals", Variable: "aws:SourceAccount", Values: policy.Strings(account)},
			},
		})
	}
	return doc
}

// alarms creates the dead-letter alarm, then the age alarm.
func (q *Queue) alarms(st *stage.Stage, a QueueArgs, tags pulumi.StringMap) error {
	var err error
	q.DeadLetterAlarm, err = alarm.New(q.ctx, q.name+"-dlq-alarm", alarm.Metric{
		Description: pulumi.Sprintf("Messages reached the dead-letter queue of %s after %d receives. Fix the cause, then redrive: %s",
			q.name, a.MaxReceiveCount, q.RedriveCommand),
		Namespace:  "AWS/SQS",
		Name:       "ApproximateNumberOfMessagesVisible",
		Dimensions: pulumi.StringMap{"QueueName": q.DeadLetterQueue.Name},
		Statistic:  "Maximum",
		Comparison: "GreaterThanThreshold",
	}, a.Alarms.Topic(st.AlarmTopicArn), tags, a.Transform.DeadLetterAlarm, pulumi.Parent(q))
	if err != nil {
		return err
	}
	return q.ageAlarm(st, a, tags)
}

// ageAlarm alarms when the oldest message waits longer than OldestMessageAgeThreshold.
func (q *Queue) ageAlarm(st *stage.Stage, a QueueArgs, tags pulumi.StringMap) error {
	var err error
	q.OldestMessageAgeAlarm, err = alarm.New(q.ctx, q.name+"-age-alarm", alarm.Metric{
		Description: pulumi.Sprintf("The oldest message of %s has waited more than %v: consumers are failing or too slow.",
			q.name, a.OldestMessageAgeThreshold),
		Namespace:         "AWS/SQS",
		Name:              "ApproximateAgeOfOldestMessage",
		Dimensions:        pulumi.StringMap{"QueueName": q.Queue.Name},
		Statistic:         "Maximum",
		EvaluationPeriods: 3,
		DatapointsToAlarm: 3,
		Threshold:         a.OldestMessageAgeThreshold.Seconds(),
		Comparison:        "GreaterThanThreshold",
	}, a.Alarms.Topic(st.AlarmTopicArn), tags, a.Transform.OldestMessageAgeAlarm, pulumi.Parent(q))
	return err
}

func seconds(d time.Duration) int { return int(d / time.Second) }

// VisibilityTimeout is the queue's visibility timeout, explicit or derived.
func (q *Queue) VisibilityTimeout() time.Duration { return q.visibility }

// AdmitsService implements policy.Queue: whether the queue policy admits service sending on behalf of sourceArn:
// one of QueueArgs.Senders names that service with that very source (the same output value, or
// the same literal ARN). Event sources (components/bucket's SendTo) ask it, so that a queue that
// forgot its Sender is an error at `pulumi up` time instead of events silently denied.
func (q *Queue) AdmitsService(service string, sourceArn pulumi.StringInput) bool {
	for _, s := range q.senders {
		if s.Service == service && sameInput(s.SourceArn, sourceArn) {
			return true
		}
	}
	return false
}

// sameInput compares two inputs without panicking on a user type that is not comparable.
func sameInput(a, b pulumi.StringInput) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// Fifo implements policy.Queue: whether the queue is a FIFO queue.
func (q *Queue) Fifo() bool { return q.fifo }

// TargetArn implements policy.Target: the queue's ARN.
func (q *Queue) TargetArn() pulumi.StringOutput { return q.Arn }

// QueueArn implements policy.Queue: the queue's ARN.
func (q *Queue) QueueArn() pulumi.StringOutput { return q.Arn }

// DeliverStatements implements policy.Target: sqs:SendMessage on the queue, plus
// kms:GenerateDataKey and kms:Decrypt on its key when it is KMS-encrypted. A service that
// delivers through the queue policy (Senders) needs the same KMS actions in the key's policy.
func (q *Queue) DeliverStatements() []policy.Statement {
	return append([]policy.Statement{{
		Actions:   []string{"sqs:SendMessage"},
		Resources: []pulumi.StringInput{q.Arn},
	}}, q.keyStatements("kms:GenerateDataKey", "kms:Decrypt")...)
}

func (q *Queue) keyStatements(actions ...string) []policy.Statement {
	if q.kmsKey == nil {
		return nil
	}
	return []policy.Statement{{Actions: actions, Resources: []pulumi.StringInput{q.kmsKey}}}
}

// ConsumeActions are the queue actions a consumer gets, and nothing more (a fresh slice).
func ConsumeActions() []string {
	return []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}
}

// SendActions are the queue actions a producer gets (a fresh slice).
func SendActions() []string {
	return []string{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
}

// RedriveActions are the dead-letter queue actions that start, watch and cancel a redrive
// (message move task), and read and delete the messages it moves (a fresh slice).
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html
func RedriveActions() []string {
	return []string{"sqs:StartMessageMoveTask", "sqs:CancelMessageMoveTask", "sqs:ListMessageMoveTasks",
		"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
}

func (q *Queue) consumeDocument() policy.Document {
	return policy.Document{Statements: append([]policy.Statement{{
		Actions:   ConsumeActions(),
		Resources: []pulumi.StringInput{q.Arn},
	}}, q.keyStatements("kms:Decrypt")...)}
}

// GrantSend lets g send to the queue: sqs:SendMessage (SendMessageBatch too),
// sqs:GetQueueAttributes and sqs:GetQueueUrl on the queue, plus kms:GenerateDataKey and
// kms:Decrypt on its key when KMS-encrypted. The inline policy is named "<queue>-send"; a nil g
// is an error.
func (q *Queue) GrantSend(g policy.Grantee) (*policy.Grant, error) {
	if err := policy.CheckGrantee("queue", q.name, "GrantSend", g); err != nil {
		return nil, err
	}
	return g.AttachPolicy(q.name+"-send", policy.Document{Statements: append([]policy.Statement{{
		Actions:   SendActions(),
		Resources: []pulumi.StringInput{q.Arn},
	}}, q.keyStatements("kms:GenerateDataKey", "kms:Decrypt")...)})
}

// GrantConsume lets g consume the queue: sqs:ReceiveMessage, sqs:DeleteMessage,
// sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on the queue (not its dead-letter
// queue), plus kms:Decrypt on its key when KMS-encrypted. The inline policy is named
// "<queue>-consume". Subscribe grants the same to its consumer. A nil g is an error.
func (q *Queue) GrantConsume(g policy.Grantee) (*policy.Grant, error) {
	if err := policy.CheckGrantee("queue", q.name, "GrantConsume", g); err != nil {
		return nil, err
	}
	return g.AttachPolicy(q.name+"-consume", q.consumeDocument())
}

// GrantRedrive lets g move the dead-letter queue's messages back: RedriveActions on the
// dead-letter queue, sqs:SendMessage and sqs:GetQueueAttributes on the queue, plus kms:Decrypt
// and kms:GenerateDataKey on the key when KMS-encrypted. The inline policy is named
// "<queue>-redrive"; a nil g is an error. RedriveCommand is the command such a principal runs.
func (q *Queue) GrantRedrive(g policy.Grantee) (*policy.Grant, error) {
	if err := policy.CheckGrantee("queue", q.name, "GrantRedrive", g); err != nil {
		return nil, err
	}
	if q.noDeadLetter {
		c := check.New("queue", q.name)
		c.Add("GrantRedrive", "needs a dead-letter queue to redrive from; this queue has DisableDeadLetterQueue", nil)
		return nil, c.Err()
	}
	return g.AttachPolicy(q.name+"-redrive", policy.Document{Statements: append([]policy.Statement{
		{Sid: "ReadDeadLetters", Actions: RedriveActions(), Resources: []pulumi.StringInput{q.DeadLetterArn}},
		{Sid: "WriteSource", Actions: []string{"sqs:SendMessage", "sqs:GetQueueAttributes"}, Resources: []pulumi.StringInput{q.Arn}},
	}, q.keyStatements("kms:Decrypt", "kms:GenerateDataKey")...)})
}
