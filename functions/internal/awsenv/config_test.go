package awsenv_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/skeinhq/skein/functions/internal/awsenv"
)

func lambdaEnv(extra map[string]string) map[string]string {
	m := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "tok"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestAWSFromLambdaEnvironment(t *testing.T) {
	v := awsenv.FromMap(lambdaEnv(map[string]string{"AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:9/ssm"}))
	cfg := awsenv.AWS(v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "AKID" || c.SecretAccessKey != "secret" || c.SessionToken != "tok" {
		t.Errorf("credentials %+v %v", c, err)
	}
	if cfg.Region != "eu-west-1" || cfg.BaseEndpoint != nil || cfg.Retryer != nil {
		t.Errorf("config %+v", cfg)
	}
	if got := awsenv.NewSSM(cfg).Endpoint; got != "http://127.0.0.1:9/ssm" {
		t.Errorf("SSM endpoint %s", got)
	}
	if got := awsenv.NewSSM(awsenv.AWS(awsenv.FromMap(lambdaEnv(nil)))).Endpoint; got != "https://ssm.eu-west-1.amazonaws.com" {
		t.Errorf("default SSM endpoint %s", got)
	}
	v = awsenv.FromMap(lambdaEnv(map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-west-2", "AWS_ENDPOINT_URL": "http://global:1",
		"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "5"}))
	cfg = awsenv.AWS(v)
	if v.Err() != nil || cfg.Region != "us-west-2" || aws.ToString(cfg.BaseEndpoint) != "http://global:1" ||
		cfg.RetryMode != aws.RetryModeAdaptive || cfg.RetryMaxAttempts != 5 {
		t.Errorf("config %+v %v", cfg, v.Err())
	}
	if got := awsenv.NewSSM(cfg).Endpoint; got != "http://global:1" {
		t.Errorf("SSM endpoint from AWS_ENDPOINT_URL: %s", got)
	}
	if got := awsenv.NewSSM(cfg).Retryer.MaxAttempts(); got != 5 {
		t.Errorf("max attempts %d", got)
	}
	v = awsenv.FromMap(lambdaEnv(map[string]string{"AWS_ENDPOINT_URL_SSM": "http://x:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}))
	if got := awsenv.NewSSM(awsenv.AWS(v)).Endpoint; got != "https://ssm.eu-west-1.amazonaws.com" {
		t.Errorf("ignored override: %s", got)
	}
}

func TestAWSReportsEverythingAtOnce(t *testing.T) {
	v := awsenv.FromMap(map[string]string{"AWS_RETRY_MODE": "eager", "AWS_MAX_ATTEMPTS": "0", "AWS_ENDPOINT_URL_S3": "localhost:9000"})
	awsenv.AWS(v)
	for _, want := range []string{"env AWS_REGION is required", "env AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required",
		`AWS_RETRY_MODE must be standard or adaptive, got "eager"`, `AWS_MAX_ATTEMPTS must be an integer 1..20, got "0"`,
		`AWS_ENDPOINT_URL_S3 must be an absolute http or https URL, got "localhost:9000"`} {
		if err := v.Err(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	v = awsenv.FromMap(lambdaEnv(map[string]string{"AWS_REGION": "us-east-1/../x"}))
	awsenv.AWS(v)
	if err := v.Err(); err == nil || !strings.Contains(err.Error(), "AWS_REGION must be a region name") {
		t.Errorf("bad region: %v", err)
	}
}

// The SDK's S3 client finds AWS_ENDPOINT_URL_S3 in the configuration AWS builds.
func TestS3EndpointOverride(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		w.Header().Set("Content-Length", "0")
	}))
	defer srv.Close()
	v := awsenv.FromMap(lambdaEnv(map[string]string{"AWS_ENDPOINT_URL_S3": srv.URL, "AWS_ENDPOINT_URL_SSM": "http://not-s3:1"}))
	c := awsenv.NewS3(awsenv.AWS(v), true)
	if _, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if path != "/data/k" {
		t.Errorf("path %q", path)
	}
}
