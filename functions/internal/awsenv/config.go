package awsenv

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWS builds the AWS configuration from the variables the Lambda runtime sets, recording every
// problem in v (check [Vars.Err] before using the result):
//
//   - region: AWS_REGION, else AWS_DEFAULT_REGION; one of them is required;
//   - credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (required), AWS_SESSION_TOKEN
//     (optional), as static credentials: Lambda sets them from the function's role for the
//     lifetime of the execution environment;
//   - endpoints: AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SSM, ...), else
//     AWS_ENDPOINT_URL, ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; unset means
//     AWS's own endpoint for the region;
//   - retries: the SDK's default (standard) retryer; AWS_RETRY_MODE (standard or adaptive) and
//     AWS_MAX_ATTEMPTS (1..20; zero or unset means the retryer's default of 3) change it.
//
// It replaces config.LoadDefaultConfig, whose credential chain (shared config and credentials
// files, SSO, web identity, STS assume-role, container and IMDS providers) costs every handler
// about 0.55 MB of zip for providers a Lambda function never uses.
func AWS(v *Vars) aws.Config {
	// One HTTP client for every service client of the handler, as LoadDefaultConfig gives.
	cfg := aws.Config{HTTPClient: awshttp.NewBuildableClient()}
	cfg.Region = v.value("AWS_REGION")
	if cfg.Region == "" {
		cfg.Region = v.value("AWS_DEFAULT_REGION")
	}
	switch {
	case cfg.Region == "":
		v.errs = append(v.errs, fmt.Errorf("env AWS_REGION is required (the function's region; Lambda sets it)"))
	case !validRegion(cfg.Region):
		v.errs = append(v.errs, fmt.Errorf("env AWS_REGION must be a region name such as us-east-1, got %q", cfg.Region))
	}

	id, secret := v.value("AWS_ACCESS_KEY_ID"), v.value("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		v.errs = append(v.errs, fmt.Errorf("env AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required (Lambda sets them from the function's role)"))
	}
	cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, v.value("AWS_SESSION_TOKEN"))

	switch m := strings.ToLower(v.value("AWS_RETRY_MODE")); m {
	case "":
	case string(aws.RetryModeStandard), string(aws.RetryModeAdaptive):
		cfg.RetryMode = aws.RetryMode(m)
	default:
		v.errs = append(v.errs, fmt.Errorf("env AWS_RETRY_MODE must be standard or adaptive, got %q", m))
	}
	cfg.RetryMaxAttempts = v.Int("AWS_MAX_ATTEMPTS", 0, 1, 20)

	e := &Endpoints{lookup: v.lookup, Ignore: v.Bool("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")}
	for _, name := range []string{"AWS_ENDPOINT_URL", endpointVar("S3"), endpointVar("SSM")} {
		if s := v.value(name); s != "" && !validEndpoint(s) {
			v.errs = append(v.errs, fmt.Errorf("env %s must be an absolute http or https URL, got %q", name, s))
		}
	}
	if g := v.value("AWS_ENDPOINT_URL"); g != "" && !e.Ignore {
		cfg.BaseEndpoint = aws.String(g)
	}
	// The service clients' NewFromConfig look for a GetServiceBaseEndpoint method on each
	// config source, as they do on the SDK's own environment configuration.
	cfg.ConfigSources = []any{e}
	return cfg
}

// Endpoints holds the endpoint overrides from the environment. [AWS] puts one in
// aws.Config.ConfigSources, where the SDK's service clients look for service-specific endpoints.
type Endpoints struct {
	lookup func(string) (string, bool)
	// Ignore is AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: every override is ignored. False (the
	// default) honours them.
	Ignore bool
}

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_<sdkID> (upper case, spaces as underscores).
func (e *Endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if e == nil || e.Ignore || e.lookup == nil {
		return "", false, nil
	}
	s, _ := e.lookup(endpointVar(sdkID))
	s = strings.TrimSpace(s)
	return s, s != "", nil
}

// GetIgnoreConfiguredEndpoints reports AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func (e *Endpoints) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	if e == nil {
		return false, false, nil
	}
	return e.Ignore, true, nil
}

// endpoint returns the override for service sdkID from cfg: the service-specific one, else
// cfg.BaseEndpoint (AWS_ENDPOINT_URL), else "".
func endpoint(cfg aws.Config, sdkID string) string {
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(interface {
			GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
		}); ok {
			if s, found, err := p.GetServiceBaseEndpoint(context.Background(), sdkID); found && err == nil {
				return s
			}
		}
	}
	return aws.ToString(cfg.BaseEndpoint)
}

func endpointVar(sdkID string) string {
	return "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_"))
}

func validEndpoint(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// validRegion accepts a DNS label: the region becomes part of a host name.
func validRegion(r string) bool {
	if len(r) > 63 || r[0] == '-' || r[len(r)-1] == '-' {
		return false
	}
	for _, c := range r {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// value returns a variable, trimmed; unset means "".
func (v *Vars) value(name string) string {
	s, _ := v.lookup(name)
	return strings.TrimSpace(s)
}
