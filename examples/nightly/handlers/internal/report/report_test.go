package report

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/skeinhq/skein/components/s3local"
)

// bucket serves the report bucket "r" from an in-memory S3 server (skein's s3local, which the
// pipeline's own handler tests use), holding the given objects, and returns the server (to
// read what the handlers wrote) and the SDK client the handlers call, as in production.
func bucket(t *testing.T, objects map[string]string) (*s3local.Server, *s3.Client) {
	t.Helper()
	srv, err := s3local.Start("r")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c := srv.Client()
	for k, v := range objects {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("r"), Key: aws.String(k), Body: strings.NewReader(v)}); err != nil {
			t.Fatal(err)
		}
	}
	return srv, c
}

// failingPut is the SDK's client with one key whose writes fail, as a throttled PutObject would.
type failingPut struct {
	*s3.Client
	key string
}

func (f failingPut) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if aws.ToString(in.Key) == f.key {
		return nil, errors.New("throttled")
	}
	return f.Client.PutObject(ctx, in, opts...)
}

func TestNight(t *testing.T) {
	ctx := context.Background()
	srv, c := bucket(t, map[string]string{"accounts/accounts.json": `["a1","a2","a3"]`})
	acc, err := (&ListAccounts{S3: c, Bucket: "r"}).Handle(ctx, Start{Time: time.Date(2026, 11, 24, 2, 30, 0, 0, time.UTC)})
	if err != nil || acc.Date != "2026-11-23" || len(acc.Accounts) != 3 {
		t.Fatalf("accounts %+v (%v)", acc, err)
	}
	var batch Batch
	batch.Items, batch.BatchInput.Date = acc.Accounts, acc.Date
	if _, err := (&Summarise{S3: c, Bucket: "r"}).Handle(ctx, batch); err != nil {
		t.Fatal(err)
	}
	n, err := (&Publish{S3: c, Bucket: "r"}).Handle(ctx, struct {
		Date string `json:"date"`
	}{acc.Date})
	index, _ := srv.Get("r", "index/2026-11-23.json")
	if err != nil || n["summaries"] != 3 || !bytes.Contains(index, []byte("summaries/2026-11-23/a2.json")) {
		t.Errorf("published %v (%v): %s", n, err, index)
	}
}

// Only the message that could not be written is received again.
func TestIngestReportsPartialFailures(t *testing.T) {
	srv, c := bucket(t, nil)
	resp, err := (&Ingest{S3: failingPut{c, "incoming/m2.json"}, Bucket: "r"}).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: `{"account":"a1"}`}, {MessageId: "m2", Body: `{"account":"a2"}`},
	}})
	stored, _ := srv.Get("r", "incoming/m1.json")
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m2" || stored == nil {
		t.Errorf("response %+v (%v)", resp, err)
	}
}
