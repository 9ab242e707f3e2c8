// Package report is the nightly report's handler logic. Each handler depends on the narrow part
// of the S3 client it calls, so tests hand it a fake; main packages only wire the SDK's client.
package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Getter reads an object (s3.Client satisfies it).
type Getter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Putter writes an object (s3.Client satisfies it).
type Putter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Lister lists objects (s3.Client satisfies it).
type Lister interface {
	s3.ListObjectsV2APIClient
}

// Start is what the schedule sends: its scheduled time.
type Start struct {
	Time time.Time `json:"time"`
}

// Accounts is the list to summarise, and the report's date.
type Accounts struct {
	Date     string   `json:"date"`
	Accounts []string `json:"accounts"`
}

// ListAccounts reads accounts/accounts.json (a JSON array of account ids).
type ListAccounts struct {
	S3     Getter
	Bucket string
}

// Handle lists the accounts of the night that precedes the scheduled time.
func (h *ListAccounts) Handle(ctx context.Context, in Start) (Accounts, error) {
	out, err := h.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(h.Bucket), Key: aws.String("accounts/accounts.json")})
	if err != nil {
		return Accounts{}, err
	}
	defer func() { _ = out.Body.Close() }()
	var ids []string
	if err := json.NewDecoder(out.Body).Decode(&ids); err != nil {
		return Accounts{}, fmt.Errorf("accounts/accounts.json: %w", err)
	}
	return Accounts{Date: in.Time.AddDate(0, 0, -1).Format(time.DateOnly), Accounts: ids}, nil
}

// Batch is what the Distributed Map's ItemBatcher hands a child execution.
type Batch struct {
	Items      []string `json:"Items"`
	BatchInput struct {
		Date string `json:"date"`
	} `json:"BatchInput"`
}

// Summarise writes summaries/<date>/<account>.json for each account of a batch.
type Summarise struct {
	S3     Putter
	Bucket string
}

// Handle summarises one batch.
func (h *Summarise) Handle(ctx context.Context, b Batch) (map[string]int, error) {
	for _, id := range b.Items {
		body, err := json.Marshal(map[string]string{"account": id, "date": b.BatchInput.Date})
		if err != nil {
			return nil, err
		}
		if err := put(ctx, h.S3, h.Bucket, "summaries/"+b.BatchInput.Date+"/"+id+".json", body); err != nil {
			return nil, err
		}
	}
	return map[string]int{"summarised": len(b.Items)}, nil
}

// Publish writes index/<date>.json: the keys of the night's summaries.
type Publish struct {
	S3 interface {
		Lister
		Putter
	}
	Bucket string
}

// Handle publishes the index of one date.
func (h *Publish) Handle(ctx context.Context, in struct {
	Date string `json:"date"`
}) (map[string]int, error) {
	var keys []string
	pages := s3.NewListObjectsV2Paginator(h.S3, &s3.ListObjectsV2Input{Bucket: aws.String(h.Bucket), Prefix: aws.String("summaries/" + in.Date + "/")})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	body, err := json.Marshal(map[string]any{"date": in.Date, "summaries": keys})
	if err != nil {
		return nil, err
	}
	return map[string]int{"summaries": len(keys)}, put(ctx, h.S3, h.Bucket, "index/"+in.Date+".json", body)
}

// Ingest writes each queued account update to incoming/<message id>.json and reports the
// messages it could not write, so only those are received again.
type Ingest struct {
	S3     Putter
	Bucket string
}

// Handle ingests one batch of messages.
func (h *Ingest) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		if err := put(ctx, h.S3, h.Bucket, "incoming/"+m.MessageId+".json", []byte(m.Body)); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

func put(ctx context.Context, p Putter, bucket, key string, body []byte) error {
	_, err := p.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentType: aws.String("application/json"),
		ContentLength: aws.Int64(int64(len(body))),
	})
	return err
}
