package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

// A revoked token (401) or a token without access to the endpoint (403) is not one device's
// failure: nothing is captured under failed/, and the batch fails, not retried.
func TestFetchMetricsFailsTheBatchOnAuthErrors(t *testing.T) {
	for _, status := range []int{401, 403} {
		e := newEnv(t, vendortest.Options{FailFraction: 1, FailStatus: status})
		devices := e.vendor.Devices()[:5]
		h := &pipeline.FetchMetrics{Vendor: e.client, Store: e.s3, Bucket: bucket, FailedPrefix: "failed/"}
		_, err := h.Handle(context.Background(), batchOf(devices...))
		var ife *pipeline.ItemsFailedError
		if !errors.As(err, &ife) || len(ife.Failures) != 5 || ife.Failures[0].Error != vendorapi.ErrNameAuth {
			t.Fatalf("HTTP %d: %T %v", status, err, err)
		}
		if n := len(e.keys(t, "failed/")); n != 0 {
			t.Errorf("HTTP %d: %d devices captured as failed", status, n)
		}
	}
}

func put(t *testing.T, e *env, key string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(string(b))}); err != nil {
		t.Fatal(err)
	}
}

// record is a ResultWriter record as AWS writes it: Input and Output are JSON text.
func resultRecord(t *testing.T, status string, in, out any) map[string]any {
	t.Helper()
	i, _ := json.Marshal(in)
	r := map[string]any{"Input": string(i), "Status": status}
	if out != nil {
		o, _ := json.Marshal(out)
		r["Output"] = string(o)
	}
	return r
}

// The check reads a run's ResultWriter files and fails the run when more items were captured
// than it tolerates; items of failed batches are the Map's own tolerance and do not count.
func TestCheckFailsARunThatCapturedTooMuch(t *testing.T) {
	e := newEnv(t, vendortest.Options{})
	put(t, e, "results/run/SUCCEEDED_0.json", []any{
		resultRecord(t, "SUCCEEDED", batchOf("g0001-d1", "g0001-d2"), pipeline.FetchOutput{Succeeded: 2}),
		resultRecord(t, "SUCCEEDED", batchOf("g0001-d3", "g0001-d4"), pipeline.FetchOutput{Succeeded: 1, Failed: 1}),
	})
	put(t, e, "results/run/FAILED_0.json", []any{resultRecord(t, "FAILED", batchOf("g0001-d5", "g0001-d6"), nil)})
	put(t, e, "results/run/manifest.json", map[string]any{
		"DestinationBucket": bucket,
		"ResultFiles": map[string]any{
			"SUCCEEDED": []any{map[string]any{"Key": "results/run/SUCCEEDED_0.json", "Size": 1}},
			"FAILED":    []any{map[string]any{"Key": "results/run/FAILED_0.json", "Size": 1}},
			"PENDING":   []any{},
		},
	})
	h := &pipeline.MergeManifests{Store: e.s3, Bucket: bucket}
	check := func(tolerance float64) (*pipeline.MergeOutput, error) {
		// As the workflow passes it: ResultWriterDetails' own capitalised names.
		var in pipeline.MergeInput
		raw := fmt.Sprintf(`{"date":"2026-11-23","check":{"results":{"Bucket":%q,"Key":"results/run/manifest.json"},"items":6,"tolerancePercent":%v}}`, bucket, tolerance)
		if err := json.Unmarshal([]byte(raw), &in); err != nil {
			t.Fatal(err)
		}
		return h.Handle(context.Background(), in)
	}
	out, err := check(20)
	if err != nil {
		t.Fatal(err)
	}
	want := pipeline.CheckOutput{Items: 6, Succeeded: 3, Captured: 1, InFailedBatches: 2, CapturedPercent: 100.0 / 6}
	if out.Check == nil || *out.Check != want {
		t.Errorf("check %+v, want %+v", out.Check, want)
	}
	_, err = check(10)
	var tm *pipeline.TooManyFailuresError
	if !errors.As(err, &tm) || !strings.Contains(err.Error(), "1 of 6 items (16.67%) failed permanently") {
		t.Errorf("above the tolerance: %T %v", err, err)
	}
	if _, err := h.Handle(context.Background(), pipeline.MergeInput{Date: "2026-11-23", Check: &pipeline.CheckInput{}}); err == nil {
		t.Error("a check without results accepted")
	}
}
