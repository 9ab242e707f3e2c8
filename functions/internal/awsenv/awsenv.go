// Package awsenv is the start-up wiring shared by the handlers' main packages: reading and
// validating environment variables (every problem at once), building the AWS SDK's S3 and SSM
// clients, and reading the vendor token from an SSM SecureString parameter once.
//
// # Defaults
//
// [AWS] is config.LoadDefaultConfig: region, the role's credentials (environment variables, or
// the container credentials endpoint that SnapStart functions use), AWS_ENDPOINT_URL_<SERVICE>
// and AWS_ENDPOINT_URL overrides, AWS_RETRY_MODE and AWS_MAX_ATTEMPTS for the SDK's retryer, and
// every other setting the SDK reads, exactly as a user's own handler gets them. [NewS3] and
// [NewSSM] are service/s3's and service/ssm's clients from that configuration.
//
// S3_USE_PATH_STYLE=true switches the S3 client to path-style addressing (local S3 servers).
// LOG_LEVEL is DEBUG, INFO (default), WARN or ERROR.
//
// # IAM
//
// [VendorToken] calls ssm:GetParameter with decryption: the function's role needs
// ssm:GetParameter on the parameter and kms:Decrypt on its key (aws/ssm by default).
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Vars reads environment variables and collects every problem.
type Vars struct {
	lookup func(string) (string, bool)
	errs   []error
}

// FromOS reads the process environment.
func FromOS() *Vars { return &Vars{lookup: os.LookupEnv} }

// FromMap reads a map (tests).
func FromMap(m map[string]string) *Vars {
	return &Vars{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

// Required returns a non-empty variable.
func (v *Vars) Required(name, what string) string {
	s, _ := v.lookup(name)
	if strings.TrimSpace(s) == "" {
		v.errs = append(v.errs, fmt.Errorf("env %s is required (%s)", name, what))
	}
	return s
}

// Int returns an optional integer in lo..hi; unset or empty means def.
func (v *Vars) Int(name string, def, lo, hi int) int {
	s, ok := v.lookup(name)
	if !ok || s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		v.errs = append(v.errs, fmt.Errorf("env %s must be an integer %d..%d, got %q", name, lo, hi, s))
		return def
	}
	return n
}

// Bool returns an optional boolean (strconv.ParseBool); unset or empty means false.
func (v *Vars) Bool(name string) bool {
	s, ok := v.lookup(name)
	if !ok || s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		v.errs = append(v.errs, fmt.Errorf("env %s must be true or false, got %q", name, s))
	}
	return b
}

// Level returns LOG_LEVEL.
func (v *Vars) Level() slog.Level {
	s, _ := v.lookup("LOG_LEVEL")
	switch strings.ToUpper(s) {
	case "", "INFO":
		return slog.LevelInfo
	case "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	}
	v.errs = append(v.errs, fmt.Errorf("env LOG_LEVEL must be DEBUG, INFO, WARN or ERROR, got %q", s))
	return slog.LevelInfo
}

// Err returns every problem found, or nil.
func (v *Vars) Err() error { return errors.Join(v.errs...) }

// ParameterGetter reads SSM parameters; *ssm.Client satisfies it.
type ParameterGetter interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

var _ ParameterGetter = (*ssm.Client)(nil)

// VendorToken reads the SecureString parameter name with decryption. The value is returned,
// never logged or put in an error. The SDK's errors are wrapped: a missing parameter is a
// *types.ParameterNotFound, a refusal a smithy.APIError with the code AccessDeniedException
// (the role lacks ssm:GetParameter on the parameter, or kms:Decrypt on its key).
func VendorToken(ctx context.Context, c ParameterGetter, name string) (string, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("reading the vendor token parameter %s: %w", name, err)
	}
	if out == nil || out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
		return "", fmt.Errorf("the vendor token parameter %s is empty", name)
	}
	if t := out.Parameter.Type; t != "" && t != types.ParameterTypeSecureString {
		return "", fmt.Errorf("the vendor token parameter %s must be a SecureString, it is a %s", name, t)
	}
	return aws.ToString(out.Parameter.Value), nil
}
