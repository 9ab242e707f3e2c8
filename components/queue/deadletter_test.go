package queue

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/skeinhq/skein/components/check"
)

// A queue that is itself a dead-letter queue gets no dead-letter queue, no redrive policy and no
// redrive-allow policy of its own; its outputs say so, and what needs a dead-letter queue
// (a consumer, a redrive grant) is refused.
func TestDisableDeadLetterQueue(t *testing.T) {
	var subErr, redriveErr error
	p := mustRun(t, func(ctx *pulumi.Context) error {
		q, err := NewQueue(ctx, "failed", &QueueArgs{DisableDeadLetterQueue: true, OldestMessageAgeThreshold: time.Minute})
		if err != nil {
			return err
		}
		c, err := newConsumer(ctx, 30*time.Second, 0)
		if err != nil {
			return err
		}
		_, subErr = q.Subscribe(c, nil)
		_, redriveErr = q.GrantRedrive(c)
		return nil
	})
	if got := p.OfType(queueType); len(got) != 1 || got[0].Name != "failed" {
		t.Fatalf("queues %v, want only failed", got)
	}
	q := p.Find(queueType, "failed")
	if q.Get("redrivePolicy") != nil || len(p.OfType(allowType)) != 0 {
		t.Errorf("a queue without a dead-letter queue redrives: %v", q.Get("redrivePolicy"))
	}
	if len(p.OfType(policyType)) != 1 || p.Find(policyType, "failed-policy") == nil {
		t.Errorf("queue policies %v, want failed-policy only", p.OfType(policyType))
	}
	if a := p.OfType(alarmType); len(a) != 1 || a[0].Name != "failed-age-alarm" || a[0].Get("threshold") != 60.0 {
		t.Errorf("alarms %v, want the one-minute age alarm only", a)
	}
	comp := p.Find(Type, "failed")
	if comp.Outputs["arn"] != q.Arn() || comp.Outputs["deadLetterArn"] != "" || comp.Outputs["redriveCommand"] != "" {
		t.Errorf("outputs %v", comp.Outputs)
	}
	for what, err := range map[string]error{"Subscribe": subErr, "GrantRedrive": redriveErr} {
		if err == nil || !strings.Contains(err.Error(), "DisableDeadLetterQueue") {
			t.Errorf("%s on a queue without a dead-letter queue: %v", what, err)
		}
	}
}

func TestDisableDeadLetterQueueConflicts(t *testing.T) {
	p, err := run(t, nil, func(ctx *pulumi.Context) error {
		c, err := newConsumer(ctx, 30*time.Second, 0)
		if err != nil {
			return err
		}
		_, err = NewQueue(ctx, "failed", &QueueArgs{DisableDeadLetterQueue: true, Consumer: c, MaxReceiveCount: 5, DeadLetterRetention: time.Hour})
		return err
	})
	var fe *check.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("want field errors, got %v", err)
	}
	for _, f := range []string{"Consumer", "MaxReceiveCount", "DeadLetterRetention"} {
		if !strings.Contains(err.Error(), f+" conflicts with DisableDeadLetterQueue") {
			t.Errorf("error %v lacks %s", err, f)
		}
	}
	if len(p.OfType(queueType)) != 0 {
		t.Error("queues created despite the conflict")
	}
}
