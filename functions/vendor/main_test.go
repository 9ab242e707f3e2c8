package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/functions/internal/lambdatest"
	"github.com/skeinhq/skein/functions/metrics/emftest"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

const secret = "tok-8f1c2d"

// The deployed binary, built as the worker component builds it, run under the real runtime loop:
// its environment wiring (SSM token with decryption, S3 endpoint override and path-style, vendor
// URL), its JSON logs (request id on every line, no token anywhere) and its start-up validation.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	v, err := vendortest.Start(vendortest.Options{Latency: 20 * time.Millisecond, Token: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Close() }()
	s3srv, err := s3local.Start("data")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s3srv.Close() }()
	ssm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name           string
			WithDecryption bool
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.Name != "/skein/dev/vendor-token" || !in.WithDecryption {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"__type":"ParameterNotFound","message":"no"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": "SecureString", "Value": secret}})
	}))
	defer ssm.Close()

	env := []string{
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_S3=" + s3srv.Url, "AWS_ENDPOINT_URL_SSM=" + ssm.URL, "S3_USE_PATH_STYLE=true",
		"DATA_BUCKET=data", "VENDOR_URL=" + v.URL, "VENDOR_TOKEN_PARAM=/skein/dev/vendor-token", "LOG_LEVEL=DEBUG",
		"FAILED_PREFIX=failed/", "SKEIN_BUDGET=vendor", "SKEIN_BUDGET_RATE=200", "SKEIN_BUDGET_BURST=1", "SKEIN_BUDGET_CALLS=1",
		"BATCH_CONCURRENCY=3",
	}
	// g0001-d9999 is unknown to the vendor (404): captured under FAILED_PREFIX, the batch goes on.
	payload := []byte(`{"op":"fetch-metrics","input":{"Items":[{"date":"2026-11-23","group":"g0001","device":"g0001-d0001"},` +
		`{"date":"2026-11-23","group":"g0001","device":"g0001-d0002"},` +
		`{"date":"2026-11-23","group":"g0001","device":"g0001-d9999"}],"BatchInput":{"executionId":"exec-1"}}}`)
	var logs bytes.Buffer
	r := lambdatest.InvokeCommand(t, []string{bin}, env, payload, 20*time.Second, &logs)
	if r.ErrorType != "" {
		t.Fatalf("%s: %s\n%s", r.ErrorType, r.ErrorMessage, logs.String())
	}
	var out pipeline.FetchOutput
	if err := json.Unmarshal(r.Payload, &out); err != nil || out.Succeeded != 2 || out.Failed != 1 {
		t.Fatalf("response %s: %v", r.Payload, err)
	}
	var items []pipeline.Item
	for _, d := range []string{"g0001-d0001", "g0001-d0002", "g0001-d9999"} {
		items = append(items, pipeline.Item{Date: "2026-11-23", Group: "g0001", Device: d})
	}
	part := pipeline.RawPart("2026-11-23", items)
	dead, err := s3srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("data"),
		Key: aws.String(strings.Replace(part, "raw/", "failed/", 1))})
	if err != nil {
		t.Fatalf("FAILED_PREFIX did not reach the handler: %v", err)
	}
	_ = dead.Body.Close()
	obj, err := s3srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("data"),
		Key: aws.String(part)})
	if err != nil {
		t.Fatalf("the binary did not write to the local S3: %v", err)
	}
	_ = obj.Body.Close()
	if v.Stats().Unauthorized != 0 || v.Stats().MetricsServed != 2 {
		t.Errorf("vendor stats %+v (the token from SSM must reach the vendor)", v.Stats())
	}
	// Three items at once, one call in flight: the budget's variables reached the pacer.
	if v.Stats().PeakInFlight != 1 {
		t.Errorf("the vendor saw %d calls at once, SKEIN_BUDGET_CALLS=1", v.Stats().PeakInFlight)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("want a line per item and one for the batch, got:\n%s", logs.String())
	}
	metricLines := 0
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("not JSON: %s", l)
			continue
		}
		if i == 0 { // the start-up line, before any request: the budget it read
			if m["msg"] != "budget" || m["budget"] != "vendor: 200/s burst 1, 1 calls at once" {
				t.Errorf("start-up line: %s", l)
			}
			continue
		}
		if _, ok := m["_aws"]; ok { // the invocation's metrics
			if _, err := emftest.Check([]byte(l)); err != nil || m["function"] != "vendor" || m["operation"] != "fetch-metrics" || m["Fetched"] != 2.0 {
				t.Errorf("metrics line: %v: %s", err, l)
			}
			metricLines++
			continue
		}
		// batch lines carry the execution id; item lines the item's id within it
		id, _ := m["correlationId"].(string)
		if m["requestId"] != "req-1" || (id != "exec-1" && !strings.HasPrefix(id, "exec-1/2026-11-23/g0001/")) || m["function"] != "vendor" {
			t.Errorf("line without its ids: %s", l)
		}
	}
	if metricLines != 1 {
		t.Errorf("want one metrics line for the invocation, got %d", metricLines)
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the token appears in the logs")
	}

	// Start-up validation: every problem at once, and the process exits before serving.
	cmd := exec.Command(bin)
	cmd.Env = []string{"BATCH_CONCURRENCY=0", "LOG_LEVEL=INFO", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"SKEIN_BUDGET_RATE=fast", "SKEIN_BUDGET_CALLS=0"}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err == nil {
		t.Error("started without its configuration")
	}
	for _, want := range []string{"DATA_BUCKET is required", "VENDOR_URL is required", "VENDOR_TOKEN_PARAM is required", "BATCH_CONCURRENCY must be an integer 1..100",
		`SKEIN_BUDGET_RATE must be a decimal number of calls per second above 0`, `SKEIN_BUDGET_CALLS must be a whole number 1..`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("start-up error lacks %q:\n%s", want, stdout.String())
		}
	}
}
