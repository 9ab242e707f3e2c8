package awsenv_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/skeinhq/skein/functions/internal/awsenv"
)

// lambdaEnv sets the variables Lambda sets, then extra, for the test; no shared config or
// credentials file and no instance metadata can be read (a Lambda function has none).
func lambdaEnv(t *testing.T, extra map[string]string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID",
		"AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "tok", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "", "AWS_ENDPOINT_URL_SSM": "",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "", "AWS_RETRY_MODE": "", "AWS_MAX_ATTEMPTS": "",
		"AWS_REQUEST_CHECKSUM_CALCULATION": "",
	} {
		t.Setenv(k, v)
	}
	for k, v := range extra {
		t.Setenv(k, v)
	}
}

// hits counts the requests a server receives.
type hits struct {
	mu sync.Mutex
	n  int
}

func (h *hits) server(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.n++
		h.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (h *hits) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// parameter answers every GetParameter with a parameter of that value.
func parameter(value string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = fmt.Fprintf(w, `{"Parameter":{"Name":"/p","Type":"String","Value":%q}}`, value)
	}
}

// getParameter reads a parameter with service/ssm's client from cfg.
func getParameter(ctx context.Context, t *testing.T, cfg aws.Config) string {
	out, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/p")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Parameter.Value)
}

func TestAWSFromLambdaEnvironment(t *testing.T) {
	lambdaEnv(t, nil)
	v := awsenv.FromMap(nil)
	cfg := awsenv.AWS(v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "AKID" || c.SecretAccessKey != "secret" || c.SessionToken != "tok" {
		t.Errorf("credentials %+v %v", c, err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region %q", cfg.Region)
	}
}

// Each service's calls go to its AWS_ENDPOINT_URL_<SERVICE>; AWS_ENDPOINT_URL serves the others.
func TestAWSEndpointOverrides(t *testing.T) {
	var s3Hits, ssmHits, globalHits hits
	s3srv := s3Hits.server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/data/k" {
			t.Errorf("path %q (path-style)", r.URL.Path)
		}
		w.Header().Set("Content-Length", "0")
	})
	ssmsrv := ssmHits.server(t, parameter("x"))
	global := globalHits.server(t, parameter("y"))

	lambdaEnv(t, map[string]string{"AWS_ENDPOINT_URL_S3": s3srv.URL, "AWS_ENDPOINT_URL_SSM": ssmsrv.URL, "AWS_ENDPOINT_URL": global.URL})
	v := awsenv.FromMap(nil)
	cfg := awsenv.AWS(v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := awsenv.NewS3(cfg, true).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if got := getParameter(ctx, t, cfg); got != "x" {
		t.Fatalf("SSM answered %q", got)
	}
	if s3Hits.count() != 1 || ssmHits.count() != 1 || globalHits.count() != 0 {
		t.Errorf("S3 %d, SSM %d, AWS_ENDPOINT_URL %d requests", s3Hits.count(), ssmHits.count(), globalHits.count())
	}

	lambdaEnv(t, map[string]string{"AWS_ENDPOINT_URL": global.URL})
	v = awsenv.FromMap(nil)
	if got := getParameter(ctx, t, awsenv.AWS(v)); got != "y" || v.Err() != nil {
		t.Fatalf("through AWS_ENDPOINT_URL: %q %v", got, v.Err())
	}
}

// AWS_MAX_ATTEMPTS and AWS_RETRY_MODE reach the SDK's retryer: a server that always answers 500
// gets exactly AWS_MAX_ATTEMPTS requests.
func TestAWSRetrySettings(t *testing.T) {
	var h hits
	srv := h.server(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(500)
		_, _ = w.Write([]byte(`{"__type":"InternalServerError","message":"boom"}`))
	})
	for _, tc := range []struct {
		mode string
		max  int
	}{{"standard", 1}, {"adaptive", 2}} {
		lambdaEnv(t, map[string]string{"AWS_ENDPOINT_URL_SSM": srv.URL, "AWS_RETRY_MODE": tc.mode, "AWS_MAX_ATTEMPTS": strconv.Itoa(tc.max)})
		v := awsenv.FromMap(nil)
		cfg := awsenv.AWS(v)
		if err := v.Err(); err != nil || cfg.RetryMode != aws.RetryMode(tc.mode) {
			t.Fatalf("%s: %v %q", tc.mode, err, cfg.RetryMode)
		}
		before := h.count()
		_, err := ssm.NewFromConfig(cfg).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/p")},
			func(o *ssm.Options) { o.Retryer = noBackoff(o.Retryer) })
		if err == nil {
			t.Fatal("no error from a failing SSM")
		}
		if got := h.count() - before; got != tc.max {
			t.Errorf("%s, AWS_MAX_ATTEMPTS=%d: %d requests", tc.mode, tc.max, got)
		}
	}
}

func TestAWSReportsProblems(t *testing.T) {
	lambdaEnv(t, map[string]string{"AWS_RETRY_MODE": "eager"})
	v := awsenv.FromMap(nil)
	awsenv.AWS(v)
	if err := v.Err(); err == nil || !strings.Contains(err.Error(), "eager") {
		t.Errorf("bad retry mode: %v", err)
	}
	lambdaEnv(t, map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": ""})
	v = awsenv.FromMap(nil)
	awsenv.AWS(v)
	if err := v.Err(); err == nil || !strings.Contains(err.Error(), "env AWS_REGION is required") {
		t.Errorf("no region: %v", err)
	}
}

// noBackoff is r without its waits between attempts, so that tests of retries take no time.
func noBackoff(r aws.Retryer) aws.Retryer { return retry.AddWithMaxBackoffDelay(r, 0) }
