package s3local_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/components/s3local"
)

// TestListAndGetReadWhatTheS3APIWrote writes through the SDK and reads the store directly.
func TestListAndGetReadWhatTheS3APIWrote(t *testing.T) {
	s, err := s3local.Start("b")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	before := time.Now().Add(-time.Second)
	c := s.Client()
	for _, k := range []string{"raw/b.json", "processed/a.json", "raw/a.json", "rawish.json"} {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(k), Body: bytes.NewReader([]byte("body of " + k))}); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := s.List("b", "raw/")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
		if o.Size != int64(len("body of "+o.Key)) || o.LastModified.Before(before) {
			t.Errorf("%s: size %d, last modified %v", o.Key, o.Size, o.LastModified)
		}
	}
	if got := strings.Join(keys, ","); got != "raw/a.json,raw/b.json" {
		t.Errorf("List(raw/) = %s", got)
	}
	if all, _ := s.List("b", ""); len(all) != 4 {
		t.Errorf("List() has %d objects, want 4", len(all))
	}
	b, err := s.Get("b", "raw/b.json")
	if err != nil || string(b) != "body of raw/b.json" {
		t.Errorf("Get = %q, %v", b, err)
	}
	if _, err := s.Get("b", "raw/none.json"); err == nil || !strings.Contains(err.Error(), "s3://b/raw/none.json") {
		t.Errorf("Get of a missing key: %v", err)
	}
	if _, err := s.List("nobucket", ""); err == nil || !strings.Contains(err.Error(), "nobucket") {
		t.Errorf("List of a missing bucket: %v", err)
	}
}
