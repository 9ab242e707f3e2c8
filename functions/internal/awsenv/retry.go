package awsenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// withRetries calls attempt until it succeeds or r refuses another try: the loop of the SDK's
// retry middleware (aws/retry.Attempt), without its metrics. what names the call in the error
// for a retry quota that cannot be taken. nil r means [defaultRetryer]. The last attempt's error
// is returned, in a *retry.MaxAttemptsError when the attempts ran out.
func withRetries(ctx context.Context, r aws.Retryer, what string, attempt func() error) error {
	if r == nil {
		r = defaultRetryer("", 0)
	}
	releaseRetry := func(error) error { return nil }
	maxAttempts := r.MaxAttempts()
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var releaseAttempt func(error) error
		if r2, ok := r.(aws.RetryerV2); ok {
			var err error
			if releaseAttempt, err = r2.GetAttemptToken(ctx); err != nil {
				return fmt.Errorf("%s: failed to get retry Send token, %w", what, err)
			}
		} else {
			releaseAttempt = r.GetInitialToken()
		}
		err := attempt()
		_ = releaseRetry(err)
		_ = releaseAttempt(err)
		if err == nil {
			return nil
		}
		if !r.IsErrorRetryable(err) {
			return err
		}
		if maxAttempts > 0 && n >= maxAttempts {
			return &retry.MaxAttemptsError{Attempt: n, Err: err}
		}
		var qerr error
		if releaseRetry, qerr = r.GetRetryToken(ctx, err); qerr != nil {
			return errors.Join(err, qerr)
		}
		delay, derr := r.RetryDelay(n, err)
		if derr != nil {
			return derr
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return &aws.RequestCanceledError{Err: ctx.Err()}
		case <-t.C:
		}
	}
}

// signAndSend signs req for service with SigV4 over the payload's SHA-256 (hex) and sends it,
// the one attempt of the S3 and SSM clients. A request that could not be sent is a
// *smithyhttp.RequestSendError, which the retryer retries as a connection error; a canceled
// context is a *smithy.CanceledError, which it does not.
func signAndSend(ctx context.Context, hc aws.HTTPClient, creds aws.CredentialsProvider, signer *v4.Signer, now func() time.Time, req *http.Request, payloadHash, service, region string) (*http.Response, error) {
	if creds == nil {
		return nil, fmt.Errorf("%s: no credentials", service)
	}
	cr, err := creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: retrieving credentials: %w", service, err)
	}
	if now == nil {
		now = time.Now
	}
	if err := signer.SignHTTP(ctx, cr, req, payloadHash, service, region, now().UTC()); err != nil {
		return nil, fmt.Errorf("%s: signing: %w", service, err)
	}
	if hc == nil {
		hc = awshttp.NewBuildableClient()
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &smithy.CanceledError{Err: ctx.Err()}
		}
		return nil, &smithyhttp.RequestSendError{Err: err}
	}
	return resp, nil
}
