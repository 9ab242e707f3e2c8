package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/components/plan"
	"github.com/skeinhq/skein/components/sfnlocal"
	"github.com/skeinhq/skein/functions/pipeline/layout"
)

// QueueConfig is what the plan says about a queue and its subscription: the event source
// mapping's batch size and maximum concurrency, whether it reports partial batch failures, the
// queue's maxReceiveCount before the dead-letter queue and its visibility timeout.
type QueueConfig struct {
	Name              string
	BatchSize         int
	MaxConcurrency    int
	PartialFailures   bool
	MaxReceiveCount   int
	VisibilityTimeout time.Duration
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
	// Deleted counts messages processed (deleted from the queue).
	Deleted int `json:"deleted"`
	// Throttled counts invocations Lambda refused (the function at its reserved concurrency):
	// their messages came back after the visibility timeout, one receive spent.
	Throttled int64 `json:"throttled"`
}

// queueConfig reads the queue name and its subscription from the plan; ok is false when the
// plan has no such queue with a subscription.
func queueConfig(p *plan.Plan, name string) (qc QueueConfig, ok bool, err error) {
	qc.Name = name
	var esm *plan.Resource
	for _, r := range p.OfType("aws:lambda/eventSourceMapping:EventSourceMapping") {
		if r.Parent != nil && r.Parent.Name == name {
			esm = r
		}
	}
	q := p.Find("aws:sqs/queue:Queue", name)
	if esm == nil || q == nil {
		return qc, false, nil
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
	qc.VisibilityTimeout = time.Duration(num(q.Get("visibilityTimeoutSeconds"))) * time.Second
	if types, ok := esm.Get("functionResponseTypes").([]any); ok {
		for _, t := range types {
			qc.PartialFailures = qc.PartialFailures || t == "ReportBatchItemFailures"
		}
	}
	var rp struct {
		MaxReceiveCount int `json:"maxReceiveCount"`
	}
	if err := q.Json("redrivePolicy", &rp); err != nil {
		return qc, true, fmt.Errorf("local: %s queue: %w", name, err)
	}
	qc.MaxReceiveCount = rp.MaxReceiveCount
	if qc.BatchSize < 1 || qc.MaxConcurrency < 1 || qc.MaxReceiveCount < 1 {
		return qc, true, fmt.Errorf("local: the %s queue's subscription is misconfigured in the plan: %+v", name, qc)
	}
	return qc, true, nil
}

type message struct {
	id, key, body string
	receives      int
	err           string
}

// queueSim delivers messages to a function as Lambda's SQS event source does: batches of
// BatchSize, at most MaxConcurrency invocations at once, failed records (the partial batch
// response, or the whole batch when the handler returns an error) back to the queue until
// their receive count reaches maxReceiveCount, then to the dead-letter queue. An invocation
// the function refuses (Lambda.TooManyRequestsException: its reserved concurrency is in use)
// returns its messages after the visibility timeout (times the run's TimeScale), a receive
// spent.
type queueSim struct {
	cfg        QueueConfig
	fn         sfnlocal.Invoker
	visibility time.Duration
	backoff    time.Duration
	dup        float64
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

func newQueueSim(cfg QueueConfig, fn sfnlocal.Invoker, timeScale, dup float64, seed uint64) *queueSim {
	return &queueSim{cfg: cfg, fn: fn, visibility: time.Duration(float64(cfg.VisibilityTimeout) * timeScale),
		backoff: time.Duration(float64(time.Second) * timeScale), dup: dup, seed: seed}
}

// pick is a deterministic choice of a fraction of keys.
func (q *queueSim) pick(kind, key string, fraction float64) bool {
	return pick(kind, q.seed, key, fraction)
}

func pick(kind string, seed uint64, key string, fraction float64) bool {
	if fraction <= 0 {
		return false
	}
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%s/%d/%s", kind, seed, key)
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
				failed, throttled := q.deliver(ctx, batch)
				q.mu.Lock()
				var back []*message
				for _, m := range failed {
					if m.receives >= q.cfg.MaxReceiveCount {
						q.dead = append(q.dead, m)
						q.outstanding--
						continue
					}
					q.stats.Redeliveries++
					back = append(back, m)
				}
				if throttled && len(back) > 0 {
					// visible again when the visibility timeout has passed
					go func() {
						time.Sleep(q.visibility)
						q.mu.Lock()
						defer q.mu.Unlock()
						for _, m := range back {
							q.visible <- m
						}
					}()
				} else {
					for _, m := range back {
						q.visible <- m
					}
				}
				q.stats.Deleted += len(batch) - len(failed)
				q.outstanding -= len(batch) - len(failed)
				if q.closed && q.outstanding == 0 && !q.finished {
					q.finished = true
					close(q.visible)
				}
				q.mu.Unlock()
				if throttled {
					time.Sleep(q.backoff) // the event source backs off a throttled function
				}
			}
		})
	}
	go func() { wg.Wait(); close(q.done) }()
}

// send is S3's event for a new raw part, through EventBridge into the queue.
func (q *queueSim) send(bucketName, key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sendLocked(bucketName, key)
}

// sendBody sends one message with the given body; key names it in the statistics.
func (q *queueSim) sendBody(key, body string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.seq++
	q.stats.Messages++
	q.outstanding++
	q.visible <- &message{id: fmt.Sprintf("msg-%06d", q.seq), key: key, body: body}
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

// poisonStore is the transform's S3 client: in a raw part it reads, the record of a poisoned
// device (Options.PoisonFraction) has PoisonBody for its metrics, so the real handler fails that
// record on every delivery (captures it in the processed part with its error and payload, and
// logs it with the item's correlation id) and transforms the rest of the part: a stand-in for a
// record the transform can never use.
type poisonStore struct {
	*s3Counter
	poisoned func(device string) bool
}

// PoisonBody is what a poisoned device's raw record holds for its metrics.
const PoisonBody = "injected: this raw record always fails its transform"

func (p *poisonStore) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	out, err := p.s3Counter.GetObject(ctx, in, opts...)
	if err != nil || !strings.HasPrefix(aws.ToString(in.Key), layout.Raw) {
		return out, err
	}
	b, err := io.ReadAll(out.Body)
	_ = out.Body.Close()
	if err != nil {
		return nil, err
	}
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		var r map[string]any
		if json.Unmarshal(l, &r) != nil {
			continue
		}
		if d, _ := r["device"].(string); p.poisoned(d) {
			r["metrics"] = PoisonBody
			lines[i], _ = json.Marshal(r)
		}
	}
	b = bytes.Join(lines, []byte("\n"))
	out.Body = io.NopCloser(bytes.NewReader(b))
	out.ContentLength = aws.Int64(int64(len(b)))
	return out, nil
}

// S3Stats count S3 requests.
type S3Stats struct {
	Puts  int64 `json:"puts"`
	Gets  int64 `json:"gets"`
	Lists int64 `json:"lists"`
}

func (s S3Stats) minus(o S3Stats) S3Stats {
	return S3Stats{Puts: s.Puts - o.Puts, Gets: s.Gets - o.Gets, Lists: s.Lists - o.Lists}
}

// s3Counter is the handlers' S3 client: it counts their requests.
type s3Counter struct {
	*s3.Client
	puts, gets, lists atomic.Int64
}

func (c *s3Counter) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c.puts.Add(1)
	return c.Client.PutObject(ctx, in, opts...)
}

func (c *s3Counter) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.gets.Add(1)
	return c.Client.GetObject(ctx, in, opts...)
}

func (c *s3Counter) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.lists.Add(1)
	return c.Client.ListObjectsV2(ctx, in, opts...)
}

func (c *s3Counter) stats() S3Stats {
	return S3Stats{Puts: c.puts.Load(), Gets: c.gets.Load(), Lists: c.lists.Load()}
}

// deliver invokes the function with one batch and returns the messages that failed, and
// whether the invocation was throttled (every message then failed).
func (q *queueSim) deliver(ctx context.Context, batch []*message) (failed []*message, throttled bool) {
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
	for _, m := range batch {
		m.receives++
		q.deliveries.Add(1)
		byID[m.id] = append(byID[m.id], m)
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: m.id, ReceiptHandle: m.id + "-" + strconv.Itoa(m.receives), Body: m.body,
			Attributes:     map[string]string{"ApproximateReceiveCount": strconv.Itoa(m.receives)},
			EventSource:    "aws:sqs",
			EventSourceARN: "arn:aws:sqs:local:" + plan.DefaultAccount + ":" + q.cfg.Name,
		})
	}
	if len(ev.Records) == 0 {
		return failed, false
	}
	resp, err := q.invoke(ctx, ev)
	var ee *sfnlocal.ExecutionError
	if errors.As(err, &ee) && ee.Name == sfnlocal.ErrLambdaTooManyRequests {
		atomic.AddInt64(&q.stats.Throttled, 1)
		for _, ms := range byID {
			for _, m := range ms {
				m.err = ee.Name
				failed = append(failed, m)
			}
		}
		return failed, true
	}
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
	return failed, false
}

// invoke calls the function with an SQS event and decodes its partial batch response.
func (q *queueSim) invoke(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	payload, err := json.Marshal(ev)
	if err != nil {
		return resp, err
	}
	out, err := q.fn.Invoke(ctx, payload)
	if err != nil {
		return resp, err
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return resp, fmt.Errorf("local: the %s consumer's answer is not a partial batch response: %w", q.cfg.Name, err)
	}
	return resp, nil
}

func errText(err error, def string) string {
	if err == nil {
		return def
	}
	b, _ := json.Marshal(err.Error())
	return string(b)
}
