package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/events"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/infra/stack"
)

// QueueConfig is what the plan says about the transform path: the event source mapping's batch
// size and maximum concurrency, whether it reports partial batch failures, and the queue's
// maxReceiveCount before the dead-letter queue.
type QueueConfig struct {
	BatchSize       int
	MaxConcurrency  int
	PartialFailures bool
	MaxReceiveCount int
}

// QueueStats count what the simulated queue did.
type QueueStats struct {
	Messages     int   `json:"messages"`
	Deliveries   int64 `json:"deliveries"`
	Duplicates   int64 `json:"duplicates"`
	Redeliveries int64 `json:"redeliveries"`
	DeadLettered int   `json:"deadLettered"`
	Invocations  int64 `json:"invocations"`
	PeakInFlight int64 `json:"peakInFlight"`
}

func queueConfig(p *plan.Plan) (QueueConfig, error) {
	var qc QueueConfig
	var esm *plan.Resource
	for _, r := range p.OfType("aws:lambda/eventSourceMapping:EventSourceMapping") {
		if r.Parent != nil && r.Parent.Name == stack.QueueName {
			esm = r
		}
	}
	q := p.Find("aws:sqs/queue:Queue", stack.QueueName)
	if esm == nil || q == nil {
		return qc, errors.New("local: the plan has no transform queue with its subscription")
	}
	num := func(v any) int {
		switch x := v.(type) {
		case float64:
			return int(x)
		case string:
			n, _ := strconv.Atoi(x)
			return n
		}
		return 0
	}
	qc.BatchSize = num(esm.Get("batchSize"))
	qc.MaxConcurrency = num(esm.Get("scalingConfig.maximumConcurrency"))
	if types, ok := esm.Get("functionResponseTypes").([]any); ok {
		for _, t := range types {
			qc.PartialFailures = qc.PartialFailures || t == "ReportBatchItemFailures"
		}
	}
	var rp struct {
		MaxReceiveCount int `json:"maxReceiveCount"`
	}
	if err := q.JSON("redrivePolicy", &rp); err != nil {
		return qc, fmt.Errorf("local: transform queue: %w", err)
	}
	qc.MaxReceiveCount = rp.MaxReceiveCount
	if qc.BatchSize < 1 || qc.MaxConcurrency < 1 || qc.MaxReceiveCount < 1 {
		return qc, fmt.Errorf("local: transform path misconfigured in the plan: %+v", qc)
	}
	return qc, nil
}

type message struct {
	id, key, body string
	receives      int
	err           string
}

// queueSim delivers messages to the transform handler as Lambda's SQS event source does:
// batches of BatchSize, at most MaxConcurrency invocations at once, failed records (the partial
// batch response, or the whole batch when the handler returns an error) back to the queue until
// their receive count reaches maxReceiveCount, then to the dead-letter queue.
type queueSim struct {
	cfg        QueueConfig
	handler    *pipeline.Transform
	dup        float64
	poison     float64
	seed       uint64
	stats      QueueStats
	inFlight   atomic.Int64
	deliveries atomic.Int64

	mu          sync.Mutex
	visible     chan *message
	done        chan struct{}
	seq         int
	outstanding int
	closed      bool
	finished    bool
	dead        []*message
	sent        map[string]bool
}

func newQueueSim(cfg QueueConfig, h *pipeline.Transform, dup, poison float64, seed uint64) *queueSim {
	return &queueSim{cfg: cfg, handler: h, dup: dup, poison: poison, seed: seed}
}

// pick is a deterministic choice of a fraction of keys.
func (q *queueSim) pick(kind, key string, fraction float64) bool {
	if fraction <= 0 {
		return false
	}
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%s/%d/%s", kind, q.seed, key)
	return float64(h.Sum64()%1_000_000)/1_000_000 < fraction
}

// start runs the consumers: up to MaxConcurrency invocations at once, each taking up to
// BatchSize visible messages. Failed messages become visible again (receive count + 1) until
// the count reaches maxReceiveCount, then go to the dead-letter queue.
func (q *queueSim) start(ctx context.Context) {
	q.visible = make(chan *message, 1<<20)
	q.done = make(chan struct{})
	var wg sync.WaitGroup
	for range q.cfg.MaxConcurrency {
		wg.Go(func() {
			for {
				m, ok := <-q.visible
				if !ok {
					return
				}
				batch := []*message{m}
			fill:
				for len(batch) < q.cfg.BatchSize {
					select {
					case m, ok := <-q.visible:
						if !ok {
							break fill
						}
						batch = append(batch, m)
					default:
						break fill
					}
				}
				failed := q.deliver(ctx, batch)
				q.mu.Lock()
				for _, m := range failed {
					if m.receives >= q.cfg.MaxReceiveCount {
						q.dead = append(q.dead, m)
						q.outstanding--
						continue
					}
					q.stats.Redeliveries++
					q.visible <- m
				}
				q.outstanding -= len(batch) - len(failed)
				if q.closed && q.outstanding == 0 && !q.finished {
					q.finished = true
					close(q.visible)
				}
				q.mu.Unlock()
			}
		})
	}
	go func() { wg.Wait(); close(q.done) }()
}

// send is S3's event for a new object under raw/, through EventBridge into the queue.
func (q *queueSim) send(bucketName, key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sendLocked(bucketName, key)
}

// sendOnce sends the event of key unless one was sent already.
func (q *queueSim) sendOnce(bucketName, key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.sent[key] {
		q.sendLocked(bucketName, key)
	}
}

func (q *queueSim) sendLocked(bucketName, key string) {
	if q.closed {
		return
	}
	if q.sent == nil {
		q.sent = map[string]bool{}
	}
	q.sent[key] = true
	q.seq++
	body, err := objectCreated(bucketName, key, 0, q.seq)
	if err != nil {
		return
	}
	id := fmt.Sprintf("msg-%06d", q.seq)
	q.stats.Messages++
	q.outstanding++
	q.visible <- &message{id: id, key: key, body: string(body)}
	if q.pick("dup", key, q.dup) {
		// SQS delivers at least once: the same message, under the same id, may arrive twice.
		q.outstanding++
		q.stats.Duplicates++
		q.visible <- &message{id: id, key: key, body: string(body)}
	}
}

// drain waits until every message sent is deleted or dead-lettered, and returns the
// dead-lettered ones.
func (q *queueSim) drain() []*message {
	q.mu.Lock()
	q.closed = true
	if q.outstanding == 0 && !q.finished {
		q.finished = true
		close(q.visible)
	}
	q.mu.Unlock()
	<-q.done
	q.stats.Deliveries = q.deliveries.Load()
	q.stats.DeadLettered = len(q.dead)
	return q.dead
}

// poisoned fails the records of poisoned keys before the real handler sees them: a stand-in for
// an object the transform can never process.
type poisoned struct{ key string }

func (p *poisoned) Error() string { return "injected: the transform of " + p.key + " always fails" }

func (q *queueSim) deliver(ctx context.Context, batch []*message) []*message {
	n := q.inFlight.Add(1)
	defer q.inFlight.Add(-1)
	for {
		peak := atomic.LoadInt64(&q.stats.PeakInFlight)
		if n <= peak || atomic.CompareAndSwapInt64(&q.stats.PeakInFlight, peak, n) {
			break
		}
	}
	atomic.AddInt64(&q.stats.Invocations, 1)
	ev := events.SQSEvent{}
	byID := map[string][]*message{}
	var failed []*message
	for _, m := range batch {
		m.receives++
		q.deliveries.Add(1)
		if q.pick("poison", m.key, q.poison) {
			m.err = (&poisoned{m.key}).Error()
			failed = append(failed, m)
			continue
		}
		byID[m.id] = append(byID[m.id], m)
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: m.id, ReceiptHandle: m.id + "-" + strconv.Itoa(m.receives), Body: m.body,
			Attributes:     map[string]string{"ApproximateReceiveCount": strconv.Itoa(m.receives)},
			EventSource:    "aws:sqs",
			EventSourceARN: "arn:aws:sqs:local:" + plan.DefaultAccount + ":transform",
		})
	}
	if len(ev.Records) == 0 {
		return failed
	}
	resp, err := q.handler.Handle(ctx, ev)
	switch {
	case err != nil || !q.cfg.PartialFailures:
		// The whole batch returns to the queue (every record failed, or no partial responses).
		if err != nil || len(resp.BatchItemFailures) > 0 {
			for _, ms := range byID {
				for _, m := range ms {
					m.err = errText(err, "the batch failed")
					failed = append(failed, m)
				}
			}
		}
	default:
		for _, f := range resp.BatchItemFailures {
			for _, m := range byID[f.ItemIdentifier] {
				m.err = "reported in batchItemFailures"
				failed = append(failed, m)
			}
		}
	}
	return failed
}

func errText(err error, def string) string {
	if err == nil {
		return def
	}
	b, _ := json.Marshal(err.Error())
	return string(b)
}
