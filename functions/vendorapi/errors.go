package vendorapi

import (
	"errors"
	"fmt"
	"time"
)

// Error names as Step Functions sees them. The Lambda Go runtime (aws-lambda-go, lambda/errors.go)
// reports a returned error's Go type name without package or pointer as the errorType, and Step
// Functions uses that errorType as the error name matched by Retry and Catch. These constants
// must therefore equal the type names below; a test checks that they do.
const (
	ErrNameThrottled = "ThrottledError" // HTTP 429: retry with backoff
	ErrNameServer    = "ServerError"    // HTTP 5xx: retry with backoff
	ErrNameTransport = "TransportError" // no HTTP answer (connection, timeout): retry with backoff
	ErrNameClient    = "ClientError"    // other HTTP 4xx: do not retry
	ErrNameAuth      = "AuthError"      // HTTP 401/403: do not retry, and fail the whole batch
	ErrNameDecode    = "DecodeError"    // a 2xx answer that is not the documented JSON: do not retry
)

// RetryableErrorNames returns the error names a workflow should list in a Retry with backoff
// (a fresh slice on every call).
func RetryableErrorNames() []string {
	return []string{ErrNameThrottled, ErrNameServer, ErrNameTransport}
}

// PermanentErrorNames returns the error names a workflow should not retry (catch them instead),
// a fresh slice on every call.
func PermanentErrorNames() []string { return []string{ErrNameClient, ErrNameAuth, ErrNameDecode} }

// ThrottledError is an HTTP 429 answer that is still there after the client's own bounded
// retries. RetryAfter is the vendor's Retry-After (zero when absent).
type ThrottledError struct {
	Method, URL string
	RetryAfter  time.Duration
	Attempts    int    // HTTP requests made for this call, the last one included
	Body        string // the start of the response body
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("vendor: %s %s: throttled (HTTP 429) after %d attempt(s); retry after %v; body: %q",
		e.Method, e.URL, e.Attempts, e.RetryAfter, e.Body)
}

// ServerError is an HTTP 5xx answer that is still there after the client's own bounded retries.
type ServerError struct {
	Method, URL string
	StatusCode  int
	RetryAfter  time.Duration // the vendor's Retry-After, zero when absent
	Attempts    int
	Body        string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("vendor: %s %s: server error (HTTP %d) after %d attempt(s); body: %q",
		e.Method, e.URL, e.StatusCode, e.Attempts, e.Body)
}

// ClientError is an HTTP 4xx answer other than 429 (bad token, unknown device, bad request). It
// is never retried: the same request would get the same answer.
type ClientError struct {
	Method, URL string
	StatusCode  int
	Body        string
}

func (e *ClientError) Error() string {
	return fmt.Sprintf("vendor: %s %s: client error (HTTP %d), not retried; body: %q", e.Method, e.URL, e.StatusCode, e.Body)
}

// AuthError is an HTTP 401 or 403 answer: the token is missing, revoked or lacks access. It is
// never retried, and it is about the caller, not the item: a handler must not capture it as one
// item's failure, or a revoked token would turn a whole run into "failed devices" and a green
// execution.
type AuthError struct {
	Method, URL string
	StatusCode  int
	Body        string
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("vendor: %s %s: not authorised (HTTP %d), not retried: check the token and its access; body: %q", e.Method, e.URL, e.StatusCode, e.Body)
}

// TransportError is a call that got no HTTP answer: connection refused or reset, or the call's
// deadline (the Lambda deadline minus the safety margin) passed. Err is the underlying error.
type TransportError struct {
	Method, URL string
	Attempts    int
	Err         error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("vendor: %s %s: no answer after %d attempt(s): %v", e.Method, e.URL, e.Attempts, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// DecodeError is a 2xx answer whose body is not the documented JSON.
type DecodeError struct {
	Method, URL string
	Err         error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("vendor: %s %s: decoding the answer: %v", e.Method, e.URL, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Retryable reports whether err (or an error it wraps) is one the workflow should retry.
func Retryable(err error) bool {
	var t *ThrottledError
	var s *ServerError
	var n *TransportError
	return errors.As(err, &t) || errors.As(err, &s) || errors.As(err, &n)
}

// Name returns the error name Step Functions would report for err when a handler returns it as
// is: the Go type name of err itself (not of what it wraps), aws-lambda-go's rule.
func Name(err error) string {
	switch err.(type) {
	case *ThrottledError:
		return ErrNameThrottled
	case *ServerError:
		return ErrNameServer
	case *TransportError:
		return ErrNameTransport
	case *ClientError:
		return ErrNameClient
	case *AuthError:
		return ErrNameAuth
	case *DecodeError:
		return ErrNameDecode
	}
	return typeName(err)
}
