package awsenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
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
