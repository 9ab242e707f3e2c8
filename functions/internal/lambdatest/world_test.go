package lambdatest_test

// The local world the handler benchmarks run in, and the input builders of each handler: the
// one file to change when a handler's input format does.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

const (
	tokenParam = "/skein/bench/vendor-token"
	token      = "bench-token"
	date       = "2026-11-23"
	bucket     = "data"
)

// world is the local stand-ins the handlers run against: a vendor without latency, SSM (the
// token) and S3, the environment Lambda would give the functions, and clients to prepare what
// the handlers read.
type world struct {
	env    []string
	vendor *vendorapi.Client
	s3     *s3local.Server
}

// startWorld starts a vendor of groups groups of devices devices each, SSM and S3; they stop
// when the benchmark ends.
func startWorld(b *testing.B, groups, devices int) *world {
	v, err := vendortest.Start(vendortest.Options{Latency: -1, Token: token, Groups: groups, DevicesPerGroup: devices})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = v.Close() })
	s3srv, err := s3local.Start(bucket)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s3srv.Close() })
	ssm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name           string
			WithDecryption bool
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.Name != tokenParam || !in.WithDecryption {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": "ParameterNotFound", "message": "no such parameter"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": "SecureString", "Value": token, "Version": 1}})
	}))
	b.Cleanup(ssm.Close)
	vc, err := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: token})
	if err != nil {
		b.Fatal(err)
	}
	return &world{
		vendor: vc,
		s3:     s3srv,
		// What Lambda sets for a provided.al2023 function (the credentials are the role's), and
		// the function's configuration.
		env: []string{
			"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_LAMBDA_FUNCTION_NAME=bench",
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
			"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand", "AWS_ACCESS_KEY_ID=ASIAEXAMPLE",
			"AWS_SECRET_ACCESS_KEY=secret", "AWS_SESSION_TOKEN=session", "TZ=:UTC", "LANG=en_US.UTF-8",
			"LAMBDA_TASK_ROOT=/var/task", "PATH=/usr/local/bin:/usr/bin:/bin",
			"AWS_ENDPOINT_URL_S3=" + s3srv.Url, "AWS_ENDPOINT_URL_SSM=" + ssm.URL, "S3_USE_PATH_STYLE=true",
			"DATA_BUCKET=" + bucket, "VENDOR_URL=" + v.URL, "VENDOR_TOKEN_PARAM=" + tokenParam, "LOG_LEVEL=INFO",
		},
	}
}

// The input builders below make each handler's input of today's formats (functions/pipeline);
// when a format changes, only its builder does.

// fetchInput is a fetch-metrics batch of the first n devices of the first group.
func fetchInput(n int) pipeline.FetchInput {
	items := make([]pipeline.Item, n)
	for j := range items {
		items[j] = pipeline.Item{Date: date, Group: vendortest.GroupID(0), Device: vendortest.DeviceID(0, j)}
	}
	return pipeline.FetchInput{Items: items, BatchInput: pipeline.BatchInput{ExecutionID: "bench"}}
}

// mergeInput lists the devices of the first groups groups into their group manifests (by
// running list-devices in-process) and is merge-manifests' input over them.
func (w *world) mergeInput(b *testing.B, groups int) pipeline.MergeInput {
	h := &pipeline.ListDevices{Vendor: w.vendor, Store: w.s3.Client(), Bucket: bucket}
	in := pipeline.MergeInput{Date: date}
	for i := range groups {
		g := vendorapi.Group{ID: vendortest.GroupID(i), Name: fmt.Sprintf("Group %d", i+1)}
		out, err := h.Handle(context.Background(), pipeline.ListDevicesInput{Group: g, Date: date})
		if err != nil {
			b.Fatal(err)
		}
		in.Groups = append(in.Groups, *out)
	}
	return in
}

// transformInput stores the raw part of a batch of the first n devices of the first group (by
// running fetch-metrics in-process: one part per batch) and is the SQS batch of its one S3
// event, as EventBridge sends it: n devices for the transform to summarise.
func (w *world) transformInput(b *testing.B, n int) events.SQSEvent {
	in := fetchInput(n)
	if _, err := (&pipeline.FetchMetrics{Vendor: w.vendor, Store: w.s3.Client(), Bucket: bucket}).Handle(context.Background(), in); err != nil {
		b.Fatal(err)
	}
	created, err := json.Marshal(events.EventBridgeEvent{Version: "0", ID: "e-0", DetailType: "Object Created", Source: "aws.s3",
		AccountID: "123456789012", Time: time.Date(2026, 11, 23, 2, 5, 0, 0, time.UTC), Region: "us-east-1",
		Detail: json.RawMessage(`{"bucket":{"name":"` + bucket + `"},"object":{"key":"` + pipeline.RawPart(date, in.Items) + `","size":1}}`)})
	if err != nil {
		b.Fatal(err)
	}
	return events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-0", Body: string(created), EventSource: "aws:sqs"}}}
}

func mustJSON(b *testing.B, v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return out
}
