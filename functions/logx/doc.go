// Package logx builds the JSON loggers of skein's Lambda handlers: log/slog's JSON handler plus,
// on every line logged with a context, the Lambda request id ("requestId", from
// lambdacontext) and the correlation id ("correlationId": the execution id or the item id) set
// on that context with [WithCorrelation].
//
// Handlers log with the *Context methods (InfoContext, ErrorContext) so the ids are added.
//
// # Defaults
//
// [New] writes to the given writer at the given level; a nil writer means os.Stdout, which
// Lambda sends to CloudWatch Logs. Lines carry "time", "level", "msg", then the ids, then the
// call's attributes.
//
// # Escape hatches
//
// [Wrap] adds the ids to any slog.Handler (text, another JSON sink, a test recorder).
//
// Secrets are never logged by the handlers: the vendor token is read once at start-up and
// only its parameter name appears in logs.
package logx
