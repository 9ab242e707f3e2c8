package workflow

import (
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Definition is a state machine (or a Map processor, or a Parallel branch): where to start and the
// states by name. Names are unique across the whole state machine, nested scopes included.
type Definition struct {
	// Comment is a human-readable description; zero means none.
	Comment string
	// StartAt names the first state; required.
	StartAt string
	// States holds every state of this scope by name (1..80 characters).
	States States
	// Timeout is the execution's time limit, a whole number of seconds; zero means none (a
	// Standard execution then runs up to one year, an Express one up to five minutes).
	// Only used on the top-level definition.
	Timeout time.Duration
}

// States maps state names to states.
type States map[string]State

// State is one of *Task, *Map, *Parallel, *Choice, *Pass, *Wait, *Succeed, *Fail.
type State interface {
	// stateType returns the ASL Type; the interface is closed so every state can be validated.
	stateType() string
}

// Discard is the path that renders as JSON null. Given as an InputPath, OutputPath or ResultPath,
// the state receives {}, emits {}, or discards its result and passes its input through
// (ResultPath).
const Discard = "null"

// IO holds the input and output processing fields shared by most states. Each zero value means
// the ASL default: "$" (the whole input, the whole output, the result replaces the input).
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html
type IO struct {
	// InputPath selects the part of the state input to use; zero means "$".
	InputPath string
	// OutputPath selects the part of the state output to pass on; zero means "$".
	OutputPath string
}

// Task runs one unit of work: invoke a worker, send a message to a queue, start a nested workflow
// or any other Step Functions service integration.
type Task struct {
	Comment string
	// Call is what the task does; required. See [Invoke], [SendMessage], [StartWorkflow] and
	// [Service].
	Call Call
	IO
	// Parameters shapes the payload sent to the call (keys ending in ".$" are paths); zero means
	// the whole effective input.
	Parameters map[string]any
	// ResultSelector reshapes the call's result before ResultPath; zero means the raw result.
	ResultSelector map[string]any
	// ResultPath places the result in the input; zero means "$" (replace), Discard keeps the input.
	ResultPath string
	// Timeout is the task's time limit (whole seconds); zero means the Step Functions default
	// (60 s for local engines, none for a Standard workflow on AWS). For a worker it should not
	// be below the function's own timeout.
	Timeout time.Duration
	// Heartbeat is the heartbeat interval (whole seconds, below Timeout); zero means none.
	Heartbeat time.Duration
	// Retry replaces the call's default retriers when not nil (an empty, non-nil slice means no
	// retries at all). Invoking a worker retries Lambda's transient errors by default; see
	// [DefaultWorkerRetry].
	Retry []Retry
	// AlsoRetry is appended after the retriers in effect (the defaults or Retry).
	AlsoRetry []Retry
	// Catch routes errors that are still there after the retries to other states.
	Catch []Catch
	// Next names the following state; End marks a terminal state. Exactly one of them is set.
	Next string
	End  bool
}

// Map runs its Processor once per item of a list. Inline (Distributed nil) runs up to 40
// iterations at a time inside the execution; Distributed runs each item (or batch) as a child
// execution, up to 10,000 at a time, reading items from S3 and writing results to S3.
type Map struct {
	Comment string
	IO
	// ItemsPath selects the array to iterate over in the input (inline mode); zero means "$".
	ItemsPath string
	// ItemSelector shapes each item's input; zero means the item itself. "$$.Map.Item.Value" and
	// "$$.Map.Item.Index" are the item and its index.
	ItemSelector map[string]any
	// Processor is the sub-workflow each item runs through; required.
	Processor Definition
	// MaxConcurrency bounds the iterations (child executions) running at once: 0..40 inline,
	// 0..10,000 distributed. Zero means the smallest ReservedConcurrency of the workers the
	// Processor invokes (at any depth) when they reserve any, divided by the iterations the
	// Maps around this one run at once, otherwise 40 inline and 1,000 distributed (the default
	// Lambda concurrency quota of an account), so that a fan-out never overruns what it calls
	// by default. A Distributed Map over a worker that reserves nothing must set it.
	MaxConcurrency int
	// DeadLetter, when set, captures every item whose processing still fails after its retries:
	// the item's input, error and cause are sent to this queue as {"input","error","cause"} and
	// the iteration ends successfully with {"error","cause"}, so the other items continue.
	DeadLetter Queue
	// Distributed, when set, makes this a Distributed Map.
	Distributed *Distributed
	// ResultSelector reshapes the array of results; zero means the array itself.
	ResultSelector map[string]any
	// ResultPath places the results in the input; zero means "$", Discard keeps the input.
	ResultPath string
	Retry      []Retry
	Catch      []Catch
	Next       string
	End        bool
}

// ExecutionType is the type of a state machine or of a Distributed Map's child executions.
type ExecutionType string

// Execution types.
const (
	Standard ExecutionType = "STANDARD"
	Express  ExecutionType = "EXPRESS"
)

// Distributed configures a Distributed Map.
// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
type Distributed struct {
	// ExecutionType of the child executions; zero means Express (cheaper, at most five minutes
	// each, at-least-once). Standard children are exactly-once and can run up to a year.
	ExecutionType ExecutionType
	// Reader reads the items from S3; zero means the array at the Map's ItemsPath.
	Reader *ItemReader
	// Batcher groups items into batches, one child execution per batch; zero means one item per
	// child execution.
	Batcher *ItemBatcher
	// Writer writes the results (SUCCEEDED, FAILED and PENDING files and a manifest) to S3; zero
	// means results come back in the state output, which must then stay under 256 KiB.
	Writer *ResultWriter
	// ToleratedFailurePercentage is the share of failed items (0..100) the Map tolerates before
	// failing; zero means none.
	ToleratedFailurePercentage float64
	// ToleratedFailureCount is the number of failed items the Map tolerates before failing; zero
	// means none.
	ToleratedFailureCount int
	// Label names the Map Run's child executions (up to 40 characters, no whitespace, brackets,
	// wildcards, punctuation marks or control characters); zero means the state name.
	Label string
}

// ReaderSource is what an ItemReader reads.
type ReaderSource string

// Reader sources.
const (
	// ListObjects lists the objects under Bucket/Prefix (s3:listObjectsV2); each item is one
	// object's metadata (Key, Size, ETag, LastModified, StorageClass).
	ListObjects ReaderSource = "LIST_OBJECTS"
	// JsonArray reads a JSON file holding an array (s3:getObject, InputType JSON).
	JsonArray ReaderSource = "JSON"
	// JsonLines reads a JSON Lines file (s3:getObject, InputType JSONL).
	JsonLines ReaderSource = "JSONL"
	// CSV reads a CSV file (s3:getObject, InputType CSV); each row is an object keyed by header.
	CSV ReaderSource = "CSV"
	// Manifest reads an S3 inventory manifest.json (s3:getObject, InputType MANIFEST); each item
	// is one object listed by the inventory.
	Manifest ReaderSource = "MANIFEST"
)

// ItemReader reads a Distributed Map's items from S3.
// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
type ItemReader struct {
	// Source is what to read; required.
	Source ReaderSource
	// Bucket is the bucket name (not its ARN); required.
	Bucket pulumi.StringInput
	// Key is the object key of the file (JSON, JSONL, CSV, manifest); for those, exactly one of
	// Key and KeyPath is required.
	Key string
	// KeyPath reads the object key from the state input at run time (a reference path such as
	// "$.manifest.key", rendered as "Key.$"), for files whose key is only known then (a manifest
	// per day). Not for Manifest, whose data folder the role must know in advance. Zero means
	// Key.
	KeyPath string
	// Prefix restricts ListObjects to keys under it; zero means the whole bucket. With KeyPath it
	// is the prefix every key the path can hold starts with, and scopes the role's s3:GetObject
	// to bucket/Prefix*; zero then means any key of the bucket.
	Prefix string
	// CSVHeaders are the column names when the file has no header row; zero means the first row
	// holds them.
	CSVHeaders []string
	// CSVDelimiter is COMMA, PIPE, SEMICOLON, SPACE or TAB; zero means COMMA.
	CSVDelimiter string
	// MaxItems limits how many items are read (1..100,000,000); zero means all.
	MaxItems int
}

// ItemBatcher groups a Distributed Map's items into batches.
type ItemBatcher struct {
	// MaxItemsPerBatch is the most items in one batch (1..100,000,000); zero means no count
	// limit (MaxInputBytesPerBatch must then be set).
	MaxItemsPerBatch int
	// MaxInputBytesPerBatch is the most bytes in one batch (1..262,144); zero means no byte limit
	// beyond the 256 KiB payload quota.
	MaxInputBytesPerBatch int
	// BatchInput is added to every batch as BatchInput; zero means none.
	BatchInput map[string]any
}

// ResultWriter writes a Distributed Map's results to S3.
type ResultWriter struct {
	// Bucket is the bucket name (not its ARN); required.
	Bucket pulumi.StringInput
	// Prefix is the key prefix of the results; zero means the bucket root.
	Prefix string
}

// Parallel runs branches at the same time and outputs the array of their outputs.
type Parallel struct {
	Comment string
	IO
	// Branches are the sub-workflows; at least one.
	Branches       []Definition
	Parameters     map[string]any
	ResultSelector map[string]any
	ResultPath     string
	Retry          []Retry
	Catch          []Catch
	Next           string
	End            bool
}

// Choice branches on the input: the first rule that matches names the next state, otherwise
// Default (an execution fails with States.NoChoiceMatched when there is no Default).
type Choice struct {
	Comment string
	IO
	// Choices are tried in order; at least one.
	Choices []Rule
	// Default names the state to go to when no rule matches; zero means none.
	Default string
}

// Rule is one branch of a Choice.
type Rule struct {
	Comment string
	// Condition is a [Compare], [And], [Or] or [Not].
	Condition Condition
	// Next names the state to go to when Condition holds.
	Next string
}

// Pass passes its input (or Result) to its output, optionally reshaped.
type Pass struct {
	Comment string
	IO
	Parameters map[string]any
	// Result is a fixed result; nil means none (the effective input is the result).
	Result     any
	ResultPath string
	Next       string
	End        bool
}

// Wait pauses the execution. Exactly one of Seconds, Timestamp, SecondsPath, TimestampPath.
type Wait struct {
	Comment string
	IO
	// Seconds to wait (0..99,999,999, and at most 300 in Express executions, which end after
	// five minutes; a Standard execution ends after a year); used when the other fields are
	// zero.
	Seconds int
	// Timestamp waits until an RFC 3339 time.
	Timestamp string
	// SecondsPath and TimestampPath read the wait from the input.
	SecondsPath   string
	TimestampPath string
	Next          string
	End           bool
}

// Succeed ends the execution (or the branch, or the iteration) successfully.
type Succeed struct {
	Comment string
	IO
}

// Fail ends the execution with an error and a cause.
type Fail struct {
	Comment string
	// Error is the error name; zero means none.
	Error string
	// Cause is a human-readable message; zero means none.
	Cause string
	// ErrorPath and CausePath read them from the input instead.
	ErrorPath string
	CausePath string
}

func (*Task) stateType() string     { return "Task" }
func (*Map) stateType() string      { return "Map" }
func (*Parallel) stateType() string { return "Parallel" }
func (*Choice) stateType() string   { return "Choice" }
func (*Pass) stateType() string     { return "Pass" }
func (*Wait) stateType() string     { return "Wait" }
func (*Succeed) stateType() string  { return "Succeed" }
func (*Fail) stateType() string     { return "Fail" }

// Retry is one retrier. https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
type Retry struct {
	// ErrorEquals lists the error names it matches ("States.ALL" alone matches everything);
	// required.
	ErrorEquals []string
	// Interval before the first retry (whole seconds, 1..99,999,999); zero means 1 s.
	Interval time.Duration
	// MaxAttempts is the number of retries (0..99,999,999; 0 means never retry); nil means 3.
	// Set it with pulumi.IntRef(n).
	MaxAttempts *int
	// BackoffRate multiplies the interval after each attempt (1.0..); zero means 2.0.
	BackoffRate float64
	// MaxDelay caps the interval (whole seconds, 1..31,622,400); zero means no cap.
	MaxDelay time.Duration
	// FullJitter randomises each interval between zero and its computed value (JitterStrategy
	// FULL), so that retries of many items do not arrive together.
	FullJitter bool
}

// Catch is one catcher.
type Catch struct {
	// ErrorEquals lists the error names it matches; required.
	ErrorEquals []string
	// Next names the state to go to; required.
	Next string
	// ResultPath places the error output ({"Error","Cause"}) in the input; zero means "$"
	// (replace the input), Discard keeps the input without the error.
	ResultPath string
}
