package lambdatest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/skeinhq/skein/components/s3local"
	"github.com/skeinhq/skein/functions/internal/lambdatest"
	"github.com/skeinhq/skein/functions/pipeline"
	"github.com/skeinhq/skein/functions/vendorapi"
	"github.com/skeinhq/skein/functions/vendorapi/vendortest"
)

// startsPerRun is how many times each handler is started per benchmark iteration; the figures
// are medians over every start.
const startsPerRun = 20

// BenchmarkHandlerStartup starts every handler under functions/ as Lambda would start it: its
// bootstrap binary, built with the worker component's flags (-tags lambda.norpc -trimpath
// -ldflags "-s -w", CGO_ENABLED=0) for linux on this machine's architecture, in an environment
// holding only what Lambda sets and what the function configures, against a local stand-in of
// the Runtime API ([lambdatest.Start]). Each start serves one small real invocation: the vendor
// (no latency), SSM (the token) and S3 (s3local) are local. It reports the medians, over 20
// starts per iteration, of the time from the process's start to its first poll for an
// invocation (ms-to-ready: the init phase) and to its first response (ms-to-first-response), and
// the binary's size. The deployment zip's size is components/worker's BenchmarkHandlerZipSize.
func BenchmarkHandlerStartup(b *testing.B) {
	root := repoRoot(b)
	mains, _ := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if len(mains) == 0 {
		b.Skip("no handlers under functions/")
	}
	f := startFixture(b)
	dir := b.TempDir()
	for _, m := range mains {
		name := filepath.Base(filepath.Dir(m))
		payload, ok := f.payloads[name]
		if !ok {
			b.Errorf("no start-up invocation for functions/%s: add one to startFixture", name)
			continue
		}
		b.Run(name, func(b *testing.B) {
			bin := buildBootstrap(b, root, name, filepath.Join(dir, name))
			st, err := os.Stat(bin)
			if err != nil {
				b.Fatal(err)
			}
			var ready, served []time.Duration
			b.ResetTimer()
			for range b.N {
				for range startsPerRun {
					r, t, err := lambdatest.Start([]string{bin}, f.env, payload, 20*time.Second)
					if err != nil {
						b.Fatal(err)
					}
					if r.ErrorType != "" {
						b.Fatalf("%s: %s", r.ErrorType, r.ErrorMessage)
					}
					ready, served = append(ready, t.Ready), append(served, t.Served)
				}
			}
			b.ReportMetric(ms(median(ready)), "ms-to-ready")
			b.ReportMetric(ms(median(served)), "ms-to-first-response")
			b.ReportMetric(float64(st.Size()), "bin-bytes")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// fixture is the local world the handlers start in: their environment and one invocation each.
type fixture struct {
	env      []string
	payloads map[string][]byte
}

const (
	tokenParam = "/skein/bench/vendor-token"
	token      = "bench-token"
	date       = "2026-11-23"
)

// startFixture starts the vendor, SSM and S3 stand-ins, and stores what merge-manifests and
// transform read (a group manifest, a raw object) by running the pipeline's handlers in-process.
func startFixture(b *testing.B) fixture {
	v, err := vendortest.Start(vendortest.Options{Latency: -1, Token: token, Groups: 2, DevicesPerGroup: 3})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = v.Close() })
	s3srv, err := s3local.Start("data")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s3srv.Close() })
	ssm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name           string
			WithDecryption bool
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.Name != tokenParam || !in.WithDecryption {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ParameterNotFound","message":"no such parameter"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": "SecureString", "Value": token, "Version": 1}})
	}))
	b.Cleanup(ssm.Close)

	ctx := context.Background()
	vc, err := vendorapi.New(vendorapi.Config{BaseURL: v.URL, Token: token})
	if err != nil {
		b.Fatal(err)
	}
	group := vendorapi.Group{ID: "g0001", Name: "Group 1"}
	listed, err := (&pipeline.ListDevices{Vendor: vc, Store: s3srv.Client(), Bucket: "data"}).Handle(ctx, pipeline.ListDevicesInput{Group: group, Date: date})
	if err != nil {
		b.Fatal(err)
	}
	item := pipeline.Item{Date: date, Group: "g0001", Device: "g0001-d0001"}
	fetch := pipeline.FetchInput{Items: []pipeline.Item{item}, BatchInput: pipeline.BatchInput{ExecutionID: "bench"}}
	if _, err := (&pipeline.FetchMetrics{Vendor: vc, Store: s3srv.Client(), Bucket: "data"}).Handle(ctx, fetch); err != nil {
		b.Fatal(err)
	}
	created, err := json.Marshal(events.EventBridgeEvent{Version: "0", ID: "e-1", DetailType: "Object Created", Source: "aws.s3",
		AccountID: "123456789012", Time: time.Date(2026, 11, 23, 2, 5, 0, 0, time.UTC), Region: "us-east-1",
		Detail: json.RawMessage(`{"bucket":{"name":"data"},"object":{"key":"` + pipeline.RawPart(date, []pipeline.Item{item}) + `","size":1}}`)})
	if err != nil {
		b.Fatal(err)
	}
	sqs := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-1", Body: string(created), EventSource: "aws:sqs"}}}

	must := func(v any) []byte {
		out, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	return fixture{
		// What Lambda sets for a provided.al2023 function (the credentials are the role's), and
		// the function's configuration.
		env: []string{
			"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_LAMBDA_FUNCTION_NAME=bench",
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
			"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand", "AWS_ACCESS_KEY_ID=ASIAEXAMPLE",
			"AWS_SECRET_ACCESS_KEY=secret", "AWS_SESSION_TOKEN=session", "TZ=:UTC", "LANG=en_US.UTF-8",
			"LAMBDA_TASK_ROOT=/var/task", "PATH=/usr/local/bin:/usr/bin:/bin",
			"AWS_ENDPOINT_URL_S3=" + s3srv.URL, "AWS_ENDPOINT_URL_SSM=" + ssm.URL, "S3_USE_PATH_STYLE=true",
			"DATA_BUCKET=data", "VENDOR_URL=" + v.URL, "VENDOR_TOKEN_PARAM=" + tokenParam, "LOG_LEVEL=INFO",
		},
		payloads: map[string][]byte{
			"list-groups":     must(pipeline.RunInput{Date: date}),
			"list-devices":    must(pipeline.ListDevicesInput{Group: group, Date: date}),
			"merge-manifests": must(pipeline.MergeInput{Date: date, Groups: []pipeline.ListDevicesOutput{*listed}}),
			"fetch-metrics":   must(fetch),
			"transform":       must(sqs),
			// The vendor worker's most frequent operation.
			"vendor": must(pipeline.Request{Op: pipeline.OpFetchMetrics, Input: must(fetch)}),
		},
	}
}

// buildFlags are components/worker's BuildFlags (not imported: that would bring the Pulumi SDK
// into this test).
var buildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}

// buildBootstrap builds functions/<name> for linux on this machine's architecture with the
// worker component's flags, to dir/bootstrap.
func buildBootstrap(b *testing.B, root, name, dir string) string {
	bin := filepath.Join(dir, "bootstrap")
	args := append(append([]string{"build"}, buildFlags...), "-o", bin, "./functions/"+name)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building %s: %v\n%s", name, err, out)
	}
	return bin
}

// repoRoot is the directory of the module's go.mod.
func repoRoot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		b.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
