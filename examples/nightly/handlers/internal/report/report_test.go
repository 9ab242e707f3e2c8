package report

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// bucket is an in-memory stand-in for the three S3 calls the handlers make.
type bucket struct {
	objects map[string][]byte
	failKey string
}

func (b *bucket) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	body, ok := b.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body))}, nil
}

func (b *bucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if aws.ToString(in.Key) == b.failKey {
		return nil, errors.New("throttled")
	}
	body, err := io.ReadAll(in.Body)
	b.objects[aws.ToString(in.Key)] = body
	return &s3.PutObjectOutput{}, err
}

func (b *bucket) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	var keys []string
	for k := range b.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := &s3.ListObjectsV2Output{}
	for _, k := range keys {
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k)})
	}
	return out, nil
}

func TestNight(t *testing.T) {
	ctx := context.Background()
	b := &bucket{objects: map[string][]byte{"accounts/accounts.json": []byte(`["a1","a2","a3"]`)}}
	acc, err := (&ListAccounts{S3: b, Bucket: "r"}).Handle(ctx, Start{Time: time.Date(2026, 11, 24, 2, 30, 0, 0, time.UTC)})
	if err != nil || acc.Date != "2026-11-23" || len(acc.Accounts) != 3 {
		t.Fatalf("accounts %+v (%v)", acc, err)
	}
	var batch Batch
	batch.Items, batch.BatchInput.Date = acc.Accounts, acc.Date
	if _, err := (&Summarise{S3: b, Bucket: "r"}).Handle(ctx, batch); err != nil {
		t.Fatal(err)
	}
	n, err := (&Publish{S3: b, Bucket: "r"}).Handle(ctx, struct {
		Date string `json:"date"`
	}{acc.Date})
	if err != nil || n["summaries"] != 3 || !bytes.Contains(b.objects["index/2026-11-23.json"], []byte("summaries/2026-11-23/a2.json")) {
		t.Errorf("published %v (%v): %s", n, err, b.objects["index/2026-11-23.json"])
	}
}

// Only the message that could not be written is received again.
func TestIngestReportsPartialFailures(t *testing.T) {
	b := &bucket{objects: map[string][]byte{}, failKey: "incoming/m2.json"}
	resp, err := (&Ingest{S3: b, Bucket: "r"}).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: `{"account":"a1"}`}, {MessageId: "m2", Body: `{"account":"a2"}`},
	}})
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m2" || b.objects["incoming/m1.json"] == nil {
		t.Errorf("response %+v (%v)", resp, err)
	}
}
