package awsenv

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/skeinhq/skein/functions/vendorapi"
)

// Vendor builds the vendor client from VENDOR_URL and the token in the SSM parameter named by
// VENDOR_TOKEN_PARAM; VENDOR_MAX_ATTEMPTS (1..10) and VENDOR_PAGE_SIZE (1..1000) are optional.
// Problems with the variables are collected in v; the token is read only when they are valid.
func Vendor(ctx context.Context, v *Vars, cfg aws.Config) (*vendorapi.Client, error) {
	url := v.Required("VENDOR_URL", "the vendor API base URL")
	param := v.Required("VENDOR_TOKEN_PARAM", "the name of the SSM SecureString parameter holding the vendor token")
	attempts := v.Int("VENDOR_MAX_ATTEMPTS", 0, 1, vendorapi.MaxAttemptsMax)
	page := v.Int("VENDOR_PAGE_SIZE", 0, 1, vendorapi.MaxPageSize)
	if err := v.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	token, err := VendorToken(ctx, NewSSM(cfg), param)
	if err != nil {
		return nil, err
	}
	return vendorapi.New(vendorapi.Config{BaseURL: url, Token: token, MaxAttempts: attempts, PageSize: page})
}
