// Package vendorapi is the client of the monitoring vendor's HTTP API that the reference pipeline
// exports: groups, the devices of each group, and each device's metrics for one day.
//
// The API it speaks (and that [github.com/skeinhq/skein/functions/vendorapi/vendortest] serves):
//
//	GET {base}/groups?limit=N[&page_token=T]               {"groups":[{"id","name"}],"next_page_token":"T2"}
//	GET {base}/groups/{id}/devices?limit=N[&page_token=T]  {"devices":[{"id","name"}],"next_page_token":""}
//	GET {base}/devices/{id}/metrics?date=yyyy-mm-dd         {"device","date","series":[{"name","unit","points":[{"t","v"}]}]}
//
// Every request carries "Authorization: Bearer <token>". An empty next_page_token ends a listing.
//
// # Errors
//
// Every failure is one of five types, classified with errors.As (never by message text). Their
// Go type names are the error names Step Functions matches in Retry and Catch, because the Lambda
// Go runtime reports a returned error's type name as its errorType (aws-lambda-go, lambda/errors.go):
//
//	*ThrottledError  HTTP 429                      retry with backoff (honour RetryAfter)
//	*ServerError     HTTP 5xx                      retry with backoff
//	*TransportError  no answer, or deadline hit    retry with backoff
//	*ClientError     any other HTTP 4xx            do not retry
//	*DecodeError     2xx that is not the JSON      do not retry
//
// [ErrNameThrottled] and the other constants, [RetryableErrorNames] and [PermanentErrorNames]
// spell those names for the workflow definition.
//
// # Defaults
//
// The zero value of each [Config] field but BaseURL and Token is a default: page size 100,
// 3 attempts per call, a 1 s safety margin before the context deadline, waits capped at 10 s,
// first backoff 100 ms doubling with full jitter when the vendor sends no Retry-After.
//
// Inside one invocation a call is retried at most MaxAttempts times, and only while the wait
// (Retry-After when the vendor sends one, otherwise the jittered backoff) ends before the
// deadline minus the margin and is at most MaxRetryWait; after that the typed error is returned
// so that the workflow's Retry (with its own backoff, outside the Lambda bill) takes over.
// The context deadline is the Lambda invocation deadline (aws-lambda-go sets it on the handler's
// context from the Lambda-Runtime-Deadline-Ms header).
//
// # Pacing
//
// A context made with [WithPacer] paces every HTTP request the client sends with it: each page
// of a listing and each retry (after the Retry-After or the backoff) first waits for the
// pacer, and frees its place when the answer is in. The vendor worker puts one fresh pacer
// (functions/pace, the invocation's share of the vendor's budget) on each invocation's
// context. A refused wait is a *TransportError, retryable.
//
// # Escape hatches
//
// Config.HTTPClient takes any *http.Client (proxies, TLS settings, instrumented transports).
// The token is kept out of fmt and slog output ([Config.String], [Config.LogValue]).
//
// References: HTTP 429 and Retry-After, RFC 6585 section 4 and RFC 9110 section 10.2.3;
// Step Functions error handling, https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html;
// Lambda Go errors, https://docs.aws.amazon.com/lambda/latest/dg/golang-exceptions.html.
package vendorapi
