package sfnlocal

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ObjectStore is what ItemReader, ResultWriter and the S3 task integrations read and write. The
// package has an in-memory one ([MemStore]); plug one backed by aws-sdk-go-v2 (against a local
// S3 server or a real bucket) by implementing these three methods.
type ObjectStore interface {
	// GetObject returns an object's body, or an error wrapping ErrNoSuchKey or ErrNoSuchBucket.
	GetObject(ctx context.Context, bucket, key string) ([]byte, error)
	// PutObject stores body under key, replacing any object there, and returns its ETag.
	PutObject(ctx context.Context, bucket, key string, body []byte) (etag string, err error)
	// ListObjects lists the objects whose key starts with prefix, sorted by key, as
	// ListObjectsV2 does.
	ListObjects(ctx context.Context, bucket, prefix string) ([]ObjectInfo, error)
}

// ObjectInfo describes one listed object, with ListObjectsV2's field names.
type ObjectInfo struct {
	Key          string    `json:"Key"`
	Size         int64     `json:"Size"`
	ETag         string    `json:"Etag"`
	LastModified time.Time `json:"LastModified"`
	StorageClass string    `json:"StorageClass"`
}

// Errors an ObjectStore reports (wrapped or as is); the engine maps them to the error names AWS
// uses (S3.NoSuchKeyException, S3.NoSuchBucketException) and, in an ItemReader, to
// States.ItemReaderFailed.
var (
	ErrNoSuchKey    = errors.New("NoSuchKey: the specified key does not exist")
	ErrNoSuchBucket = errors.New("NoSuchBucket: the specified bucket does not exist")
)

// MemStore is an in-memory ObjectStore. Buckets come into existence with their first object or
// with CreateBucket. The zero value is not usable; call NewMemStore. Safe for concurrent use.
type MemStore struct {
	mu      sync.RWMutex
	buckets map[string]map[string]memObject
}

type memObject struct {
	body []byte
	etag string
	mod  time.Time
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{buckets: map[string]map[string]memObject{}} }

// CreateBucket makes an empty bucket (a no-op when it exists).
func (s *MemStore) CreateBucket(bucket string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[bucket] == nil {
		s.buckets[bucket] = map[string]memObject{}
	}
}

// bucket returns a bucket's objects, or ErrNoSuchBucket; the caller holds s.mu.
func (s *MemStore) bucket(name string) (map[string]memObject, error) {
	b, ok := s.buckets[name]
	if !ok {
		return nil, fmt.Errorf("bucket %q: %w", name, ErrNoSuchBucket)
	}
	return b, nil
}

// GetObject implements ObjectStore.
func (s *MemStore) GetObject(_ context.Context, bucket, key string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	o, ok := b[key]
	if !ok {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, ErrNoSuchKey)
	}
	return append([]byte(nil), o.body...), nil
}

// PutObject implements ObjectStore.
func (s *MemStore) PutObject(_ context.Context, bucket, key string, body []byte) (string, error) {
	sum := md5.Sum(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[bucket] == nil {
		s.buckets[bucket] = map[string]memObject{}
	}
	s.buckets[bucket][key] = memObject{body: append([]byte(nil), body...), etag: etag, mod: time.Now().UTC()}
	return etag, nil
}

// ListObjects implements ObjectStore.
func (s *MemStore) ListObjects(_ context.Context, bucket, prefix string) ([]ObjectInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	var out []ObjectInfo
	for k, o := range b {
		if strings.HasPrefix(k, prefix) {
			out = append(out, ObjectInfo{Key: k, Size: int64(len(o.body)), ETag: o.etag, LastModified: o.mod, StorageClass: "STANDARD"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Message is one SQS message sent by a `arn:aws:states:::sqs:sendMessage` Task.
type Message struct {
	QueueUrl               string
	Body                   string
	Attributes             map[string]any
	MessageGroupId         string
	MessageDeduplicationId string
	DelaySeconds           int
}

// MessageSender receives the messages of sqs:sendMessage tasks. Plug one backed by
// aws-sdk-go-v2 or a local queue; [MemQueues] keeps them in memory.
type MessageSender interface {
	// SendMessage delivers a message and returns its message id.
	SendMessage(ctx context.Context, m Message) (messageID string, err error)
}

// MemQueues is an in-memory MessageSender. The zero value is ready to use and safe for
// concurrent use.
type MemQueues struct {
	mu   sync.Mutex
	msgs map[string][]Message
	seq  atomic.Int64
}

// SendMessage implements MessageSender.
func (q *MemQueues) SendMessage(_ context.Context, m Message) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.msgs == nil {
		q.msgs = map[string][]Message{}
	}
	q.msgs[m.QueueUrl] = append(q.msgs[m.QueueUrl], m)
	n := q.seq.Add(1)
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", n), nil
}

// Messages returns the messages sent to a queue, in order. The queue is named by its ARN (as
// skein's components and stack outputs give it) or by its URL (as the definition's QueueUrl
// holds it); both name the same queue.
func (q *MemQueues) Messages(queue string) []Message {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Message
	want := queueKey(queue)
	urls := make([]string, 0, len(q.msgs))
	for u := range q.msgs {
		urls = append(urls, u)
	}
	sort.Strings(urls) // the same queue under two spellings: one deterministic order
	for _, u := range urls {
		if u == queue || queueKey(u) == want {
			out = append(out, q.msgs[u]...)
		}
	}
	return out
}

// queueKey is what an SQS queue ARN (arn:PART:sqs:REGION:ACCOUNT:NAME) and its URL
// (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME, or the legacy REGION.queue.amazonaws.com host)
// have in common: region, account and name. Anything else is its own key.
func queueKey(s string) string {
	if p := strings.Split(s, ":"); len(p) == 6 && p[0] == "arn" && p[2] == "sqs" {
		return p[3] + "/" + p[4] + "/" + p[5]
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	host := strings.Split(u.Host, ".")
	region := ""
	switch {
	case len(host) > 2 && host[0] == "sqs":
		region = host[1]
	case len(host) > 2 && host[1] == "queue":
		region = host[0]
	}
	if len(parts) != 2 || region == "" {
		return s
	}
	return region + "/" + parts[0] + "/" + parts[1]
}
