package queue

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/internal/testkit"
)

func TestSubscribeDefaults(t *testing.T) {
	p := mustRun(t, func(ctx *pulumi.Context) error {
		c, q, err := consumerAndQueue(ctx, 30*time.Second, 0, nil)
		if err != nil {
			return err
		}
		_, err = q.Subscribe(c, nil)
		return err
	})
	esm := p.Find(esmType, "jobs-subscription")
	if esm == nil {
		t.Fatal("no event source mapping")
	}
	main := p.Find(queueType, "jobs")
	if esm.String("eventSourceArn") != main.Arn() || esm.String("functionName") != fnArn {
		t.Errorf("mapping %s -> %s", esm.String("eventSourceArn"), esm.String("functionName"))
	}
	if num(esm, "batchSize") != 10 || num(esm, "scalingConfig.maximumConcurrency") != 10 || esm.Get("enabled") != true {
		t.Errorf("mapping settings %v", esm.Inputs)
	}
	if esm.Get("maximumBatchingWindowInSeconds") != nil {
		t.Errorf("no batching window by default, got %v", esm.Get("maximumBatchingWindowInSeconds"))
	}
	if got := testkit.Strings(esm.Get("functionResponseTypes")); !slices.Equal(got, []string{"ReportBatchItemFailures"}) {
		t.Errorf("functionResponseTypes %v", got)
	}
	if esm.String("tags.skein:component") != "jobs" {
		t.Errorf("mapping tags %v", esm.Get("tags"))
	}
	// Its own metrics are on, so that filtered and dropped messages are counted.
	if got := testkit.Strings(esm.Get("metricsConfig.metrics")); !slices.Equal(got, []string{"EventCount"}) {
		t.Errorf("metricsConfig.metrics %v, want [EventCount]", got)
	}
	if esm.Parent == nil || esm.Parent.Type != Type {
		t.Errorf("mapping parent %v", esm.Parent)
	}
	// The consumer's policy: exactly the four consume actions on this queue.
	rp := p.Find(rpType, "consumer-jobs-subscription")
	if rp == nil {
		t.Fatal("no consume policy")
	}
	d := decode(t, rp)
	if len(d.Statement) != 1 {
		t.Fatalf("consume policy has %d statements", len(d.Statement))
	}
	s := d.Statement[0]
	if !slices.Equal(testkit.Strings(s.Action), ConsumeActions()) || !slices.Equal(testkit.Strings(s.Resource), []string{main.Arn()}) || s.Effect != "Allow" {
		t.Errorf("consume statement %+v", s)
	}
}

func TestSubscribeSettings(t *testing.T) {
	pattern := `{"body":{"kind":["invoice"]}}`
	p := mustRun(t, func(ctx *pulumi.Context) error {
		c, q, err := consumerAndQueue(ctx, time.Minute, 50, &QueueArgs{ConsumerTimeout: time.Minute, VisibilityTimeout: 10 * time.Minute, KmsKeyArn: pulumi.String(keyArn)})
		if err != nil {
			return err
		}
		if _, err := q.Subscribe(c, &SubscribeArgs{BatchSize: 500, BatchingWindow: 20 * time.Second, Filters: []string{pattern}}); err != nil {
			return err
		}
		_, err = q.Subscribe(c, &SubscribeArgs{Name: "audit", WholeBatchFailures: true, Disabled: true, MaxConcurrency: 2, DisableMetrics: true,
			Transform: SubscribeTransform{EventSourceMapping: func(a *lambda.EventSourceMappingArgs) { a.MaximumRetryAttempts = pulumi.Int(1) }}})
		return err
	})
	esm := p.Find(esmType, "jobs-subscription")
	if num(esm, "batchSize") != 500 || num(esm, "maximumBatchingWindowInSeconds") != 20 || esm.String("filterCriteria.filters.0.pattern") != pattern {
		t.Errorf("mapping %v", esm.Inputs)
	}
	if num(esm, "scalingConfig.maximumConcurrency") != 50 {
		t.Errorf("max concurrency %v, want the consumer's reserved 50", esm.Get("scalingConfig.maximumConcurrency"))
	}
	audit := p.Find(esmType, "jobs-audit")
	if audit.Get("functionResponseTypes") != nil || audit.Get("enabled") != false || audit.Get("metricsConfig") != nil || num(audit, "scalingConfig.maximumConcurrency") != 2 || num(audit, "maximumRetryAttempts") != 1 {
		t.Errorf("audit mapping %v", audit.Inputs)
	}
	d := decode(t, p.Find(rpType, "consumer-jobs-subscription"))
	if len(d.Statement) != 2 || !slices.Equal(testkit.Strings(d.Statement[1].Action), []string{"kms:Decrypt"}) || testkit.Strings(d.Statement[1].Resource)[0] != keyArn {
		t.Errorf("KMS-encrypted queue: consume policy %+v", d.Statement)
	}
}

func TestConsumerInQueueArgs(t *testing.T) {
	p := mustRun(t, func(ctx *pulumi.Context) error {
		c, err := newConsumer(ctx, 45*time.Second, 0)
		if err != nil {
			return err
		}
		_, err = NewQueue(ctx, "jobs", &QueueArgs{Consumer: c, Subscription: &SubscribeArgs{BatchSize: 100, BatchingWindow: 5 * time.Second}})
		return err
	})
	if got := num(p.Find(queueType, "jobs"), "visibilityTimeoutSeconds"); got != 6*45+5 {
		t.Errorf("visibility %v, want 6 x 45 s + 5 s = 275 s", got)
	}
	if got := num(p.Find(queueType, "jobs-dlq"), "visibilityTimeoutSeconds"); got != 275 {
		t.Errorf("dlq visibility %v", got)
	}
	if esm := p.Find(esmType, "jobs-subscription"); esm == nil || num(esm, "batchSize") != 100 {
		t.Errorf("mapping %v", esm)
	}
}

// baseline is the number of resources a consumer plus a queue register.
func baseline(t *testing.T, qa QueueArgs) int {
	p := mustRun(t, func(ctx *pulumi.Context) error {
		if _, err := newConsumer(ctx, time.Second, 0); err != nil {
			return err
		}
		_, err := NewQueue(ctx, "jobs", &qa)
		return err
	})
	return p.Len()
}

func TestSubscribeValidation(t *testing.T) {
	fifo := QueueArgs{Fifo: true}
	tests := []struct {
		name     string
		queue    QueueArgs
		timeout  time.Duration
		reserved int
		args     SubscribeArgs
		field    string
		value    string
	}{
		{"batch size low", QueueArgs{}, 0, 0, SubscribeArgs{BatchSize: -1}, "Subscribe.BatchSize", "-1"},
		{"batch size high", QueueArgs{}, 0, 0, SubscribeArgs{BatchSize: 10001, BatchingWindow: time.Second}, "Subscribe.BatchSize", "10001"},
		{"batch above 10 without window", QueueArgs{}, 0, 0, SubscribeArgs{BatchSize: 11}, "Subscribe.BatchingWindow", "0s"},
		{"window high", QueueArgs{VisibilityTimeout: time.Hour}, 0, 0, SubscribeArgs{BatchingWindow: 301 * time.Second}, "Subscribe.BatchingWindow", "5m1s"},
		{"window fraction", QueueArgs{}, 0, 0, SubscribeArgs{BatchingWindow: 1500 * time.Millisecond}, "Subscribe.BatchingWindow", "1.5s"},
		{"fifo batch", fifo, 0, 0, SubscribeArgs{BatchSize: 11}, "Subscribe.BatchSize", "11"},
		{"fifo window", fifo, 0, 0, SubscribeArgs{BatchingWindow: time.Second}, "Subscribe.BatchingWindow", "1s"},
		{"max concurrency low", QueueArgs{}, 0, 0, SubscribeArgs{MaxConcurrency: 1}, "Subscribe.MaxConcurrency", "1"},
		{"max concurrency high", QueueArgs{}, 0, 0, SubscribeArgs{MaxConcurrency: 1001}, "Subscribe.MaxConcurrency", "1001"},
		{"max concurrency above reserved", QueueArgs{}, 0, 20, SubscribeArgs{MaxConcurrency: 21}, "Subscribe.MaxConcurrency", "21"},
		{"reserved 1", QueueArgs{}, 0, 1, SubscribeArgs{}, "Subscribe.MaxConcurrency", "2"},
		{"filter not json", QueueArgs{}, 0, 0, SubscribeArgs{Filters: []string{"kind=invoice"}}, "Subscribe.Filters[0]", `"kind=invoice"`},
		{"filter empty object", QueueArgs{}, 0, 0, SubscribeArgs{Filters: []string{`{}`}}, "Subscribe.Filters[0]", `"{}"`},
		{"filter too long", QueueArgs{}, 0, 0, SubscribeArgs{Filters: []string{`{"body":"` + strings.Repeat("x", 4096) + `"}`}}, "Subscribe.Filters[0]", "4107"},
		{"too many filters", QueueArgs{}, 0, 0, SubscribeArgs{Filters: []string{`{"a":[1]}`, `{"a":[2]}`, `{"a":[3]}`, `{"a":[4]}`, `{"a":[5]}`, `{"a":[6]}`}}, "Subscribe.Filters", "6"},
		{"bad name", QueueArgs{}, 0, 0, SubscribeArgs{Name: "a b"}, "Subscribe.Name", `"a b"`},
		{"explicit visibility too short", QueueArgs{VisibilityTimeout: 2 * time.Minute}, 30 * time.Second, 0, SubscribeArgs{}, "VisibilityTimeout", "2m0s"},
		{"derived visibility too short", QueueArgs{}, time.Minute, 0, SubscribeArgs{}, "VisibilityTimeout", "3m0s"},
		{"window pushes visibility over", QueueArgs{VisibilityTimeout: 3 * time.Minute}, 30 * time.Second, 0, SubscribeArgs{BatchingWindow: time.Second}, "VisibilityTimeout", "3m0s"},
		{"max receive count", QueueArgs{MaxReceiveCount: 3}, 0, 0, SubscribeArgs{}, "MaxReceiveCount", "3"},
		{"consumer timeout", QueueArgs{}, 16 * time.Minute, 0, SubscribeArgs{}, "Subscribe.consumer", "16m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := tt.timeout
			if timeout == 0 {
				timeout = time.Second
			}
			var subErr error
			p := mustRun(t, func(ctx *pulumi.Context) error {
				qa := tt.queue
				c, q, err := consumerAndQueue(ctx, timeout, tt.reserved, &qa)
				if err != nil {
					return err
				}
				_, subErr = q.Subscribe(c, &tt.args)
				return nil
			})
			assertFieldError(t, subErr, tt.field, tt.value)
			if want := baseline(t, tt.queue); p.Len() != want {
				t.Errorf("%d resources registered, want the %d of consumer and queue alone", p.Len(), want)
			}
		})
	}
}

func assertFieldError(t *testing.T, err error, field, value string) {
	t.Helper()
	testkit.FieldError(t, err, `queue "jobs"`, field, value)
	if value != "" && !strings.Contains(err.Error(), ", got "+value) {
		t.Errorf("error does not end %s's line with the value received, %s:\n%v", field, value, err)
	}
}

func TestVisibilityErrorSaysWhatAndWhy(t *testing.T) {
	var subErr error
	mustRun(t, func(ctx *pulumi.Context) error {
		c, q, err := consumerAndQueue(ctx, time.Minute, 0, nil)
		if err != nil {
			return err
		}
		_, subErr = q.Subscribe(c, &SubscribeArgs{BatchSize: 20, BatchingWindow: 5 * time.Second})
		return nil
	})
	for _, want := range []string{"6m5s", "6 x the consumer's timeout (1m0s)", "batching window (5s)", "throttle", "ConsumerTimeout", "got 3m0s"} {
		if subErr == nil || !strings.Contains(subErr.Error(), want) {
			t.Errorf("error lacks %q: %v", want, subErr)
		}
	}
}

func TestSubscriptionRowsInQueueArgs(t *testing.T) {
	// The same rules apply through QueueArgs.Consumer, before anything is created.
	tests := []struct {
		name  string
		args  QueueArgs
		field string
		value string
	}{
		{"batch", QueueArgs{Subscription: &SubscribeArgs{BatchSize: 20000}}, "Subscription.BatchSize", "20000"},
		{"explicit visibility", QueueArgs{VisibilityTimeout: time.Minute}, "VisibilityTimeout", "1m0s"},
		{"above reserved", QueueArgs{Subscription: &SubscribeArgs{MaxConcurrency: 9}}, "Subscription.MaxConcurrency", "9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			var qErr error
			p := mustRun(t, func(ctx *pulumi.Context) error {
				c, err := newConsumer(ctx, 30*time.Second, 8)
				if err != nil {
					return err
				}
				args.Consumer = c
				_, qErr = NewQueue(ctx, "jobs", &args)
				return nil
			})
			assertFieldError(t, qErr, tt.field, tt.value)
			for _, r := range p.Resources() {
				if r.Type != "aws:iam/role:Role" {
					t.Errorf("%s %s registered despite the error", r.Type, r.Name)
				}
			}
		})
	}
}

func TestDuplicateSubscription(t *testing.T) {
	var second error
	p := mustRun(t, func(ctx *pulumi.Context) error {
		c, q, err := consumerAndQueue(ctx, time.Second, 0, nil)
		if err != nil {
			return err
		}
		if _, err := q.Subscribe(c, nil); err != nil {
			return err
		}
		_, second = q.Subscribe(c, nil)
		return nil
	})
	assertFieldError(t, second, "Subscribe.Name", `"subscription"`)
	if n := len(p.OfType(esmType)); n != 1 {
		t.Errorf("%d mappings", n)
	}
	var nilErr error
	mustRun(t, func(ctx *pulumi.Context) error {
		q, err := NewQueue(ctx, "jobs", nil)
		if err != nil {
			return err
		}
		_, nilErr = q.Subscribe(nil, nil)
		return nil
	})
	assertFieldError(t, nilErr, "Subscribe.consumer", "")
}
