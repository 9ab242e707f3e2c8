package queue

import (
	"cmp"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
	"github.com/skeinhq/skein/components/internal/transform"
	"github.com/skeinhq/skein/components/policy"
)

// Consumer is a Lambda function that can consume a queue and hold its consume policy: a
// *worker.Worker is one. Its function timeout sets the queue's visibility timeout, and its
// reserved concurrency and budget draw bound the subscription's MaxConcurrency.
//
// Lambda checks the function's role when the event source mapping is created, so the mapping
// depends on the [policy.Grant] AttachPolicy returns (and on the consumer, when it is a
// pulumi.Resource, as a worker is).
type Consumer interface {
	policy.Function
	policy.Grantee
}

// Event source mapping limits for SQS.
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
const (
	MaxBatchSize          = 10000
	MaxFifoBatchSize      = 10
	MaxUnwindowedBatch    = 10
	MaxBatchingWindow     = 300 * time.Second
	MinMaxConcurrency     = 2
	MaxMaxConcurrency     = 1000
	MaxFilters            = 5
	MaxFilterPatternChars = 4096

	DefaultBatchSize      = 10
	DefaultMaxConcurrency = 10
	defaultSubscription   = "subscription"
	maxFunctionTimeout    = 15 * time.Minute
)

// SubscribeTransform holds the optional hook for the subscription's child resource, applied right
// before it is created. The consumer's consume policy is the consumer's own (its AttachPolicy).
type SubscribeTransform struct {
	// EventSourceMapping is the Lambda event source mapping ("<queue>-<Name>").
	EventSourceMapping func(*lambda.EventSourceMappingArgs)
}

// SubscribeArgs configure a Lambda event source mapping from the queue to a consumer. The zero
// value of every field is the default its comment names.
type SubscribeArgs struct {
	// Name tells several subscriptions of one queue apart: the mapping is named
	// "<queue>-<Name>" and the consumer's policy "<consumer>-<queue>-<Name>". Zero means
	// "subscription".
	Name string
	// BatchSize is the most records per invocation: zero means 10; allowed 1..10000 (FIFO
	// 1..10); above 10 needs a BatchingWindow of at least 1 s.
	BatchSize int
	// BatchingWindow is how long Lambda gathers records before invoking: zero means none;
	// allowed 0..300 s, whole seconds; standard queues only.
	BatchingWindow time.Duration
	// MaxConcurrency caps the concurrent invocations this queue drives: the rate limit toward
	// whatever the consumer calls. Zero means the consumer's reserved concurrency when it has
	// one (at most 1000), else 10. Allowed 2..1000 and at most the reserved concurrency.
	MaxConcurrency int
	// WholeBatchFailures turns partial batch responses off, so that one failed record returns
	// the whole batch to the queue; zero means the function reports failed records one by one
	// (ReportBatchItemFailures, what functions/sqsbatch returns).
	WholeBatchFailures bool
	// Filters are Lambda filter patterns (JSON); a message must match one of them to be
	// delivered. Messages that match none are deleted from the queue by Lambda, not kept.
	// Zero means every message. At most 5 patterns of 4096 characters.
	Filters []string
	// Disabled creates the mapping paused; zero means enabled.
	Disabled bool
	// DisableMetrics turns the mapping's own metrics off; zero means EventCount metrics on
	// (MetricsConfig: AWS/Lambda, by EventSourceMappingUUID: the events polled, filtered out,
	// invoked, failed and dropped), so that messages Filters delete are visible.
	DisableMetrics bool
	// Transform changes the mapping's arguments just before it is created.
	Transform SubscribeTransform
}

// EventCountMetrics is the event source mapping metrics group every subscription turns on unless
// DisableMetrics: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics
const EventCountMetrics = "EventCount"

// withDefaults returns a copy of the arguments with every default applied, the ones derived from
// the consumer's reserved concurrency too: the one place defaults live.
func (a SubscribeArgs) withDefaults(con Consumer) SubscribeArgs {
	a.Name = cmp.Or(a.Name, defaultSubscription)
	a.BatchSize = cmp.Or(a.BatchSize, DefaultBatchSize)
	if a.MaxConcurrency == 0 {
		r := 0
		if !policy.IsNil(con) {
			r = con.ReservedConcurrency()
		}
		switch {
		case r == 0:
			a.MaxConcurrency = DefaultMaxConcurrency
		case r >= MinMaxConcurrency:
			a.MaxConcurrency = min(r, MaxMaxConcurrency)
		default:
			// Reserved concurrency 1 cannot host an SQS event source: the validation says why.
			a.MaxConcurrency = MinMaxConcurrency
		}
	}
	return a
}

// validateSubscribe checks a subscription (with defaults applied) against its consumer and queue.
// prefix is "Subscribe." or "Subscription." so that errors name the field the caller set.
func validateSubscribe(c *check.Errors, prefix string, a SubscribeArgs, con Consumer, fifo bool, visibility time.Duration, visibilityGiven bool, maxReceive int) {
	if len(a.Name) > 40 || !nameRe.MatchString(a.Name) {
		c.Add(prefix+"Name", "must be 1..40 letters, digits, - or _", a.Name)
	}
	if fifo {
		if a.BatchSize < 1 || a.BatchSize > MaxFifoBatchSize {
			c.Add(prefix+"BatchSize", fmt.Sprintf("must be 1..%d for a FIFO queue", MaxFifoBatchSize), a.BatchSize)
		}
		if a.BatchingWindow != 0 {
			c.Add(prefix+"BatchingWindow", "must be 0 for a FIFO queue (Lambda batching windows apply to standard queues only)", a.BatchingWindow)
		}
	} else {
		c.Int(prefix+"BatchSize", a.BatchSize, 1, MaxBatchSize)
		c.Duration(prefix+"BatchingWindow", a.BatchingWindow, 0, MaxBatchingWindow, time.Second)
		if a.BatchSize > MaxUnwindowedBatch && a.BatchingWindow < time.Second {
			c.Add(prefix+"BatchingWindow", fmt.Sprintf("must be at least 1s when BatchSize is above %d (BatchSize is %d)", MaxUnwindowedBatch, a.BatchSize), a.BatchingWindow)
		}
	}
	c.Int(prefix+"MaxConcurrency", a.MaxConcurrency, MinMaxConcurrency, MaxMaxConcurrency)
	if len(a.Filters) > MaxFilters {
		c.Add(prefix+"Filters", fmt.Sprintf("must hold at most %d patterns (Lambda's default quota)", MaxFilters), len(a.Filters))
	}
	for i, f := range a.Filters {
		var obj map[string]any
		if len(f) > MaxFilterPatternChars {
			c.Add(fmt.Sprintf("%sFilters[%d]", prefix, i), fmt.Sprintf("must be at most %d characters", MaxFilterPatternChars), len(f))
		} else if err := json.Unmarshal([]byte(f), &obj); err != nil || len(obj) == 0 {
			c.Add(fmt.Sprintf("%sFilters[%d]", prefix, i), `must be a non-empty JSON object, e.g. {"body":{"kind":["invoice"]}}`, f)
		}
	}
	if policy.IsNil(con) {
		c.Add(prefix+"consumer", "is required: a worker or another Consumer, got nil", nil)
		return
	}
	timeout, reserved := con.FunctionTimeout(), con.ReservedConcurrency()
	if timeout <= 0 || timeout > maxFunctionTimeout {
		c.Add(prefix+"consumer", fmt.Sprintf("must report a function timeout of 1s..%v (Lambda's limit), from FunctionTimeout()", maxFunctionTimeout), timeout)
	}
	if reserved == 1 {
		c.Add(prefix+"MaxConcurrency", "cannot be honoured: the consumer reserves 1 concurrent execution, and an SQS event source needs at least 2 (reserve 2 or more, or use a FIFO queue with one message group for strictly serial work)", a.MaxConcurrency)
	} else if reserved > 0 && a.MaxConcurrency > reserved {
		rule := fmt.Sprintf("must be at most the consumer's reserved concurrency (%d): above it Lambda throttles the function, and throttled batches count as receives toward the dead-letter queue", reserved)
		if d := con.BudgetDraw(); d != nil {
			rule += "; " + d.Describe()
		}
		c.Add(prefix+"MaxConcurrency", rule, a.MaxConcurrency)
	}
	if need := visibilityFor(timeout, a.BatchingWindow); timeout > 0 && timeout <= maxFunctionTimeout && visibility < need {
		how := fmt.Sprintf("set QueueArgs.VisibilityTimeout to at least %v", need)
		if !visibilityGiven {
			how = fmt.Sprintf("set QueueArgs.ConsumerTimeout to the consumer's timeout (%v), or QueueArgs.VisibilityTimeout to at least %v", timeout, need)
		}
		c.Add("VisibilityTimeout", fmt.Sprintf("must be at least %d x the consumer's timeout (%v) + the batching window (%v) = %v, so that a batch Lambda retries after a throttle is not handed to a second invocation while the first may still run (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html); %s",
			VisibilityFactor, timeout, a.BatchingWindow, need, how), visibility)
	}
	if maxReceive < MinLambdaReceiveCount {
		c.Add("MaxReceiveCount", fmt.Sprintf("must be at least %d when a Lambda function consumes the queue, or throttled batches reach the dead-letter queue without ever running", MinLambdaReceiveCount), maxReceive)
	}
}

// Subscribe has Lambda poll the queue and invoke con with batches of messages (an event source
// mapping named "<queue>-<Name>"), and grants con exactly what that needs: sqs:ReceiveMessage,
// sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on this queue, plus
// kms:Decrypt on its key when KMS-encrypted. It fails, creating nothing, when the queue's
// visibility timeout is shorter than 6 x con's timeout + the batching window, or when any
// argument is out of range.
func (q *Queue) Subscribe(con Consumer, args *SubscribeArgs) (*lambda.EventSourceMapping, error) {
	var a SubscribeArgs
	if args != nil {
		a = *args
	}
	a = a.withDefaults(con)
	c := check.New("queue", q.name)
	validateSubscribe(c, "Subscribe.", a, con, q.fifo, q.visibility, q.visibilityGiven, q.maxReceive)
	if q.noDeadLetter {
		c.Add("Subscribe", "needs a dead-letter queue for the messages the consumer keeps failing; this queue has DisableDeadLetterQueue", nil)
	}
	if q.subscriptions[a.Name] {
		c.Add("Subscribe.Name", "must be unique among the queue's subscriptions (set SubscribeArgs.Name)", a.Name)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return q.subscribe(con, a)
}

// subscribe creates a validated subscription.
func (q *Queue) subscribe(con Consumer, a SubscribeArgs) (*lambda.EventSourceMapping, error) {
	q.subscriptions[a.Name] = true
	var dependsOn []pulumi.Resource
	grant, err := con.AttachPolicy(q.name+"-"+a.Name, q.consumeDocument())
	if err != nil {
		return nil, err
	}
	if grant != nil && grant.Policy != nil {
		dependsOn = append(dependsOn, grant.Policy)
	}
	if r, ok := con.(pulumi.Resource); ok {
		dependsOn = append(dependsOn, r)
	}
	args := &lambda.EventSourceMappingArgs{
		EventSourceArn: q.Arn,
		FunctionName:   con.FunctionArn(),
		BatchSize:      pulumi.Int(a.BatchSize),
		Enabled:        pulumi.Bool(!a.Disabled),
		ScalingConfig:  &lambda.EventSourceMappingScalingConfigArgs{MaximumConcurrency: pulumi.Int(a.MaxConcurrency)},
		Tags:           q.tags,
	}
	if !a.DisableMetrics {
		args.MetricsConfig = &lambda.EventSourceMappingMetricsConfigArgs{Metrics: pulumi.StringArray{pulumi.String(EventCountMetrics)}}
	}
	if a.BatchingWindow > 0 {
		args.MaximumBatchingWindowInSeconds = pulumi.Int(seconds(a.BatchingWindow))
	}
	if !a.WholeBatchFailures {
		args.FunctionResponseTypes = pulumi.StringArray{pulumi.String("ReportBatchItemFailures")}
	}
	if len(a.Filters) > 0 {
		fs := lambda.EventSourceMappingFilterCriteriaFilterArray{}
		for _, f := range a.Filters {
			fs = append(fs, lambda.EventSourceMappingFilterCriteriaFilterArgs{Pattern: pulumi.String(f)})
		}
		args.FilterCriteria = &lambda.EventSourceMappingFilterCriteriaArgs{Filters: fs}
	}
	transform.Apply(a.Transform.EventSourceMapping, args)
	opts := []pulumi.ResourceOption{pulumi.Parent(q)}
	if len(dependsOn) > 0 {
		opts = append(opts, pulumi.DependsOn(dependsOn))
	}
	return lambda.NewEventSourceMapping(q.ctx, q.name+"-"+a.Name, args, opts...)
}
