// Package metrics writes CloudWatch metrics from skein's handlers in the embedded metric format
// (EMF): one JSON log line per flush, with an "_aws" member that tells CloudWatch Logs which
// members of the line are metrics, under which namespace and dimensions. No API call is made:
// Lambda sends the function's standard output to CloudWatch Logs, which extracts the metrics
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
//
// An [Emitter] holds the namespace, the dimensions every line carries (such as the function)
// and the writer; [Emitter.Start] opens a [Set] for one invocation with its own dimensions (such
// as the operation). Handlers add to the Set ([Set.Add] sums a counter, [Set.Observe] records a
// value such as a latency) and [Set.Flush] writes it. A nil *Emitter and a nil *Set do nothing,
// so handlers built without metrics need no branch. [With] and [From] carry a Set on a context.
//
// # Defaults
//
// An empty Namespace means [DefaultNamespace]; [FromEnv] reads [EnvNamespace] (the worker sets
// it per stage). A nil writer means os.Stdout.
//
// # Limits
//
// The specification's rules are enforced when a line is built, and a Set that breaks one is
// not written ([Set.Flush] returns the error): a namespace of 1..255 characters, not starting
// with ":" and not only whitespace; at most 30 dimensions; metric names of 1..255 characters
// that do not collide with a dimension or "_aws"; units from [Units]; finite values. A Set with
// more than 100 metrics is written as several lines (at most 100 metrics per directive), and a
// metric with more than 100 observed values as several lines (at most 100 values each).
package metrics
