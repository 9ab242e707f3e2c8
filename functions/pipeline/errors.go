package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/skeinhq/skein/functions/vendorapi"
)

// Error names Step Functions sees for the errors this package returns (the Lambda Go runtime
// reports the Go type name; a test checks it through the real runtime loop). The vendor's own
// names are in package vendorapi (ThrottledError, ServerError, TransportError: retry;
// ClientError, DecodeError: do not retry).
const (
	// ErrNameInput: the event does not have the documented shape. Do not retry.
	ErrNameInput = "InputError"
	// ErrNameStorage: an S3 call failed. Retry with backoff.
	ErrNameStorage = "StorageError"
	// ErrNameRetryableBatch: fetch-metrics could not finish some items of a batch for reasons
	// that may pass (throttling, 5xx, no answer, S3, deadline). The other items are stored. Retry
	// with backoff; on a retry the stored items are skipped.
	ErrNameRetryableBatch = "RetryableBatchError"
	// ErrNameItemsFailed: items of a batch failed for reasons a retry cannot fix (the vendor
	// answered 4xx or nonsense, the item is malformed). The other items are stored. Do not
	// retry; the Distributed Map counts the batch against its tolerance and its ResultWriter
	// records the batch input with this error.
	ErrNameItemsFailed = "ItemsFailedError"
	// ErrNamePayloadTooLarge: a result would exceed the 256 KiB Step Functions payload limit.
	ErrNamePayloadTooLarge = "PayloadTooLargeError"
)

// RetryableErrorNames returns every error name the pipeline's handlers return that a workflow
// should retry with backoff (vendor and pipeline names), a fresh slice on every call.
func RetryableErrorNames() []string {
	return append(vendorapi.RetryableErrorNames(), ErrNameStorage, ErrNameRetryableBatch)
}

// PermanentErrorNames returns the error names that must not be retried, a fresh slice on every
// call.
func PermanentErrorNames() []string {
	return append(vendorapi.PermanentErrorNames(), ErrNameInput, ErrNameItemsFailed, ErrNamePayloadTooLarge, ErrNameTooManyFailures)
}

// Problem is one invalid input field.
type Problem struct {
	Field string `json:"field"`
	Rule  string `json:"rule"`
	Value string `json:"value"`
}

// InputError lists every problem found in a handler's input. It is never retried.
type InputError struct {
	Problems []Problem
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("%s %s, got %q", p.Field, p.Rule, p.Value)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

func inputError(field, rule, value string) *InputError {
	return &InputError{Problems: []Problem{{Field: field, Rule: rule, Value: value}}}
}

// joinInput merges the problems of every *InputError in errs into one; other errors are
// returned as they are (the first one). Nil when errs has no error.
func joinInput(errs ...error) error {
	var all []Problem
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			return err
		}
		all = append(all, ie.Problems...)
	}
	if len(all) == 0 {
		return nil
	}
	return &InputError{Problems: all}
}

// StorageError is a failed S3 call. Op is the S3 operation, Err the SDK's error.
type StorageError struct {
	Op     string
	Bucket string
	Key    string
	Err    error
}

func (e *StorageError) Error() string {
	return fmt.Sprintf("s3 %s s3://%s/%s: %v", e.Op, e.Bucket, e.Key, e.Err)
}

func (e *StorageError) Unwrap() error { return e.Err }

// PayloadTooLargeError is a result above the Step Functions payload limit.
type PayloadTooLargeError struct {
	Bytes, Limit int
	Hint         string
}

func (e *PayloadTooLargeError) Error() string {
	return fmt.Sprintf("result of %d bytes exceeds the %d-byte Step Functions payload limit: %s", e.Bytes, e.Limit, e.Hint)
}

// MaxPayloadBytes is the Step Functions payload limit (256 KiB).
const MaxPayloadBytes = 256 * 1024

// ItemFailure is one item that did not complete, with its error name (as Step Functions would
// name it) and message.
type ItemFailure struct {
	Item    Item   `json:"item"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

// maxCauseBytes keeps an error message below Step Functions' 32,768-character Cause limit.
const maxCauseBytes = 30000

// batchMessage formats failures as a sentence followed by their JSON, truncated to fit a Cause.
func batchMessage(failures []ItemFailure, total int) string {
	head := fmt.Sprintf("%d of %d items failed: ", len(failures), total)
	list := failures
	for {
		b, _ := json.Marshal(list)
		msg := head + string(b)
		if len(list) < len(failures) {
			msg += fmt.Sprintf(" (and %d more)", len(failures)-len(list))
		}
		if len(msg) <= maxCauseBytes || len(list) == 0 {
			return msg
		}
		list = list[:len(list)/2]
	}
}

// RetryableBatchError is returned by fetch-metrics when some items failed for reasons that may
// pass. Failures lists every unfinished item (permanent failures of the same batch included);
// Succeeded counts the stored ones.
type RetryableBatchError struct {
	Failures  []ItemFailure
	Succeeded int
	Total     int
}

func (e *RetryableBatchError) Error() string { return batchMessage(e.Failures, e.Total) }

// ItemsFailedError is returned by fetch-metrics when every failed item of the batch failed
// permanently.
type ItemsFailedError struct {
	Failures  []ItemFailure
	Succeeded int
	Total     int
}

func (e *ItemsFailedError) Error() string { return batchMessage(e.Failures, e.Total) }

// errorName is the name Step Functions would see for err returned as is.
func errorName(err error) string { return vendorapi.Name(err) }
