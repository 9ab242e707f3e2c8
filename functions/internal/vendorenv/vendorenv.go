// Package vendorenv builds the vendor API client at a handler's start: its settings from the
// environment and its bearer token from an SSM SecureString parameter, read once with
// service/ssm's client. It is apart from awsenv so that handlers that do not call the vendor do
// not link service/ssm (about 0.2 MB of zip and 2 ms of start-up, measured by
// BenchmarkHandlerStartup in functions/internal/lambdatest).
//
// # IAM
//
// [Token] calls ssm:GetParameter with decryption: the function's role needs ssm:GetParameter on
// the parameter and kms:Decrypt on its key (aws/ssm by default).
package vendorenv

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/skeinhq/skein/functions/internal/awsenv"
	"github.com/skeinhq/skein/functions/pipeline/layout"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// Vendor builds the vendor client from VENDOR_URL and the token in the SSM parameter named by
// VENDOR_TOKEN_PARAM; VENDOR_MAX_ATTEMPTS (1..10) and VENDOR_PAGE_SIZE (1..1000) are optional.
// Problems with the variables are collected in v; the token is read, with service/ssm's client
// from cfg, only when they are valid.
func Vendor(ctx context.Context, v *awsenv.Vars, cfg aws.Config) (*vendorapi.Client, error) {
	url := v.Required(layout.EnvVendorURL, "the vendor API base URL")
	param := v.Required(layout.EnvVendorTokenParam, "the name of the SSM SecureString parameter holding the vendor token")
	attempts := v.Int(layout.EnvVendorMaxAttempts, 0, 1, vendorapi.MaxAttemptsMax)
	page := v.Int(layout.EnvVendorPageSize, 0, 1, vendorapi.MaxPageSize)
	if err := v.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	token, err := Token(ctx, ssm.NewFromConfig(cfg), param)
	if err != nil {
		return nil, err
	}
	return vendorapi.New(vendorapi.Config{BaseURL: url, Token: token, MaxAttempts: attempts, PageSize: page})
}

// ParameterGetter reads SSM parameters; *ssm.Client satisfies it.
type ParameterGetter interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

var _ ParameterGetter = (*ssm.Client)(nil)

// Token reads the SecureString parameter name with decryption. The value is returned, never
// logged or put in an error. The SDK's errors are wrapped: a missing parameter is a
// *types.ParameterNotFound, a refusal a smithy.APIError with the code AccessDeniedException
// (the role lacks ssm:GetParameter on the parameter, or kms:Decrypt on its key).
func Token(ctx context.Context, c ParameterGetter, name string) (string, error) {
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
