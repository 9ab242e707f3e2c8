package awsenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/restjson"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// SSM makes the one SSM call the handlers need, GetParameter, in the SSM JSON protocol
// (awsJson1_1: POST /, X-Amz-Target AmazonSSM.GetParameter) signed with Signature Version 4.
// It stands in for service/ssm, whose client costs every handler that reads the vendor token
// about 0.3 MB of zip for the hundreds of operations it does not call.
type SSM struct {
	// Endpoint is the base URL. [NewSSM] sets AWS_ENDPOINT_URL_SSM, else AWS_ENDPOINT_URL, else
	// https://ssm.<region>.<partition's DNS suffix>.
	Endpoint string
	// Region signs the requests.
	Region string
	// Credentials sign the requests; nil is an error at the first call.
	Credentials aws.CredentialsProvider
	// HTTPClient sends them; nil means the SDK's default (awshttp.NewBuildableClient).
	HTTPClient aws.HTTPClient
	// Retryer decides which failures are retried and how long to wait; nil means the one the
	// SDK's clients build by default (standard mode, 3 attempts, exponential backoff with jitter
	// up to 20 s, a retry quota).
	Retryer aws.Retryer
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time
}

// NewSSM configures an [SSM] from cfg as ssm.NewFromConfig would: region, credentials, HTTP
// client, retryer (cfg.Retryer, else one from cfg.RetryMode and cfg.RetryMaxAttempts) and the
// endpoint override.
func NewSSM(cfg aws.Config) *SSM {
	c := &SSM{Region: cfg.Region, Credentials: cfg.Credentials, HTTPClient: cfg.HTTPClient, Endpoint: endpoint(cfg, "SSM")}
	if c.HTTPClient == nil {
		c.HTTPClient = awshttp.NewBuildableClient()
	}
	if c.Endpoint == "" {
		c.Endpoint = "https://ssm." + cfg.Region + "." + dnsSuffix(cfg.Region)
	}
	if cfg.Retryer != nil {
		c.Retryer = cfg.Retryer()
	} else {
		c.Retryer = defaultRetryer(cfg.RetryMode, cfg.RetryMaxAttempts)
	}
	return c
}

// defaultRetryer is the retryer the SDK's service clients build when aws.Config has none.
func defaultRetryer(mode aws.RetryMode, maxAttempts int) aws.Retryer {
	var opts []func(*retry.StandardOptions)
	if maxAttempts != 0 {
		opts = append(opts, func(o *retry.StandardOptions) { o.MaxAttempts = maxAttempts })
	}
	if mode == aws.RetryModeAdaptive {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) { o.StandardOptions = append(o.StandardOptions, opts...) })
	}
	return retry.NewStandard(opts...)
}

// dnsSuffix is the DNS suffix of the partition a region belongs to.
func dnsSuffix(region string) string {
	for _, p := range []struct{ prefix, suffix string }{
		{"cn-", "amazonaws.com.cn"},
		{"us-isob-", "sc2s.sgov.gov"},
		{"us-isof-", "csp.hci.ic.gov"},
		{"us-iso-", "c2s.ic.gov"},
		{"eu-isoe-", "cloud.adc-e.uk"},
		{"eusc-", "amazonaws.eu"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.suffix
		}
	}
	return "amazonaws.com"
}

// Parameter is the part of SSM's Parameter the handlers use.
type Parameter struct {
	Name    string
	Type    string // String, StringList or SecureString
	Value   string
	Version int64
}

// APIError is an error answer from SSM. It implements smithy.APIError, so the SDK's retryers and
// callers classify it by [APIError.Code] with errors.As.
type APIError struct {
	Code       string // the error shape, such as ThrottlingException
	Message    string
	StatusCode int
	RequestID  string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("ssm: %s (HTTP %d", e.Code, e.StatusCode)
	if e.RequestID != "" {
		s += ", request id " + e.RequestID
	}
	s += ")"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ErrorCode is the error shape's name.
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage is SSM's message.
func (e *APIError) ErrorMessage() string { return e.Message }

// ErrorFault is the server's for 5xx answers, the client's otherwise.
func (e *APIError) ErrorFault() smithy.ErrorFault {
	if e.StatusCode >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// HTTPStatusCode lets the retryer retry 5xx answers.
func (e *APIError) HTTPStatusCode() int { return e.StatusCode }

var _ smithy.APIError = (*APIError)(nil)

// ParameterNotFoundError: no parameter has that name (SSM ParameterNotFound).
type ParameterNotFoundError struct {
	Name string
	Err  *APIError
}

func (e *ParameterNotFoundError) Error() string {
	return fmt.Sprintf("the SSM parameter %s does not exist", e.Name)
}

func (e *ParameterNotFoundError) Unwrap() error { return e.Err }

// AccessDeniedError: the credentials may not read the parameter (SSM AccessDeniedException; the
// role lacks ssm:GetParameter on it, or kms:Decrypt on its key).
type AccessDeniedError struct {
	Name string
	Err  *APIError
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("access to the SSM parameter %s is denied (ssm:GetParameter on it and kms:Decrypt on its key): %s", e.Name, e.Err.Message)
}

func (e *AccessDeniedError) Unwrap() error { return e.Err }

// getParameterTarget is the X-Amz-Target of GetParameter in the awsJson1_1 protocol.
const getParameterTarget = "AmazonSSM.GetParameter"

// maxResponse bounds what is read of an answer (a parameter value is at most 8 KB).
const maxResponse = 1 << 20

// GetParameter reads one parameter, decrypting a SecureString when withDecryption. Failures
// the retryer accepts (throttling, 5xx, connection errors) are retried; the errors are
// *ParameterNotFoundError, *AccessDeniedError, *APIError for other answers, and transport
// errors. No error carries the value.
func (c *SSM) GetParameter(ctx context.Context, name string, withDecryption bool) (*Parameter, error) {
	body, err := json.Marshal(struct {
		Name           string
		WithDecryption bool
	}{name, withDecryption})
	if err != nil {
		return nil, err
	}
	var p *Parameter
	err = withRetries(ctx, c.Retryer, "ssm: GetParameter", func() error {
		var err error
		p, err = c.attempt(ctx, body)
		return err
	})
	if err != nil {
		return nil, classify(name, err)
	}
	return p, nil
}

// classify turns SSM's answers for the parameter into the typed errors.
func classify(name string, err error) error {
	var api *APIError
	if errors.As(err, &api) {
		switch api.Code {
		case "ParameterNotFound":
			return &ParameterNotFoundError{Name: name, Err: api}
		case "AccessDeniedException":
			return &AccessDeniedError{Name: name, Err: api}
		}
	}
	return err
}

// attempt signs and sends one request.
func (c *SSM) attempt(ctx context.Context, body []byte) (*Parameter, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("ssm: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", getParameterTarget)
	sum := sha256.Sum256(body)
	resp, err := signAndSend(ctx, c.HTTPClient, c.Credentials, v4.NewSigner(), c.Now, req, hex.EncodeToString(sum[:]), "ssm", c.Region)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, &smithyhttp.RequestSendError{Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if resp.StatusCode/100 != 2 {
		return nil, apiError(resp, b)
	}
	var out struct{ Parameter *Parameter }
	if err := json.Unmarshal(b, &out); err != nil || out.Parameter == nil {
		// Never the body: it may hold the value.
		return nil, fmt.Errorf("ssm: GetParameter answered HTTP %d with no parameter", resp.StatusCode)
	}
	return out.Parameter, nil
}

// apiError reads an awsJson1_1 error answer as the SDK does: the code from X-Amzn-ErrorType, else
// the body's code or __type, without namespace (before #) or suffix (after :).
func apiError(resp *http.Response, body []byte) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-RequestId")}
	code, msg, _ := restjson.GetErrorInfo(json.NewDecoder(bytes.NewReader(body)))
	e.Message = msg
	if h := resp.Header.Get("X-Amzn-ErrorType"); h != "" {
		e.Code = restjson.SanitizeErrorCode(h)
	} else {
		e.Code = code
	}
	if e.Code == "" {
		e.Code = "UnknownError"
	}
	return e
}
