// Package sqsbatch is the handler side of a skein queue: it processes the records of one SQS
// event with bounded concurrency and returns the partial batch response Lambda expects, so that
// only the records that failed go back to the queue.
//
//	func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
//		return sqsbatch.Process(ctx, ev, h.fetch, nil)
//	}
//
// What it guarantees:
//
//   - a record whose handler returns an error, whose body does not decode ([DecodeError]) or
//     whose handler panics ([PanicError]) is reported in BatchItemFailures by its message id; the
//     other records of the batch are not retried;
//   - a FIFO batch (the event source ARN ends in ".fifo", or the records carry a MessageGroupId)
//     processes each message group in order, and stops a group at its first failure: that record
//     and every later record of the same group are reported ([SkippedError] for the later ones),
//     so SQS redelivers them in order; other groups carry on;
//   - when the context is done (the function is about to time out), no new record starts, and
//     every record not started is reported ([NotProcessedError]);
//   - when every record fails, Process returns a [*BatchError] as well, so Lambda retries the whole
//     batch instead of deleting nothing record by record (and the failure shows in the function's
//     Errors metric);
//   - every failure is logged once through log/slog with its message id (and group id for FIFO).
//
// Partial batch responses only work when the event source mapping reports them
// (FunctionResponseTypes ReportBatchItemFailures); skein's queue.Subscribe turns that on by
// default. See https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html.
//
// # Defaults
//
// Zero [Options] (or nil) mean 10 records at a time (10 message groups at a time for FIFO) and
// slog.Default() for logging. Bodies are decoded with encoding/json into the record type T; use
// [ProcessMessages] to receive the raw message instead.
//
// # Escape hatches
//
// [ProcessMessages] hands the handler the whole events.SQSMessage (attributes, message
// attributes, receipt handle). Every error type carries the message id and unwraps to its cause,
// so callers classify failures with errors.As.
package sqsbatch
