package sfnlocal

import (
	"errors"
	"fmt"
)

// Error names Step Functions uses (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
const (
	ErrAll                        = "States.ALL"
	ErrRuntime                    = "States.Runtime"
	ErrTaskFailed                 = "States.TaskFailed"
	ErrTimeout                    = "States.Timeout"
	ErrHeartbeatTimeout           = "States.HeartbeatTimeout"
	ErrPermissions                = "States.Permissions"
	ErrResultPathMatchFailure     = "States.ResultPathMatchFailure"
	ErrParameterPathFailure       = "States.ParameterPathFailure"
	ErrBranchFailed               = "States.BranchFailed"
	ErrNoChoiceMatched            = "States.NoChoiceMatched"
	ErrExceedToleratedFailure     = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed           = "States.ItemReaderFailed"
	ErrResultWriterFailed         = "States.ResultWriterFailed"
	ErrDataLimitExceeded          = "States.DataLimitExceeded"
	ErrLambdaServiceException     = "Lambda.ServiceException"
	ErrLambdaResourceNotFound     = "Lambda.ResourceNotFoundException"
	ErrLambdaTooManyRequests      = "Lambda.TooManyRequestsException"
	ErrLambdaUnknown              = "Lambda.Unknown"
	ErrExecutionAlreadyExists     = "StepFunctions.ExecutionAlreadyExistsException"
	ErrStateMachineDoesNotExist   = "StepFunctions.StateMachineDoesNotExistException"
	ErrS3NoSuchKey                = "S3.NoSuchKeyException"
	ErrS3NoSuchBucket             = "S3.NoSuchBucketException"
	ErrSqsQueueDoesNotExist       = "SQS.QueueDoesNotExistException"
	maxPayloadBytes               = 256 * 1024
	maxHistoryEvents              = 25000
	maxDistributedConcurrency     = 10000
	defaultDistributedConcurrency = 1000
)

// ExecutionError is how an execution (or a state) failed: the error name and cause Step Functions
// reports in ExecutionFailed, a Catch's {"Error","Cause"} object and the CLI's failure line.
// Classify it with errors.As:
//
//	var ee *sfnlocal.ExecutionError
//	if errors.As(err, &ee) && ee.Name == sfnlocal.ErrTimeout { ... }
//
// (The field is Name rather than Error because a Go type cannot have both a field and a method
// called Error.)
type ExecutionError struct {
	// Name is the error name, what AWS calls "error": "States.TaskFailed", a Fail state's Error,
	// a Lambda function's errorType...
	Name string `json:"error"`
	// Cause is the human-readable cause, what AWS calls "cause".
	Cause string `json:"cause"`
}

func (e *ExecutionError) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

func newErr(name, format string, args ...any) *ExecutionError {
	return &ExecutionError{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// asExecErr turns any error into an ExecutionError, keeping an existing one.
func asExecErr(err error, fallback string) *ExecutionError {
	var ee *ExecutionError
	if errors.As(err, &ee) {
		return ee
	}
	return &ExecutionError{Name: fallback, Cause: err.Error()}
}

// DefinitionError reports every problem found in a definition at once. Each problem names the
// state (as a path such as "States.Fetch.Retry[0].MaxAttempts"), the rule and the value given.
type DefinitionError struct {
	Problems []string
}

func (e *DefinitionError) Error() string {
	msg := "invalid state machine definition:"
	for _, p := range e.Problems {
		msg += "\n  - " + p
	}
	return msg
}
